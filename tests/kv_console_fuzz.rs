//! Goal: no console input can panic the parser, the executor or the printers, and every
//! syntax error renders with a caret inside (or just past) the line. Inputs are arbitrary
//! strings and, to reach deeper, sequences of etcdctl-like words mixed with noise.

use proptest::prelude::*;
use raftlab::kv::console::{LocalExecutor, parse_line, run_line};

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("put".to_string()),
        Just("get".to_string()),
        Just("del".to_string()),
        Just("txn".to_string()),
        Just("watch".to_string()),
        Just("compact".to_string()),
        Just("member".to_string()),
        Just("list".to_string()),
        Just("endpoint".to_string()),
        Just("status".to_string()),
        Just("help".to_string()),
        Just("etcdctl".to_string()),
        Just("ETCDCTL_API=3".to_string()),
        Just("--prefix".to_string()),
        Just("--from-key".to_string()),
        Just("--prev-kv".to_string()),
        Just("--keys-only".to_string()),
        Just("--count-only".to_string()),
        Just("-w".to_string()),
        Just("json".to_string()),
        Just("--rev=2".to_string()),
        Just("--limit".to_string()),
        Just("--".to_string()),
        Just("'mod(\"k\") = \"2\"'".to_string()),
        Just("'put k v; get k --prefix'".to_string()),
        Just("'value(\"k\") != \"\"; ver(k) > 0'".to_string()),
        Just("\"a b\"".to_string()),
        Just("k".to_string()),
        Just("1".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just(";".to_string()),
        "[a-z0-9/()=<>!\"';\\\\ -]{0,8}",
        "\\PC{0,6}",
    ]
}

fn check_line(executor: &mut LocalExecutor, line: &str) -> Result<(), TestCaseError> {
    if let Err(error) = parse_line(line) {
        let rendered = error.render(line);
        prop_assert!(rendered.starts_with("Error: "));
        prop_assert!(rendered.contains('^'), "caret line present: {rendered}");
        prop_assert!(
            error.column <= line.chars().count() + 1,
            "caret inside or just past the line"
        );
    }
    let output = run_line(executor, line);
    prop_assert!(
        output.success
            || output.stderr.starts_with("Error: ")
            || output.stderr.starts_with("watch was canceled")
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(line in "\\PC{0,80}") {
        let mut executor = LocalExecutor::new();
        check_line(&mut executor, &line)?;
    }

    #[test]
    fn etcdctl_like_word_salad_never_panics(words in proptest::collection::vec(word(), 0..9)) {
        let mut executor = LocalExecutor::new();
        run_line(&mut executor, "put k v");
        let line = words.join(" ");
        check_line(&mut executor, &line)?;
        let glued = words.concat();
        check_line(&mut executor, &glued)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_apply(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut machine = raftlab::kv::KvStateMachine::new();
        let outcome = machine.apply(1, &bytes);
        prop_assert!(outcome.response.is_err());
    }
}
