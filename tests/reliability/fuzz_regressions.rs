//! Inputs the fuzzers found that broke bora, kept as regression tests: each
//! goes through the library call the fuzzer used and, where it matters,
//! through the real server over HTTP (which must answer, not crash).

use crate::harness::{Board, Server};

/// `fuzz/artifacts/lang_yaml`: a plain scalar with an ASCII `e` followed by
/// a multi-byte character (`Zoe’s`, `eé`) panics in
/// `lang::scalar::yaml11_float` (`e.split_at(1)` inside a character).
const ZOE: &str = "version: '2.0'
zoe:
  description: Zoe’s workflow
  tasks:
    a:
      action: std.noop
";

#[test]
fn plain_scalar_with_e_then_multibyte_char() {
    for text in [
        ZOE,
        "x: eé\n",
        "version: '2.0'\nwf:\n  tasks:\n    a:\n      action: std.echo output=1.0e→\n",
    ] {
        let parsed = std::panic::catch_unwind(|| bora::lang::parse_workflows(text).is_ok());
        assert!(parsed.is_ok(), "parse_workflows panicked on {text:?}");
    }
}

#[test]
fn upload_of_such_a_workflow_is_answered() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("F1");
    let mut server = Server::new(1);
    server.start();
    let api = server.api();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v2/workflows", server.base))
        .header("content-type", "text/plain")
        .body(ZOE)
        .send()
        .map(|r| r.status().as_u16());
    board.check(
        "upload_answered_201",
        matches!(r, Ok(201)),
        format!("{r:?}"),
    );
    let alive = api.get("/v2").is_ok_and(|(s, _)| s == 200);
    board.check("server_alive", alive, alive);
    board.finish();
}

/// `fuzz/artifacts/expr_yaql`: `{% import 'x' as y + 1 %}` — minijinja 3.1
/// parses the alias as any expression and its compiler then reaches
/// `unreachable!()`, on whichever thread compiles it (the API's when a
/// workflow is uploaded, the engine's or an evaluation thread's when it
/// runs) and under the template cache's write lock.
const IMPORT_ALIAS: &str = "{% import 'x' as y + 1 %}{{ 1 }}";

#[test]
fn import_with_an_expression_as_alias() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("F2");
    let lib = std::panic::catch_unwind(|| {
        let ev = bora::expr::Evaluator::default();
        let data = serde_json::json!({});
        ev.evaluate_str(IMPORT_ALIAS, &bora::expr::Context::new(&data))
            .is_err()
    });
    board.check(
        "library_error_not_panic",
        matches!(lib, Ok(true)),
        format!("{lib:?}"),
    );
    let mut server = Server::new(1);
    server.start();
    let api = server.api();
    let wf = format!(
        "version: '2.0'\nimp:\n  tasks:\n    a:\n      action: std.echo\n      input:\n        output: \"{IMPORT_ALIAS}\"\n"
    );
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/v2/workflows", server.base))
        .header("content-type", "text/plain")
        .body(wf)
        .send()
        .and_then(|r| Ok((r.status().as_u16(), r.text()?)));
    board.check(
        "upload_refused_400_naming_it",
        matches!(&r, Ok((400, body)) if body.contains("after 'as'")),
        format!("{r:?}"),
    );
    let alive = api.get("/v2").is_ok_and(|(s, _)| s == 200);
    board.check("server_alive", alive, alive);
    board.finish();
}
