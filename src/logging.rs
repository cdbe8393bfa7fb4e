//! Log lines on stderr through env_logger (`RUST_LOG` filters, `info` by
//! default): env_logger's text, or one JSON object a line (`log_format =
//! "json"`) for log shippers. `main` calls [`init`] once, after the settings
//! are loaded; nothing else installs a logger.

use std::io::Write as _;

/// Installs the process's logger in `format` (`text` or `json`; the
/// settings validate it). A second call does nothing.
pub fn init(format: &str, default_level: &str) {
    let mut b =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_level));
    if format == "json" {
        b.format(|buf, record| {
            let line = json_line(
                &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                record.level().as_str(),
                record.target(),
                &record.args().to_string(),
            );
            writeln!(buf, "{line}")
        });
    }
    let _ = b.try_init();
}

/// One JSON log line: `{"ts":…,"level":…,"target":…,"msg":…}`.
fn json_line(ts: &str, level: &str, target: &str, msg: &str) -> String {
    serde_json::json!({"ts": ts, "level": level, "target": target, "msg": msg}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_line_is_one_object() {
        let line = json_line("2026-01-01T00:00:00.000Z", "INFO", "x::y", "a \"b\"\nc");
        assert_eq!(
            line,
            r#"{"ts":"2026-01-01T00:00:00.000Z","level":"INFO","target":"x::y","msg":"a \"b\"\nc"}"#
        );
    }
}
