//! Jinja2's words for an undefined value: the first missing link of a path
//! into the context `_` is named as Jinja2's `Undefined` names it
//! (`'dict object' has no attribute 'x'`, `list object has no element 5`,
//! `'x' is undefined`). Inside a workflow `_` is Mistral's `ContextView`.

use serde_json::Value as Json;

/// The type of `_` inside a workflow, as Jinja2 prints it.
const CONTEXT_VIEW: &str = "mistral.workflow.data_flow.ContextView object";

/// One step of a path: `.name` / `['name']`, or `[3]`.
enum Step {
    Name(String),
    Index(i64),
}

/// Jinja2's message for the undefined value `src` ran into, when it is a
/// path into `_` (or a lone undefined variable); `None` when it cannot tell.
pub(crate) fn undefined_message(src: &str, data: &Json, in_workflow: bool) -> Option<String> {
    let bytes = src.as_bytes();
    let mut at = 0;
    while let Some(off) = src[at..].find('_') {
        let i = at + off;
        at = i + 1;
        let before = i.checked_sub(1).map(|p| bytes[p]);
        let after = bytes.get(i + 1).copied();
        let standalone = !before
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
            && matches!(after, Some(b'.' | b'['));
        if !standalone {
            continue;
        }
        let steps = parse_steps(&src[i + 1..]);
        let root = if in_workflow {
            CONTEXT_VIEW
        } else {
            "dict object"
        };
        if let Some(msg) = first_missing(data, root, &steps) {
            return Some(msg);
        }
    }
    lone_variable(src).map(|name| format!("'{name}' is undefined"))
}

/// The type Jinja2 names for a field of what a Mistral function returns:
/// `execution()`'s `input`, `params` and `spec` and `task()`'s `published`
/// and `spec` are database JSON columns (SQLAlchemy's `MutableDict`).
fn field_kind(function: &str, field: &str, v: &Json) -> String {
    let column = matches!(
        (function, field),
        ("execution", "input" | "params" | "spec") | ("task", "published" | "spec")
    );
    if column && v.is_object() {
        "sqlalchemy.ext.mutable.MutableDict object".into()
    } else {
        type_repr(v)
    }
}

/// Jinja2's message for the undefined value met on a path into what
/// `execution()`, `task(...)` or `env()` returns (`task().result.x`):
/// `call` evaluates the call's text; `None` when no such path is missing.
pub(crate) fn call_rooted_message(
    src: &str,
    call: &mut dyn FnMut(&str) -> Option<Json>,
) -> Option<String> {
    for function in ["execution", "task", "env"] {
        let mut at = 0;
        while let Some(off) = src[at..].find(function) {
            let start = at + off;
            at = start + function.len();
            let before = start.checked_sub(1).map(|p| src.as_bytes()[p]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
                continue;
            }
            let rest = &src[at..];
            let Some(args) = rest.strip_prefix('(') else {
                continue;
            };
            let Some(close) = args.find(')') else {
                continue;
            };
            if args[..close].contains('(') {
                continue;
            }
            let text = &src[start..at + 1 + close + 1];
            let steps = parse_steps(&args[close + 1..]);
            if steps.is_empty() {
                continue;
            }
            let Some(value) = call(text) else {
                continue;
            };
            if let Some(msg) = missing_below(function, &value, &steps) {
                return Some(msg);
            }
        }
    }
    None
}

/// Jinja2's message for an undefined value met one step below any
/// receiver the text shows (`[1, 2][5]`, `{'a': 1}.b`, `x.split('/')[1]`,
/// `none.x`): each `.name` / `[key]` of `src`, left to right, whose
/// receiver `eval` gives a value without that step. `None` when none is.
pub(crate) fn step_message(
    src: &str,
    eval: &mut dyn FnMut(&str) -> Option<Json>,
) -> Option<String> {
    let b = src.as_bytes();
    let mut quote: Option<u8> = None;
    let mut tried = 0;
    for p in 0..b.len() {
        let c = b[p];
        if let Some(q) = quote {
            if c == q && (p == 0 || b[p - 1] != b'\\') {
                quote = None;
            }
            continue;
        }
        if c == b'\'' || c == b'"' {
            quote = Some(c);
            continue;
        }
        let decimal = c == b'.'
            && p > 0
            && b[p - 1].is_ascii_digit()
            && b.get(p + 1).is_some_and(u8::is_ascii_digit);
        if !(c == b'.' || c == b'[') || decimal {
            continue;
        }
        let steps = parse_steps(&src[p..]);
        let Some(recv) = receiver_text(src, p) else {
            continue;
        };
        if steps.is_empty() || recv == "_" {
            continue;
        }
        tried += 1;
        if tried > 16 {
            break;
        }
        // a variable the template sets once is read through its value
        let head_end = recv.find(['.', '[']).unwrap_or(recv.len());
        let text = match set_value(src, &recv[..head_end]) {
            Some(value) => format!("({value}){}", &recv[head_end..]),
            None => recv.to_string(),
        };
        let Some(v) = eval(&text) else {
            continue;
        };
        if let Some(m) = first_missing(&v, &type_repr(&v), &steps[..1]) {
            return Some(m);
        }
    }
    None
}

/// Jinja2's words for an undefined attribute of a `namespace()` the
/// template sets (`{% set ns = namespace(a=1) %}{{ ns.b }}`): the first
/// `ns.name` read that neither `namespace(…)` nor a `{% set ns.name = … %}`
/// gives. `message` is minijinja's (`` `ns.b` is undefined`` or generic).
pub(crate) fn namespace_attr_message(src: &str, message: &str) -> Option<String> {
    let named = message
        .strip_prefix('`')
        .and_then(|m| m.strip_suffix("` is undefined"))
        .and_then(|p| p.split_once('.'));
    if named.is_none() && message != "value is undefined" {
        return None;
    }
    let set = regex::Regex::new(r"\{%[-+]?\s*set\s+(\w+)\s*=\s*namespace\(([^)]*)\)").ok()?;
    for c in set.captures_iter(src) {
        let var = &c[1];
        let mut given: Vec<String> = c[2]
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect();
        let assign = regex::Regex::new(&format!(r"\{{%[-+]?\s*set\s+{var}\.(\w+)\s*=")).ok()?;
        given.extend(assign.captures_iter(src).map(|a| a[1].to_string()));
        let read = regex::Regex::new(&format!(r"\b{var}\.(\w+)")).ok()?;
        for r in read.captures_iter(src) {
            let attr = &r[1];
            if named.is_some_and(|(v, a)| v != var || a != attr) {
                continue;
            }
            if !given.iter().any(|g| g == attr) {
                return Some(format!(
                    "'jinja2.utils.Namespace object' has no attribute '{attr}'"
                ));
            }
        }
    }
    None
}

/// The expression of the one `{% set name = … %}` of `src`, if `name` is
/// set exactly once.
fn set_value<'a>(src: &'a str, name: &str) -> Option<&'a str> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let re = regex::Regex::new(&format!(
        r"\{{%[-+]?\s*set\s+{name}\s*=\s*(.*?)\s*[-+]?%\}}"
    ))
    .ok()?;
    let mut found = re.captures_iter(src);
    let first = found.next()?.get(1)?.as_str();
    found.next().is_none().then_some(first)
}

/// Jinja2's words for a macro called without a parameter it requires
/// (`{% macro m(a) %}…{{ m() }}`): `parameter 'a' was not provided`, for
/// the first call of a macro of `src` that leaves one out.
pub(crate) fn macro_param_message(src: &str) -> Option<String> {
    let def = regex::Regex::new(r"\{%[-+]?\s*macro\s+(\w+)\s*\(([^)]*)\)").ok()?;
    for d in def.captures_iter(src) {
        let name = &d[1];
        let params: Vec<(String, bool)> = d[2]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, _)) => (n.trim().to_string(), true),
                None => (p.to_string(), false),
            })
            .collect();
        let after = d.get(0)?.end();
        let call = regex::Regex::new(&format!(r"\b{name}\s*\(")).ok()?;
        for c in call.find_iter(&src[after..]) {
            let args = call_args(&src[after + c.end()..])?;
            let positional = args.iter().filter(|a| !is_kwarg(a)).count();
            let named: Vec<&str> = args
                .iter()
                .filter(|a| is_kwarg(a))
                .filter_map(|a| a.split_once('=').map(|(k, _)| k.trim()))
                .collect();
            let missing = params.iter().enumerate().find(|(i, (p, default))| {
                !default && *i >= positional && !named.contains(&p.as_str())
            });
            if let Some((_, (p, _))) = missing {
                return Some(format!("parameter '{p}' was not provided"));
            }
        }
    }
    None
}

/// The top-level arguments of a call whose `(` is just before `rest`.
fn call_args(rest: &str) -> Option<Vec<String>> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    let mut out = Vec::new();
    for c in rest.chars() {
        if let Some(q) = quote {
            cur.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                cur.push(c);
            }
            '(' | '[' | '{' => {
                depth += 1;
                cur.push(c);
            }
            ')' if depth == 0 => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                return Some(out);
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    None
}

/// `name=value` (not `==`, `<=`, `>=`, `!=`) at the top of an argument.
fn is_kwarg(arg: &str) -> bool {
    let Some((k, v)) = arg.split_once('=') else {
        return false;
    };
    !v.starts_with('=')
        && k.trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The text of the expression that ends where `src[end..]` starts with
/// `.` or `[`: a name, literal or call chain, brackets balanced.
fn receiver_text(src: &str, end: usize) -> Option<&str> {
    let b = src.as_bytes();
    let mut i = end;
    let mut depth = 0usize;
    while i > 0 {
        let c = b[i - 1];
        match c {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'\'' | b'"' => {
                let open = src[..i - 1].rfind(c as char)?;
                i = open + 1;
            }
            c if depth > 0 || c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {}
            _ => break,
        }
        i -= 1;
    }
    let recv = src[i..end].trim();
    (!recv.is_empty()).then_some(recv)
}

/// [`first_missing`] from a function's result, naming its column fields.
fn missing_below(function: &str, value: &Json, steps: &[Step]) -> Option<String> {
    let root = type_repr(value);
    if let (Some(Step::Name(field)), Json::Object(m)) = (steps.first(), value)
        && let Some(v) = m.get(field)
    {
        return first_missing(v, &field_kind(function, field, v), &steps[1..]);
    }
    first_missing(value, &root, steps)
}

/// Where `src` first reads one of `names` (a name token of a tag, not an
/// attribute, a keyword argument or a guarded read such as `x is defined`
/// or `x | default(…)`): that name. Tokens as Jinja2's lexer makes them.
pub(crate) fn first_read(src: &str, names: &[String]) -> Option<String> {
    let toks = super::jinja_syntax_lex::tokens(src)?;
    toks.iter().enumerate().find_map(|(i, t)| {
        let read = t.kind == "name"
            && names.contains(&t.value)
            && !(i > 0 && toks[i - 1].kind == "dot")
            && !guarded(&toks[i + 1..]);
        read.then(|| t.value.clone())
    })
}

/// Whether what follows a name reads it without failing on an undefined
/// value (or does not read it: a keyword argument).
fn guarded(after: &[super::jinja_syntax_lex::Tok]) -> bool {
    const TESTS: [&str; 2] = ["name:defined", "name:undefined"];
    match after {
        [a, ..] if a.kind == "assign" => true,
        [is, not, t, ..] if is.test("name:is") && not.test("name:not") => t.test_any(&TESTS),
        [is, t, ..] if is.test("name:is") => t.test_any(&TESTS),
        [pipe, f, ..] if pipe.kind == "pipe" => f.test_any(&["name:default", "name:d"]),
        _ => false,
    }
}

/// The expression `.attr` is read from in `src`: the postfix chain before
/// the dot (names, dots, brackets, string literals), if there is one.
pub(crate) fn receiver_before(src: &str, attr: &str) -> Option<String> {
    let dot = src.find(&format!(".{attr}"))?;
    let b = src.as_bytes();
    let mut i = dot;
    let mut depth = 0usize;
    while i > 0 {
        let c = b[i - 1];
        match c {
            b')' | b']' => depth += 1,
            b'(' | b'[' if depth > 0 => depth -= 1,
            b'\'' | b'"' => {
                let open = src[..i - 1].rfind(c as char)?;
                i = open + 1;
            }
            c if depth > 0 || c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => {}
            _ => break,
        }
        i -= 1;
    }
    let recv = src[i..dot].trim();
    (!recv.is_empty()).then(|| recv.to_string())
}

/// `{{ name }}` alone: the name of the variable.
fn lone_variable(src: &str) -> Option<&str> {
    let inner = src.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let ident = !inner.is_empty()
        && inner != "_"
        && inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ident.then_some(inner)
}

fn parse_steps(mut rest: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            if end == 0 || r.as_bytes()[0].is_ascii_digit() {
                break;
            }
            steps.push(Step::Name(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(close) = r.find(']') else { break };
            let key = r[..close].trim();
            let quoted = key.len() >= 2
                && ((key.starts_with('\'') && key.ends_with('\''))
                    || (key.starts_with('"') && key.ends_with('"')));
            if quoted {
                steps.push(Step::Name(key[1..key.len() - 1].to_string()));
            } else if let Ok(n) = key.parse::<i64>() {
                steps.push(Step::Index(n));
            } else {
                break;
            }
            rest = &r[close + 1..];
        } else {
            break;
        }
    }
    steps
}

/// Walks `steps` from `data`; the message for the first step that is
/// missing, or `None` when the path resolves (or reaches something Jinja2
/// would answer with a method or a value it does not hold here).
fn first_missing(data: &Json, root: &str, steps: &[Step]) -> Option<String> {
    let mut cur = data;
    let mut kind = root.to_string();
    for step in steps {
        let next = match (step, cur) {
            (Step::Name(n), Json::Object(m)) => m.get(n),
            (Step::Index(i), Json::Array(a)) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                usize::try_from(idx).ok().and_then(|k| a.get(k))
            }
            _ => None,
        };
        match next {
            Some(v) => {
                kind = type_repr(v);
                cur = v;
            }
            None => {
                if let Step::Name(n) = step
                    && has_method(cur, n)
                {
                    return None;
                }
                return Some(match step {
                    Step::Name(n) if kind == "None" => format!("'None' has no attribute '{n}'"),
                    Step::Name(n) => format!("'{kind}' has no attribute '{n}'"),
                    Step::Index(i) => format!("{kind} has no element {i}"),
                });
            }
        }
    }
    None
}

/// Jinja2's `object_type_repr` of a JSON value.
fn type_repr(v: &Json) -> String {
    match v {
        Json::Null => "None".into(),
        Json::Bool(_) => "bool object".into(),
        Json::Number(n) if n.is_f64() => "float object".into(),
        Json::Number(_) => "int object".into(),
        Json::String(_) => "str object".into(),
        Json::Array(_) => "list object".into(),
        Json::Object(_) => "dict object".into(),
    }
}

/// Whether Jinja2 finds `name` as a Python method of the value (then the
/// value is not undefined and this module says nothing).
fn has_method(v: &Json, name: &str) -> bool {
    const DICT: &[&str] = &[
        "clear",
        "copy",
        "fromkeys",
        "get",
        "items",
        "keys",
        "pop",
        "popitem",
        "setdefault",
        "update",
        "values",
    ];
    const LIST: &[&str] = &[
        "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
        "reverse", "sort",
    ];
    const STR: &[&str] = &[
        "capitalize",
        "casefold",
        "center",
        "count",
        "encode",
        "endswith",
        "expandtabs",
        "find",
        "format",
        "format_map",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "isidentifier",
        "islower",
        "isnumeric",
        "isprintable",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "ljust",
        "lower",
        "lstrip",
        "maketrans",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rjust",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "translate",
        "upper",
        "zfill",
    ];
    let list = match v {
        Json::Object(_) => DICT,
        Json::Array(_) => LIST,
        Json::String(_) => STR,
        _ => return name.starts_with("__") || !name.is_ascii(),
    };
    list.contains(&name) || name.starts_with("__")
}

/// Jinja2's reason for the undefined `loop.previtem` (first item) or
/// `loop.nextitem` (last item), the one the template reads first.
pub(crate) fn loop_item_reason(src: &str) -> Option<&'static str> {
    let prev = src.find("loop.previtem");
    let next = src.find("loop.nextitem");
    match (prev, next) {
        (Some(p), Some(n)) if n < p => Some("there is no next item"),
        (Some(_), _) => Some("there is no previous item"),
        (None, Some(_)) => Some("there is no next item"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_step_below_a_literal_or_call_is_named_by_its_receiver() {
        let mut eval = |text: &str| match text {
            "[1, 2, 3]" => Some(json!([1, 2, 3])),
            "{'a': 1}" => Some(json!({"a": 1})),
            "_.s.split('/')" => Some(json!(["x"])),
            "none" => Some(json!(null)),
            _ => None,
        };
        let mut msg = |src: &str| step_message(src, &mut eval);
        assert_eq!(
            msg("{{ [1, 2, 3][5] }}").as_deref(),
            Some("list object has no element 5")
        );
        assert_eq!(
            msg("{{ {'a': 1}.b }}").as_deref(),
            Some("'dict object' has no attribute 'b'")
        );
        assert_eq!(
            msg("{{ _.s.split('/')[1] | int }}").as_deref(),
            Some("list object has no element 1")
        );
        assert_eq!(
            msg("{{ none.x }}").as_deref(),
            Some("'None' has no attribute 'x'")
        );
        assert_eq!(msg("{{ 'a.b'[0] ~ 1.5 }}"), None);
    }

    #[test]
    fn the_first_missing_link_is_named_as_jinja2_names_it() {
        let data = json!({"d": {}, "l": [1], "s": "x", "n": null});
        let msg = |src: &str, wf| undefined_message(src, &data, wf);
        assert_eq!(
            msg("{{ _.nope }}", true).as_deref(),
            Some("'mistral.workflow.data_flow.ContextView object' has no attribute 'nope'")
        );
        assert_eq!(
            msg("{{ _.d.nope.x }}", false).as_deref(),
            Some("'dict object' has no attribute 'nope'")
        );
        assert_eq!(
            msg("{{ _.l[5] }}", false).as_deref(),
            Some("list object has no element 5")
        );
        assert_eq!(
            msg("{{ _['s'].nope }}", false).as_deref(),
            Some("'str object' has no attribute 'nope'")
        );
        assert_eq!(
            msg("{{ _.n.x }}", false).as_deref(),
            Some("'None' has no attribute 'x'")
        );
        assert_eq!(
            msg("{{ nope }}", false).as_deref(),
            Some("'nope' is undefined")
        );
        assert_eq!(msg("{{ _.d.keys }}", false), None);
        assert_eq!(msg("{{ _.l[0] + x }}", false), None);
    }

    #[test]
    fn a_path_below_a_function_names_its_columns() {
        let exec = json!({"id": "x", "input": {"a": {"b": 1}}});
        let mut call = |text: &str| (text == "execution()").then(|| exec.clone());
        let mut msg = |src: &str| call_rooted_message(src, &mut call);
        assert_eq!(
            msg("{{ execution().nope }}").as_deref(),
            Some("'dict object' has no attribute 'nope'")
        );
        assert_eq!(
            msg("a {{ execution().input.nope }} b").as_deref(),
            Some("'sqlalchemy.ext.mutable.MutableDict object' has no attribute 'nope'")
        );
        assert_eq!(
            msg("{{ execution().input.a.nope }}").as_deref(),
            Some("'dict object' has no attribute 'nope'")
        );
        assert_eq!(msg("{{ execution().input.a.b }}"), None);
        assert_eq!(msg("{{ myexecution().nope }}"), None);
    }
}
