//! Fuzz target: arbitrary text as a Mistral string (`<% … %>` YAQL, and
//! `{{ … }}` Jinja when the input has it) evaluated with the production
//! budgets against a small context. Invariant: Ok or Err, never a panic,
//! and within the budgets.

#![no_main]

use std::sync::OnceLock;

use bora::expr::{Context, Evaluator, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fn evaluator() -> &'static Evaluator {
    static EVAL: OnceLock<Evaluator> = OnceLock::new();
    EVAL.get_or_init(|| Evaluator::new(Limits::default()))
}

fn data() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        json!({
            "x": 1, "s": "text", "f": 2.5, "b": true, "n": null,
            "l": [1, "two", [3], {"k": 4}],
            "d": {"a": {"b": [1, 2, 3]}, "c": "d"},
            "__env": {"e": "v"}
        })
    })
}

fuzz_target!(|data_in: &[u8]| {
    let Ok(text) = std::str::from_utf8(data_in) else {
        return;
    };
    let ctx = Context::new(data());
    // As written (plain text, inline or whole-string expressions) ...
    let _ = evaluator().evaluate_str(text, &ctx);
    // ... and forced into a whole YAQL expression.
    if !text.contains("%>") {
        let _ = evaluator().evaluate_str(&format!("<% {text} %>"), &ctx);
    }
    let _ = bora::expr::validate(text);
});
