#!/usr/bin/env python3
"""Mine the expressions that yaql's and Jinja2's own test suites evaluate and
record what Mistral 23.0.0 answers for each, as expression corpus files.

    /var/tmp/mistral-peer/venv/bin/python scripts/mine_upstream_expr.py \
        [--yaql-sdist yaql-3.2.0.tar.gz] [--jinja-sdist jinja2-3.1.6.tar.gz] \
        [--oracle /work/shared/mistral/expr_oracle.py] [--out tests/expr_corpus]

Without --*-sdist the source distributions are fetched with
`pip download --no-deps --no-binary :all: yaql==3.2.0` (and Jinja2==3.1.6).
Run it with the Python of the Mistral venv: it needs jinja2 (to find the
variables a template reads) and Mistral itself (through expr_oracle.py).

Extraction works on the test modules' syntax trees (`ast`), with a small
interpreter for the parts of a test body that decide what gets evaluated:
assignments of literals (`data = [...]`, `tmpl = env.from_string(...)`),
`for` loops over literal lists, `@pytest.mark.parametrize` and f-strings /
`%` / `.format` on constants. A call whose expression or data cannot be
computed that way (objects of test classes, generators, datetimes, custom
functions) is dropped and counted.

yaql (yaql/tests/*.py): every `self.eval(expr, data=...)`, also when passed
as a callable (`self.assertRaises(E, self.eval, expr, data=...)`), becomes
`<% expr %>` with the data as the whole context `$` (so the context may be a
list, a string or null, exactly as the test passes it). Calls with an
explicit `context=` and tests that register functions on `self.context`
depend on test-defined functions and are dropped; `legacy_eval*` calls use a
different engine and are dropped. Newlines in an expression become spaces
(Mistral only recognises a `<% %>` within one line). Mistral's engine
differs from the tests' (no delegates, sets stay sets, no iterator limit):
the recorded answer is Mistral's, not the test's assertion.

Jinja2 (tests/*.py): every template a test renders (`env.from_string(s)` or
`Template(s)` followed by `.render(...)` / `.render_async(...)`, and
`env.compile_expression(s)(...)` as `{{ s }}`) with the render variables as
the context. Mistral exposes the data context as `_` only (plus `__env`,
`__execution`, `__task_execution` and its functions; see
mistral/expressions/jinja_expression.py get_jinja_context), so top-level
names do not reach the data: every free variable of the template (as
jinja2.meta.find_undeclared_variables reports it, minus Jinja's globals such
as `range`) is rewritten `foo` -> `_.foo` wherever it is read (not after `.`,
`|`, `is`, nor as a keyword argument name, nor where a loop, `set`, `with`
or macro declares the name), or `_["items"]` for names of dict methods
(`_.items` is the method in Jinja). The rewrite is kept only when a default
Environment renders it exactly as the original template with the variables
at top level; one that does not parse or leaves a free variable behind
(a name set only in a branch, namespace assignments) is dropped. Templates
from environments with other delimiters or line statements are dropped
(their text is not Jinja in Mistral's syntax); templates that are only
compiled, never rendered, are kept (with an empty context) when they fail
to parse, as syntax tests.

Every line goes through expr_oracle.py's evaluator, twice; lines it skips
(values JSON cannot hold, timeouts) and lines whose two answers differ
(random, uuid(), now()) are dropped. The runs use PYTHONHASHSEED=0 so that
set orders are the same from run to run; a result list whose order changes
under another seed (a set turned into a list) is marked `unordered`. Output: upstream-yaql.jsonl and
upstream-jinja.jsonl, one {"id", "lang", "category", "expr", "context",
"result" | "error"[, "unordered"]} a line, category = `module.test_name`.
"""
import argparse
import ast
import glob
import importlib.util
import io
import itertools
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile


VERBOSE = []


def note(msg):
    if VERBOSE:
        print('dropped ' + msg, file=sys.stderr)


class Unknown(Exception):
    """A value the interpreter cannot compute."""


UNKNOWN = object()


class EnvObj:
    def __init__(self, ok=True):
        self.ok = ok


class TemplateObj:
    def __init__(self, source, kind, ok, node):
        self.source = source
        self.kind = kind  # 'template' or 'expr'
        self.ok = ok
        self.node = node
        self.used = False


class SelfObj:
    pass


class PytestRaises:
    pass


CUSTOM_SYNTAX_KW = {
    'block_start_string', 'block_end_string', 'variable_start_string',
    'variable_end_string', 'comment_start_string', 'comment_end_string',
    'line_statement_prefix', 'line_comment_prefix',
}

SAFE_BUILTINS = {
    'dict': dict, 'list': list, 'tuple': tuple, 'range': range, 'str': str,
    'int': int, 'float': float, 'len': len, 'sorted': sorted, 'abs': abs,
    'min': min, 'max': max, 'sum': sum, 'bool': bool, 'zip': zip,
    'enumerate': enumerate, 'chr': chr, 'ord': ord,
}
SAFE_METHODS = {
    str: {'format', 'join', 'replace', 'upper', 'lower', 'strip', 'split',
          'encode', 'title', 'capitalize', 'lstrip', 'rstrip'},
    bytes: {'decode'},
    dict: {'copy', 'keys', 'values', 'items', 'get'},
    list: {'copy', 'index', 'count'},
}
BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Mod: lambda a, b: a % b,
    ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}


def size_ok(v):
    try:
        return len(json.dumps(v, default=str)) < 200000
    except Exception:  # noqa: BLE001
        return False


class Interp:
    """Evaluates the statically knowable part of a test function."""

    def __init__(self, module_env, on_call):
        self.module_env = module_env
        self.on_call = on_call  # callback(call_node, env) for calls of interest

    # --- expressions -----------------------------------------------------
    def ev(self, node, env):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in env:
                v = env[node.id]
            elif node.id in self.module_env:
                v = self.module_env[node.id]
            elif node.id in ('True', 'False', 'None'):
                return {'True': True, 'False': False, 'None': None}[node.id]
            elif node.id in SAFE_BUILTINS:
                return SAFE_BUILTINS[node.id]
            elif node.id == 'Template':
                return 'Template'
            elif node.id in ('Environment', 'SandboxedEnvironment',
                             'NativeEnvironment', 'ImmutableSandboxedEnvironment'):
                return 'Environment'
            elif node.id == 'self':
                return SelfObj()
            else:
                raise Unknown(node.id)
            if v is UNKNOWN:
                raise Unknown(node.id)
            return v
        if isinstance(node, (ast.List, ast.Tuple)):
            out = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    out.extend(self.ev(e.value, env))
                else:
                    out.append(self.ev(e, env))
            return out if isinstance(node, ast.List) else tuple(out)
        if isinstance(node, ast.Set):
            return set(self.ev(e, env) for e in node.elts)
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    out.update(self.ev(v, env))
                else:
                    out[self.ev(k, env)] = self.ev(v, env)
            return out
        if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
            a, b = self.ev(node.left, env), self.ev(node.right, env)
            if not all(isinstance(x, (int, float, str, list, tuple, dict, bytes))
                       for x in (a, b)) and not isinstance(node.op, ast.Mod):
                raise Unknown('binop')
            if isinstance(node.op, ast.Pow) and isinstance(b, int) and b > 64:
                raise Unknown('pow')
            if isinstance(node.op, ast.Mult) and any(isinstance(x, int) and x > 10000
                                                     for x in (a, b)) \
                    and any(isinstance(x, (str, list, tuple)) for x in (a, b)):
                raise Unknown('big')
            try:
                return BINOPS[type(node.op)](a, b)
            except Exception as e:  # noqa: BLE001
                raise Unknown(str(e))
        if isinstance(node, ast.UnaryOp):
            v = self.ev(node.operand, env)
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return +v
            if isinstance(node.op, ast.Not):
                return not v
            raise Unknown('unary')
        if isinstance(node, ast.JoinedStr):
            parts = []
            for p in node.values:
                if isinstance(p, ast.Constant):
                    parts.append(p.value)
                else:
                    v = self.ev(p.value, env)
                    if p.conversion == ord('r'):
                        v = repr(v)
                    elif p.conversion == ord('s'):
                        v = str(v)
                    elif p.conversion == ord('a'):
                        v = ascii(v)
                    spec = self.ev(p.format_spec, env) if p.format_spec else ''
                    parts.append(format(v, spec))
            return ''.join(parts)
        if isinstance(node, ast.Subscript):
            v = self.ev(node.value, env)
            if isinstance(node.slice, ast.Slice):
                s = node.slice
                sl = slice(*(self.ev(x, env) if x is not None else None
                             for x in (s.lower, s.upper, s.step)))
                return v[sl]
            try:
                return v[self.ev(node.slice, env)]
            except Exception as e:  # noqa: BLE001
                raise Unknown(str(e))
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            return self.comprehension(node, env)
        if isinstance(node, ast.IfExp):
            return self.ev(node.body if self.ev(node.test, env) else node.orelse, env)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            a, b = self.ev(node.left, env), self.ev(node.comparators[0], env)
            op = node.ops[0]
            table = {ast.Eq: a == b if isinstance(op, ast.Eq) else None}
            if isinstance(op, ast.Eq):
                return a == b
            if isinstance(op, ast.NotEq):
                return a != b
            del table
            raise Unknown('compare')
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.Attribute):
            v = self.ev(node.value, env)
            if isinstance(v, SelfObj):
                raise Unknown('self.' + node.attr)
            raise Unknown('attr ' + node.attr)
        raise Unknown(type(node).__name__)

    def comprehension(self, node, env):
        results = []

        def rec(gens, e):
            if not gens:
                if isinstance(node, ast.DictComp):
                    results.append((self.ev(node.key, e), self.ev(node.value, e)))
                else:
                    results.append(self.ev(node.elt, e))
                return
            g = gens[0]
            for item in self.ev(g.iter, e):
                e2 = dict(e)
                self.bind(g.target, item, e2)
                if all(self.ev(c, e2) for c in g.ifs):
                    rec(gens[1:], e2)

        rec(node.generators, dict(env))
        if isinstance(node, ast.DictComp):
            return dict(results)
        if isinstance(node, ast.SetComp):
            return set(results)
        return results

    def call(self, node, env):
        f = node.func
        if isinstance(f, ast.Attribute):
            base = None
            try:
                base = self.ev(f.value, env)
            except Unknown:
                if f.attr in ('from_string', 'compile_expression'):
                    base = EnvObj(ok=False)
                else:
                    raise
            if f.attr in ('from_string', 'compile_expression') and isinstance(base, EnvObj):
                return self.make_template(node, base, 'expr' if f.attr == 'compile_expression'
                                          else 'template', env)
            if f.attr == 'from_string' and base == 'Environment':
                raise Unknown('unbound from_string')
            if isinstance(base, (EnvObj, TemplateObj, SelfObj)):
                raise Unknown('method ' + f.attr)
            allowed = SAFE_METHODS.get(type(base), set())
            if f.attr not in allowed:
                raise Unknown('method ' + f.attr)
            args = [self.ev(a, env) for a in node.args]
            kwargs = {k.arg: self.ev(k.value, env) for k in node.keywords if k.arg}
            return getattr(base, f.attr)(*args, **kwargs)
        fn = self.ev(f, env)
        if fn == 'Template':
            ok = not any(k.arg in CUSTOM_SYNTAX_KW for k in node.keywords) and len(node.args) <= 1
            return self.make_template(node, EnvObj(ok), 'template', env)
        if fn == 'Environment':
            ok = not any(k.arg in CUSTOM_SYNTAX_KW for k in node.keywords) and not node.args
            return EnvObj(ok)
        if fn in SAFE_BUILTINS.values():
            args = []
            for a in node.args:
                if isinstance(a, ast.Starred):
                    args.extend(self.ev(a.value, env))
                else:
                    args.append(self.ev(a, env))
            kwargs = {}
            for k in node.keywords:
                if k.arg is None:
                    kwargs.update(self.ev(k.value, env))
                else:
                    kwargs[k.arg] = self.ev(k.value, env)
            if fn is range:
                r = range(*args)
                if len(r) > 100000:
                    raise Unknown('big range')
                return r
            v = fn(*args, **kwargs)
            if fn in (zip, enumerate):
                v = list(v)
            return v
        raise Unknown('call')

    def make_template(self, node, envobj, kind, env):
        if not node.args:
            raise Unknown('no source')
        src = self.ev(node.args[0], env)
        if not isinstance(src, str):
            raise Unknown('source')
        ok = envobj.ok
        t = TemplateObj(src, kind, ok, node)
        self.on_template(t)
        return t

    def on_template(self, t):
        pass

    def bind(self, target, value, env):
        if isinstance(target, ast.Name):
            env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if value is UNKNOWN:
                for t in target.elts:
                    self.bind(t, UNKNOWN, env)
                return
            vals = list(value)
            if len(vals) != len(target.elts):
                raise Unknown('unpack')
            for t, v in zip(target.elts, vals):
                self.bind(t, v, env)
        else:
            raise Unknown('target')

    def unbind(self, target, env):
        for n in ast.walk(target):
            if isinstance(n, ast.Name):
                env[n.id] = UNKNOWN

    # --- statements ------------------------------------------------------
    def run(self, stmts, env):
        for st in stmts:
            self.stmt(st, env)

    def scan(self, node, env):
        """Calls of interest inside an expression, in source order."""
        if node is None:
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Lambda, ast.FunctionDef, ast.ClassDef)):
                continue
            self.scan(child, env)
        if isinstance(node, ast.Call):
            self.on_call(node, env)

    def stmt(self, st, env):
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # nested helpers (async wrappers): their calls see the outer names
            self.run(st.body, dict(env))
            return
        if isinstance(st, ast.ClassDef):
            return
        if isinstance(st, ast.Assign):
            self.scan(st.value, env)
            try:
                v = self.ev(st.value, env)
            except Unknown:
                v = UNKNOWN
            except Exception:  # noqa: BLE001
                v = UNKNOWN
            for t in st.targets:
                try:
                    self.bind(t, v, env)
                except Unknown:
                    self.unbind(t, env)
            return
        if isinstance(st, (ast.AugAssign, ast.AnnAssign)):
            self.scan(st.value, env)
            self.unbind(st.target, env)
            return
        if isinstance(st, (ast.For, ast.AsyncFor)):
            try:
                items = list(self.ev(st.iter, env))
            except Exception:  # noqa: BLE001
                items = None
            if items is None:
                self.scan(st.iter, env)
                self.unbind(st.target, env)
                self.run(st.body, env)
            else:
                for it in items:
                    try:
                        self.bind(st.target, it, env)
                    except Unknown:
                        self.unbind(st.target, env)
                    self.run(st.body, env)
            return
        if isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                self.scan(item.context_expr, env)
            self.run(st.body, env)
            return
        if isinstance(st, ast.If):
            self.scan(st.test, env)
            self.run(st.body, env)
            self.run(st.orelse, env)
            return
        if isinstance(st, ast.Try):
            self.run(st.body, env)
            for h in st.handlers:
                self.run(h.body, env)
            self.run(st.orelse, env)
            self.run(st.finalbody, env)
            return
        if isinstance(st, ast.While):
            return
        for child in ast.iter_child_nodes(st):
            self.scan(child, env)


def parametrizations(fn, interp):
    """The argument sets of @pytest.mark.parametrize decorators (cartesian)."""
    sets = []
    for d in fn.decorator_list:
        if not (isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                and d.func.attr == 'parametrize'):
            continue
        try:
            names = interp.ev(d.args[0], {})
            values = interp.ev(d.args[1], {})
        except Exception:  # noqa: BLE001
            return None
        if isinstance(names, str):
            names = [n.strip() for n in names.split(',') if n.strip()]
        rows = []
        for v in values:
            if len(names) == 1:
                rows.append({names[0]: v})
            else:
                rows.append(dict(zip(names, v)))
        sets.append(rows)
    if not sets:
        return [{}]
    out = []
    for combo in itertools.product(*sets):
        env = {}
        for c in combo:
            env.update(c)
        out.append(env)
    return out


def module_env(tree, interp):
    env = {}
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 \
                and isinstance(st.targets[0], ast.Name):
            try:
                env[st.targets[0].id] = interp.ev(st.value, env)
            except Exception:  # noqa: BLE001
                pass
    return env


def fixture_envs(tree):
    """Fixtures that return an Environment: name -> ok (default syntax)."""
    out = {}
    for st in ast.walk(tree):
        if isinstance(st, ast.FunctionDef) and any(
                'fixture' in ast.unparse(d) for d in st.decorator_list):
            for n in ast.walk(st):
                if isinstance(n, ast.Return) and isinstance(n.value, ast.Call):
                    fname = ast.unparse(n.value.func)
                    if fname.endswith('Environment'):
                        out[st.name] = not any(k.arg in CUSTOM_SYNTAX_KW
                                               for k in n.value.keywords)
    return out


def test_functions(tree):
    """(qualified name, node) of every test function, classes included."""
    for st in tree.body:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name.startswith('test'):
            yield st.name, st
        elif isinstance(st, ast.ClassDef):
            for sub in st.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                        and sub.name.startswith('test'):
                    yield sub.name, sub


def to_json_data(v):
    """The context value as JSON data, or Unknown when it is not plain data."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if v != v or v in (float('inf'), float('-inf')):
            raise Unknown('float')
        return v
    if isinstance(v, (list, tuple, range)):
        return [to_json_data(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise Unknown('key')
            out[k] = to_json_data(x)
        return out
    raise Unknown(type(v).__name__)


# --------------------------------------------------------------------------
# yaql

def mine_yaql(root, stats):
    lines = []
    for path in sorted(glob.glob(os.path.join(root, 'yaql', 'tests', 'test_*.py'))):
        mod = os.path.basename(path)[:-3]
        tree = ast.parse(open(path, encoding='utf-8').read())
        for name, fn in test_functions(tree):
            src = ast.unparse(fn)
            if re.search(r'self\.context\b|register_function|create_context', src):
                stats['yaql_dropped_test_context'] += 1
                continue
            found = []

            def on_call(node, env, found=found):
                f = node.func
                args, kws = None, None
                if isinstance(f, ast.Attribute) and f.attr == 'eval' \
                        and isinstance(f.value, ast.Name) and f.value.id == 'self':
                    args, kws = node.args, node.keywords
                elif isinstance(f, ast.Attribute) and f.attr == 'assertRaises' \
                        and len(node.args) >= 2 and ast.unparse(node.args[1]) == 'self.eval':
                    args, kws = node.args[2:], node.keywords
                elif isinstance(f, ast.Attribute) and ('legacy_eval' in f.attr):
                    stats['yaql_dropped_legacy'] += 1
                    return
                if args is None:
                    return
                kwd = {k.arg: k.value for k in kws if k.arg}
                if 'context' in kwd or len(args) > 2:
                    stats['yaql_dropped_context'] += 1
                    return
                try:
                    expr = interp.ev(args[0], env)
                    data_node = args[1] if len(args) > 1 else kwd.get('data')
                    data = interp.ev(data_node, env) if data_node is not None else None
                    data = to_json_data(data)
                except Exception as e:  # noqa: BLE001
                    stats['yaql_dropped_unknown'] += 1
                    note('%s.%s: %s: %s' % (mod, name, e, ast.unparse(node)[:120]))
                    return
                if not isinstance(expr, str) or '%>' in expr:
                    stats['yaql_dropped_unknown'] += 1
                    return
                expr = ' '.join(expr.splitlines()) if '\n' in expr else expr
                found.append((expr, data))

            interp = Interp({}, on_call)
            interp.module_env = module_env(tree, interp)
            params = parametrizations(fn, interp) or [{}]
            for p in params:
                interp.run(fn.body, dict(p))
            for expr, data in found:
                lines.append({'lang': 'yaql', 'category': '%s.%s' % (mod, name),
                              'expr': '<%% %s %%>' % expr, 'context': data})
    return lines


# --------------------------------------------------------------------------
# Jinja2

KEEP_NAMES = {'loop', 'self', 'caller', 'varargs', 'kwargs', 'super', '_'}
IDENT = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')
RAW_START = re.compile(r'\{%[-+]?\s*raw\s*[-+]?%\}')
RAW_END = re.compile(r'\{%[-+]?\s*endraw\s*[-+]?%\}')


def tag_tokens(text, i):
    """Tokens of the tag starting at text[i] (just after its opener) up to and
    including its closer: (kind, start, end, value); None when unterminated."""
    toks = []
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if depth == 0 and (text.startswith('}}', i) or text.startswith('%}', i)
                           or text.startswith('-}}', i) or text.startswith('-%}', i)
                           or text.startswith('+%}', i)):
            close = text.index('}', i) + 1
            return toks, close
        if c in '\'"':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            toks.append(('str', i, j + 1, text[i:j + 1]))
            i = j + 1
            continue
        m = IDENT.match(text, i)
        if m:
            toks.append(('name', i, m.end(), m.group()))
            i = m.end()
            continue
        if c.isdigit():
            j = i
            while j < n and (text[j].isalnum() or text[j] in '._'):
                j += 1
            toks.append(('num', i, j, text[i:j]))
            i = j
            continue
        for op in ('==', '!=', '>=', '<=', '//', '**'):
            if text.startswith(op, i):
                toks.append(('op', i, i + 2, op))
                i += 2
                break
        else:
            if c in '([{':
                depth += 1
            elif c in ')]}':
                depth -= 1
            toks.append(('op', i, i + 1, c))
            i += 1
    return None


OPENERS = {'for', 'if', 'macro', 'call', 'with', 'block', 'filter', 'set', 'autoescape'}
DICT_METHODS = set(dir(dict))


def protected_in_tag(toks):
    """Indexes of name tokens in a block tag that are not reads of a
    variable (loop targets, assignment targets, macro parameters, block and
    filter names), and the names the tag declares for what follows."""
    if not toks or toks[0][0] != 'name':
        return set(), set()
    kw = toks[0][3]
    prot, declared = {0}, set()
    if kw == 'for':
        for k, t in enumerate(toks[1:], 1):
            if t[3] == 'in':
                break
            prot.add(k)
            if t[0] == 'name':
                declared.add(t[3])
    elif kw == 'set':
        eq = next((k for k, t in enumerate(toks) if t[3] == '='), None)
        for k, t in enumerate(toks[1:eq] if eq else toks[1:], 1):
            prot.add(k)
            if t[0] == 'name':
                declared.add(t[3])
    elif kw in ('macro', 'block', 'endblock', 'filter', 'import', 'from', 'extends',
                'include', 'call'):
        prot.update(range(len(toks)))
        if kw == 'macro':
            declared.update(t[3] for t in toks[1:] if t[0] == 'name')
        if kw == 'call' and len(toks) > 1 and toks[1][3] == '(':
            # {% call(params) m(args) %}: only the parameters are declared
            depth = 0
            for k, t in enumerate(toks[1:], 1):
                depth += t[3] == '('
                depth -= t[3] == ')'
                if t[0] == 'name':
                    declared.add(t[3])
                if depth == 0:
                    prot = set(range(k + 1)) | {0}
                    break
        elif kw == 'call':
            prot = {0}
    return prot, declared


def rewrite_names(src, names):
    """`foo` -> `_.foo` for every read of a name in `names` inside tags,
    leaving alone the names a loop, `set`, `with` or macro declares for the
    blocks they open (a tracked scope stack)."""
    out = []
    i = 0
    n = len(src)
    scopes = [set()]  # names declared in each open block
    while i < n:
        starts = [p for p in (src.find('{{', i), src.find('{%', i), src.find('{#', i)) if p >= 0]
        if not starts:
            out.append(src[i:])
            break
        s = min(starts)
        out.append(src[i:s])
        if src.startswith('{#', s):
            e = src.find('#}', s + 2)
            e = n if e < 0 else e + 2
            out.append(src[s:e])
            i = e
            continue
        m = RAW_START.match(src, s)
        if m:
            e = RAW_END.search(src, m.end())
            e = n if e is None else e.end()
            out.append(src[s:e])
            i = e
            continue
        block = src.startswith('{%', s)
        body = s + 2
        if body < n and src[body] in '-+':
            body += 1
        r = tag_tokens(src, body)
        if r is None:
            out.append(src[s:])
            break
        toks, close = r
        prot, declared = protected_in_tag(toks) if block else (set(), set())
        kw = toks[0][3] if block and toks else None
        if kw == 'with':
            declared = {t[3] for k, t in enumerate(toks)
                        if t[0] == 'name' and k + 1 < len(toks) and toks[k + 1][3] == '='}
        local = set().union(*scopes)
        pos = s
        for k, t in enumerate(toks):
            kind, a, b, val = t
            if kind != 'name' or val not in names or k in prot or val in local:
                continue
            prev = toks[k - 1][3] if k > 0 else None
            prev2 = toks[k - 2][3] if k > 1 else None
            nxt = toks[k + 1][3] if k + 1 < len(toks) else None
            if prev in ('.', '|', 'is') or (prev == 'not' and prev2 == 'is'):
                continue
            if nxt == '=':
                continue
            out.append(src[pos:a])
            # `_.items` would be the dict's method, not the key
            out.append('_["%s"]' % val if val in DICT_METHODS else '_.' + val)
            pos = b
        out.append(src[pos:close])
        i = close
        if kw is None:
            continue
        opens = kw in OPENERS and not (kw == 'set' and any(t[3] == '=' for t in toks))
        if opens:
            scopes.append(set(declared))
        elif kw == 'set':
            scopes[-1].update(declared)
        elif kw.startswith('end') and len(scopes) > 1:
            scopes.pop()
        elif kw in ('else', 'elif') and len(scopes) > 1:
            scopes[-1] = set()  # a loop's else does not see its targets
    return ''.join(out)


def render_same(src, ctx, out):
    """Whether the rewritten template renders as the original does in a
    default Environment (the original with the names at top level, the
    rewrite with them under `_`)."""
    import jinja2

    def render(text, kwargs):
        try:
            return 'ok', jinja2.Environment().from_string(text).render(**kwargs)
        except Exception as e:  # noqa: BLE001
            return 'error', type(e).__name__

    return render(src, ctx) == render(out, {'_': ctx})


def template_names(t):
    """Every name a template's source mentions (a superset of its reads)."""
    return set(IDENT.findall(t.source))


def jinja_free(src):
    import jinja2
    from jinja2 import meta
    env = jinja2.Environment()
    return meta.find_undeclared_variables(env.parse(src)) - set(env.globals)


def jinja_parses(src):
    import jinja2
    try:
        jinja2.Environment().parse(src)
        return True
    except Exception:  # noqa: BLE001
        return False


def mistral_template(src, kind, ctx, stats):
    """The template text as Mistral must see it, or None to drop it."""
    if kind == 'expr':
        src = '{{ %s }}' % src
    try:
        free = jinja_free(src)
    except Exception:  # noqa: BLE001
        return src  # a syntax test: nothing to rewrite
    names = free - KEEP_NAMES
    if not names:
        return src
    out = rewrite_names(src, names)
    try:
        left = jinja_free(out)
    except Exception:  # noqa: BLE001
        note('rewrite does not parse: %s' % src[:80])
        stats['jinja_dropped_rewrite'] += 1
        return None
    if left - KEEP_NAMES:
        note('rewrite left %s: %s' % (left - KEEP_NAMES, src[:80]))
        stats['jinja_dropped_rewrite'] += 1
        return None
    if not render_same(src, ctx, out):
        note('rewrite renders differently: %s' % src[:80])
        stats['jinja_dropped_rewrite'] += 1
        return None
    return out


def mine_jinja(root, stats):
    lines = []
    for path in sorted(glob.glob(os.path.join(root, 'tests', 'test_*.py'))):
        mod = os.path.basename(path)[:-3]
        tree = ast.parse(open(path, encoding='utf-8').read())
        fixtures = fixture_envs(tree)
        for name, fn in test_functions(tree):
            found = []
            templates = []

            def render_of(t, args, kws, env):
                if not isinstance(t, TemplateObj):
                    return
                t.used = True
                if not t.ok:
                    stats['jinja_dropped_syntax_env'] += 1
                    return
                try:
                    ctx = {}
                    for a in args:
                        ctx.update(interp.ev(a, env))
                    for k in kws:
                        if k.arg is None:
                            ctx.update(interp.ev(k.value, env))
                            continue
                        try:
                            ctx[k.arg] = to_json_data(interp.ev(k.value, env))
                        except Exception:  # noqa: BLE001
                            # a value the template never reads is left out
                            if k.arg in template_names(t):
                                raise
                    ctx = to_json_data(ctx)
                except Exception as e:  # noqa: BLE001
                    stats['jinja_dropped_unknown'] += 1
                    note('%s.%s: %s: %s' % (mod, name, e, t.source[:80]))
                    return
                found.append((t.source, t.kind, ctx))

            def on_call(node, env):
                f = node.func
                # tmpl.render(...), env.from_string(...).render(...)
                if isinstance(f, ast.Attribute) and f.attr in ('render', 'render_async'):
                    try:
                        t = interp.ev(f.value, env)
                    except Exception:  # noqa: BLE001
                        return
                    render_of(t, node.args, node.keywords, env)
                    return
                # env.compile_expression(s)(...)
                if isinstance(f, ast.Call) and isinstance(f.func, ast.Attribute) \
                        and f.func.attr == 'compile_expression':
                    try:
                        t = interp.ev(f, env)
                    except Exception:  # noqa: BLE001
                        return
                    render_of(t, node.args, node.keywords, env)
                    return
                # expr(...) where expr = env.compile_expression(s)
                if isinstance(f, ast.Name) and isinstance(env.get(f.id), TemplateObj) \
                        and env[f.id].kind == 'expr':
                    render_of(env[f.id], node.args, node.keywords, env)
                    return
                # pytest.raises(E, tmpl.render, ...) / (E, env.from_string, s)
                if isinstance(f, ast.Attribute) and f.attr in ('raises', 'assertRaises') \
                        and len(node.args) >= 2:
                    target = node.args[1]
                    if isinstance(target, ast.Attribute) and target.attr in ('render',
                                                                             'render_async'):
                        try:
                            t = interp.ev(target.value, env)
                        except Exception:  # noqa: BLE001
                            return
                        render_of(t, node.args[2:], node.keywords, env)
                    elif isinstance(target, ast.Attribute) and target.attr == 'from_string' \
                            and len(node.args) >= 3:
                        try:
                            base = interp.ev(target.value, env)
                            src = interp.ev(node.args[2], env)
                        except Exception:  # noqa: BLE001
                            return
                        if isinstance(base, EnvObj) and isinstance(src, str):
                            templates.append(TemplateObj(src, 'template', base.ok, None))
                    elif isinstance(target, ast.Name) and target.id == 'Template' \
                            and len(node.args) >= 3:
                        try:
                            src = interp.ev(node.args[2], env)
                        except Exception:  # noqa: BLE001
                            return
                        if isinstance(src, str):
                            templates.append(TemplateObj(src, 'template', True, None))

            interp = Interp({}, on_call)
            interp.on_template = templates.append
            interp.module_env = module_env(tree, interp)
            params = parametrizations(fn, interp)
            if params is None:
                stats['jinja_dropped_params'] += 1
                continue
            argnames = [a.arg for a in fn.args.args if a.arg != 'self']
            for p in params:
                env = dict(p)
                for a in argnames:
                    if a in env:
                        continue
                    if a in fixtures:
                        env[a] = EnvObj(fixtures[a])
                    elif a in ('env', 'env_async', 'env_trim', 'test_env_async') \
                            or a.endswith('_env'):
                        env[a] = EnvObj(True)
                    else:
                        env[a] = UNKNOWN
                interp.run(fn.body, env)
            seen = set()
            for src, kind, ctx in found:
                key = (src, kind, json.dumps(ctx, sort_keys=True))
                if key in seen:
                    continue
                seen.add(key)
                lines.append((mod, name, src, kind, ctx))
            for t in templates:
                if t.used or not t.ok:
                    continue
                key = (t.source, t.kind, '{}')
                if key in seen or jinja_parses(t.source):
                    continue
                seen.add(key)
                lines.append((mod, name, t.source, t.kind, {}))
    out = []
    for mod, name, src, kind, ctx in lines:
        text = mistral_template(src, kind, ctx, stats)
        if text is None:
            continue
        out.append({'lang': 'jinja', 'category': '%s.%s' % (mod, name),
                    'expr': text, 'context': ctx})
    return out


# --------------------------------------------------------------------------

def load_oracle(path):
    spec = importlib.util.spec_from_file_location('expr_oracle', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_oracle(oracle, lines, stats, tag):
    """Mistral's answer for each line; the lines it skips are dropped."""
    import signal
    evaluate = oracle.evaluator()
    top = {}
    orig = oracle.to_json

    def to_json(v, top_level=True):
        if top_level:
            top['set'] = isinstance(v, (set, frozenset))
        return orig(v, top_level)

    oracle.to_json = to_json

    def alarm(*_):
        raise oracle.Timeout()

    signal.signal(signal.SIGALRM, alarm)
    kept = []
    seen = set()
    for line in lines:
        key = (line['expr'], json.dumps(line['context'], sort_keys=True))
        if key in seen:
            stats[tag + '_duplicates'] += 1
            continue
        seen.add(key)
        top.clear()
        req = json.dumps({'expr': line['expr'], 'context': line['context']})
        ans = oracle.one(evaluate, req)
        if 'skip' not in ans and oracle.one(evaluate, req) != ans:
            # random, uuid(), now(): no stable answer to record
            stats[tag + '_nondeterministic'] += 1
            continue
        if 'skip' in ans:
            stats[tag + '_skipped_by_oracle'] += 1
            continue
        rec = dict(line)
        if 'error' in ans:
            rec['error'] = ans['error']
        else:
            rec['result'] = ans['result']
            if top.get('set'):
                rec['unordered'] = True
        kept.append(rec)
    return kept


def mark_hash_order(oracle_path, kept, stats, tag):
    """Results whose order follows Python's string hashing (a set turned
    into a list, e.g. yaql's characters()) are marked `unordered`: a second
    oracle run under another hash seed tells them apart."""
    req = ''.join(json.dumps({'expr': r['expr'], 'context': r['context']}) + '\n'
                  for r in kept)
    env = dict(os.environ, PYTHONHASHSEED='1')
    out = subprocess.run([sys.executable, oracle_path], input=req.encode(), env=env,
                         capture_output=True, check=True).stdout.decode().split('\n')
    for rec, other in zip(kept, out):
        other = json.loads(other)
        if 'result' not in rec or other.get('result') == rec['result']:
            continue
        if isinstance(rec['result'], list) and isinstance(other.get('result'), list) \
                and sorted(map(json.dumps, rec['result'])) == sorted(map(json.dumps,
                                                                         other['result'])):
            rec['unordered'] = True
            stats[tag + '_unordered_by_hash'] += 1
        else:
            stats[tag + '_differs_by_hash'] += 1
            note('result differs under another hash seed: %s' % rec['expr'])


def sdist_root(given, spec, workdir):
    if not given:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--no-binary',
                        ':all:', spec, '-d', workdir], check=True, capture_output=True)
        name = spec.split('==')[0].lower()
        given = [p for p in glob.glob(os.path.join(workdir, '*.tar.gz'))
                 if os.path.basename(p).lower().startswith(name)][0]
    if os.path.isdir(given):
        return given
    with tarfile.open(given) as tf:
        tf.extractall(workdir, filter='data')
        top = tf.getnames()[0].split('/')[0]
    return os.path.join(workdir, top)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--yaql-sdist')
    ap.add_argument('--jinja-sdist')
    ap.add_argument('--oracle', default='/work/shared/mistral/expr_oracle.py')
    ap.add_argument('--out', default=os.path.join(here, '..', 'tests', 'expr_corpus'))
    ap.add_argument('-v', '--verbose', action='store_true', help='print every dropped call')
    a = ap.parse_args()
    if os.environ.get('PYTHONHASHSEED') != '0':
        # set orders (error messages, yaql sets) reproducible from run to run
        os.execve(sys.executable, [sys.executable] + sys.argv,
                  dict(os.environ, PYTHONHASHSEED='0'))
    if a.verbose:
        VERBOSE.append(True)
    stats = __import__('collections').Counter()
    work = tempfile.mkdtemp(prefix='mine-upstream-')
    yroot = sdist_root(a.yaql_sdist, 'yaql==3.2.0', work)
    jroot = sdist_root(a.jinja_sdist, 'Jinja2==3.1.6', work)
    ylines = mine_yaql(yroot, stats)
    jlines = mine_jinja(jroot, stats)
    stats['yaql_extracted'] = len(ylines)
    stats['jinja_extracted'] = len(jlines)
    oracle = load_oracle(a.oracle)
    os.makedirs(a.out, exist_ok=True)
    for tag, lines, prefix, fname in (('yaql', ylines, 'uy', 'upstream-yaql.jsonl'),
                                      ('jinja', jlines, 'uj', 'upstream-jinja.jsonl')):
        kept = run_oracle(oracle, lines, stats, tag)
        mark_hash_order(a.oracle, kept, stats, tag)
        stats[tag + '_kept'] = len(kept)
        buf = io.StringIO()
        for n, rec in enumerate(kept, 1):
            out = {'id': '%s%04d' % (prefix, n)}
            out.update(rec)
            buf.write(json.dumps(out, ensure_ascii=False) + '\n')
        with open(os.path.join(a.out, fname), 'w', encoding='utf-8') as f:
            f.write(buf.getvalue())
    for k in sorted(stats):
        print('%-32s %d' % (k, stats[k]), file=sys.stderr)


if __name__ == '__main__':
    main()
