//! Python's `json.loads` errors: what CPython 3's decoder (its C scanner)
//! says of a text it cannot read, `Expecting value: line 1 column 2 (char 1)`.
//! Mistral puts that text into `state_info` (`json_parse()`), into upload
//! errors (a `with-items` list) and into API answers. Positions count
//! characters, not bytes, as Python's string indexes do.

/// The message of the `JSONDecodeError` `json.loads(text)` raises, or None
/// when Python reads the text (including `NaN`, `Infinity` and lone
/// surrogate escapes, which Python accepts) or when its nesting is deeper
/// than [`MAX_DEPTH`] (the caller's own parser's limit then speaks).
pub fn loads_error(text: &str) -> Option<String> {
    let s: Vec<char> = text.chars().collect();
    let (msg, pos) = match decode(&s) {
        Ok(()) => return None,
        Err((TOO_DEEP, _)) => return None,
        Err(e) => e,
    };
    let line = s[..pos].iter().filter(|&&c| c == '\n').count() + 1;
    let col = match s[..pos].iter().rposition(|&c| c == '\n') {
        Some(nl) => pos - nl,
        None => pos + 1,
    };
    Some(format!("{msg}: line {line} column {col} (char {pos})"))
}

type Fail = (&'static str, usize);

/// The deepest nesting looked at: serde_json's own recursion limit, so a
/// text nested deeper is never walked here (no stack is spent on it).
pub const MAX_DEPTH: usize = 128;

/// The mark of a text nested deeper than [`MAX_DEPTH`].
const TOO_DEEP: &str = "";

fn decode(s: &[char]) -> Result<(), Fail> {
    if s.first() == Some(&'\u{feff}') {
        return Err(("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0));
    }
    let start = ws(s, 0);
    let end = value(s, start, 0).map_err(|at| ("Expecting value", at))??;
    let end = ws(s, end);
    if end != s.len() {
        return Err(("Extra data", end));
    }
    Ok(())
}

fn ws(s: &[char], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], ' ' | '\t' | '\n' | '\r') {
        i += 1;
    }
    i
}

/// Python's `scan_once`: the end of the value at `i`. The outer error is
/// its `StopIteration` (no value starts there), the inner one an error
/// inside a value.
fn value(s: &[char], i: usize, depth: usize) -> Result<Result<usize, Fail>, usize> {
    let at = |w: &str| {
        s.len() >= i + w.chars().count() && s[i..].iter().zip(w.chars()).all(|(a, b)| *a == b)
    };
    let Some(&c) = s.get(i) else {
        return Err(i);
    };
    Ok(match c {
        '"' => string(s, i + 1),
        '{' | '[' if depth >= MAX_DEPTH => Err((TOO_DEEP, i)),
        '{' => object(s, i + 1, depth + 1),
        '[' => array(s, i + 1, depth + 1),
        'n' if at("null") => Ok(i + 4),
        't' if at("true") => Ok(i + 4),
        'f' if at("false") => Ok(i + 5),
        'N' if at("NaN") => Ok(i + 3),
        'I' if at("Infinity") => Ok(i + 8),
        '-' if at("-Infinity") => Ok(i + 9),
        _ => return number(s, i).ok_or(i).map(Ok),
    })
}

/// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`: the end of the number at `i`.
fn number(s: &[char], i: usize) -> Option<usize> {
    let digit = |j: usize| s.get(j).is_some_and(char::is_ascii_digit);
    let mut j = i;
    if s.get(j) == Some(&'-') {
        j += 1;
    }
    match s.get(j) {
        Some('0') => j += 1,
        Some('1'..='9') => {
            while digit(j) {
                j += 1;
            }
        }
        _ => return None,
    }
    if s.get(j) == Some(&'.') && digit(j + 1) {
        j += 1;
        while digit(j) {
            j += 1;
        }
    }
    if matches!(s.get(j), Some('e' | 'E')) {
        let mut k = j + 1;
        if matches!(s.get(k), Some('+' | '-')) {
            k += 1;
        }
        if digit(k) {
            while digit(k) {
                k += 1;
            }
            j = k;
        }
    }
    Some(j)
}

/// `scanstring`: `i` is just after the opening quote.
fn string(s: &[char], i: usize) -> Result<usize, Fail> {
    let begin = i - 1;
    let mut j = i;
    loop {
        let Some(&c) = s.get(j) else {
            return Err(("Unterminated string starting at", begin));
        };
        match c {
            '"' => return Ok(j + 1),
            '\\' => {
                let Some(&e) = s.get(j + 1) else {
                    return Err(("Unterminated string starting at", begin));
                };
                if e == 'u' {
                    let hex = j + 2;
                    if hex + 4 > s.len() {
                        return Err(("Invalid \\uXXXX escape", j + 1));
                    }
                    if !s[hex..hex + 4].iter().all(char::is_ascii_hexdigit) {
                        return Err(("Invalid \\uXXXX escape", j + 1));
                    }
                    j = hex + 4;
                } else if matches!(e, '"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') {
                    j += 2;
                } else {
                    return Err(("Invalid \\escape", j));
                }
            }
            c if (c as u32) < 0x20 => return Err(("Invalid control character at", j)),
            _ => j += 1,
        }
    }
}

fn object(s: &[char], i: usize, depth: usize) -> Result<usize, Fail> {
    let mut j = ws(s, i);
    match s.get(j) {
        Some('}') => return Ok(j + 1),
        Some('"') => {}
        _ => return Err(("Expecting property name enclosed in double quotes", j)),
    }
    loop {
        j = string(s, j + 1)?;
        j = ws(s, j);
        if s.get(j) != Some(&':') {
            return Err(("Expecting ':' delimiter", j));
        }
        j = ws(s, j + 1);
        j = value(s, j, depth).map_err(|at| ("Expecting value", at))??;
        j = ws(s, j);
        match s.get(j) {
            Some('}') => return Ok(j + 1),
            Some(',') => {}
            _ => return Err(("Expecting ',' delimiter", j)),
        }
        j = ws(s, j + 1);
        if s.get(j) != Some(&'"') {
            return Err(("Expecting property name enclosed in double quotes", j));
        }
    }
}

fn array(s: &[char], i: usize, depth: usize) -> Result<usize, Fail> {
    let mut j = ws(s, i);
    if s.get(j) == Some(&']') {
        return Ok(j + 1);
    }
    loop {
        j = value(s, j, depth).map_err(|at| ("Expecting value", at))??;
        j = ws(s, j);
        match s.get(j) {
            Some(']') => return Ok(j + 1),
            Some(',') => {}
            _ => return Err(("Expecting ',' delimiter", j)),
        }
        j = ws(s, j + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::loads_error;

    /// Each message as CPython 3.11's `json.loads` words it.
    #[test]
    fn python_words_and_positions() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("notjson", "Expecting value: line 1 column 1 (char 0)"),
            (
                "{bad",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            ("[a, b]", "Expecting value: line 1 column 2 (char 1)"),
            ("[1, }]", "Expecting value: line 1 column 5 (char 4)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{\"a\":1,}",
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            (
                "{\"a\": 1 \"b\"}",
                "Expecting ',' delimiter: line 1 column 9 (char 8)",
            ),
            ("1 2", "Extra data: line 1 column 3 (char 2)"),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            (
                "\"abc",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                "\"a\tb\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("\"a\\qb\"", "Invalid \\escape: line 1 column 3 (char 2)"),
            (
                "\"\\u12\"",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            ("[1,\n  x]", "Expecting value: line 2 column 3 (char 6)"),
            ("\"é\" x", "Extra data: line 1 column 5 (char 4)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            (" ", "Expecting value: line 1 column 2 (char 1)"),
            ("[", "Expecting value: line 1 column 2 (char 1)"),
            ("[1", "Expecting ',' delimiter: line 1 column 3 (char 2)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{\"a\"",
                "Expecting ':' delimiter: line 1 column 5 (char 4)",
            ),
            ("{\"a\":", "Expecting value: line 1 column 6 (char 5)"),
            (
                "\"\\u12",
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                "\"a\\",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            ("1e", "Extra data: line 1 column 2 (char 1)"),
            ("tru", "Expecting value: line 1 column 1 (char 0)"),
            (
                "\u{feff}1",
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(loads_error(text).as_deref(), Some(want), "{text:?}");
        }
        for ok in [
            "1",
            " [1, 2.5e3, null] ",
            "{\"a\": NaN}",
            "-Infinity",
            "\"\\ud800\"",
        ] {
            assert_eq!(loads_error(ok), None, "{ok:?}");
        }
    }
}
