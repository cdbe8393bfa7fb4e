//! `bora validate FILE|-`: checks a workflow list or a workbook. Errors are
//! the language's (what the server would refuse); warnings are
//! `lang::lint`'s (what the server takes but cannot work). Text lines for
//! people, `--format json` (an array of `{severity, message, path, line,
//! column}`) for editors and CI. Exits 1 on an error, or on a warning
//! with `--strict`; 0 otherwise.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::actions::Registry;
use crate::lang::{Diagnostic, Document};

/// The `--format` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Errors and warnings of `text`, and what it defines when it parses.
pub fn check(text: &str) -> (Vec<Diagnostic>, Vec<Diagnostic>, Option<Document>) {
    match crate::lang::parse_document(text) {
        Err(diags) => (diags.0, Vec::new(), None),
        Ok(doc) => {
            let registry = Registry::standard();
            let warnings = crate::lang::lint(text, &doc, &|a| registry.get(a).is_some());
            (Vec::new(), warnings, Some(doc))
        }
    }
}

fn entry(severity: &str, d: &Diagnostic) -> Value {
    json!({
        "severity": severity,
        "message": d.message,
        "path": d.path,
        "line": d.line,
        "column": d.column,
    })
}

/// Runs `bora validate`.
pub fn run(file: &Path, format: Format, strict: bool) -> anyhow::Result<ExitCode> {
    let text = super::run::read_source(file)?;
    let name = if file.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    };
    let (errors, warnings, doc) = check(&text);
    match format {
        Format::Json => {
            let all: Vec<Value> = errors
                .iter()
                .map(|d| entry("error", d))
                .chain(warnings.iter().map(|d| entry("warning", d)))
                .collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
        Format::Text => {
            for d in &errors {
                println!("{name}: error: {d}");
            }
            for d in &warnings {
                println!("{name}: warning: {d}");
            }
            match &doc {
                Some(Document::Workflows(specs)) => {
                    for s in specs {
                        println!("{}: ok ({} tasks)", s.name, s.tasks.len());
                    }
                }
                Some(Document::Workbook(wb)) => {
                    println!(
                        "workbook {}: ok ({} workflows, {} actions)",
                        wb.name,
                        wb.workflows.len(),
                        wb.actions.len()
                    );
                }
                None => {}
            }
        }
    }
    let failed = !errors.is_empty() || (strict && !warnings.is_empty());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
