//! Jinja2's `pprint` filter: Python's `pprint.pformat(value)` (width 80,
//! indent 1, dict keys sorted): the repr when it fits, otherwise one item
//! a line under its opening bracket, long strings split into chunks at
//! whitespace, as CPython's `PrettyPrinter` lays them out; and the plain
//! `repr()` every rendering of a container uses ([`py_repr`]).

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, Error};

use std::fmt::Write as _;

use super::jinja::py_str;
use super::jinja_ops::{is_tuple, py_order};

const WIDTH: usize = 80;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Dict items with keys sorted (pprint's `_safe_key`: Python order when
/// comparable, else by type name).
fn sorted_items(v: &Value) -> Vec<(Value, Value)> {
    let mut items: Vec<(Value, Value)> = v
        .try_iter()
        .map(|it| {
            it.map(|k| {
                let x = v.get_item(&k).unwrap_or_default();
                (k, x)
            })
            .collect()
        })
        .unwrap_or_default();
    items.sort_by(|a, b| {
        py_order(&a.0, &b.0, "<").unwrap_or_else(|_| {
            super::jinja_ops::type_name(&a.0).cmp(super::jinja_ops::type_name(&b.0))
        })
    });
    items
}

/// `_safe_repr`: the repr with dict keys sorted.
fn safe_repr(v: &Value) -> String {
    if super::jinja_values::is_range(v) || super::jinja_values::is_view(v) {
        return py_repr(v);
    }
    match v.kind() {
        ValueKind::Map => {
            let parts: Vec<String> = sorted_items(v)
                .iter()
                .map(|(k, x)| format!("{}: {}", safe_repr(k), safe_repr(x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        ValueKind::Seq => {
            let parts: Vec<String> = v
                .try_iter()
                .map(|i| i.map(|x| safe_repr(&x)).collect())
                .unwrap_or_default();
            if is_tuple(v) {
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            } else {
                format!("[{}]", parts.join(", "))
            }
        }
        ValueKind::Undefined => "Undefined".into(),
        _ => py_repr(v),
    }
}

struct Printer {
    out: String,
}

impl Printer {
    fn format(&mut self, v: &Value, indent: usize, allowance: usize, level: usize) {
        let rep = safe_repr(v);
        let max_width = WIDTH.saturating_sub(indent + allowance);
        if chars(&rep) > max_width {
            match v.kind() {
                ValueKind::Map if v.len().unwrap_or(0) > 0 => {
                    self.out.push('{');
                    self.dict_items(v, indent, allowance + 1, level + 1);
                    self.out.push('}');
                    return;
                }
                ValueKind::Seq if is_tuple(v) => {
                    let end = if v.len() == Some(1) { ",)" } else { ")" };
                    self.out.push('(');
                    self.items(v, indent, allowance + end.len(), level + 1);
                    self.out.push_str(end);
                    return;
                }
                ValueKind::Seq => {
                    self.out.push('[');
                    self.items(v, indent, allowance + 1, level + 1);
                    self.out.push(']');
                    return;
                }
                ValueKind::String => {
                    self.string(v.as_str().unwrap_or_default(), indent, allowance, level + 1);
                    return;
                }
                _ => {}
            }
        }
        self.out.push_str(&rep);
    }

    fn dict_items(&mut self, v: &Value, indent: usize, allowance: usize, level: usize) {
        let indent = indent + 1;
        let items = sorted_items(v);
        let last = items.len().saturating_sub(1);
        for (i, (k, x)) in items.iter().enumerate() {
            let rep = safe_repr(k);
            self.out.push_str(&rep);
            self.out.push_str(": ");
            let allow = if i == last { allowance } else { 1 };
            self.format(x, indent + chars(&rep) + 2, allow, level);
            if i != last {
                self.out.push_str(",\n");
                self.out.push_str(&" ".repeat(indent));
            }
        }
    }

    fn items(&mut self, v: &Value, indent: usize, allowance: usize, level: usize) {
        let indent = indent + 1;
        let items: Vec<Value> = v.try_iter().map(|i| i.collect()).unwrap_or_default();
        let last = items.len().saturating_sub(1);
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(",\n");
                self.out.push_str(&" ".repeat(indent));
            }
            self.format(x, indent, if i == last { allowance } else { 1 }, level);
        }
    }

    fn string(&mut self, s: &str, mut indent: usize, mut allowance: usize, level: usize) {
        let repr = |t: &str| py_repr(&Value::from(t));
        let lines = split_keepends(s);
        if level == 1 {
            indent += 1;
            allowance += 1;
        }
        let max_width = WIDTH.saturating_sub(indent);
        let mut max_width1 = max_width;
        let mut chunks: Vec<String> = Vec::new();
        let mut rep = String::new();
        for (i, line) in lines.iter().enumerate() {
            rep = repr(line);
            if i + 1 == lines.len() {
                max_width1 = max_width1.saturating_sub(allowance);
            }
            if chars(&rep) <= max_width1 {
                chunks.push(rep.clone());
                continue;
            }
            let parts = word_parts(line);
            let mut max_width2 = max_width;
            let mut current = String::new();
            for (j, part) in parts.iter().enumerate() {
                let candidate = format!("{current}{part}");
                if j + 1 == parts.len() && i + 1 == lines.len() {
                    max_width2 = max_width2.saturating_sub(allowance);
                }
                if chars(&repr(&candidate)) > max_width2 {
                    if !current.is_empty() {
                        chunks.push(repr(&current));
                    }
                    current = part.clone();
                } else {
                    current = candidate;
                }
            }
            if !current.is_empty() {
                chunks.push(repr(&current));
            }
        }
        if chunks.len() == 1 {
            self.out.push_str(&rep);
            return;
        }
        if level == 1 {
            self.out.push('(');
        }
        for (i, c) in chunks.iter().enumerate() {
            if i > 0 {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(indent));
            }
            self.out.push_str(c);
        }
        if level == 1 {
            self.out.push(')');
        }
    }
}

/// `str.splitlines(True)`.
fn split_keepends(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        cur.push(c);
        let brk = match c {
            '\r' => {
                if it.peek() == Some(&'\n') {
                    cur.push('\n');
                    it.next();
                }
                true
            }
            '\n' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => true,
            _ => false,
        };
        if brk {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `re.findall(r'\S*\s*', line)` without its final empty match.
fn word_parts(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_space = false;
    for c in line.chars() {
        let space = c.is_whitespace();
        if in_space && !space {
            out.push(std::mem::take(&mut cur));
        }
        in_space = space;
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `pformat(value)`.
pub(crate) fn pformat(v: &Value) -> String {
    let mut p = Printer { out: String::new() };
    p.format(v, 0, 0, 0);
    p.out
}

/// Registers `pprint`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("pprint", |v: Value| -> Result<String, Error> {
        Ok(pformat(&v))
    });
}

/// Python `repr()` of a template value.
pub fn py_repr(v: &Value) -> String {
    if crate::expr::jinja_values::is_range(v) || crate::expr::jinja_values::is_view(v) {
        return v.to_string();
    }
    if crate::expr::jinja_values::is_plain_undefined(v) {
        return "Undefined".into();
    }
    if v.as_object().is_some() && v.kind() == ValueKind::Map {
        // minijinja's macros and namespaces, as Jinja2 shows them
        let dbg = v.as_object().map(|o| format!("{o:?}")).unwrap_or_default();
        if dbg.starts_with("<macro ") {
            let name = v.get_attr("name").map(|n| py_str(&n)).unwrap_or_default();
            return format!("<Macro '{name}'>");
        }
        if dbg.starts_with("Loop {") {
            let n = |k: &str| v.get_attr(k).map(|x| py_str(&x)).unwrap_or_default();
            return format!("<LoopContext {}/{}>", n("index"), n("length"));
        }
        if dbg.starts_with("Namespace") {
            let items: Vec<String> = v
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let x = v.get_item(&k).unwrap_or_default();
                        format!("{}: {}", py_repr(&k), py_repr(&x))
                    })
                    .collect()
                })
                .unwrap_or_default();
            return format!("<Namespace {{{}}}>", items.join(", "));
        }
    }
    match v.kind() {
        ValueKind::Undefined => "Undefined".into(),
        ValueKind::None => "None".into(),
        ValueKind::Bool => {
            if v.is_true() {
                "True".into()
            } else {
                "False".into()
            }
        }
        ValueKind::Number => {
            if v.is_integer()
                && let Ok(i) = i128::try_from(v.clone())
            {
                return i.to_string();
            }
            if v.is_integer()
                && let Ok(u) = u128::try_from(v.clone())
            {
                return u.to_string();
            }
            match f64::try_from(v.clone()) {
                Ok(f) => crate::expr::yaql::value::float_repr(f),
                Err(_) => v.to_string(),
            }
        }
        ValueKind::String if v.is_safe() => format!(
            "Markup({})",
            crate::expr::yaql::value::str_repr(v.as_str().unwrap_or_default())
        ),
        ValueKind::String => crate::expr::yaql::value::str_repr(v.as_str().unwrap_or_default()),
        ValueKind::Seq if crate::expr::jinja_ops::is_tuple(v) => {
            let items: Vec<String> = v
                .try_iter()
                .map(|i| i.map(|x| py_repr(&x)).collect())
                .unwrap_or_default();
            match items.len() {
                1 => format!("({},)", items[0]),
                _ => format!("({})", items.join(", ")),
            }
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let mut out = String::from("[");
            if let Ok(iter) = v.try_iter() {
                for (i, x) in iter.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&py_repr(&x));
                }
            }
            out.push(']');
            out
        }
        ValueKind::Map => {
            let mut out = String::from("{");
            if let Ok(iter) = v.try_iter() {
                for (i, k) in iter.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let x = v.get_item(&k).unwrap_or_default();
                    let _ = write!(out, "{}: {}", py_repr(&k), py_repr(&x));
                }
            }
            out.push('}');
            out
        }
        _ => v.to_string(),
    }
}
