//! How the client commands print what the server returns: `--output json`
//! (the server's objects, pretty) or `--output table` (chosen columns,
//! aligned, one row per object).

use serde_json::Value;

/// The `--output` choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// A cell's text: strings as they are, `null` empty, the rest as JSON,
/// long values cut to `WIDTH` characters.
fn cell(v: Option<&Value>) -> String {
    const WIDTH: usize = 60;
    let s = match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() > WIDTH {
        let cut: String = s.chars().take(WIDTH - 3).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// `rows` as an aligned table of `columns`.
pub fn table(columns: &[&str], rows: &[Value]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| cell(r.get(*c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |vals: Vec<String>| {
        let parts: Vec<String> = vals
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(columns.iter().map(|c| c.to_uppercase()).collect());
    for r in cells {
        out.push_str(&line(r));
    }
    out
}

/// One object as `field  value` lines, in `columns` order.
pub fn record(columns: &[&str], v: &Value) -> String {
    let w = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    columns
        .iter()
        .map(|c| format!("{c:<w$}  {}\n", cell(v.get(*c))))
        .collect()
}

/// Prints a list in `format`.
pub fn print_list(format: Format, columns: &[&str], rows: &[Value]) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(rows)?),
        Format::Table => print!("{}", table(columns, rows)),
    }
    Ok(())
}

/// Prints one object in `format`.
pub fn print_one(format: Format, columns: &[&str], v: &Value) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(v)?),
        Format::Table => print!("{}", record(columns, v)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn tables_align_and_cut() {
        let rows = [
            json!({"id": "1", "name": "wf", "state": "SUCCESS"}),
            json!({"id": "22", "name": "x".repeat(70), "state": null}),
        ];
        let t = super::table(&["id", "name", "state"], &rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["ID", "NAME", "STATE"]
        );
        assert!(lines[1].starts_with("1   wf "), "{t}");
        assert!(lines[2].contains(&format!("{}...", "x".repeat(57))), "{t}");
        assert_eq!(
            super::record(&["id", "state"], &rows[0]),
            "id     1\nstate  SUCCESS\n"
        );
    }
}
