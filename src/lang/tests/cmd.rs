//! The inline string grammars.

use serde_json::{Value, json};

use crate::lang::cmd::{
    WithItemsClause, has_jinja, has_yaql, is_full_expression, parse_cmd_and_input, parse_params,
    parse_with_items,
};

fn check(s: &str, name: &str, params: Value) {
    let (n, p) = parse_cmd_and_input(s).unwrap_or_else(|| panic!("no parse: {s}"));
    assert_eq!(n, name, "{s}");
    assert_eq!(Value::Object(p), params, "{s}");
}

#[test]
fn cmd_and_input() {
    check("std.noop", "std.noop", json!({}));
    check("std.echo output=\"x\"", "std.echo", json!({"output": "x"}));
    check(
        "std.echo output='x y'",
        "std.echo",
        json!({"output": "x y"}),
    );
    check(
        "std.echo output=\"1\" delay=1",
        "std.echo",
        json!({"output": "1", "delay": 1}),
    );
    check(
        "a.b x=true y=false z=null",
        "a.b",
        json!({"x": true, "y": false, "z": null}),
    );
    check(
        "a x=[1, 2, {\"k\": 3}]",
        "a",
        json!({"x": [1, 2, {"k": 3}]}),
    );
    check("a x=[1, 2", "a", json!({}));
    check(
        "a x=<% $.a + 1 %> y={{ _.b }}",
        "a",
        json!({"x": "<% $.a + 1 %>", "y": "{{ _.b }}"}),
    );
    check("a x-y=1 z_1=2", "a", json!({"x-y": 1, "z_1": 2}));
    // Only digits are taken: Mistral's `\d+`.
    check("a delay=1.5", "a", json!({"delay": 1}));
    // An unquoted word is not a value.
    check("a x=abc y=2", "a", json!({"y": 2}));
    check("fail msg=\"bad\"", "fail", json!({"msg": "bad"}));
    // Without a space the whole string is the name, as in Mistral.
    check("fail(msg=\"bad\")", "fail(msg=\"bad\")", json!({}));
    check("fail(msg=\"a b\")", "fail", json!({"msg": "a b"}));
    check("fail(msg=<% $.m %>)", "fail", json!({"msg": "<% $.m %>"}));
    check("<% $.action %> x=1", "<% $.action %>", json!({"x": 1}));
    check("{{ _.action }} x=1", "{{ _.action }}", json!({"x": 1}));
    check("wf_b input=1", "wf_b", json!({"input": 1}));
    assert_eq!(parse_cmd_and_input("=x y=1"), None);
}

#[test]
fn params() {
    assert_eq!(
        Value::Object(parse_params("count=10 delay=5 break-on=<% $.x > 1 %>")),
        json!({"count": 10, "delay": 5, "break-on": "<% $.x > 1 %>"})
    );
    assert_eq!(Value::Object(parse_params("")), json!({}));
    assert_eq!(
        Value::Object(parse_params("a=\"x=1\" b=2")),
        json!({"a": "x=1", "b": 2})
    );
}

#[test]
fn with_items() {
    let w = |s| parse_with_items(s);
    assert_eq!(
        w("x in <% $.xs %>"),
        Some(WithItemsClause {
            var: "x",
            source: "<% $.xs %>"
        })
    );
    assert_eq!(
        w("  x   in   [1, 2]"),
        Some(WithItemsClause {
            var: "x",
            source: "[1, 2]"
        })
    );
    assert_eq!(
        w("i-1 in {{ _.xs }} trailing"),
        Some(WithItemsClause {
            var: "i-1",
            source: "{{ _.xs }}"
        })
    );
    assert_eq!(w("x in []"), None);
    assert_eq!(w("x of [1]"), None);
    assert_eq!(w("in [1]"), None);
    assert_eq!(w("x in $.xs"), None);
}

#[test]
fn expression_detection() {
    assert!(has_yaql("a <% $.x %> b"));
    assert!(!has_yaql("a <% $.x b"));
    assert!(!has_yaql("<% a\n %>"));
    assert!(has_jinja("{{ x }}"));
    assert!(has_jinja("{% if x %}y{% endif %}"));
    assert!(!has_jinja("{ x }"));
    assert!(is_full_expression("<% $.x %>"));
    assert!(is_full_expression("{{ x }}  \n"));
    assert!(!is_full_expression("a <% $.x %>"));
    assert!(!is_full_expression("<%%"));
}
