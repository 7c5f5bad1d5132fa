//! Goal: the seed article's two commands, typed exactly as printed, parse and print what
//! etcdctl prints, in simple and in JSON output.

use raftlab::kv::console::{Action, LocalExecutor, parse_line, run_line};

const SEED_PUT: &str = "ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue";
const SEED_GET: &str = "ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 get mykey";

#[test]
fn seed_commands_parse_as_printed() {
    let put = parse_line(SEED_PUT).expect("parses").expect("not blank");
    assert_eq!(put.endpoint.as_deref(), Some("http://localhost:2379"));
    assert!(
        matches!(&put.action, Action::Put(request) if request.key == b"mykey" && request.value == b"myvalue")
    );
    let get = parse_line(SEED_GET).expect("parses").expect("not blank");
    assert!(
        matches!(&get.action, Action::Get { request, .. } if request.key == b"mykey" && request.range_end.is_empty())
    );
}

#[test]
fn seed_commands_print_like_etcdctl() {
    let mut executor = LocalExecutor::new();
    let put = run_line(&mut executor, SEED_PUT);
    assert_eq!(
        (put.stdout.as_str(), put.success),
        ("OK\n", true),
        "{put:?}"
    );
    let get = run_line(&mut executor, SEED_GET);
    assert_eq!(get.stdout, "mykey\nmyvalue\n", "{get:?}");
    let json = run_line(&mut executor, &format!("{SEED_GET} -w json"));
    let value: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("json output");
    assert_eq!(value["kvs"][0]["key"], "bXlrZXk=", "base64 of mykey");
    assert_eq!(
        value["kvs"][0]["value"], "bXl2YWx1ZQ==",
        "base64 of myvalue"
    );
    assert_eq!(value["kvs"][0]["create_revision"], 2);
    assert_eq!(value["kvs"][0]["version"], 1);
    assert_eq!(value["count"], 1);
    assert_eq!(value["header"]["revision"], 2);
}
