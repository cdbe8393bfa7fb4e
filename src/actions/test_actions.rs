//! Test-only actions (`test.record`, `test.sleep`, `test.fail`, `test.panic`,
//! `test.block`, `test.hog`, `test.big_output`), compiled in only with the
//! `test-actions` feature and used by the reliability suites. Each does
//! exactly what its name says and nothing else; `test.record` writes one
//! fsynced line per phase to the side-effect ledger before it returns.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Map, Value, json};

use super::{Action, ActionDef, Param};

/// The environment variable naming the ledger file of `test.record`.
pub const LEDGER_ENV: &str = "BORA_TEST_LEDGER";

/// Every test action.
pub(super) fn defs() -> Vec<ActionDef> {
    vec![
        record(),
        sleep(),
        fail(),
        panic(),
        block(),
        hog(),
        big_output(),
    ]
}

/// A whole non-negative number of milliseconds (int, float or numeric string).
fn millis(input: &Map<String, Value>, key: &str) -> Result<u64, String> {
    let ms = match input.get(key) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(Value::Null) | None => Some(0.0),
        Some(_) => None,
    };
    ms.filter(|m| m.is_finite() && *m >= 0.0 && *m <= 86_400_000.0)
        .map(|m| m as u64)
        .ok_or_else(|| format!("'{key}' must be a non-negative number of milliseconds"))
}

/// A message parameter as text (strings as they are, anything else as JSON).
fn text(input: &Map<String, Value>, key: &str) -> String {
    match input.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

const MS: &[Param] = &[Param {
    name: "ms",
    default: Some("0"),
}];

/// An action that is one future.
struct Run(BoxFuture<'static, Result<Value, Value>>);

impl Action for Run {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        self.0
    }
}

fn boxed(
    fut: impl std::future::Future<Output = Result<Value, Value>> + Send + 'static,
) -> Result<Box<dyn Action>, String> {
    Ok(Box::new(Run(fut.boxed())))
}

fn record() -> ActionDef {
    ActionDef::new(
        "test.record",
        "Appends a start line to the ledger named by BORA_TEST_LEDGER, sleeps ms, \
         appends an end line (each with at_ms, the wall clock), and returns the line \
         (or fails with it when fail is true).",
        &[
            Param {
                name: "exec",
                default: Some("null"),
            },
            Param {
                name: "task",
                default: Some("null"),
            },
            Param {
                name: "action",
                default: Some("null"),
            },
            Param {
                name: "attempt",
                default: Some("null"),
            },
            Param {
                name: "nonce",
                default: Some("null"),
            },
            Param {
                name: "ms",
                default: Some("0"),
            },
            Param {
                name: "fail",
                default: Some("false"),
            },
        ],
        |input| {
            let ms = millis(input, "ms")?;
            let fail = input.get("fail") == Some(&Value::Bool(true));
            let nonce = match input.get("nonce") {
                Some(Value::Null) | None => Value::String(uuid::Uuid::new_v4().to_string()),
                Some(v) => v.clone(),
            };
            let mut line = json!({
                "exec_id": input.get("exec").cloned().unwrap_or(Value::Null),
                "task_ex_id": input.get("task").cloned().unwrap_or(Value::Null),
                "action_ex_id": input.get("action").cloned().unwrap_or(Value::Null),
                "attempt": input.get("attempt").cloned().unwrap_or(Value::Null),
                "nonce": nonce,
                "phase": "start",
            });
            boxed(async move {
                line["at_ms"] = json!(unix_ms());
                append(&line)?;
                if ms > 0 {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                line["phase"] = json!("end");
                line["at_ms"] = json!(unix_ms());
                append(&line)?;
                if fail { Err(line) } else { Ok(line) }
            })
        },
    )
}

/// Wall-clock milliseconds since the Unix epoch.
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Appends `line` and a newline to the ledger and syncs it to disk.
fn append(line: &Value) -> Result<(), Value> {
    let path =
        std::env::var_os(LEDGER_ENV).ok_or_else(|| json!(format!("{LEDGER_ENV} is not set")))?;
    append_to(&path, line)
}

/// Appends `line` and a newline to the file at `path` (`O_APPEND`, one
/// write) and syncs it.
fn append_to(path: &std::ffi::OsStr, line: &Value) -> Result<(), Value> {
    let mut text = line.to_string();
    text.push('\n');
    let fail = |e: std::io::Error| json!(format!("ledger {}: {e}", path.to_string_lossy()));
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_data().map_err(fail)
}

fn sleep() -> ActionDef {
    ActionDef::new(
        "test.sleep",
        "Sleeps ms milliseconds without blocking its thread; returns ms.",
        MS,
        |input| {
            let ms = millis(input, "ms")?;
            boxed(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(json!(ms))
            })
        },
    )
}

fn fail() -> ActionDef {
    ActionDef::new(
        "test.fail",
        "Fails with msg as its error.",
        &[Param {
            name: "msg",
            default: Some("\"test.fail\""),
        }],
        |input| {
            let msg = text(input, "msg");
            boxed(async move { Err(Value::String(msg)) })
        },
    )
}

fn panic() -> ActionDef {
    ActionDef::new(
        "test.panic",
        "Panics with msg while it runs.",
        &[Param {
            name: "msg",
            default: Some("\"test.panic\""),
        }],
        |input| {
            let msg = text(input, "msg");
            boxed(async move { std::panic::panic_any(msg) })
        },
    )
}

fn block() -> ActionDef {
    ActionDef::new(
        "test.block",
        "Blocks its thread for ms milliseconds (std::thread::sleep) and ignores \
         cancellation; returns ms.",
        MS,
        |input| {
            let ms = millis(input, "ms")?;
            boxed(async move {
                std::thread::sleep(Duration::from_millis(ms));
                Ok(json!(ms))
            })
        },
    )
}

fn hog() -> ActionDef {
    ActionDef::new(
        "test.hog",
        "Spins the CPU for ms milliseconds without yielding; returns the loop count.",
        MS,
        |input| {
            let ms = millis(input, "ms")?;
            boxed(async move {
                let end = Instant::now() + Duration::from_millis(ms);
                let mut n: u64 = 0;
                while Instant::now() < end {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
                Ok(json!(n))
            })
        },
    )
}

fn big_output() -> ActionDef {
    ActionDef::new(
        "test.big_output",
        "Returns a string of the given number of bytes.",
        &[Param {
            name: "bytes",
            default: Some("0"),
        }],
        |input| {
            let bytes = match input.get("bytes") {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            }
            .filter(|b| *b <= 1 << 30)
            .ok_or("'bytes' must be a whole number up to 1 GiB")?;
            boxed(async move { Ok(Value::String("x".repeat(bytes as usize))) })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::Registry;
    use super::*;

    fn run(name: &str, input: Value) -> Result<Value, Value> {
        let action = Registry::standard()
            .instantiate(name, &input)
            .map_err(Value::String)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map_err(|e| json!(e.to_string()))?;
        rt.block_on(action.run())
    }

    fn check(name: &str, input: Value, expected: Result<Value, Value>) {
        assert_eq!(run(name, input.clone()), expected, "{name} {input}");
    }

    #[test]
    fn simple_actions() {
        check("test.sleep", json!({"ms": 1}), Ok(json!(1)));
        check("test.sleep", json!({"ms": "2"}), Ok(json!(2)));
        check("test.block", json!({"ms": 1}), Ok(json!(1)));
        check("test.fail", json!({"msg": "boom"}), Err(json!("boom")));
        check(
            "test.fail",
            json!({"msg": {"a": 1}}),
            Err(json!("{\"a\":1}")),
        );
        check("test.fail", json!({}), Err(json!("test.fail")));
        check("test.big_output", json!({"bytes": 3}), Ok(json!("xxx")));
        check("test.big_output", json!({"bytes": 0}), Ok(json!("")));
        check(
            "test.sleep",
            json!({"ms": -1}),
            Err(json!("'ms' must be a non-negative number of milliseconds")),
        );
        check(
            "test.big_output",
            json!({"bytes": -1}),
            Err(json!("'bytes' must be a whole number up to 1 GiB")),
        );
    }

    #[test]
    fn hog_spins() {
        let n = run("test.hog", json!({"ms": 5})).unwrap();
        assert!(n.as_u64().unwrap() > 0);
    }

    #[test]
    fn panic_happens_inside_the_future() {
        let action = Registry::standard()
            .instantiate("test.panic", &json!({"msg": "boom-1"}))
            .unwrap();
        let fut = std::panic::AssertUnwindSafe(action.run()).catch_unwind();
        let caught = futures::executor::block_on(fut).unwrap_err();
        assert_eq!(caught.downcast_ref::<String>().unwrap(), "boom-1");
    }

    #[test]
    fn ledger_lines_are_appended() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.jsonl");
        append_to(ledger.as_os_str(), &json!({"phase": "start"})).unwrap();
        append_to(ledger.as_os_str(), &json!({"phase": "end"})).unwrap();
        let text = std::fs::read_to_string(&ledger).unwrap();
        assert_eq!(text, "{\"phase\":\"start\"}\n{\"phase\":\"end\"}\n");
    }

    #[test]
    fn record_needs_the_ledger_variable() {
        // The variable cannot be set here (edition 2024 makes set_var
        // unsafe); the suites set it on the server process.
        if std::env::var_os(LEDGER_ENV).is_none() {
            check(
                "test.record",
                json!({"exec": "e"}),
                Err(json!(format!("{LEDGER_ENV} is not set"))),
            );
        }
    }
}
