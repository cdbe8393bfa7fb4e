//! Shared by the expression conformance tests: a JSON reader that keeps
//! numbers as written (integers of any size compare exactly) and the
//! agreement rules of `shared/expr/check.py`.

/// A JSON value with numbers kept as their text and object keys in order.
#[derive(Debug, Clone, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// The value of `key` when this is an object holding it.
    pub fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            J::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses one JSON text.
pub fn parse(text: &str) -> Result<J, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing text at {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.i..].starts_with(lit.as_bytes()) {
            self.i += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<J, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("unexpected end".into());
        };
        match c {
            b'n' if self.eat("null") => Ok(J::Null),
            b't' if self.eat("true") => Ok(J::Bool(true)),
            b'f' if self.eat("false") => Ok(J::Bool(false)),
            b'"' => self.string().map(J::Str),
            b'[' => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(J::Arr(out));
                }
                loop {
                    out.push(self.value()?);
                    self.ws();
                    if self.eat("]") {
                        return Ok(J::Arr(out));
                    }
                    if !self.eat(",") {
                        return Err(format!("expected , or ] at {}", self.i));
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut out = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(J::Obj(out));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return Err(format!("expected : at {}", self.i));
                    }
                    out.push((k, self.value()?));
                    self.ws();
                    if self.eat("}") {
                        return Ok(J::Obj(out));
                    }
                    if !self.eat(",") {
                        return Err(format!("expected , or }} at {}", self.i));
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                Ok(J::Num(
                    String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
                ))
            }
            _ => Err(format!("unexpected character at {}", self.i)),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16)
            .map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        if !self.eat("\"") {
            return Err(format!("expected string at {}", self.i));
        }
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unterminated string".into());
            };
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or("bad escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) && self.eat("\\u") {
                                let lo = self.hex4()?;
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo.wrapping_sub(0xDC00));
                            }
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        other => other as char,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => out.push(c),
            }
        }
    }
}

fn is_int(n: &str) -> bool {
    !n.contains(['.', 'e', 'E'])
}

fn num_equal(a: &str, b: &str) -> bool {
    if is_int(a) != is_int(b) {
        return false;
    }
    if is_int(a) {
        let norm = |s: &str| {
            if s == "-0" {
                "0".to_string()
            } else {
                s.to_string()
            }
        };
        return norm(a) == norm(b);
    }
    let (x, y) = (
        a.parse::<f64>().unwrap_or(f64::NAN),
        b.parse::<f64>().unwrap_or(f64::NAN),
    );
    x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
}

/// check.py's `equal`: int and float differ, objects ignore key order.
pub fn equal(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Num(x), J::Num(y)) => num_equal(x, y),
        (J::Arr(x), J::Arr(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (J::Obj(x), J::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, w)| k == k2 && equal(v, w)))
        }
        _ => a == b,
    }
}

/// Arrays compared as multisets (a YAQL set listed in any order).
pub fn unordered_equal(a: &J, b: &J) -> bool {
    let (J::Arr(x), J::Arr(y)) = (a, b) else {
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

/// How one answer compares with its vector.
pub struct Verdict {
    /// The answer agrees (an expected error is met by any error).
    pub ok: bool,
    /// The vector expects an error.
    pub wants_error: bool,
    /// Both failed with the same error kind.
    pub same_kind: bool,
}

/// Judges bora's output line `out` against the vector line `vector`.
pub fn judge(vector: &J, out: &J) -> Verdict {
    if let Some(want) = vector.get("error") {
        let got = out.get("error");
        let same_kind = got.is_some() && got.and_then(|g| g.get("kind")) == want.get("kind");
        return Verdict {
            ok: got.is_some(),
            wants_error: true,
            same_kind,
        };
    }
    let want = vector.get("result").unwrap_or(&J::Null);
    let ok = match out.get("result") {
        Some(r) if vector.get("unordered") == Some(&J::Bool(true)) => unordered_equal(want, r),
        Some(r) => equal(want, r),
        None => false,
    };
    Verdict {
        ok,
        wants_error: false,
        same_kind: false,
    }
}

/// Compact JSON text of a value (for reports).
pub fn show(v: &J) -> String {
    match v {
        J::Null => "null".into(),
        J::Bool(b) => b.to_string(),
        J::Num(n) => n.clone(),
        J::Str(s) => serde_json::Value::String(s.clone()).to_string(),
        J::Arr(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        J::Obj(kv) => format!(
            "{{{}}}",
            kv.iter()
                .map(|(k, v)| format!("{}: {}", serde_json::Value::String(k.clone()), show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
