//! Jinja2's `urlize` and `urlencode` filters as jinja2/utils.py and
//! jinja2/filters.py write them: `urlize` escapes the text, then links each
//! whitespace-separated word that is an http(s) or www URL, a bare domain
//! of a basic TLD, a `mailto:` or an e-mail address (leading and trailing
//! punctuation kept outside), with `rel="noopener"` (Jinja2's policy) plus
//! `nofollow`/`rel`, `target`, `trim_url_limit` and `extra_schemes`;
//! `urlencode` quotes a string or joins `key=value` pairs of a mapping or
//! of an iterable of pairs.

use std::sync::OnceLock;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{Environment, Error};

use super::jinja_filters::{bind, defined, int_arg, soft_str, truthy};
use super::jinja_ops::{py_err, type_name};
use super::jinja_text::{escape_text, quote};

type Re = OnceLock<Option<regex::Regex>>;

fn matches(cell: &'static Re, pattern: &str, text: &str) -> bool {
    cell.get_or_init(|| regex::Regex::new(pattern).ok())
        .as_ref()
        .is_some_and(|r| r.is_match(text))
}

fn is_http(text: &str) -> bool {
    static R: Re = OnceLock::new();
    matches(
        &R,
        r"(?ix)
        ^
        (
            (https?://|www\.)
            (([\w%-]+\.)+)?
            (
                [a-z]{2,63}
            |
                xn--[\w%]{2,59}
            )
        |
            ([\w%-]{2,63}\.)+
            (com|net|int|edu|gov|org|info|mil)
        |
            (https?://)
            (
                (([\d]{1,3})(\.[\d]{1,3}){3})
            |
                (\[([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}\])
            )
        )
        (?::[\d]{1,5})?
        (?:[/?\#]\S*)?
        $",
        text,
    )
}

fn is_email(text: &str) -> bool {
    static R: Re = OnceLock::new();
    matches(&R, r"^\S+@\w[\w.-]*\.\w+$", text)
}

fn is_scheme(text: &str) -> bool {
    static R: Re = OnceLock::new();
    matches(&R, r"^([\w.+-]{2,}:(/){0,2})$", text)
}

/// Splits `text` as `re.split(r"(\s+)", text)` does (separators kept).
fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in text.chars() {
        let space = c.is_whitespace();
        if space != in_space && (!cur.is_empty() || space) {
            out.push(std::mem::take(&mut cur));
        }
        in_space = space;
        cur.push(c);
    }
    out.push(cur);
    out
}

struct Options {
    trim: Option<usize>,
    rel: Option<String>,
    target: Option<String>,
    extra: Vec<String>,
}

fn link_word(word: &str, o: &Options) -> String {
    let trim = |x: &str| match o.trim {
        Some(n) if x.chars().count() > n => format!("{}...", x.chars().take(n).collect::<String>()),
        _ => x.to_string(),
    };
    let rel_attr = o
        .rel
        .as_ref()
        .map(|r| format!(" rel=\"{}\"", escape_text(r)))
        .unwrap_or_default();
    let target_attr = o
        .target
        .as_ref()
        .map(|t| format!(" target=\"{}\"", escape_text(t)))
        .unwrap_or_default();
    let mut head = String::new();
    let mut middle = word.to_string();
    let mut tail = String::new();
    // leading ( < &lt;
    loop {
        let p = ["(", "<", "&lt;"]
            .into_iter()
            .find(|p| middle.starts_with(p));
        match p {
            Some(p) => {
                head.push_str(p);
                middle = middle[p.len()..].to_string();
            }
            None => break,
        }
    }
    if [")", ">", ".", ",", "\n", "&gt;"]
        .iter()
        .any(|e| middle.ends_with(e))
    {
        loop {
            let p = [")", ">", ".", ",", "\n", "&gt;"]
                .into_iter()
                .find(|p| middle.ends_with(p));
            match p {
                Some(p) => {
                    tail.insert_str(0, p);
                    middle.truncate(middle.len() - p.len());
                }
                None => break,
            }
        }
    }
    for (start, end) in [("(", ")"), ("<", ">"), ("&lt;", "&gt;")] {
        let starts = middle.matches(start).count();
        if starts <= middle.matches(end).count() {
            continue;
        }
        for _ in 0..starts.min(tail.matches(end).count()) {
            let Some(i) = tail.find(end) else { break };
            let cut = i + end.len();
            middle.push_str(&tail[..cut]);
            tail = tail[cut..].to_string();
        }
    }
    if is_http(&middle) {
        let href = if middle.starts_with("https://") || middle.starts_with("http://") {
            middle.clone()
        } else {
            format!("https://{middle}")
        };
        middle = format!(
            "<a href=\"{href}\"{rel_attr}{target_attr}>{}</a>",
            trim(&middle)
        );
    } else if let Some(addr) = middle.strip_prefix("mailto:")
        && is_email(addr)
    {
        middle = format!("<a href=\"{middle}\">{addr}</a>");
    } else if middle.contains('@')
        && !middle.starts_with("www.")
        && !middle.starts_with('@')
        && !middle.contains(':')
        && is_email(&middle)
    {
        middle = format!("<a href=\"mailto:{middle}\">{middle}</a>");
    } else {
        for scheme in &o.extra {
            if middle != *scheme && middle.starts_with(scheme.as_str()) {
                middle = format!("<a href=\"{middle}\"{rel_attr}{target_attr}>{middle}</a>");
            }
        }
    }
    format!("{head}{middle}{tail}")
}

/// `urlize(value, trim_url_limit=None, nofollow=False, target=None,
/// rel=None, extra_schemes=None)`.
fn urlize(value: Value, args: Rest<Value>, kw: Kwargs) -> Result<Value, Error> {
    let a = bind(
        "do_urlize",
        &[
            "trim_url_limit",
            "nofollow",
            "target",
            "rel",
            "extra_schemes",
        ],
        0,
        &args,
        &kw,
    )?;
    let some = |i: usize| a[i].clone().filter(|v| !v.is_none());
    let mut rel_parts: Vec<String> = match some(3) {
        Some(r) if r.is_true() => soft_str(&r)?.split_whitespace().map(String::from).collect(),
        _ => Vec::new(),
    };
    if let Some(n) = &a[1]
        && truthy(n)?
    {
        rel_parts.push("nofollow".into());
    }
    rel_parts.push("noopener".into());
    rel_parts.sort();
    rel_parts.dedup();
    let mut extra = Vec::new();
    if let Some(schemes) = some(4) {
        for s in super::jinja_seq::py_iter(&schemes)? {
            let s = soft_str(&s)?;
            if !is_scheme(&s) {
                return Err(py_err(
                    "FilterArgumentError",
                    format!("'{s}' is not a valid URI scheme prefix."),
                ));
            }
            extra.push(s);
        }
    }
    let trim = match some(0) {
        Some(n) => Some(int_arg(&n)?.clamp(0, 1 << 30) as usize),
        None => None,
    };
    let target = match some(2) {
        Some(t) if t.is_true() => Some(soft_str(&t)?),
        _ => None,
    };
    let o = Options {
        trim,
        rel: Some(rel_parts.join(" ")),
        target,
        extra,
    };
    let text = escape_text(&soft_str(&value)?);
    let words: Vec<String> = split_words(&text)
        .iter()
        .map(|w| link_word(w, &o))
        .collect();
    Ok(Value::from(words.concat()))
}

fn url_quote(v: &Value, for_qs: bool) -> Result<String, Error> {
    let s = soft_str(v)?;
    Ok(quote(&s, if for_qs { "" } else { "/" }, for_qs))
}

/// `urlencode(value)`.
fn urlencode(value: Value) -> Result<Value, Error> {
    defined(&value)?;
    let pairs: Vec<Value> = match value.kind() {
        ValueKind::String | ValueKind::None | ValueKind::Bool | ValueKind::Number => {
            return Ok(Value::from(url_quote(&value, false)?));
        }
        ValueKind::Map => {
            let mut out = Vec::new();
            for k in value.try_iter()? {
                let v = value.get_item(&k)?;
                out.push(Value::from(vec![k, v]));
            }
            out
        }
        _ => super::jinja_seq::py_iter(&value)?,
    };
    let mut parts = Vec::new();
    for p in pairs {
        let kv = match p.kind() {
            ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Iterable => {
                super::jinja_seq::py_iter(&p)?
            }
            _ => {
                return Err(py_err(
                    "TypeError",
                    format!("cannot unpack non-iterable {} object", type_name(&p)),
                ));
            }
        };
        if kv.len() != 2 {
            return Err(py_err(
                "ValueError",
                if kv.len() > 2 {
                    "too many values to unpack (expected 2)".to_string()
                } else {
                    format!("not enough values to unpack (expected 2, got {})", kv.len())
                },
            ));
        }
        parts.push(format!(
            "{}={}",
            url_quote(&kv[0], true)?,
            url_quote(&kv[1], true)?
        ));
    }
    Ok(Value::from(parts.join("&")))
}

/// Registers the filters.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("urlize", urlize);
    env.add_filter("urlencode", urlencode);
}
