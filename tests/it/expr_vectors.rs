//! Conformance: runs the shared YAQL and Jinja vectors (`../shared/expr/`)
//! through `expr::batch::evaluate_line` and checks the agreement stays at or
//! above the ratchet. Skips (with a note) when the vectors are absent.

use std::path::PathBuf;

use super::expr_common::{J, judge, parse, show};
use bora::expr::Evaluator;
use bora::expr::batch::evaluate_line_text;
use serde_json::Value;

/// Agreement floors (fraction of vectors passing); only ever raised.
const YAQL_FLOOR: f64 = 1.0;
const JINJA_FLOOR: f64 = 0.996;

/// Runs one vector file: (passed, total, strict-kind matches, error vectors).
fn run(path: &PathBuf, report: &mut String) -> (usize, usize, usize, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let ev = Evaluator::default();
    let (mut pass, mut total, mut kind_ok, mut errs) = (0, 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("vector line is JSON");
        let vector = parse(line).expect("vector line is JSON");
        total += 1;
        let out = parse(&evaluate_line_text(&ev, &v)).unwrap_or(J::Null);
        let verdict = judge(&vector, &out);
        if verdict.wants_error {
            errs += 1;
            kind_ok += usize::from(verdict.same_kind);
        }
        if verdict.ok {
            pass += 1;
        } else {
            report.push_str(&format!(
                "{} {} | {} | want {} | got {}\n",
                v["id"].as_str().unwrap_or(""),
                v["category"].as_str().unwrap_or(""),
                v["expr"],
                vector
                    .get("result")
                    .or(vector.get("error"))
                    .map(show)
                    .unwrap_or_default(),
                show(&out)
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

/// Ad-hoc batch run: `EXPR_BATCH_IN=in.jsonl EXPR_BATCH_OUT=out.jsonl cargo test --test it batch_file`.
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
