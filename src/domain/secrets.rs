//! Secrets: which values of an execution are secret, and masking them out
//! of text before it is logged or stored as `state_info` or error text.
//!
//! A value is secret when it sits under a key that looks secret
//! ([`is_secret_key`]: `password`, `token`, `api_key`, ...; case-insensitive,
//! substring) anywhere in a JSON value, or under a top-level name the
//! workflow declared in `secrets:`. Pure: no I/O.

use serde_json::Value;

/// What replaces a secret value in text.
pub const MASK: &str = "***";

/// Key fragments that mark a value secret (lower case; matched as
/// substrings of the lower-cased key, `_` and `-` ignored).
const SECRET_FRAGMENTS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "authorization",
    "privatekey",
    "credential",
];

/// Values shorter than this are not masked: masking `1` or `on` everywhere
/// would garble every message and hide nothing.
const MIN_SECRET_CHARS: usize = 4;

/// Whether `key` looks like it names a secret (`password`, `db_password`,
/// `X-Auth-Token`, `apiKey`, `private_key`, `credentials`, ...).
pub fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-' && *c != ' ')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_FRAGMENTS.iter().any(|f| k.contains(f))
}

/// The secret values of one execution (or of several, merged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Collects every value under a secret-looking key anywhere in `v`, and
    /// the values of the top-level entries named in `declared`.
    pub fn collect(&mut self, v: &Value, declared: &[String]) {
        if let Value::Object(m) = v {
            for name in declared {
                if let Some(x) = m.get(name) {
                    self.add_all(x);
                }
            }
        }
        self.walk(v);
    }

    fn walk(&mut self, v: &Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if is_secret_key(k) {
                        self.add_all(x);
                    } else {
                        self.walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.walk(x)),
            _ => {}
        }
    }

    /// Adds `v` as a secret: a string as itself, a number or boolean as its
    /// text, and every scalar inside a list or mapping, plus the compact
    /// JSON text of a list or mapping.
    pub fn add_all(&mut self, v: &Value) {
        match v {
            Value::Null => {}
            Value::String(s) => self.add(s),
            Value::Number(n) => self.add(&n.to_string()),
            Value::Bool(_) => {}
            Value::Array(a) => {
                a.iter().for_each(|x| self.add_all(x));
            }
            Value::Object(m) => {
                m.values().for_each(|x| self.add_all(x));
            }
        }
    }

    /// Adds one secret string (ignored when shorter than 4 characters).
    pub fn add(&mut self, s: &str) {
        if s.chars().count() >= MIN_SECRET_CHARS && !self.values.iter().any(|x| x == s) {
            self.values.push(s.to_string());
            // Longest first, so that a secret containing another is masked whole.
            self.values.sort_by_key(|x| std::cmp::Reverse(x.len()));
        }
    }

    /// Adds every secret of `other`.
    pub fn extend(&mut self, other: &Secrets) {
        for s in &other.values {
            self.add(s);
        }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every occurrence of a secret replaced by `***`. Also
    /// masks each secret as it appears quoted inside JSON or Python text
    /// (escaped quotes and backslashes).
    pub fn mask(&self, text: &str) -> String {
        let mut out = std::borrow::Cow::Borrowed(text);
        for s in &self.values {
            if out.contains(s.as_str()) {
                out = std::borrow::Cow::Owned(out.replace(s.as_str(), MASK));
            }
            let escaped = escape(s);
            if escaped != *s && out.contains(escaped.as_str()) {
                out = std::borrow::Cow::Owned(out.replace(escaped.as_str(), MASK));
            }
        }
        out.into_owned()
    }

    /// Masks every string inside `v`, in place.
    pub fn mask_value(&self, v: &mut Value) {
        if self.is_empty() {
            return;
        }
        match v {
            Value::String(s) => {
                let m = self.mask(s);
                if m != *s {
                    *s = m;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.mask_value(x)),
            Value::Object(m) => m.values_mut().for_each(|x| self.mask_value(x)),
            _ => {}
        }
    }

    /// Masks an optional text.
    pub fn mask_opt(&self, text: &mut Option<String>) {
        if let Some(t) = text
            && !self.is_empty()
        {
            let m = self.mask(t);
            if m != *t {
                *t = m;
            }
        }
    }
}

/// `s` as it appears inside a JSON string literal.
fn escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "DB_PASSWORD",
            "passwd",
            "token",
            "X-Auth-Token",
            "client_secret",
            "api_key",
            "apiKey",
            "API-KEY",
            "Authorization",
            "private_key",
            "credentials",
            "aws_credential",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["name", "user", "host", "keys", "pass", "monkey", "author"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn collects_by_key_and_declaration() {
        let mut s = Secrets::new();
        s.collect(
            &json!({
                "user": "alice",
                "password": "hunter22",
                "db": {"conn": {"Token": "tok-123"}, "host": "db1"},
                "list": [{"api_key": ["k-one", {"x": "k-two"}]}],
                "pin": "123456",
                "n": 12345,
            }),
            &["pin".to_string()],
        );
        let text = "alice hunter22 tok-123 db1 k-one k-two 123456";
        assert_eq!(s.mask(text), "alice *** *** db1 *** *** ***");
    }

    #[test]
    fn short_values_and_longest_first() {
        let mut s = Secrets::new();
        s.add("abc");
        s.add("secret");
        s.add("secret-and-more");
        assert_eq!(s.mask("abc secret-and-more secret"), "abc *** ***");
    }

    #[test]
    fn masks_escaped_forms_and_values() {
        let mut s = Secrets::new();
        s.add("a\"b\\c");
        assert_eq!(s.mask(r#"{"x": "a\"b\\c"}"#), r#"{"x": "***"}"#);
        let mut v = json!({"result": ["x a\"b\\c y"], "n": 1});
        s.mask_value(&mut v);
        assert_eq!(v, json!({"result": ["x *** y"], "n": 1}));
        let mut o = Some("a\"b\\c!".to_string());
        s.mask_opt(&mut o);
        assert_eq!(o.as_deref(), Some("***!"));
    }
}
