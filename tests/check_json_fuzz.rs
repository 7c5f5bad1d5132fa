//! Goal: the history reader never panics, whatever it is given: arbitrary text, arbitrary JSON
//! built from the format's own field names, and valid files with random edits. Whatever it
//! accepts, the checker can check and the writer writes back unchanged.

use proptest::prelude::*;
use raftlab::check::{CheckConfig, check_history, from_json, to_json};

const VALID: &str = r#"{"version": 1, "description": "x", "ops": [
 {"client": 1, "call": 0, "return": 10, "kind": "put", "key": "x", "input": {"value": "1"}},
 {"client": 2, "call": 5, "kind": "cas", "key": "x", "input": {"expect": null, "value": "2"}},
 {"client": 3, "call": 12, "return": 20, "kind": "get", "key": "x", "output": {"value": "1"}},
 {"client": 3, "call": 22, "return": 30, "kind": "delete", "key": "x", "output": {"deleted": 1}}
]}"#;

/// Whatever parses must check without panicking and round-trip through the writer.
fn accepted_is_usable(text: &str) -> Result<(), TestCaseError> {
    if let Ok(history) = from_json(text) {
        let _ = check_history(&history, &CheckConfig::default());
        let again = from_json(&to_json(&history));
        prop_assert_eq!(again.as_ref(), Ok(&history));
    }
    Ok(())
}

/// JSON values shaped like the format: its field names and kinds, with values of any type.
fn json_like() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|x| serde_json::Number::from_f64(x)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        prop_oneof![
            Just("put"),
            Just("get"),
            Just("delete"),
            Just("cas"),
            Just("x"),
            Just(""),
            Just("\u{0}\u{202e}<script>")
        ]
        .prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    let field = prop_oneof![
        Just("version"),
        Just("ops"),
        Just("client"),
        Just("call"),
        Just("return"),
        Just("kind"),
        Just("key"),
        Just("input"),
        Just("output"),
        Just("value"),
        Just("expect"),
        Just("deleted"),
        Just("succeeded"),
        Just("description"),
        Just("other")
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((field.clone(), inner), 0..8).prop_map(|pairs| {
                serde_json::Value::Object(
                    pairs
                        .into_iter()
                        .map(|(name, value)| (name.to_string(), value))
                        .collect(),
                )
            }),
        ]
    })
}

/// Operations with every required field present, holding values of the right type most of
/// the time, so that the rule checks after parsing (not only serde) get exercised.
fn nearly_valid_op() -> impl Strategy<Value = serde_json::Value> {
    let kind = prop_oneof![
        Just("put"),
        Just("get"),
        Just("delete"),
        Just("cas"),
        Just("nope")
    ];
    let text = prop_oneof![
        Just(serde_json::Value::Null),
        "[a-c]{0,2}".prop_map(serde_json::Value::from)
    ];
    let maybe =
        |value: BoxedStrategy<serde_json::Value>| prop_oneof![Just(None), value.prop_map(Some)];
    let input =
        (maybe(text.clone().boxed()), maybe(text.clone().boxed())).prop_map(|(value, expect)| {
            let mut object = serde_json::Map::new();
            if let Some(value) = value {
                object.insert("value".into(), value);
            }
            if let Some(expect) = expect {
                object.insert("expect".into(), expect);
            }
            serde_json::Value::Object(object)
        });
    let output = (
        maybe(text.boxed()),
        maybe((0..3u64).prop_map(serde_json::Value::from).boxed()),
        maybe(any::<bool>().prop_map(serde_json::Value::from).boxed()),
    )
        .prop_map(|(value, deleted, succeeded)| {
            let mut object = serde_json::Map::new();
            for (name, field) in [
                ("value", value),
                ("deleted", deleted),
                ("succeeded", succeeded),
            ] {
                if let Some(field) = field {
                    object.insert(name.into(), field);
                }
            }
            serde_json::Value::Object(object)
        });
    (
        0..3u64,
        0..20u64,
        prop::option::of(0..25u64),
        kind,
        "[xy]",
        prop::option::of(input),
        prop::option::of(output),
    )
        .prop_map(|(client, call, ret, kind, key, input, output)| {
            let mut op =
                serde_json::json!({"client": client, "call": call, "kind": kind, "key": key});
            if let Some(ret) = ret {
                op["return"] = ret.into();
            }
            if let Some(input) = input {
                op["input"] = input;
            }
            if let Some(output) = output {
                op["output"] = output;
            }
            op
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn nearly_valid_histories_never_panic(ops in prop::collection::vec(nearly_valid_op(), 0..8)) {
        let text = serde_json::json!({"version": 1, "ops": ops}).to_string();
        accepted_is_usable(&text)?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        accepted_is_usable(&text)?;
    }

    #[test]
    fn format_shaped_json_never_panics(ops in prop::collection::vec(json_like(), 0..6),
                                       version in prop_oneof![Just(1u64), any::<u64>()]) {
        let text = serde_json::json!({"version": version, "ops": ops}).to_string();
        accepted_is_usable(&text)?;
    }

    #[test]
    fn edited_valid_files_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, any::<char>()), 1..6)
    ) {
        let mut chars: Vec<char> = VALID.chars().collect();
        for (at, action, new) in edits {
            let position = at.index(chars.len() + 1);
            match action {
                0 => chars.insert(position, new),
                1 if position < chars.len() => { chars.remove(position); }
                _ if position < chars.len() => chars[position] = new,
                _ => {}
            }
        }
        let text: String = chars.into_iter().collect();
        accepted_is_usable(&text)?;
    }
}

#[test]
fn the_valid_sample_is_accepted() {
    let history = from_json(VALID).expect("the sample is valid");
    assert_eq!(history.len(), 4);
}
