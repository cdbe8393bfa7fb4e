//! Jinja2 3.1's parser (`jinja2/parser.py`), run for its first error only:
//! Mistral checks every Jinja string of a workflow with `env.parse` and
//! answers `Syntax error '<Jinja2's message>'.`. bora parses templates with
//! its own parser; once that refuses one, this port of Jinja2's gives the
//! message in Jinja2's words (`unexpected 'end of print statement'`,
//! `expected token 'in', got 'end of statement block'`, `Encountered
//! unknown tag 'x'. Jinja was looking for …`). It builds no tree: each
//! parse returns only what Jinja2's own checks look at (the node's class,
//! whether it can be assigned to).

mod tags;

use super::jinja_syntax_lex::{Stream, describe, py_repr};

/// Jinja2's message for the first syntax error of `source` parsed as a
/// template, or `None` when Jinja2 parses it.
pub(crate) fn first_error(source: &str) -> Option<String> {
    let mut p = match Parser::new(source, false) {
        Ok(p) => p,
        Err(e) => return Some(e),
    };
    p.subparse(None).err().filter(|e| e != TOO_DEEP)
}

/// Nesting (brackets, unary operators, blocks) deeper than this is not
/// followed: Jinja2 itself runs out of Python's recursion there, and the
/// check leaves such a text to bora's own parser and its limits.
const MAX_DEPTH: usize = 150;

/// The marker of nesting beyond [`MAX_DEPTH`].
const TOO_DEEP: &str = "\u{0}too deep";

/// Jinja2's message for the first syntax error of `source` read as one
/// expression (`Environment.compile_expression`, how Mistral evaluates a
/// whole-string `{{ … }}`), or `None` when Jinja2 compiles it.
pub(crate) fn expression_error(source: &str) -> Option<String> {
    let mut p = match Parser::new(source, true) {
        Ok(p) => p,
        // An error in the first token is raised before Jinja2's handler,
        // so it keeps the line Jinja2 appends.
        Err(e) => {
            let line = 1 + source[..source.len() - source.trim_start().len()]
                .matches('\n')
                .count();
            return Some(format!("{e}\n  line {line}"));
        }
    };
    if let Err(e) = p.parse_expression(true) {
        return (e != TOO_DEEP).then_some(e);
    }
    p.stream
        .more()
        .then(|| "chunk after expression".to_string())
}

type R<T> = Result<T, String>;

/// What the parser's checks need of a parsed expression: Jinja2's class
/// name (lower case) and `can_assign()`.
#[derive(Clone, Copy)]
struct Node {
    class: &'static str,
    assignable: bool,
}

impl Node {
    fn of(class: &'static str) -> Self {
        Node {
            class,
            assignable: false,
        }
    }
}

/// What a template body holds, for `{% block … required %}`: whitespace
/// only, or anything else.
enum Item {
    Space,
    Other,
}

const COMPARE: [&str; 6] = ["eq", "ne", "lt", "lteq", "gt", "gteq"];

struct Parser {
    stream: Stream,
    tag_stack: Vec<String>,
    end_token_stack: Vec<Vec<&'static str>>,
    depth: usize,
}

impl Parser {
    fn new(source: &str, expression: bool) -> R<Self> {
        Ok(Parser {
            stream: Stream::new(source, expression)?,
            tag_stack: Vec::new(),
            end_token_stack: Vec::new(),
            depth: 0,
        })
    }

    /// `f` one level deeper, or [`TOO_DEEP`].
    fn deeper<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        if self.depth >= MAX_DEPTH {
            return Err(TOO_DEEP.into());
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn parse_assign_target(
        &mut self,
        with_tuple: bool,
        name_only: bool,
        with_namespace: bool,
    ) -> R<Node> {
        let target = if name_only {
            self.stream.expect("name")?;
            Node {
                class: "name",
                assignable: true,
            }
        } else if with_tuple {
            self.parse_tuple(true, true, false, with_namespace)?
        } else {
            self.parse_primary(with_namespace)?
        };
        if !target.assignable {
            return Err(format!("can't assign to {}", py_repr(target.class)));
        }
        Ok(target)
    }

    fn parse_expression(&mut self, with_condexpr: bool) -> R<Node> {
        self.deeper(|p| {
            if with_condexpr {
                p.parse_condexpr()
            } else {
                p.parse_or()
            }
        })
    }

    fn parse_condexpr(&mut self) -> R<Node> {
        let mut expr = self.parse_or()?;
        while self.stream.skip_if("name:if")? {
            self.parse_or()?;
            if self.stream.skip_if("name:else")? {
                self.parse_condexpr()?;
            }
            expr = Node::of("condexpr");
        }
        Ok(expr)
    }

    fn parse_or(&mut self) -> R<Node> {
        let mut left = self.parse_and()?;
        while self.stream.skip_if("name:or")? {
            self.parse_and()?;
            left = Node::of("or");
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> R<Node> {
        let mut left = self.parse_not()?;
        while self.stream.skip_if("name:and")? {
            self.parse_not()?;
            left = Node::of("and");
        }
        Ok(left)
    }

    fn parse_not(&mut self) -> R<Node> {
        if self.stream.current.test("name:not") {
            self.stream.next()?;
            self.deeper(Self::parse_not)?;
            return Ok(Node::of("not"));
        }
        self.parse_compare()
    }

    fn parse_compare(&mut self) -> R<Node> {
        let expr = self.parse_math1()?;
        let mut ops = 0;
        loop {
            if COMPARE.contains(&self.stream.current.kind) {
                self.stream.next()?;
            } else if self.stream.skip_if("name:in")? {
            } else if self.stream.current.test("name:not") && self.stream.look()?.test("name:in") {
                self.stream.skip(2)?;
            } else {
                break;
            }
            self.parse_math1()?;
            ops += 1;
        }
        Ok(if ops == 0 { expr } else { Node::of("compare") })
    }

    /// A chain of binary operators of one precedence level.
    fn binary(
        &mut self,
        ops: &[&str],
        class: &'static str,
        operand: fn(&mut Self) -> R<Node>,
    ) -> R<Node> {
        let mut left = operand(self)?;
        while ops.contains(&self.stream.current.kind) {
            self.stream.next()?;
            operand(self)?;
            left = Node::of(class);
        }
        Ok(left)
    }

    fn parse_math1(&mut self) -> R<Node> {
        self.binary(&["add", "sub"], "add", Self::parse_concat)
    }

    fn parse_concat(&mut self) -> R<Node> {
        self.binary(&["tilde"], "concat", Self::parse_math2)
    }

    fn parse_math2(&mut self) -> R<Node> {
        self.binary(&["mul", "div", "floordiv", "mod"], "mul", Self::parse_pow)
    }

    fn parse_pow(&mut self) -> R<Node> {
        self.binary(&["pow"], "pow", |p| p.parse_unary(true))
    }

    fn parse_unary(&mut self, with_filter: bool) -> R<Node> {
        let mut node = match self.stream.current.kind {
            "sub" | "add" => {
                self.stream.next()?;
                self.deeper(|p| p.parse_unary(false))?;
                Node::of("neg")
            }
            _ => self.parse_primary(false)?,
        };
        node = self.parse_postfix(node)?;
        if with_filter {
            node = self.parse_filter_expr(node)?;
        }
        Ok(node)
    }

    fn parse_primary(&mut self, with_namespace: bool) -> R<Node> {
        let token = self.stream.current.clone();
        match token.kind {
            "name" => {
                self.stream.next()?;
                if matches!(
                    token.value.as_str(),
                    "true" | "false" | "True" | "False" | "none" | "None"
                ) {
                    return Ok(Node::of("const"));
                }
                if with_namespace && self.stream.current.kind == "dot" {
                    self.stream.next()?;
                    self.stream.expect("name")?;
                    return Ok(Node {
                        class: "nsref",
                        assignable: true,
                    });
                }
                Ok(Node {
                    class: "name",
                    assignable: true,
                })
            }
            "string" => {
                self.stream.next()?;
                while self.stream.current.kind == "string" {
                    self.stream.next()?;
                }
                Ok(Node::of("const"))
            }
            "integer" | "float" => {
                self.stream.next()?;
                Ok(Node::of("const"))
            }
            "lparen" => {
                self.stream.next()?;
                let node = self.parse_tuple(false, true, true, false)?;
                self.stream.expect("rparen")?;
                Ok(node)
            }
            "lbracket" => self.parse_list(),
            "lbrace" => self.parse_dict(),
            _ => Err(format!("unexpected {}", py_repr(describe(&token)))),
        }
    }

    fn parse_tuple(
        &mut self,
        simplified: bool,
        with_condexpr: bool,
        explicit_parentheses: bool,
        with_namespace: bool,
    ) -> R<Node> {
        let mut args: Vec<Node> = Vec::new();
        let mut is_tuple = false;
        loop {
            if !args.is_empty() {
                self.stream.expect("comma")?;
            }
            if self.is_tuple_end() {
                break;
            }
            args.push(if simplified {
                self.parse_primary(with_namespace)?
            } else {
                self.parse_expression(with_condexpr)?
            });
            if self.stream.current.kind == "comma" {
                is_tuple = true;
            } else {
                break;
            }
        }
        if !is_tuple {
            if let Some(first) = args.first() {
                return Ok(*first);
            }
            if !explicit_parentheses {
                return Err(format!(
                    "Expected an expression, got {}",
                    py_repr(describe(&self.stream.current))
                ));
            }
        }
        Ok(Node {
            class: "tuple",
            assignable: args.iter().all(|a| a.assignable),
        })
    }

    /// A list or a dict literal, up to `close`.
    fn parse_items(&mut self, open: &str, close: &str, pairs: bool) -> R<()> {
        self.stream.expect(open)?;
        let mut first = true;
        while self.stream.current.kind != close {
            if !first {
                self.stream.expect("comma")?;
            }
            first = false;
            if self.stream.current.kind == close {
                break;
            }
            self.parse_expression(true)?;
            if pairs {
                self.stream.expect("colon")?;
                self.parse_expression(true)?;
            }
        }
        self.stream.expect(close)?;
        Ok(())
    }

    fn parse_list(&mut self) -> R<Node> {
        self.parse_items("lbracket", "rbracket", false)?;
        Ok(Node::of("list"))
    }

    fn parse_dict(&mut self) -> R<Node> {
        self.parse_items("lbrace", "rbrace", true)?;
        Ok(Node::of("dict"))
    }

    fn parse_postfix(&mut self, mut node: Node) -> R<Node> {
        loop {
            match self.stream.current.kind {
                "dot" | "lbracket" => node = self.parse_subscript()?,
                "lparen" => node = self.parse_call()?,
                _ => return Ok(node),
            }
        }
    }

    fn parse_filter_expr(&mut self, mut node: Node) -> R<Node> {
        loop {
            let kind = self.stream.current.kind;
            if kind == "pipe" {
                self.parse_filter(false)?;
                node = Node::of("filter");
            } else if kind == "name" && self.stream.current.value == "is" {
                node = self.parse_test()?;
            } else if kind == "lparen" {
                node = self.parse_call()?;
            } else {
                return Ok(node);
            }
        }
    }

    fn parse_subscript(&mut self) -> R<Node> {
        let token = self.stream.next()?;
        if token.kind == "dot" {
            let attr = self.stream.next()?;
            if attr.kind == "name" {
                return Ok(Node::of("getattr"));
            }
            if attr.kind != "integer" {
                return Err("expected name or number".into());
            }
            return Ok(Node::of("getitem"));
        }
        let mut first = true;
        while self.stream.current.kind != "rbracket" {
            if !first {
                self.stream.expect("comma")?;
            }
            first = false;
            self.parse_subscribed()?;
        }
        self.stream.expect("rbracket")?;
        Ok(Node::of("getitem"))
    }

    fn parse_subscribed(&mut self) -> R<()> {
        if self.stream.current.kind == "colon" {
            self.stream.next()?;
        } else {
            self.parse_expression(true)?;
            if self.stream.current.kind != "colon" {
                return Ok(());
            }
            self.stream.next()?;
        }
        if !matches!(self.stream.current.kind, "colon" | "rbracket" | "comma") {
            self.parse_expression(true)?;
        }
        if self.stream.current.kind == "colon" {
            self.stream.next()?;
            if !matches!(self.stream.current.kind, "rbracket" | "comma") {
                self.parse_expression(true)?;
            }
        }
        Ok(())
    }

    fn parse_call_args(&mut self) -> R<()> {
        self.stream.expect("lparen")?;
        let invalid = || Err("invalid syntax for function call expression".to_string());
        let (mut dyn_args, mut dyn_kwargs, mut kwargs) = (false, false, false);
        let mut require_comma = false;
        while self.stream.current.kind != "rparen" {
            if require_comma {
                self.stream.expect("comma")?;
                if self.stream.current.kind == "rparen" {
                    break;
                }
            }
            if self.stream.current.kind == "mul" {
                if dyn_args || dyn_kwargs {
                    return invalid();
                }
                self.stream.next()?;
                self.parse_expression(true)?;
                dyn_args = true;
            } else if self.stream.current.kind == "pow" {
                if dyn_kwargs {
                    return invalid();
                }
                self.stream.next()?;
                self.parse_expression(true)?;
                dyn_kwargs = true;
            } else if self.stream.current.kind == "name" && self.stream.look()?.kind == "assign" {
                if dyn_kwargs {
                    return invalid();
                }
                self.stream.skip(2)?;
                self.parse_expression(true)?;
                kwargs = true;
            } else {
                if dyn_args || dyn_kwargs || kwargs {
                    return invalid();
                }
                self.parse_expression(true)?;
            }
            require_comma = true;
        }
        self.stream.expect("rparen")?;
        Ok(())
    }

    fn parse_call(&mut self) -> R<Node> {
        self.parse_call_args()?;
        Ok(Node::of("call"))
    }

    /// `| name(args)` (one or more), or the filter of a `{% filter %}`.
    fn parse_filter(&mut self, mut start_inline: bool) -> R<()> {
        while self.stream.current.kind == "pipe" || start_inline {
            if !start_inline {
                self.stream.next()?;
            }
            self.stream.expect("name")?;
            while self.stream.current.kind == "dot" {
                self.stream.next()?;
                self.stream.expect("name")?;
            }
            if self.stream.current.kind == "lparen" {
                self.parse_call_args()?;
            }
            start_inline = false;
        }
        Ok(())
    }

    fn parse_test(&mut self) -> R<Node> {
        self.stream.next()?;
        let negated = self.stream.skip_if("name:not")?;
        self.stream.expect("name")?;
        while self.stream.current.kind == "dot" {
            self.stream.next()?;
            self.stream.expect("name")?;
        }
        let cur = &self.stream.current;
        if cur.kind == "lparen" {
            self.parse_call_args()?;
        } else if matches!(
            cur.kind,
            "name" | "string" | "integer" | "float" | "lparen" | "lbracket" | "lbrace"
        ) && !cur.test_any(&["name:else", "name:or", "name:and"])
        {
            if cur.test("name:is") {
                return Err("You cannot chain multiple tests with is".into());
            }
            let arg = self.parse_primary(false)?;
            self.parse_postfix(arg)?;
        }
        Ok(Node::of(if negated { "not" } else { "test" }))
    }
}

#[cfg(test)]
mod tests {
    use super::first_error;

    /// Each line as Jinja2 3.1.6 (Mistral 23.0.0's) words it.
    #[test]
    fn jinja2s_words() {
        for (src, want) in [
            ("{{ _.a + }}", "unexpected 'end of print statement'"),
            ("{{ foo( }}", "unexpected '}', expected ')'"),
            ("{{ [1, 2 }}", "unexpected '}', expected ']'"),
            ("{{ 'abc }}", "unexpected char \"'\" at 3"),
            (
                "{{ x | }}",
                "expected token 'name', got 'end of print statement'",
            ),
            (
                "{% if x %}a",
                "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
            ),
            (
                "{% if x %}a{% endfor %}",
                "Encountered unknown tag 'endfor'. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.",
            ),
            (
                "{% for x %}{% endfor %}",
                "expected token 'in', got 'end of statement block'",
            ),
            ("{% foo %}", "Encountered unknown tag 'foo'."),
            (
                "{{ }}",
                "Expected an expression, got 'end of print statement'",
            ),
            (
                "{{ a b }}",
                "expected token 'end of print statement', got 'b'",
            ),
            ("{{ a.. }}", "expected name or number"),
            ("{{ 1 ! 2 }}", "unexpected char '!' at 5"),
            (
                "{% set %}",
                "Expected an expression, got 'end of statement block'",
            ),
            (
                "{{ x",
                "unexpected end of template, expected 'end of print statement'.",
            ),
            ("{% for 1 in x %}{% endfor %}", "can't assign to 'const'"),
        ] {
            assert_eq!(first_error(src).as_deref(), Some(want), "{src}");
        }
    }

    #[test]
    fn an_expression_alone() {
        use super::expression_error;
        assert_eq!(
            expression_error(" 1 + ").as_deref(),
            Some("unexpected 'end of template'")
        );
        assert_eq!(
            expression_error(" a b ").as_deref(),
            Some("chunk after expression")
        );
        assert_eq!(expression_error(" a | join(',') "), None);
    }

    #[test]
    fn deep_nesting_is_left_alone() {
        let deep = format!("{{{{ {}1{} }}}}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(first_error(&deep), None);
        for op in ["- ", "not "] {
            let unary = format!("{{{{ {}1 }}}}", op.repeat(100_000));
            assert_eq!(first_error(&unary), None);
        }
        let blocks = "{% if x %}".repeat(100_000);
        assert_eq!(first_error(&blocks), None);
    }

    #[test]
    fn what_jinja2_parses_passes() {
        for src in [
            "{{ _.a + 1 }}",
            "{% for k, v in x.items() if v is not none %}{{ loop.index }}{% else %}-{% endfor %}",
            "{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{{ ns.a }}",
            "{% macro m(a, b=1) %}{{ a ~ b }}{% endmacro %}{{ m(1) | upper }}",
            "{# c #}{% raw %}{{ x{% endraw %}{{ x[1:2:] | join(',') }}",
            "{{ {'a': [1, 2.5e3, 0x1f]}['a'][0] if a in b else -c ** 2 // 3 }}",
            "plain",
        ] {
            assert_eq!(first_error(src), None, "{src}");
        }
    }
}
