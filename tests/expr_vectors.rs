//! Conformance: runs the shared YAQL and Jinja vectors (`../shared/expr/`)
//! through `expr::batch::evaluate_line` and checks the agreement stays at or
//! above the ratchet. Skips (with a note) when the vectors are absent.

use std::path::PathBuf;

use bora::expr::Evaluator;
use bora::expr::batch::evaluate_line_text;
use serde_json::Value;

/// Agreement floors (fraction of vectors passing); only ever raised.
const YAQL_FLOOR: f64 = 1.0;
const JINJA_FLOOR: f64 = 0.996;

fn num_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    let a_int = !a.to_string().contains(['.', 'e', 'E']);
    let b_int = !b.to_string().contains(['.', 'e', 'E']);
    if a_int != b_int {
        return false;
    }
    if a_int {
        return a.to_string() == b.to_string();
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    x == y || ((x - y).abs() <= 1e-12 * x.abs().max(y.abs()))
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn unordered_equal(a: &Value, b: &Value) -> bool {
    let (Value::Array(x), Value::Array(y)) = (a, b) else {
        return equal(a, b);
    };
    if x.len() != y.len() {
        return false;
    }
    let mut used = vec![false; y.len()];
    x.iter().all(|p| {
        y.iter().enumerate().any(|(i, q)| {
            if !used[i] && equal(p, q) {
                used[i] = true;
                true
            } else {
                false
            }
        })
    })
}

/// Runs one vector file: (passed, total, strict-kind matches, error vectors).
fn run(path: &PathBuf, report: &mut String) -> (usize, usize, usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let ev = Evaluator::default();
    let (mut pass, mut total, mut kind_ok, mut errs) = (0, 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("vector line is JSON");
        total += 1;
        let out: Value = serde_json::from_str(&evaluate_line_text(&ev, &v)).unwrap_or(Value::Null);
        let ok = if let Some(expected_err) = v.get("error") {
            errs += 1;
            let got = out.get("error");
            if got.is_some() && got.and_then(|g| g.get("kind")) == expected_err.get("kind") {
                kind_ok += 1;
            }
            got.is_some()
        } else {
            let want = v.get("result").unwrap_or(&Value::Null);
            match out.get("result") {
                Some(r) if v.get("unordered") == Some(&Value::Bool(true)) => {
                    unordered_equal(want, r)
                }
                Some(r) => equal(want, r),
                None => false,
            }
        };
        if ok {
            pass += 1;
        } else {
            report.push_str(&format!(
                "{} {} | {} | want {} | got {}\n",
                v["id"].as_str().unwrap_or(""),
                v["category"].as_str().unwrap_or(""),
                v["expr"],
                v.get("result").or(v.get("error")).unwrap_or(&Value::Null),
                out
            ));
        }
    }
    (pass, total, kind_ok, errs)
}

#[test]
fn vectors_agree() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // the main checkout sits next to `shared/`; worktrees sit one level deeper
    let dir = [root.join("../shared/expr"), root.join("../../shared/expr")]
        .into_iter()
        .find(|d| d.is_dir())
        .unwrap_or_else(|| root.join("../shared/expr"));
    if !dir.is_dir() {
        println!(
            "note: {} not found; conformance vectors skipped",
            dir.display()
        );
        return;
    }
    let mut report = String::new();
    for (file, floor) in [("yaql.jsonl", YAQL_FLOOR), ("jinja.jsonl", JINJA_FLOOR)] {
        let (pass, total, kind_ok, errs) = run(&dir.join(file), &mut report);
        let rate = pass as f64 / total.max(1) as f64;
        println!(
            "{file}: {pass}/{total} agree ({:.2}%), error kind {kind_ok}/{errs}",
            rate * 100.0
        );
        assert!(
            rate >= floor,
            "{file}: agreement {rate:.4} fell below the ratchet {floor}"
        );
    }
    if let Ok(out) = std::env::var("EXPR_VECTOR_REPORT") {
        let _ = std::fs::write(out, report);
    }
}

/// Ad-hoc batch run: `EXPR_BATCH_IN=in.jsonl EXPR_BATCH_OUT=out.jsonl cargo test --test expr_vectors batch_file`.
#[test]
fn batch_file() {
    let (Ok(inp), Ok(out)) = (
        std::env::var("EXPR_BATCH_IN"),
        std::env::var("EXPR_BATCH_OUT"),
    ) else {
        return;
    };
    let reader = std::io::BufReader::new(std::fs::File::open(inp).expect("input file"));
    let writer = std::fs::File::create(out).expect("output file");
    bora::expr::batch(reader, writer).expect("batch run");
}
