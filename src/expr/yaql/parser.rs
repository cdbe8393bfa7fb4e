//! YAQL lexer and parser: turns expression text into an [`Expr`] tree using
//! Python yaql 3.2's tokens and operator table (as Mistral configures it,
//! keyword operator `=>`). Called once per distinct expression (then cached).

use num_bigint::BigInt;

/// Binary operators, named as yaql names their functions (`#operator_+`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Dot,
    Elvis,
    Match,
    NotMatch,
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Gt,
    Lt,
    Ge,
    Le,
    Ne,
    Eq,
    In,
    And,
    Or,
    Arrow,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Dot => ".",
            BinOp::Elvis => "?.",
            BinOp::Match => "=~",
            BinOp::NotMatch => "!~",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "mod",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Gt => ">",
            BinOp::Lt => "<",
            BinOp::Ge => ">=",
            BinOp::Le => "<=",
            BinOp::Ne => "!=",
            BinOp::Eq => "=",
            BinOp::In => "in",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::Arrow => "->",
        }
    }
    /// Binding power (higher binds tighter) and right-associativity.
    fn power(self) -> (u8, bool) {
        match self {
            BinOp::Dot | BinOp::Elvis => (20, false),
            BinOp::Match | BinOp::NotMatch => (16, false),
            BinOp::Mul | BinOp::Div | BinOp::Mod => (14, false),
            BinOp::Add | BinOp::Sub => (12, false),
            BinOp::Gt | BinOp::Lt | BinOp::Ge | BinOp::Le | BinOp::Ne | BinOp::Eq | BinOp::In => {
                (10, false)
            }
            BinOp::And => (6, false),
            BinOp::Or => (4, false),
            BinOp::Arrow => (2, true),
        }
    }
}

const INDEX_POWER: u8 = 19;
const UNARY_SIGN_POWER: u8 = 18;
const NOT_POWER: u8 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Plus,
    Minus,
    Not,
}

/// One argument of a call, index or literal.
#[derive(Debug)]
pub enum Arg {
    Pos(Expr),
    /// `name => value`
    Named(Expr, Expr),
    /// An omitted argument (`f(, 1)`).
    Empty,
}

#[derive(Debug)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Big(BigInt),
    Float(f64),
    Str(String),
    /// A bare identifier: a string constant, or a property name after `.`.
    Keyword(String),
    /// `$`, `$name`, `$1`: the name without `$` (`""` for `$`).
    Var(String),
    Paren(Box<Expr>),
    List(Vec<Arg>),
    Dict(Vec<Arg>),
    Call(String, Vec<Arg>),
    Index(Box<Expr>, Vec<Arg>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl Expr {
    /// True when the expression reads `$`-style data of the receiver
    /// (yaql's `uses_receiver`): function calls do, keywords do not.
    pub fn uses_receiver(&self) -> bool {
        !matches!(
            self,
            Expr::Null
                | Expr::Bool(_)
                | Expr::Int(_)
                | Expr::Big(_)
                | Expr::Float(_)
                | Expr::Str(_)
                | Expr::Keyword(_)
                | Expr::Var(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(String),
    Str(String),
    Kw(String),
    Func(String),
    Dollar(String),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    True,
    False,
    NullT,
}

/// A syntax error: message as yaql words it.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub position: usize,
}

const OPS: [&str; 19] = [
    "?.", "=~", "!~", ">=", "<=", "!=", "->", "=>", ".", "+", "-", "*", "/", ">", "<", "=", "(",
    ")", "",
];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = chars.len();
    let at = |k: usize| chars.get(k).map(|p| p.1);
    let illegal = |k: usize| SyntaxError {
        message: format!(
            "Lexical error: illegal character '{}' at position {}",
            chars[k].1, k
        ),
        position: k,
    };
    while i < n {
        let c = chars[i].1;
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
            continue;
        }
        let start = i;
        if c == '$' {
            let mut j = i + 1;
            while j < n && is_word(chars[j].1) {
                j += 1;
            }
            let name: String = chars[i + 1..j].iter().map(|p| p.1).collect();
            out.push((Tok::Dollar(name), start));
            i = j;
            continue;
        }
        if c.is_ascii_digit() || (c.is_numeric() && c.is_alphanumeric() && !c.is_alphabetic()) {
            // \b\d+(\.?\d+)?\b
            let prev_word = i > 0 && is_word(chars[i - 1].1);
            let mut j = i;
            while j < n && chars[j].1.is_numeric() && !chars[j].1.is_alphabetic() {
                j += 1;
            }
            let mut end = j;
            if at(j) == Some('.') && at(j + 1).is_some_and(|d| d.is_ascii_digit()) {
                let mut k = j + 1;
                while k < n && chars[k].1.is_ascii_digit() {
                    k += 1;
                }
                end = k;
            }
            let ok_end = end >= n || !is_word(chars[end].1);
            if prev_word || !ok_end {
                // try the integer part alone with a word boundary
                if !prev_word && (j >= n || !is_word(chars[j].1)) {
                    end = j;
                } else {
                    return Err(illegal(i));
                }
            }
            let text: String = chars[i..end].iter().map(|p| p.1).collect();
            out.push((Tok::Num(text), start));
            i = end;
            continue;
        }
        if is_word(c) {
            let mut j = i;
            while j < n && is_word(chars[j].1) {
                j += 1;
            }
            let word: String = chars[i..j].iter().map(|p| p.1).collect();
            if at(j) == Some('(') {
                out.push((Tok::Func(word), start));
                i = j + 1;
                continue;
            }
            if word.starts_with("__") {
                return Err(illegal(i));
            }
            let tok = match word.as_str() {
                "true" => Tok::True,
                "false" => Tok::False,
                "null" => Tok::NullT,
                "mod" => Tok::Op("mod"),
                "in" => Tok::Op("in"),
                "not" => Tok::Op("not"),
                "and" => Tok::Op("and"),
                "or" => Tok::Op("or"),
                _ => Tok::Kw(word),
            };
            out.push((tok, start));
            i = j;
            continue;
        }
        if c == '\'' || c == '"' || c == '`' {
            let mut j = i + 1;
            let mut raw = String::new();
            let mut closed = false;
            while j < n {
                let d = chars[j].1;
                if d == '\\' && j + 1 < n {
                    raw.push(d);
                    raw.push(chars[j + 1].1);
                    j += 2;
                    continue;
                }
                if d == c {
                    closed = true;
                    break;
                }
                raw.push(d);
                j += 1;
            }
            if !closed {
                return Err(illegal(i));
            }
            let value = if c == '`' {
                raw.replace("\\`", "`")
            } else {
                decode_escapes(&raw)
            };
            out.push((Tok::Str(value), start));
            i = j + 1;
            continue;
        }
        let tok = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(t) = tok {
            out.push((t, start));
            i += 1;
            continue;
        }
        let rest: String = chars[i..(i + 2).min(n)].iter().map(|p| p.1).collect();
        let mut matched = None;
        for op in OPS
            .iter()
            .filter(|o| !o.is_empty() && **o != "(" && **o != ")")
        {
            if rest.starts_with(op) {
                matched = Some(*op);
                break;
            }
        }
        match matched {
            Some(op) => {
                out.push((Tok::Op(op), start));
                i += op.chars().count();
            }
            None => return Err(illegal(i)),
        }
    }
    Ok(out)
}

/// Python's `unicode-escape` decoding of the escapes yaql recognises; other
/// backslashes stay as written.
pub fn decode_escapes(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let hex = |from: usize, len: usize| -> Option<char> {
        if from + len > chars.len() {
            return None;
        }
        let t: String = chars[from..from + len].iter().collect();
        u32::from_str_radix(&t, 16).ok().and_then(char::from_u32)
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let d = chars[i + 1];
        let simple = match d {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            '"' => Some('"'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(x) = simple {
            out.push(x);
            i += 2;
            continue;
        }
        let (len, skip) = match d {
            'U' => (8, 2),
            'u' => (4, 2),
            'x' => (2, 2),
            _ => (0, 0),
        };
        if len > 0
            && let Some(x) = hex(i + skip, len)
        {
            out.push(x);
            i += skip + len;
            continue;
        }
        if d.is_digit(8) {
            let mut j = i + 1;
            let mut val = 0u32;
            while j < chars.len() && j < i + 4 && chars[j].is_digit(8) {
                val = val * 8 + chars[j].to_digit(8).unwrap_or(0);
                j += 1;
            }
            if let Some(x) = char::from_u32(val) {
                out.push(x);
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
    /// Operator and index nodes built so far: a left-assoc chain
    /// (`1 + 1 + …`) nests its tree without recursing here, and a tree deep
    /// enough would overflow the stack when it is evaluated or dropped.
    chained: usize,
}

/// Most operator and index nodes in one expression.
const MAX_CHAINED: usize = 2_000;

/// Parses one YAQL expression (already stripped of `<% %>`).
pub fn parse(src: &str) -> Result<Expr, SyntaxError> {
    let toks = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
        chained: 0,
    };
    let e = p.expr(0)?;
    if p.pos < p.toks.len() {
        return Err(p.unexpected());
    }
    Ok(e)
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Num(s) => s.clone(),
        Tok::Str(s) => s.clone(),
        Tok::Kw(s) => s.clone(),
        Tok::Func(s) => s.clone(),
        Tok::Dollar(s) => format!("${s}"),
        Tok::Op(o) => o.to_string(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::LBracket => "[".into(),
        Tok::RBracket => "]".into(),
        Tok::LBrace => "{".into(),
        Tok::RBrace => "}".into(),
        Tok::Comma => ",".into(),
        Tok::True => "True".into(),
        Tok::False => "False".into(),
        Tok::NullT => "None".into(),
    }
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn unexpected(&self) -> SyntaxError {
        match self.toks.get(self.pos) {
            None => SyntaxError {
                message: "Parse error: unexpected end of statement".into(),
                position: self.src.chars().count(),
            },
            Some((t, at)) => SyntaxError {
                message: format!(
                    "Parse error: unexpected '{}' at position {} of expression '{}'",
                    tok_text(t),
                    at,
                    self.src
                ),
                position: *at,
            },
        }
    }

    fn expect(&mut self, t: Tok) -> Result<(), SyntaxError> {
        if self.peek() == Some(&t) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn binop(&self) -> Option<BinOp> {
        match self.peek()? {
            Tok::Op(o) => Some(match *o {
                "." => BinOp::Dot,
                "?." => BinOp::Elvis,
                "=~" => BinOp::Match,
                "!~" => BinOp::NotMatch,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "mod" => BinOp::Mod,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                ">" => BinOp::Gt,
                "<" => BinOp::Lt,
                ">=" => BinOp::Ge,
                "<=" => BinOp::Le,
                "!=" => BinOp::Ne,
                "=" => BinOp::Eq,
                "in" => BinOp::In,
                "and" => BinOp::And,
                "or" => BinOp::Or,
                "->" => BinOp::Arrow,
                _ => return None,
            }),
            _ => None,
        }
    }

    fn expr(&mut self, min: u8) -> Result<Expr, SyntaxError> {
        self.depth += 1;
        if self.depth > 400 {
            return Err(SyntaxError {
                message: "Parse error: expression nested too deeply".into(),
                position: self.toks.get(self.pos).map_or(0, |t| t.1),
            });
        }
        let mut lhs = self.primary()?;
        loop {
            if self.chained > MAX_CHAINED {
                return Err(SyntaxError {
                    message: format!(
                        "Parse error: expression too complex (more than {MAX_CHAINED} operators)"
                    ),
                    position: self.toks.get(self.pos).map_or(0, |t| t.1),
                });
            }
            if self.peek() == Some(&Tok::LBracket) {
                if INDEX_POWER < min {
                    break;
                }
                self.pos += 1;
                let args = self.args(Tok::RBracket)?;
                lhs = Expr::Index(Box::new(lhs), args);
                self.chained += 1;
                continue;
            }
            let Some(op) = self.binop() else { break };
            let (pw, right) = op.power();
            if pw < min {
                break;
            }
            self.pos += 1;
            let rhs = self.expr(if right { pw } else { pw + 1 })?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
            self.chained += 1;
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.unexpected());
        };
        self.pos += 1;
        Ok(match t {
            Tok::Num(s) => {
                if s.contains('.') {
                    Expr::Float(s.parse().unwrap_or(f64::NAN))
                } else {
                    let ascii: String = s
                        .chars()
                        .map(|c| {
                            c.to_digit(10)
                                .and_then(|d| char::from_digit(d, 10))
                                .unwrap_or(c)
                        })
                        .collect();
                    match ascii.parse::<i64>() {
                        Ok(i) => Expr::Int(i),
                        Err(_) => Expr::Big(ascii.parse::<BigInt>().unwrap_or_default()),
                    }
                }
            }
            Tok::Str(s) => Expr::Str(s),
            Tok::Kw(s) => Expr::Keyword(s),
            Tok::True => Expr::Bool(true),
            Tok::False => Expr::Bool(false),
            Tok::NullT => Expr::Null,
            Tok::Dollar(s) => Expr::Var(s),
            Tok::Func(name) => {
                let args = self.args(Tok::RParen)?;
                Expr::Call(name, args)
            }
            Tok::LParen => {
                let e = self.expr(0)?;
                self.expect(Tok::RParen)?;
                Expr::Paren(Box::new(e))
            }
            Tok::LBracket => Expr::List(self.args(Tok::RBracket)?),
            Tok::LBrace => Expr::Dict(self.args(Tok::RBrace)?),
            Tok::Op("-") => Expr::Unary(UnOp::Minus, Box::new(self.expr(UNARY_SIGN_POWER)?)),
            Tok::Op("+") => Expr::Unary(UnOp::Plus, Box::new(self.expr(UNARY_SIGN_POWER)?)),
            Tok::Op("not") => Expr::Unary(UnOp::Not, Box::new(self.expr(NOT_POWER)?)),
            _ => {
                self.pos -= 1;
                return Err(self.unexpected());
            }
        })
    }

    /// Arguments up to the closing token: values, `k => v` pairs, and
    /// omitted positions (`f(, x)`); named ones come last.
    fn args(&mut self, close: Tok) -> Result<Vec<Arg>, SyntaxError> {
        let mut out = Vec::new();
        if self.peek() == Some(&close) {
            self.pos += 1;
            return Ok(out);
        }
        let mut named_seen = false;
        loop {
            if self.peek() == Some(&Tok::Comma) {
                if named_seen {
                    return Err(self.unexpected());
                }
                out.push(Arg::Empty);
                self.pos += 1;
                continue;
            }
            let e = self.expr(0)?;
            if self.peek() == Some(&Tok::Op("=>")) {
                self.pos += 1;
                let v = self.expr(0)?;
                out.push(Arg::Named(e, v));
                named_seen = true;
            } else {
                if named_seen {
                    return Err(self.unexpected());
                }
                out.push(Arg::Pos(e));
            }
            match self.peek() {
                Some(Tok::Comma) => {
                    self.pos += 1;
                    if self.peek() == Some(&close) {
                        // a trailing comma is a grammar error (an omitted
                        // argument needs a comma after it)
                        return Err(self.unexpected());
                    }
                }
                Some(t) if *t == close => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => return Err(self.unexpected()),
            }
        }
    }
}
