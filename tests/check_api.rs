//! Goal: the checker's contract beyond single verdicts: clear errors for bad input, limits,
//! round trips, generated histories accepted, a deterministic step budget, and failing sets
//! that stay small inside large histories.

use raftlab::check::history::limits;
use raftlab::check::{
    CheckConfig, GenerateConfig, History, HistoryError, Input, Operation, Output, Verdict,
    check_history, check_json, from_json, generate_linearizable, to_json,
};

fn put(client: u64, call: u64, ret: u64, key: &str, value: &str) -> Operation {
    Operation {
        client,
        call,
        ret: Some(ret),
        key: key.to_string(),
        input: Input::Put {
            value: value.to_string(),
        },
        output: Some(Output::Put),
    }
}

fn get(client: u64, call: u64, ret: u64, key: &str, value: Option<&str>) -> Operation {
    Operation {
        client,
        call,
        ret: Some(ret),
        key: key.to_string(),
        input: Input::Get,
        output: Some(Output::Get {
            value: value.map(str::to_string),
        }),
    }
}

fn generated(ops: usize, keys: u64, seed: u64, unknown_per_mille: u64) -> History {
    generate_linearizable(&GenerateConfig {
        ops,
        clients: 10,
        keys,
        unknown_per_mille,
        seed,
    })
    .expect("generated histories are valid")
}

#[test]
fn syntax_errors_name_line_and_column() {
    let error = from_json("{\"version\": 1,\n \"ops\": [\n {\"client\": 1,, }]}").unwrap_err();
    match error {
        HistoryError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 15)),
        other => panic!("expected a syntax error, got {other}"),
    }
    let error = from_json("{\"version\": 1, \"ops\": [{\"client\": \"one\"}]}").unwrap_err();
    assert!(error.to_string().starts_with("line 1 column"), "{error}");
    assert!(error.to_string().contains("invalid type"), "{error}");
    let error = from_json("{\"version\": 1, \"ops\": [], \"extra\": 0}").unwrap_err();
    assert!(
        error.to_string().contains("unknown field `extra`"),
        "{error}"
    );
}

#[test]
fn rule_errors_name_the_operation_and_field() {
    let cases = [
        (
            r#"{"client": 1, "call": 5, "return": 4, "kind": "put", "key": "x", "input": {"value": "1"}}"#,
            "ops[1].return: returns at 4, before its call at 5",
        ),
        (
            r#"{"client": 1, "call": 5, "return": 6, "kind": "get", "key": "x"}"#,
            "ops[1].output: a returned get needs an output",
        ),
        (
            r#"{"client": 1, "call": 5, "return": 6, "kind": "get", "key": "x", "output": {}}"#,
            "ops[1].output.value: a returned get needs `value`",
        ),
        (
            r#"{"client": 1, "call": 5, "kind": "get", "key": "x", "output": {"value": "1"}}"#,
            "ops[1].output: an operation without `return`",
        ),
        (
            r#"{"client": 1, "call": 5, "kind": "cas", "key": "x", "input": {"value": "1"}}"#,
            "ops[1].input.expect: a cas needs `expect`",
        ),
        (
            r#"{"client": 1, "call": 5, "return": 6, "kind": "delete", "key": "x", "output": {"deleted": 2}}"#,
            "ops[1].output.deleted: a single-key delete removes 0 or 1 keys, not 2",
        ),
        (
            r#"{"client": 1, "call": 5, "return": 6, "kind": "put", "key": "x", "input": {"value": "1"}, "output": {"succeeded": true}}"#,
            "ops[1].output: a put's output must be empty",
        ),
    ];
    let good = r#"{"client": 1, "call": 0, "return": 1, "kind": "get", "key": "x", "output": {"value": null}}"#;
    for (bad, expected) in cases {
        let text = format!("{{\"version\": 1, \"ops\": [{good}, {bad}]}}");
        let error = from_json(&text).unwrap_err().to_string();
        assert!(error.starts_with(expected), "{bad}\n  gave: {error}");
    }
}

#[test]
fn versions_and_limits_are_enforced() {
    let error = from_json(r#"{"version": 2, "ops": []}"#).unwrap_err();
    assert_eq!(error, HistoryError::Version { found: 2 });
    let long_key = "k".repeat(limits::KEY_BYTES_MAX + 1);
    let error = History::new(vec![put(1, 0, 1, &long_key, "v")]).unwrap_err();
    assert!(
        error.to_string().starts_with("ops[0].key: 4097 bytes"),
        "{error}"
    );
    let long_value = "v".repeat(limits::VALUE_BYTES_MAX + 1);
    let error = History::new(vec![get(1, 0, 1, "k", Some(&long_value))]).unwrap_err();
    assert!(
        error.to_string().starts_with("ops[0].output.value"),
        "{error}"
    );
    let too_many = vec![get(1, 0, 1, "k", None); limits::OPS_MAX + 1];
    assert!(matches!(
        History::new(too_many),
        Err(HistoryError::TooLarge { .. })
    ));
}

#[test]
fn json_round_trips_including_unknown_outcomes_and_odd_strings() {
    let mut history = generated(300, 5, 7, 100).ops().to_vec();
    history.push(put(99, 1000, 1001, "\u{0}\"quoted\"\n<b>", "\u{202e}\\"));
    let history = History::new(history).expect("valid");
    assert_eq!(from_json(&to_json(&history)), Ok(history));
}

#[test]
fn generated_histories_are_linearizable() {
    for seed in 0..20 {
        let history = generated(2000, 20, seed, 20);
        let report = check_history(&history, &CheckConfig::default());
        assert_eq!(report.verdict, Verdict::Ok, "seed {seed}");
    }
}

/// Many concurrent writes, then a read of a value no one wrote: proving it impossible means
/// trying every order of the writes, far more than the small budget allows.
fn hard_history() -> History {
    let mut ops: Vec<Operation> = (0..18)
        .map(|client| put(client, client, 100, "x", &format!("v{client}")))
        .collect();
    ops.push(get(99, 200, 210, "x", Some("nobody wrote this")));
    History::new(ops).expect("valid")
}

#[test]
fn step_budget_yields_unknown_deterministically() {
    let config = CheckConfig {
        steps_max_per_key: 5_000,
        shrink_steps_max: 5_000,
        steps_max_total: 1_000_000,
    };
    let history = hard_history();
    let first = check_history(&history, &config);
    assert_eq!(first.verdict, Verdict::Unknown);
    assert_eq!(first.steps, 5_000);
    for _ in 0..3 {
        assert_eq!(check_history(&history, &config), first);
    }
    // A history that is fine on one key and over budget on another is still unknown, and a
    // violation on any key wins over unknown.
    let mut ops = history.ops().to_vec();
    ops.push(put(1, 0, 1, "y", "1"));
    let mixed = check_history(&History::new(ops.clone()).expect("valid"), &config);
    assert_eq!(mixed.verdict, Verdict::Unknown);
    ops.push(get(1, 5, 6, "z", Some("ghost")));
    let mixed = check_history(&History::new(ops).expect("valid"), &config);
    assert_eq!(mixed.verdict, Verdict::Violation);
}

#[test]
fn the_total_budget_bounds_the_whole_check() {
    // Three hard keys and, last in key order, a plainly violated one.
    let mut ops = Vec::new();
    for key in ["a", "b", "c"] {
        for op in hard_history().ops() {
            ops.push(Operation {
                key: key.to_string(),
                ..op.clone()
            });
        }
    }
    ops.push(put(1, 0, 1, "d", "1"));
    ops.push(put(1, 2, 3, "d", "2"));
    ops.push(get(2, 4, 5, "d", Some("1")));
    let history = History::new(ops).expect("valid");
    let config = CheckConfig {
        steps_max_per_key: 4_000,
        shrink_steps_max: 4_000,
        steps_max_total: 10_000,
    };
    let report = check_history(&history, &config);
    let steps: Vec<u64> = report.keys.iter().map(|key| key.steps).collect();
    assert_eq!(steps, [4_000, 4_000, 2_000, 0]);
    assert_eq!(report.verdict, Verdict::Unknown);
    assert_eq!(check_history(&history, &config), report, "deterministic");
    // With just enough budget left for deciding it, key d is a proven violation, explained
    // by its whole history since nothing is left for shrinking.
    let d_alone = History::new(history.ops()[history.len() - 3..].to_vec()).expect("valid");
    let d_steps = check_history(&d_alone, &CheckConfig::default()).steps;
    let config = CheckConfig {
        steps_max_total: 12_000 + d_steps,
        ..config
    };
    let report = check_history(&history, &config);
    assert_eq!(report.verdict, Verdict::Violation);
    let (_, violation) = report.violations().next().expect("key d");
    assert_eq!(violation.failing_ops.len(), 3);
    assert!(!violation.shrink_complete);
}

#[test]
fn stale_read_in_a_large_history_shrinks_to_a_small_failing_set() {
    let mut ops = generated(3000, 3, 11, 0).ops().to_vec();
    let end = ops.iter().filter_map(|op| op.ret).max().unwrap_or(0);
    // After everything: write a fresh value, then read the one before it.
    ops.push(put(100, end + 10, end + 20, "k0", "fresh"));
    ops.push(put(100, end + 30, end + 40, "k0", "fresher"));
    ops.push(get(101, end + 50, end + 60, "k0", Some("fresh")));
    let history = History::new(ops).expect("valid");
    let report = check_history(&history, &CheckConfig::default());
    assert_eq!(report.verdict, Verdict::Violation);
    let violations: Vec<_> = report.violations().collect();
    assert_eq!(violations.len(), 1);
    let (key, violation) = violations[0];
    assert_eq!(key.key, "k0");
    assert!(key.op_count > 900, "k0 has {} operations", key.op_count);
    let last = history.len() - 1;
    // "put fresher, then a read of anything else" fails whatever came before: the earlier
    // put of "fresh" and the other 1000 operations on k0 are not needed.
    assert_eq!(
        violation.failing_ops,
        vec![last - 1, last],
        "{}",
        raftlab::check::render_text(&history, &report)
    );
    assert!(violation.any_initial_value);
    assert!(violation.shrink_complete);
}

#[test]
fn check_json_is_the_one_call_for_the_page() {
    let report = check_json(&to_json(&generated(500, 5, 3, 50))).expect("valid");
    assert_eq!(report.verdict, Verdict::Ok);
    assert_eq!(report.keys.len(), 5);
    let names: Vec<&str> = report.keys.iter().map(|key| key.key.as_str()).collect();
    assert_eq!(names, ["k0", "k1", "k2", "k3", "k4"]);
    assert!(check_json("not json").is_err());
}

#[test]
fn the_documented_example_is_the_one_in_the_corpus() {
    let docs = include_str!("../docs/history-format.md");
    let start = docs.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + docs[start..].find("```").expect("block end");
    let corpus = include_str!("histories/violation-doc-example.json");
    assert_eq!(
        &docs[start..end],
        corpus,
        "docs/history-format.md and the corpus file differ"
    );
    let report = check_json(corpus).expect("the documented example is valid");
    assert_eq!(report.verdict, Verdict::Violation);
    let text = raftlab::check::render_text_with_budget(&from_json(corpus).expect("valid"), &report);
    assert!(
        docs.contains(&text),
        "the documented report is out of date:\n{text}"
    );
    // The second JSON block is the report as data.
    let rest = &docs[end..];
    let start = rest.find("```json\n").expect("a second json block") + "```json\n".len();
    let block = &rest[start..start + rest[start..].find("```").expect("block end")];
    let mut documented: serde_json::Value = serde_json::from_str(block).expect("valid JSON");
    let mut actual = serde_json::to_value(&report).expect("serializable");
    // Shrinking effort changes whenever the shrinker gets smarter; the rest must match.
    for report in [&mut documented, &mut actual] {
        report["keys"][0]["violation"]["shrink_steps"] = serde_json::Value::Null;
        report["budget"]["steps_spent"] = serde_json::Value::Null;
    }
    assert_eq!(
        documented, actual,
        "the documented report JSON is out of date"
    );
}

#[test]
fn stale_read_in_the_middle_of_a_busy_key_shrinks_to_the_read_and_its_overwrite() {
    // Ten clients on one key never leave it quiet, so the shrinker must cut at busy moments.
    for seed in [23, 25] {
        let mut ops = generate_linearizable(&GenerateConfig {
            ops: 1000,
            clients: 10,
            keys: 1,
            unknown_per_mille: 0,
            seed,
        })
        .expect("valid")
        .ops()
        .to_vec();
        let stale = (500..ops.len())
            .find(|&index| matches!(ops[index].output, Some(Output::Get { value: Some(_) })))
            .expect("a read in the second half");
        let old = ops[..300]
            .iter()
            .rev()
            .find_map(|op| match (&op.input, op.ret) {
                (Input::Put { value }, Some(_)) => Some(value.clone()),
                _ => None,
            })
            .expect("an early write");
        ops[stale].output = Some(Output::Get { value: Some(old) });
        let history = History::new(ops).expect("valid");
        let report = check_history(&history, &CheckConfig::default());
        let (_, violation) = report.violations().next().expect("a violation");
        assert_eq!(violation.failing_ops.len(), 2, "seed {seed}: {violation:?}");
        assert_eq!(violation.failing_ops.last(), Some(&stale), "seed {seed}");
        assert!(violation.shrink_complete && violation.any_initial_value);
    }
}
