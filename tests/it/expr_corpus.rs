//! Conformance corpus: runs every line of every `tests/expr_corpus/*.jsonl`
//! through `expr::batch::evaluate_line_text` and fails on any disagreement
//! with Mistral's recorded answer that `tests/expr_corpus/allowlist.txt` does
//! not list, and on any listed line that now agrees (the list only shrinks).
//!
//! `EXPR_CORPUS_REPORT=FILE` writes every disagreement (listed or not) to
//! FILE; `EXPR_CORPUS_MESSAGES=FILE` writes the agreeing error lines whose
//! message differs from Mistral's; `EXPR_CORPUS_ALLOWLIST_OUT=FILE` writes an allowlist of today's
//! disagreements there, keeping the reasons of lines already listed.
//! A listed line whose reason starts with `crash:` is not evaluated at all
//! (it would take the whole test down) and counts as a disagreement.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::expr_common::{J, judge, parse, show};
use bora::expr::Evaluator;
use bora::expr::batch::evaluate_line_text;

/// `<file>:<id>` -> reason, from the allowlist (`#` starts a comment).
fn allowlist(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((k, why)) => (k.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    pass: usize,
    total: usize,
    errs: usize,
    kind_ok: usize,
    /// Agreeing errors, and those whose message is Mistral's word for word.
    msgs: usize,
    msg_same: usize,
    by_lang: BTreeMap<String, (usize, usize)>,
}

/// Agreeing error lines whose message still differs from Mistral's (the
/// texts users see in `state_info`): a ratchet, lowered as messages are
/// put in Mistral's words.
const MESSAGES_THAT_DIFFER_AT_MOST: usize = 155;

#[test]
fn corpus_agrees_with_mistral() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expr_corpus");
    let allowed = allowlist(&root.join("allowlist.txt"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/expr_corpus exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let ev = Evaluator::default();
    let (mut unexpected, mut fixed, mut report) = (Vec::new(), Vec::new(), String::new());
    let mut fresh = String::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut messages_differ = 0;
    let mut messages = String::new();
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let text = std::fs::read_to_string(path).expect("corpus file is readable");
        let mut t = Tally::default();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let vector = parse(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1));
            let id = vector.get("id").and_then(J::as_str).unwrap_or("?");
            let key = format!("{name}:{id}");
            let listed = allowed.get(&key);
            let out = if listed.is_some_and(|r| r.starts_with("crash:")) {
                J::Null
            } else {
                let input: serde_json::Value = serde_json::from_str(line).expect("line is JSON");
                // a panic (say, an arithmetic overflow in a debug build) is
                // a disagreement like any other
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    evaluate_line_text(&ev, &input)
                }))
                .map(|text| parse(&text).unwrap_or(J::Null))
                .unwrap_or_else(|_| J::Obj(vec![("panic".into(), J::Bool(true))]))
            };
            let verdict = judge(&vector, &out);
            seen.insert(key.clone());
            let lang = vector.get("lang").and_then(J::as_str).unwrap_or("?");
            let entry = t.by_lang.entry(lang.to_string()).or_default();
            entry.1 += 1;
            t.total += 1;
            if verdict.wants_error {
                t.errs += 1;
                t.kind_ok += usize::from(verdict.same_kind);
            }
            let message = |v: &J| {
                v.get("error")
                    .and_then(|e| e.get("message"))
                    .and_then(J::as_str)
                    .map(str::to_string)
            };
            if verdict.ok && verdict.wants_error {
                t.msgs += 1;
                let same = message(&vector) == message(&out);
                t.msg_same += usize::from(same);
                if !same {
                    messages.push_str(&format!(
                        "{key} {} | want {} | got {}\n",
                        show(vector.get("expr").unwrap_or(&J::Null)),
                        message(&vector).unwrap_or_default(),
                        message(&out).unwrap_or_default()
                    ));
                }
            }
            if verdict.ok {
                t.pass += 1;
                entry.0 += 1;
                if listed.is_some() {
                    fixed.push(key);
                }
                continue;
            }
            let want = vector
                .get("result")
                .or(vector.get("error"))
                .map(show)
                .unwrap_or_default();
            let detail = format!(
                "{key} [{}] {} | want {want} | got {}",
                vector.get("category").and_then(J::as_str).unwrap_or(""),
                show(vector.get("expr").unwrap_or(&J::Null)),
                show(&out)
            );
            report.push_str(&detail);
            report.push('\n');
            let reason = listed.cloned().unwrap_or_else(|| "unclassified".into());
            fresh.push_str(&format!("{key} {reason}\n"));
            if listed.is_none() {
                unexpected.push(detail);
            }
        }
        let langs: Vec<String> = t
            .by_lang
            .iter()
            .map(|(l, (p, n))| format!("{l} {p}/{n} ({:.2}%)", 100.0 * *p as f64 / *n as f64))
            .collect();
        println!(
            "{name}: {}/{} agree ({:.2}%); {}; error kind {}/{}; error message {}/{}",
            t.pass,
            t.total,
            100.0 * t.pass as f64 / t.total.max(1) as f64,
            langs.join(", "),
            t.kind_ok,
            t.errs,
            t.msg_same,
            t.msgs
        );
        messages_differ += t.msgs - t.msg_same;
    }
    if let Ok(p) = std::env::var("EXPR_CORPUS_REPORT") {
        std::fs::write(p, &report).expect("report written");
    }
    if let Ok(p) = std::env::var("EXPR_CORPUS_MESSAGES") {
        std::fs::write(p, &messages).expect("message report written");
    }
    if let Ok(p) = std::env::var("EXPR_CORPUS_ALLOWLIST_OUT") {
        std::fs::write(p, &fresh).expect("allowlist written");
    }
    let gone: Vec<&String> = allowed.keys().filter(|k| !seen.contains(*k)).collect();
    assert!(
        unexpected.is_empty(),
        "{} disagreements not in allowlist.txt:\n{}",
        unexpected.len(),
        unexpected
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        fixed.is_empty(),
        "allowlisted lines that now agree (remove them from allowlist.txt):\n{}",
        fixed.join("\n")
    );
    println!("error messages that differ from Mistral's: {messages_differ}");
    assert!(
        messages_differ <= MESSAGES_THAT_DIFFER_AT_MOST,
        "{messages_differ} error messages differ from Mistral's (at most {MESSAGES_THAT_DIFFER_AT_MOST})"
    );
    assert!(
        gone.is_empty(),
        "allowlisted lines that no corpus file holds:\n{gone:?}"
    );
}
