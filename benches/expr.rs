//! Micro benchmark of expression evaluation with cached compilation:
//! prints evaluations per second for a few typical expressions.

// A benchmark stops at the first surprise: unwrap and expect are its asserts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use bora::expr::{Context, Evaluator};
use serde_json::json;

fn main() {
    let ev = Evaluator::default();
    let data = json!({"x": 41, "name": "bora", "list": (0..20).collect::<Vec<i64>>()});
    let ctx = Context::new(&data);
    for expr in [
        "<% $.x + 1 %>",
        "<% $.list.where($ > 5).len() %>",
        "{{ _.name | upper }}",
    ] {
        // warm the cache, then measure
        let _ = ev.evaluate_str(expr, &ctx);
        let n = 20_000u32;
        let start = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(ev.evaluate_str(expr, &ctx));
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{expr:40} {:>12.0} evaluations/s", f64::from(n) / secs);
    }
}
