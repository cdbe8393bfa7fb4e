//! Python integer arithmetic for Jinja expressions minijinja cannot compute
//! (its integers stop at 128 bits): a small evaluator for arithmetic over
//! literals and `_` paths with Python's `+ - * / // % **` and the `int`,
//! `float`, `abs`, `round`, `max`, `min` filters. Used only as a fallback
//! when minijinja reports an overflow; anything else yields `None`.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use serde_json::Value as Json;

use super::yaql::value::V;

/// Largest integer built here (bits).
const MAX_BITS: u64 = 1 << 20;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(BigInt),
    Float(f64),
    Name(String),
    Str(String),
    Op(&'static str),
}

fn lex(s: &str) -> Option<Vec<Tok>> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch.is_ascii_digit() {
            let st = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '_') {
                i += 1;
            }
            let mut float = false;
            if i + 1 < c.len() && c[i] == '.' && c[i + 1].is_ascii_digit() {
                float = true;
                i += 1;
                while i < c.len() && (c[i].is_ascii_digit() || c[i] == '_') {
                    i += 1;
                }
            }
            if i < c.len() && (c[i] == 'e' || c[i] == 'E') {
                float = true;
                i += 1;
                if i < c.len() && (c[i] == '+' || c[i] == '-') {
                    i += 1;
                }
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = c[st..i].iter().filter(|x| **x != '_').collect();
            out.push(if float {
                Tok::Float(text.parse().ok()?)
            } else {
                Tok::Int(text.parse().ok()?)
            });
        } else if ch.is_alphabetic() || ch == '_' {
            let st = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Tok::Name(c[st..i].iter().collect()));
        } else if ch == '\'' || ch == '"' {
            let st = i + 1;
            i += 1;
            while i < c.len() && c[i] != ch {
                if c[i] == '\\' {
                    return None;
                }
                i += 1;
            }
            if i >= c.len() {
                return None;
            }
            out.push(Tok::Str(c[st..i].iter().collect()));
            i += 1;
        } else {
            let two: String = c[i..(i + 2).min(c.len())].iter().collect();
            let op = match two.as_str() {
                "**" => "**",
                "//" => "//",
                "==" => "==",
                "!=" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match ch {
                    '<' => "<",
                    '>' => ">",
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '%' => "%",
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    ',' => ",",
                    '.' => ".",
                    '|' => "|",
                    _ => return None,
                },
            };
            i += op.len();
            out.push(Tok::Op(op));
        }
    }
    Some(out)
}

struct P<'a> {
    t: Vec<Tok>,
    i: usize,
    data: &'a Json,
}

impl P<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.t.get(self.i), Some(Tok::Op(o)) if *o == op)
    }
    fn eat(&mut self, op: &str) -> bool {
        if self.peek_op(op) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// One comparison of two sums (no chains): Python compares an int and
    /// a float exactly; two ints here are big integers.
    fn compare(&mut self) -> Option<V> {
        let l = self.sum()?;
        let Some(op) = ["==", "!=", "<=", ">=", "<", ">"]
            .into_iter()
            .find(|o| self.peek_op(o))
        else {
            return Some(l);
        };
        self.i += 1;
        let r = self.sum()?;
        let o = match (bigint(&l), bigint(&r)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => float(&l)?.partial_cmp(&float(&r)?)?,
        };
        use std::cmp::Ordering::{Equal, Greater, Less};
        Some(V::Bool(match op {
            "==" => o == Equal,
            "!=" => o != Equal,
            "<=" => o != Greater,
            ">=" => o != Less,
            "<" => o == Less,
            _ => o == Greater,
        }))
    }
    fn sum(&mut self) -> Option<V> {
        let mut l = self.product()?;
        loop {
            if self.eat("+") {
                let r = self.product()?;
                l = arith(&l, &r, "+")?;
            } else if self.eat("-") {
                let r = self.product()?;
                l = arith(&l, &r, "-")?;
            } else {
                return Some(l);
            }
        }
    }
    fn product(&mut self) -> Option<V> {
        let mut l = self.unary()?;
        loop {
            let Some(op) = ["*", "//", "/", "%"].into_iter().find(|o| self.peek_op(o)) else {
                return Some(l);
            };
            self.i += 1;
            let r = self.unary()?;
            l = arith(&l, &r, op)?;
        }
    }
    fn unary(&mut self) -> Option<V> {
        if self.eat("-") {
            let v = self.unary()?;
            return arith(&V::Int(0), &v, "-");
        }
        if self.eat("+") {
            return self.unary();
        }
        self.power()
    }
    fn power(&mut self) -> Option<V> {
        let base = self.filtered()?;
        if self.eat("**") {
            let e = self.unary()?;
            return arith(&base, &e, "**");
        }
        Some(base)
    }
    /// Filters and tests after a primary: `x | f(args)`, `x is t(args)`
    /// (Jinja2 binds both tighter than `**`).
    fn filtered(&mut self) -> Option<V> {
        let mut v = self.primary()?;
        loop {
            let is_test = matches!(self.t.get(self.i), Some(Tok::Name(n)) if n == "is");
            if !is_test && !self.eat("|") {
                return Some(v);
            }
            self.i += usize::from(is_test);
            let Some(Tok::Name(f)) = self.t.get(self.i).cloned() else {
                return None;
            };
            self.i += 1;
            let mut args = Vec::new();
            if self.eat("(") && !self.eat(")") {
                loop {
                    args.push(self.sum()?);
                    if self.eat(")") {
                        break;
                    }
                    if !self.eat(",") {
                        return None;
                    }
                }
            }
            v = if is_test {
                test(&f, &v, &args)?
            } else {
                filter(&f, &v, &args)?
            };
        }
    }
    fn primary(&mut self) -> Option<V> {
        let t = self.t.get(self.i).cloned()?;
        self.i += 1;
        match t {
            Tok::Int(b) => Some(V::big(b)),
            Tok::Float(f) => Some(V::Float(f)),
            Tok::Op("(") => {
                let v = self.sum()?;
                self.eat(")").then_some(v)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.sum()?);
                        if self.eat("]") {
                            break;
                        }
                        if !self.eat(",") {
                            return None;
                        }
                    }
                }
                Some(V::list(items))
            }
            Tok::Name(n) if n == "_" => {
                let mut cur = self.data.clone();
                loop {
                    if self.eat(".") {
                        let Some(Tok::Name(k)) = self.t.get(self.i).cloned() else {
                            return None;
                        };
                        self.i += 1;
                        cur = cur.get(&k)?.clone();
                    } else if self.peek_op("[") {
                        self.i += 1;
                        match self.t.get(self.i).cloned()? {
                            Tok::Int(k) => {
                                let k = k.to_i64()?;
                                let arr = cur.as_array()?;
                                let idx = if k < 0 { arr.len() as i64 + k } else { k };
                                cur = arr.get(usize::try_from(idx).ok()?)?.clone();
                            }
                            Tok::Str(k) => cur = cur.get(&k)?.clone(),
                            _ => return None,
                        }
                        self.i += 1;
                        if !self.eat("]") {
                            return None;
                        }
                    } else {
                        break;
                    }
                }
                let v = V::from_json(&cur);
                v.is_number().then_some(v)
            }
            _ => None,
        }
    }
}

fn bigint(v: &V) -> Option<BigInt> {
    match v {
        V::Bool(b) => Some(BigInt::from(u8::from(*b))),
        V::Int(i) => Some(BigInt::from(*i)),
        V::Big(b) => Some((**b).clone()),
        _ => None,
    }
}

fn float(v: &V) -> Option<f64> {
    let f = v.as_f64()?;
    f.is_finite().then_some(f)
}

fn arith(l: &V, r: &V, op: &str) -> Option<V> {
    if let (Some(a), Some(b)) = (bigint(l), bigint(r)) {
        return Some(match op {
            "+" => V::big(a + b),
            "-" => V::big(a - b),
            "*" => {
                if a.bits() + b.bits() > MAX_BITS {
                    return None;
                }
                V::big(a * b)
            }
            "/" => {
                if b.is_zero() {
                    return None;
                }
                V::Float(a.to_f64()? / b.to_f64()?)
            }
            "//" => {
                if b.is_zero() {
                    return None;
                }
                V::big(a.div_floor(&b))
            }
            "%" => {
                if b.is_zero() {
                    return None;
                }
                V::big(a.mod_floor(&b))
            }
            "**" => {
                if b.is_negative() {
                    V::Float(a.to_f64()?.powf(b.to_f64()?))
                } else {
                    let e = b.to_u32()?;
                    if a.bits() * u64::from(e) > MAX_BITS {
                        return None;
                    }
                    V::big(a.pow(e))
                }
            }
            _ => return None,
        });
    }
    let (a, b) = (float(l)?, float(r)?);
    let x = match op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" if b != 0.0 => a / b,
        "//" if b != 0.0 => (a / b).floor(),
        "%" if b != 0.0 => crate::expr::yaql::ops::py_fmod(a, b),
        "**" => a.powf(b),
        _ => return None,
    };
    x.is_finite().then_some(V::Float(x))
}

/// `odd`, `even`, `divisibleby(n)` on integers.
fn test(name: &str, v: &V, args: &[V]) -> Option<V> {
    let b = bigint(v)?;
    Some(V::Bool(match (name, args) {
        ("odd", []) => b.is_odd(),
        ("even", []) => b.is_even(),
        ("divisibleby", [n]) => {
            let n = bigint(n)?;
            !n.is_zero() && b.mod_floor(&n).is_zero()
        }
        _ => return None,
    }))
}

fn filter(name: &str, v: &V, args: &[V]) -> Option<V> {
    match (name, args) {
        ("string", []) => match v {
            V::Int(_) | V::Big(_) | V::Float(_) | V::Bool(_) => Some(V::string(python_str(v))),
            _ => None,
        },
        ("length" | "count", []) => match v {
            V::Str(s) => Some(V::Int(i64::try_from(s.chars().count()).ok()?)),
            _ => None,
        },
        ("sum", []) => v
            .items()?
            .iter()
            .try_fold(V::Int(0), |acc, x| arith(&acc, x, "+")),
        ("int", []) => match v {
            V::Float(f) => {
                Some(V::big(BigInt::from(f.trunc() as i128))).filter(|_| f.abs() < 1.7e38)
            }
            _ => bigint(v).map(V::big),
        },
        ("float", []) => float(v).map(V::Float),
        ("abs", []) => match v {
            V::Float(f) => Some(V::Float(f.abs())),
            _ => bigint(v).map(|b| V::big(b.abs())),
        },
        ("round", _) => {
            let nd = match args.first() {
                Some(V::Int(n)) => *n,
                None => 0,
                _ => return None,
            };
            match v {
                V::Float(f) => {
                    let s = format!("{:.*}", nd.max(0) as usize, f);
                    if nd < 0 {
                        return None;
                    }
                    s.parse().ok().map(V::Float)
                }
                // Python's round(int, -n): to a multiple of 10**n, half to even
                _ if nd < 0 => {
                    let b = bigint(v)?;
                    let m = BigInt::from(10).pow(u32::try_from(-nd).ok().filter(|n| *n < 4096)?);
                    let (mut q, r) = b.div_mod_floor(&m);
                    let twice: BigInt = r * 2;
                    if twice > m || (twice == m && q.is_odd()) {
                        q += 1;
                    }
                    Some(V::big(q * m))
                }
                _ => Some(v.clone()),
            }
        }
        ("max" | "min", []) => {
            let items = v.items()?;
            let mut best: Option<V> = None;
            for x in items {
                best = Some(match best {
                    None => x.clone(),
                    Some(b) => {
                        let o = crate::expr::yaql::ops::order(x, &b)?;
                        let better = if name == "max" {
                            o == std::cmp::Ordering::Greater
                        } else {
                            o == std::cmp::Ordering::Less
                        };
                        if better { x.clone() } else { b }
                    }
                });
            }
            best
        }
        _ => None,
    }
}

/// Evaluates `inner` with Python integer semantics, or `None` when it is not
/// plain arithmetic this evaluator understands.
pub fn eval(inner: &str, data: &Json) -> Option<V> {
    let t = lex(inner)?;
    let mut p = P { t, i: 0, data };
    let v = p.compare()?;
    (p.i == p.t.len()).then_some(v)
}

/// [`eval`] first, when `data` holds an integer beyond 128 bits: a
/// template value cannot carry one (it would arrive as a float).
pub fn eval_huge(inner: &str, data: &Json) -> Option<V> {
    holds_huge_int(data).then(|| eval(inner, data)).flatten()
}

/// [`eval_huge`] as JSON text (exact for big integers).
pub fn eval_huge_text(inner: &str, data: &Json) -> Option<String> {
    let v = eval_huge(inner, data)?;
    let mut out = String::new();
    crate::expr::yaql::value::write_json(&v, &mut out);
    Some(out)
}

fn holds_huge_int(data: &Json) -> bool {
    match data {
        Json::Number(n) => {
            let t = n.to_string();
            !t.contains(['.', 'e', 'E']) && t.parse::<i128>().is_err() && t.parse::<u128>().is_err()
        }
        Json::Array(xs) => xs.iter().any(holds_huge_int),
        Json::Object(m) => m.values().any(holds_huge_int),
        _ => false,
    }
}

/// Python's `str()` of a number or bool.
fn python_str(v: &V) -> String {
    match v {
        V::Bool(true) => "True".into(),
        V::Bool(false) => "False".into(),
        V::Str(s) => s.to_string(),
        other => crate::expr::yaql::value::py_str(other, crate::expr::yaql::value::Style::Yaql),
    }
}

/// Renders a template of text and `{{ arithmetic }}` only (no blocks),
/// each value as Python's `str()`: for the integers beyond 128 bits a
/// template value cannot hold. `None` when any part is something else.
fn render_arith(src: &str, data: &Json) -> Option<String> {
    if ["{%", "{#", "{{-", "-}}"].iter().any(|t| src.contains(t)) {
        return None;
    }
    let mut out = String::new();
    let mut rest = src;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("}}")? + at;
        let inner = rest[at + 2..end].trim();
        out.push_str(&python_str(&eval(inner, data)?));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// Runs `render`; a template of plain arithmetic is rendered here instead
/// when `data` holds an integer beyond 128 bits or `render` overflows.
pub fn or_huge<E>(
    src: &str,
    data: &Json,
    render: impl FnOnce() -> Result<String, E>,
    overflowed: impl Fn(&E) -> bool,
) -> Result<String, E> {
    if holds_huge_int(data)
        && let Some(s) = render_arith(src, data)
    {
        return Ok(s);
    }
    match render() {
        Err(e) if overflowed(&e) => render_arith(src, data).ok_or(e),
        other => other,
    }
}
