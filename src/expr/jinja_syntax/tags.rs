//! The statements of Jinja2's parser (`{% for %}`, `{% if %}`, `{% set %}`,
//! `{% macro %}` … and the template body around them), with its words for
//! an unknown tag and an unclosed block.

use super::{Item, Parser, R};
use crate::expr::jinja_syntax_lex::{describe_expr, py_repr};

impl Parser {
    fn fail_ut_eof(&self, name: Option<&str>, stack: &[Vec<&'static str>]) -> String {
        let expected: Vec<&str> = stack
            .iter()
            .flat_map(|e| e.iter().map(|x| describe_expr(x)))
            .collect();
        let looking = stack.last().map(|last| {
            last.iter()
                .map(|x| py_repr(describe_expr(x)))
                .collect::<Vec<_>>()
                .join(" or ")
        });
        let mut message = vec![match name {
            None => "Unexpected end of template.".to_string(),
            Some(n) => format!("Encountered unknown tag {}.", py_repr(n)),
        }];
        if let Some(looking) = looking.filter(|l| !l.is_empty()) {
            if name.is_some_and(|n| expected.contains(&n)) {
                message.push(format!(
                    "You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for {looking}."
                ));
            } else {
                message.push(format!(
                    "Jinja was looking for the following tags: {looking}."
                ));
            }
        }
        if let Some(tag) = self.tag_stack.last() {
            message.push(format!(
                "The innermost block that needs to be closed is {}.",
                py_repr(tag)
            ));
        }
        message.join(" ")
    }

    fn fail_eof(&self, end_tokens: Option<&[&'static str]>) -> String {
        let mut stack = self.end_token_stack.clone();
        if let Some(e) = end_tokens {
            stack.push(e.to_vec());
        }
        self.fail_ut_eof(None, &stack)
    }

    /// Jinja2's `is_tuple_end`. Its `extra_end_rules` never match there
    /// (`test_any(extra_end_rules)` tests the tuple as one rule), so `{% for
    /// k, in x %}` reads `in` as a name, as Jinja2 does.
    pub(super) fn is_tuple_end(&self) -> bool {
        matches!(
            self.stream.current.kind,
            "variable_end" | "block_end" | "rparen"
        )
    }

    fn parse_statement(&mut self) -> R<()> {
        self.deeper(Self::statement)
    }

    fn statement(&mut self) -> R<()> {
        let token = self.stream.current.clone();
        if token.kind != "name" {
            return Err("tag name expected".into());
        }
        self.tag_stack.push(token.value.clone());
        let name = token.value.as_str();
        let result = match name {
            "for" => self.parse_for(),
            "if" => self.parse_if(),
            "block" => self.parse_block(),
            "extends" => self.parse_extends(),
            "print" => self.parse_print(),
            "macro" => self.parse_macro(),
            "include" => self.parse_include(),
            "from" => self.parse_from(),
            "import" => self.parse_import(),
            "set" => self.parse_set(),
            "with" => self.parse_with(),
            "autoescape" => self.parse_autoescape(),
            "call" => self.parse_call_block(),
            "filter" => self.parse_filter_block(),
            _ => {
                self.tag_stack.pop();
                return Err(self.fail_ut_eof(Some(name), &self.end_token_stack));
            }
        };
        self.tag_stack.pop();
        result
    }

    fn parse_statements(&mut self, end_tokens: &[&'static str], drop_needle: bool) -> R<Vec<Item>> {
        self.stream.skip_if("colon")?;
        self.stream.expect("block_end")?;
        let result = self.subparse(Some(end_tokens))?;
        if self.stream.current.kind == "eof" {
            return Err(self.fail_eof(Some(end_tokens)));
        }
        if drop_needle {
            self.stream.next()?;
        }
        Ok(result)
    }

    fn parse_set(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_assign_target(true, false, true)?;
        if self.stream.skip_if("assign")? {
            self.parse_tuple(false, true, false, false)?;
            return Ok(());
        }
        self.parse_filter(false)?;
        self.parse_statements(&["name:endset"], true)?;
        Ok(())
    }

    fn parse_for(&mut self) -> R<()> {
        self.stream.expect("name:for")?;
        self.parse_assign_target(true, false, false)?;
        self.stream.expect("name:in")?;
        self.parse_tuple(false, false, false, false)?;
        if self.stream.skip_if("name:if")? {
            self.parse_expression(true)?;
        }
        self.stream.skip_if("name:recursive")?;
        self.parse_statements(&["name:endfor", "name:else"], false)?;
        if self.stream.next()?.value != "endfor" {
            self.parse_statements(&["name:endfor"], true)?;
        }
        Ok(())
    }

    fn parse_if(&mut self) -> R<()> {
        self.stream.expect("name:if")?;
        loop {
            self.parse_tuple(false, false, false, false)?;
            self.parse_statements(&["name:elif", "name:else", "name:endif"], false)?;
            let token = self.stream.next()?;
            if token.test("name:elif") {
                continue;
            }
            if token.test("name:else") {
                self.parse_statements(&["name:endif"], true)?;
            }
            return Ok(());
        }
    }

    fn parse_with(&mut self) -> R<()> {
        self.stream.next()?;
        let mut first = true;
        while self.stream.current.kind != "block_end" {
            if !first {
                self.stream.expect("comma")?;
            }
            first = false;
            self.parse_assign_target(true, false, false)?;
            self.stream.expect("assign")?;
            self.parse_expression(true)?;
        }
        self.parse_statements(&["name:endwith"], true)?;
        Ok(())
    }

    fn parse_autoescape(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_expression(true)?;
        self.parse_statements(&["name:endautoescape"], true)?;
        Ok(())
    }

    fn parse_block(&mut self) -> R<()> {
        self.stream.next()?;
        let name = self.stream.expect("name")?.value;
        self.stream.skip_if("name:scoped")?;
        let required = self.stream.skip_if("name:required")?;
        if self.stream.current.kind == "sub" {
            return Err("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.".into());
        }
        let body = self.parse_statements(&["name:endblock"], true)?;
        if required && body.iter().any(|i| matches!(i, Item::Other)) {
            return Err("Required blocks can only contain comments or whitespace".into());
        }
        self.stream.skip_if(&format!("name:{name}"))?;
        Ok(())
    }

    fn parse_extends(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_expression(true)?;
        Ok(())
    }

    fn parse_import_context_clause(&mut self) -> R<()> {
        if self.stream.current.test_any(&["name:with", "name:without"])
            && self.stream.look()?.test("name:context")
        {
            self.stream.next()?;
            self.stream.skip(1)?;
        }
        Ok(())
    }

    fn parse_include(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_expression(true)?;
        if self.stream.current.test("name:ignore") && self.stream.look()?.test("name:missing") {
            self.stream.skip(2)?;
        }
        self.parse_import_context_clause()
    }

    fn parse_import(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_expression(true)?;
        self.stream.expect("name:as")?;
        self.parse_assign_target(true, true, false)?;
        self.parse_import_context_clause()
    }

    fn parse_from(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_expression(true)?;
        self.stream.expect("name:import")?;
        let mut names = 0;
        loop {
            if names > 0 {
                self.stream.expect("comma")?;
            }
            if self.stream.current.kind == "name" {
                if self.import_context()? {
                    break;
                }
                let target = self.stream.current.value.clone();
                self.parse_assign_target(true, true, false)?;
                if target.starts_with('_') {
                    return Err("names starting with an underline can not be imported".into());
                }
                if self.stream.skip_if("name:as")? {
                    self.parse_assign_target(true, true, false)?;
                }
                names += 1;
                if self.import_context()? || self.stream.current.kind != "comma" {
                    break;
                }
            } else {
                self.stream.expect("name")?;
            }
        }
        Ok(())
    }

    fn import_context(&mut self) -> R<bool> {
        if matches!(self.stream.current.value.as_str(), "with" | "without")
            && self.stream.look()?.test("name:context")
        {
            self.stream.next()?;
            self.stream.skip(1)?;
            return Ok(true);
        }
        Ok(false)
    }

    fn parse_signature(&mut self) -> R<()> {
        self.stream.expect("lparen")?;
        let (mut args, mut defaults) = (0, 0);
        while self.stream.current.kind != "rparen" {
            if args > 0 {
                self.stream.expect("comma")?;
            }
            self.parse_assign_target(true, true, false)?;
            if self.stream.skip_if("assign")? {
                self.parse_expression(true)?;
                defaults += 1;
            } else if defaults > 0 {
                return Err("non-default argument follows default argument".into());
            }
            args += 1;
        }
        self.stream.expect("rparen")?;
        Ok(())
    }

    fn parse_call_block(&mut self) -> R<()> {
        self.stream.next()?;
        if self.stream.current.kind == "lparen" {
            self.parse_signature()?;
        }
        if self.parse_expression(true)?.class != "call" {
            return Err("expected call".into());
        }
        self.parse_statements(&["name:endcall"], true)?;
        Ok(())
    }

    fn parse_filter_block(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_filter(true)?;
        self.parse_statements(&["name:endfilter"], true)?;
        Ok(())
    }

    fn parse_macro(&mut self) -> R<()> {
        self.stream.next()?;
        self.parse_assign_target(true, true, false)?;
        self.parse_signature()?;
        self.parse_statements(&["name:endmacro"], true)?;
        Ok(())
    }

    fn parse_print(&mut self) -> R<()> {
        self.stream.next()?;
        let mut first = true;
        while self.stream.current.kind != "block_end" {
            if !first {
                self.stream.expect("comma")?;
            }
            first = false;
            self.parse_expression(true)?;
        }
        Ok(())
    }

    pub(super) fn subparse(&mut self, end_tokens: Option<&[&'static str]>) -> R<Vec<Item>> {
        if let Some(e) = end_tokens {
            self.end_token_stack.push(e.to_vec());
        }
        let result = self.subparse_body(end_tokens);
        if end_tokens.is_some() {
            self.end_token_stack.pop();
        }
        result
    }

    fn subparse_body(&mut self, end_tokens: Option<&[&'static str]>) -> R<Vec<Item>> {
        let mut body = Vec::new();
        while self.stream.more() {
            match self.stream.current.kind {
                "data" => {
                    // what `{% block … required %}` allows: whitespace
                    let text = &self.stream.current.value;
                    body.push(if text.chars().all(char::is_whitespace) {
                        Item::Space
                    } else {
                        Item::Other
                    });
                    self.stream.next()?;
                }
                "variable_begin" => {
                    self.stream.next()?;
                    self.parse_tuple(false, true, false, false)?;
                    body.push(Item::Other);
                    self.stream.expect("variable_end")?;
                }
                "block_begin" => {
                    self.stream.next()?;
                    if let Some(e) = end_tokens
                        && self.stream.current.test_any(e)
                    {
                        return Ok(body);
                    }
                    self.parse_statement()?;
                    body.push(Item::Other);
                    self.stream.expect("block_end")?;
                }
                _ => return Err("internal parsing error".into()),
            }
        }
        Ok(body)
    }
}
