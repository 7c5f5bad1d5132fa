//! Goal: the seed article's two commands, typed exactly as printed, work and print what
//! etcdctl prints; a few more console lines print etcdctl-shaped output.

use raftlab::kv::console::{LocalExecutor, run_line};

#[test]
fn seed_commands_work_as_printed() {
    let mut executor = LocalExecutor::new();
    let put = run_line(
        &mut executor,
        "ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 put mykey myvalue",
    );
    assert_eq!(put.stdout, "OK\n", "{put:?}");
    assert!(put.success);
    let get = run_line(
        &mut executor,
        "ETCDCTL_API=3 etcdctl --endpoints=http://localhost:2379 get mykey",
    );
    assert_eq!(get.stdout, "mykey\nmyvalue\n", "{get:?}");
}

#[test]
fn smoke_print() {
    let mut executor = LocalExecutor::new();
    for line in [
        "put a 1",
        "put a 2 --prev-kv",
        "-w json get a",
        "txn 'mod(\"a\") = \"3\"' 'put a 3; get a' 'get a'",
        "txn 'mod(\"a\") = \"3\"' 'put a 3; get a' 'get a' -w json",
        "get a --rev=99",
        "get a --prfix",
        "watch a --rev=1",
        "watch a --rev=1 -w json",
        "member list",
        "endpoint status",
        "endpoint status -w json",
        "del a --prev-kv",
        "compact 3",
        "get a --rev=2",
        "txn 'mod(\"a\") = ' 'put a 3'",
    ] {
        let output = run_line(&mut executor, line);
        println!("$ {line}\n{}{}", output.stdout, output.stderr);
    }
}
