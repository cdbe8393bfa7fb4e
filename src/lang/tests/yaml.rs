//! YAML loading: YAML 1.1 scalars, positions, limits, parse errors.

use serde_json::{Value, json};

use super::{errs, ok};
use crate::yaml;
use crate::yaml::scalar::resolve_plain;

fn scalar(s: &str) -> Value {
    let doc = format!("k: {s}\n");
    let node = yaml::load(&doc).unwrap().unwrap();
    node.to_json()["k"].clone()
}

fn check(s: &str, expected: Value) {
    assert_eq!(scalar(s), expected, "scalar {s}");
}

#[test]
fn yaml11_booleans() {
    for t in [
        "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
    ] {
        check(t, json!(true));
    }
    for f in [
        "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
    ] {
        check(f, json!(false));
    }
    // Not booleans in PyYAML.
    for s in ["y", "n", "Y", "N", "yES", "tRUE", "oN"] {
        check(s, json!(s));
    }
    // Quoted and block scalars stay strings.
    check("'yes'", json!("yes"));
    check("\"on\"", json!("on"));
    check("|\n  yes", json!("yes\n"));
    check("!!str yes", json!("yes"));
}

#[test]
fn yaml11_numbers_and_null() {
    check("12", json!(12));
    check("-12", json!(-12));
    check("+7", json!(7));
    check("1_000", json!(1000));
    check("0x1F", json!(31));
    check("017", json!(15));
    check("0b101", json!(5));
    check("1:30", json!(90));
    check("0", json!(0));
    check("1.5", json!(1.5));
    check("-2.", json!(-2.0));
    check(".5", json!(0.5));
    check("1.0e+3", json!(1000.0));
    check("2.0", json!(2.0));
    // PyYAML needs a dot and a signed exponent for a float.
    check("1e3", json!("1e3"));
    check("1.0e3", json!("1.0e3"));
    check(".inf", json!(".inf"));
    check("~", Value::Null);
    check("null", Value::Null);
    check("Null", Value::Null);
    check("", Value::Null);
    check("'12'", json!("12"));
    check("!!int '12'", json!(12));
    check("!!float '1'", json!(1.0));
    check("1.2.3", json!("1.2.3"));
    check("0o17", json!("0o17"));
    check("2026-01-01", json!("2026-01-01"));
    assert_eq!(resolve_plain("08"), crate::yaml::Kind::Str("08".into()));
}

#[test]
fn integers_of_any_size_stay_exact() {
    let exact = |s: &str, digits: &str| {
        let v = scalar(s);
        assert_eq!(
            v.as_number().map(|n| n.as_str()),
            Some(digits),
            "scalar {s}"
        );
    };
    exact(
        "123456789012345678901234567890",
        "123456789012345678901234567890",
    );
    exact("-99999999999999999999999", "-99999999999999999999999");
    exact("18446744073709551616", "18446744073709551616");
    exact("-9223372036854775808", "-9223372036854775808");
    exact("0x1_0000_0000_0000_0000", "18446744073709551616");
    exact(
        "0b1_0000000000000000000000000000000000000000000000000000000000000000",
        "18446744073709551616",
    );
    exact("-0", "0");
    exact(
        "!!int '340282366920938463463374607431768211457'",
        "340282366920938463463374607431768211457",
    );
}

#[test]
fn keys_follow_pyyaml_then_json() {
    let node = yaml::load("on: 1\n1: 2\n~: 3\nyes_: 4\n").unwrap().unwrap();
    assert_eq!(
        node.to_json(),
        json!({"true": 1, "1": 2, "null": 3, "yes_": 4})
    );
}

#[test]
fn duplicate_keys_last_wins_first_position() {
    let node = yaml::load("a: 1\nb: 2\na: 3\n").unwrap().unwrap();
    assert_eq!(node.to_json().to_string(), r#"{"a":3,"b":2}"#);
}

#[test]
fn positions_are_one_based() {
    let node = yaml::load("a:\n  b: [1, 'x']\n").unwrap().unwrap();
    let a = &node.as_map().unwrap()["a"];
    assert_eq!((a.line, a.col), (1, 1));
    let b = &a.value.as_map().unwrap()["b"];
    assert_eq!((b.line, b.col), (2, 3));
    assert_eq!((b.value.line, b.value.col), (2, 6));
}

#[test]
fn anchors_and_aliases_are_plain_text_as_in_mistral() {
    let node = yaml::load("a: &x hello world\nb: *x\nc: [*x, &q y]\nd: @ops\ne: '*q'\n")
        .unwrap()
        .unwrap();
    assert_eq!(
        node.to_json(),
        json!({"a": "&x hello world", "b": "*x", "c": ["*x", "&q y"], "d": "@ops", "e": "*q"})
    );
    // An anchored mapping is text followed by a mapping: PyYAML refuses it.
    let e = errs("a: &x\n  k: 1\n");
    assert!(e[0].contains("Definition could not be parsed"), "{e:?}");
}

#[test]
fn parse_error_has_line_and_column() {
    let e = errs("version: '2.0'\nwf:\n  tasks: [a\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("line 4") || e[0].contains("line 3"), "{e:?}");
    assert!(e[0].contains("Definition could not be parsed"), "{e:?}");
    let e = errs("a: b: c\n");
    assert!(e[0].starts_with(" (line 1, column"), "{e:?}");
}

#[test]
fn billion_laughs_is_text() {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let node = yaml::load(&doc).unwrap().unwrap();
    assert_eq!(node.to_json()["a0"], "&a0 [x, x, x, x, x, x, x, x, x, x]");
}

#[test]
fn size_and_depth_limits() {
    let big = format!("version: '2.0'\n# {}\n", "x".repeat(yaml::MAX_TEXT_BYTES));
    let e = errs(&big);
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("document is too large"), "{e:?}");

    let deep = format!("a: {}{}\n", "[".repeat(65), "]".repeat(65));
    let e = errs(&deep);
    assert_eq!(
        e,
        [" (line 1, column 67): document is nested too deeply: the limit is 64 levels"]
    );
    let very_deep = format!("a: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
    let e = errs(&very_deep);
    // The scanner's own limit may fire first, while looking ahead.
    assert!(
        e[0].contains("nested too deeply") || e[0].contains("recursion limit"),
        "{e:?}"
    );

    // 63 levels inside the root mapping is fine for the loader.
    let ok_depth = format!("a: {}{}\n", "[".repeat(63), "]".repeat(63));
    assert!(yaml::load(&ok_depth).is_ok());
}

#[test]
fn several_documents_are_refused() {
    let e = errs("version: '2.0'\n---\nversion: '2.0'\n");
    assert_eq!(e.len(), 1);
}

#[test]
fn yes_no_values_reach_specs_as_booleans() {
    let wf = &ok(
        "version: '2.0'\nwf:\n  input:\n    - flag: yes\n    - y: n\n  tasks:\n    t1:\n      action: std.noop\n      keep-result: off\n",
    )[0];
    assert_eq!(wf.input[0].default, Some(json!(true)));
    assert_eq!(wf.input[1].name, "y");
    assert_eq!(wf.input[1].default, Some(json!("n")));
    assert_eq!(wf.tasks["t1"].keep_result, json!(false));
}

#[test]
fn loosely_indented_flow_collections_are_accepted_like_pyyaml() {
    let load = |s: &str| yaml::load(s).unwrap().unwrap();
    assert_eq!(
        load("a:\n  b: {\n    c: 1\n }\n").to_json(),
        json!({"a": {"b": {"c": 1}}})
    );
    assert_eq!(
        load("a:\n  b: {\n  c: 1\n  }\n").to_json(),
        json!({"a": {"b": {"c": 1}}})
    );
    assert_eq!(
        load("a:\n  b: [\n  1,\n 'x'\n  ]\n  d: 2\n").to_json(),
        json!({"a": {"b": [1, "x"], "d": 2}})
    );
    // Positions still refer to the original text.
    let n = load("a:\n  b: [\n  1,\n  'x'\n  ]\n");
    let b = &n.as_map().unwrap()["a"].value.as_map().unwrap()["b"].value;
    let crate::yaml::Kind::Seq(items) = &b.kind else {
        panic!()
    };
    assert_eq!((items[1].line, items[1].col), (4, 3));
    // A real indentation error is still one.
    let e = errs("a:\n  b: 1\n c: 2\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("line 3"), "{e:?}");
}

#[test]
fn merge_keys_as_pyyaml() {
    let load = |s: &str| yaml::load(s).unwrap().unwrap().to_json();
    assert_eq!(
        load("a:\n  <<: {x: 1, y: 2}\n  y: 3\n"),
        json!({"a": {"x": 1, "y": 3}})
    );
    assert_eq!(
        load("a:\n  <<: [{x: 1}, {x: 2, z: 2}]\n"),
        json!({"a": {"x": 1, "z": 2}})
    );
    // No aliases (Mistral reads `*d` as text): nothing to merge.
    let e = errs("a:\n  <<: *d\n  j: 2\n");
    assert!(
        e[0].ends_with("expected a mapping or list of mappings for merging"),
        "{e:?}"
    );
    // A quoted `<<` is an ordinary key.
    assert_eq!(load("a:\n  '<<': {x: 1}\n"), json!({"a": {"<<": {"x": 1}}}));
    let e = errs("a:\n  <<: 3\n");
    assert_eq!(
        e,
        [" (line 2, column 7): expected a mapping or list of mappings for merging"]
    );
}

#[test]
fn fuzz_e_then_a_multibyte_character_is_text() {
    check("Zoe’s workflow", json!("Zoe’s workflow"));
    check("1e’", json!("1e’"));
    check("1.0e+3", json!(1000.0));
}

#[test]
fn timestamps_as_python_reprs() {
    use crate::yaml::scalar::timestamp_repr;
    for (text, repr) in [
        ("2020-01-02", Some("datetime.date(2020, 1, 2)")),
        (
            "2020-01-02 10:00:00",
            Some("datetime.datetime(2020, 1, 2, 10, 0)"),
        ),
        (
            "2001-12-14t21:59:43.10-05:00",
            Some(
                "datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))",
            ),
        ),
        (
            "2001-12-14T21:59:43Z",
            Some("datetime.datetime(2001, 12, 14, 21, 59, 43, tzinfo=datetime.timezone.utc)"),
        ),
        ("2020-1-2", None),
        ("2020-01-02x", None),
        ("hello", None),
    ] {
        assert_eq!(timestamp_repr(text).as_deref(), repr, "{text}");
    }
}
