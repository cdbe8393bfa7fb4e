#!/usr/bin/env python3
"""Generates the expression conformance corpus tests/expr_corpus/generated.jsonl.

Deterministic (fixed seed): enumerates the whole YAQL function library as
Mistral exposes it and the whole Jinja2 filter/test/global library plus
Mistral's database-free functions, fills their arguments from pools of edge
values (null, empty values, unicode, integers beyond 64 bits, 1e-05, 1e16,
-0.0, nested data, wrong types), adds hand-written syntax cases, and records
what Mistral 23.0.0's own evaluator does with each one.

Run with the Mistral peer's Python (it has yaql, Jinja2 and Mistral):

    /var/tmp/mistral-peer/venv/bin/python scripts/gen_expr_corpus.py \
        [--oracle /work/shared/mistral/expr_oracle.py] [--out FILE]
        [--cases-only FILE]   # write the unevaluated lines and stop

Every line is evaluated twice by expr_oracle.py under different hash seeds;
lines whose answers differ (set iteration order, time, randomness) are
dropped, as are lines the oracle skips (no JSON answer). A line whose value
is a Python set at the top is marked "unordered". Ids are a hash of the
expression and its context, so they stay put when the generator grows.
"""
import argparse
import hashlib
import itertools
import json
import os
import random
import re
import subprocess
import sys

import oracle_worker

SEED = 20250612
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ORACLE = '/work/shared/mistral/expr_oracle.py'

# The data context; each line carries only the keys its expression names.
BASE = {
    'i': 3, 'z': 0, 'neg': -7, 'f': 2.5, 'tiny': 1e-05, 'huge': 1e16, 'nz': -0.0,
    'big': 12345678901234567890, 'vbig': 123456789012345678901234567890,
    's': 'Hello World', 'e': '', 'u': 'héllo wörld ✓ 日本', 'p': '  pad  ',
    'csv': 'a,b,,c', 'num': '42', 'fs': '3.5',
    't': True, 'fa': False, 'n': None,
    'l': [3, 1, 2], 'el': [], 'ls': ['pear', 'Apple', 'fig'],
    'mixed': [1, 'a', True, None, 2.5], 'nested': [[1, 2], [3, [4, 5]], []],
    'fl': [1.5, 2.25, -0.5], 'dup': [1, 2, 1, 3, 2],
    'd': {'x': 1, 'y': [1, 2], 'z': {'k': 'v', 'n': None}}, 'ed': {},
    'kv': {'b': 2, 'a': 1, 'c': 3},
    'recs': [{'name': 'ann', 'age': 30, 'tags': ['a']},
             {'name': 'bob', 'age': 25, 'tags': []},
             {'name': 'cy', 'age': 30, 'tags': ['a', 'b']}],
    'dash-key': 7, 'sp ace': 8,
    '__env': {'region': 'eu', 'n': 1},
}


def context_for(expr):
    """The sub-context of BASE holding the keys `expr` names."""
    out = {}
    for k, v in BASE.items():
        if k == '__env':
            if 'env' in expr:
                out[k] = v
            continue
        pat = r'(\.%s(?![\w-])|[\'"]%s[\'"])' % (re.escape(k), re.escape(k))
        if re.search(pat, expr):
            out[k] = v
    return out


CASES = []


def add(lang, cat, expr, ctx=None):
    CASES.append((lang, cat, expr, context_for(expr) if ctx is None else ctx))


def Y(cat, body, ctx=None):
    add('yaql', cat, '<% ' + body + ' %>', ctx)


def J(cat, body, ctx=None):
    add('jinja', cat, '{{ ' + body + ' }}', ctx)


def T(cat, text, ctx=None):
    """A raw string (template, inline text, or no expression at all)."""
    lang = 'jinja' if ('{{' in text or '{%' in text) else 'yaql'
    add(lang, cat, text, ctx)


R = random.Random(SEED)

# ---------------------------------------------------------------- YAQL pools
YP = {
    'S': ["''", "'abc'", "'Hello World'", '$.s', '$.u', '$.p', '$.csv', '$.e',
          "'a-b-c'", "'AbC'", "'  x '", "'42'", "'3.5'", "'ünï'", '$.num', "'aaa'",
          "'-12'", "'1e3'", "' 7 '", "'True'"],
    'I': ['0', '1', '2', '-1', '-3', '5', '100', '$.i', '$.z', '$.neg', '$.big',
          '12345678901234567890123', '$.vbig', '-2'],
    'F': ['2.5', '-0.5', '0.0', '$.f', '$.tiny', '$.huge', '$.nz', '1.0', '0.1',
          '3.999', '-2.5', '1000000.0'],
    'L': ['[]', '[1, 2, 3]', '[3, 1, 2]', '$.l', '$.el', '$.ls', '$.mixed', '$.nested',
          '[1, 1, 2]', "['b', 'a', 'c']", '[null, 1]', '$.recs', 'range(4)', '[2.5, 1]',
          '[[1, 2], [3]]', '$.fl', '$.dup', "['x']", '[true, false]', '[[1, 2], [3, 4]]'],
    'D': ['{}', '{a => 1, b => 2}', '$.d', '$.ed', '$.kv', "{'k' => [1, 2]}",
          'dict(a => 1)', '{a => {b => 1}}', '{1 => 2}', '{b => null}', '$.d.z'],
    'B': ['true', 'false', 'null', '$.t', '$.fa', '$.n'],
    'P': ['$ > 1', '$ = 2', '$ mod 2 = 0', '$ != null', 'true', '$', 'false', '$ < 0',
          'isInteger($)', "$ = 'a'"],
    'SEL': ['$ * 2', '$', 'str($)', '[$]', '-$', '$ + 1', 'isString($)', '{v => $}'],
    'RSEL': ['$.name', '$.age', '$.tags', '[$.age, $.name]', '$.age > 26', 'len($.tags)'],
    'AGG': ['$1 + $2', 'max($1, $2)', '[$1, $2]', '$2'],
    'RX': ["'a'", "'^H'", "'l+'", "'[0-9]+'", "'('", "'o'", "'(\\\\w+)'", "'\\\\s'",
           "'^$'", "'(?i)hello'", "'b(.)'", "'x*'"],
    'K': ["'a'", "'x'", "'missing'", "'k'", "'y'", '1', 'null', "'b'"],
}
YP['N'] = YP['I'] + YP['F']
YP['X'] = (YP['S'][:8] + YP['I'][:8] + YP['F'][:6] + YP['L'][:9] + YP['D'][:6] + YP['B']
           + ['set(1, 2)', "set('a')", 'set()', 'range(0)'])


SLOT = re.compile(r'\{[A-Z]+\d?\}')


def fill(template, pools, n, bad=0.15):
    """Up to n distinct fillings of the {SLOT} placeholders of template."""
    slots = re.findall(r'\{([A-Z]+)\d?\}', template)
    if not slots:
        return [template]
    out = set()
    tries = 0
    while len(out) < n and tries < n * 6:
        tries += 1
        text = template
        for m in re.finditer(r'\{([A-Z]+\d?)\}', template):
            name = m.group(1)
            pool = pools[name.rstrip('0123456789')]
            if R.random() < bad:
                pool = pools['X']
            text = text.replace('{%s}' % name, R.choice(pool), 1)
        out.add(text)
    return sorted(out)


YAQL_FUNCS = {
    'strings': [
        '{S}.toUpper()', '{S}.toLower()', 'len({S})', '{S}.len()', '{S}.toCharArray()',
        '{S}.substring({I})', '{S}.substring({I}, {I2})', '{S}.indexOf({S2})',
        '{S}.indexOf({S2}, {I})', '{S}.indexOf({S2}, {I}, {I2})', '{S}.lastIndexOf({S2})',
        '{S}.lastIndexOf({S2}, {I})', '{S}.lastIndexOf({S2}, {I}, {I2})',
        '{S}.startsWith({S2})', '{S}.startsWith({S2}, {S3})', '{S}.endsWith({S2})',
        '{S}.trim()', '{S}.trim({S2})', '{S}.trimLeft()', '{S}.trimRight({S2})',
        '{S}.norm()', '{S}.norm({S2})', 'norm({S})', '{S}.isEmpty()', 'isEmpty({S})',
        '{S}.isEmpty(trimSpaces => false)', '{S}.isEmpty(chars => {S2})',
        '{S}.split()', '{S}.split({S2})', '{S}.split({S2}, {I})', '{S}.split(maxSplits => {I})',
        '{S}.rightSplit({S2})', '{S}.rightSplit({S2}, {I})', '{S}.replace({S2}, {S3})',
        '{S}.replace({S2}, {S3}, {I})', '{S}.replace({D})', '{S}.join({L})', '{L}.join({S})',
        '{S}.join({L}, $)', '{L}.join({S}, str($))', '{S} * {I}', '{I} * {S}', '{S} + {S2}', '{S} + {X}',
        '{S}.concat({S2})', 'concat({S}, {S2}, {S3})', 'concat({X}, {X2})', 'str({X})', 'str({N})',
        '{S}.format({X})', "'{0}-{1}'.format({X}, {X2})", "'{a}'.format(a => {X})",
        "'{}{}'.format({X})", '{S}.characters()', 'characters(digits => true)',
        'characters(punctuation => true, octdigits => true)', 'characters(letters => true)',
        'characters(whitespace => true, hexdigits => true)', 'characters(lowercase => true)',
        '{S}.in({L})', '{S} in {S2}', '{S} in {L}', 'hex({I})', '{S}.matches({RX})',
        '{S}.toUpper().toLower()', 'len({X})', '{S}[{I}]', '{S}.repeat({I})',
        '{S} < {S2}', '{S} >= {S2}', '{S} = {X}', '{S} != {X}',
    ],
    'regex': [
        '{S}.matches({RX})', '{RX}.matches({S})', '{S} =~ {RX}', '{S} !~ {RX}', 'regex({RX}).matches({S})',
        'regex({RX}, ignoreCase => true).matches({S})', 'regex({RX}, multiLine => true).matches({S})',
        'regex({RX}, dotAll => true).matches({S})', '{S}.search({RX})', '{S}.search({RX}, $.value)',
        '{S}.search({RX}, $.start)', '{S}.search({RX}, $2)', '{S}.searchAll({RX})',
        '{S}.searchAll({RX}, $.end)', '{S}.searchAll({RX}, $0)', 'regex({RX}).search({S})',
        'regex({RX}).searchAll({S})', '{S}.replace(regex({RX}), {S2})',
        '{S}.replace(regex({RX}), {S2}, {I})', '{S}.replaceBy(regex({RX}), $.value.toUpper())',
        '{S}.replaceBy(regex({RX}), str($.start), 1)', 'regex({RX}).replace({S}, {S2})',
        'regex({RX}).replaceBy({S}, $.end)', '{S}.split(regex({RX}))', 'regex({RX}).split({S})',
        'regex({RX}).split({S}, 1)', 'escapeRegex({S})', 'isRegex(regex({RX}))', 'isRegex({X})',
        'regex({RX}) = regex({RX2})', '{S} =~ regex({RX})',
    ],
    'arithmetic': [
        '{N} + {N2}', '{N} - {N2}', '{N} * {N2}', '{N} / {N2}', '{N} mod {N2}', '-{N}', '+{N}',
        '{I} / {I2}', '{I} mod {I2}', '{N} + {X}', '{X} * {X2}', '{I} * {I2} * {I3}',
        'abs({N})', 'sign({N})', 'round({N})', 'round({N}, {I})', 'pow({N}, {I})',
        'pow({I}, {I2}, {I3})', 'float({X})', 'int({X})', 'int({N})', 'float({S})', 'int({S})',
        'bitwiseAnd({I}, {I2})', 'bitwiseOr({I}, {I2})', 'bitwiseXor({I}, {I2})',
        'bitwiseNot({I})', 'shiftBitsLeft({I}, {I2})', 'shiftBitsRight({I}, {I2})',
        'max({N}, {N2})', 'min({N}, {N2})', 'max({X}, {X2})', 'isInteger({X})', 'isNumber({X})',
        '{N} = {N2}', '{N} < {N2}', '{N} >= {N2}', '{I} / 0', '{N} mod 0', '{F} / 0.0',
        'random() < 1', 'random(1, 1)', 'let(a => {I}, b => {I2}) -> random($a, $b) in range($a, $b + 1)',
        '{N} - {N2} * {N3}', '({N} + {N2}) / {N3}',
    ],
    'comparison': [
        '{X} = {X2}', '{X} != {X2}', '{X} < {X2}', '{X} > {X2}', '{X} <= {X2}', '{X} >= {X2}',
        '{L} = {L2}', '{L} < {L2}', '{D} = {D2}', '{B} = {B2}', '{N} = {N2}', '{S} = {S2}',
        '{X} in {L}', '{X} in {D}', '{X} in {S}', 'null = null', 'null < 1', 'true > false',
        '{N} > {B}',
    ],
    'logic': [
        '{X} and {X2}', '{X} or {X2}', 'not {X}', 'not ({X} or {X2})', 'bool({X})',
        '{X} and {X2} or {X3}', 'isBoolean({X})', '{B} and {N}', '{B} or {S}',
    ],
    'conversions': [
        'str({X})', 'int({X})', 'float({X})', 'bool({X})', 'list({X})', 'list({X}, {X2})',
        '{L}.toList()', '{X}.toList()', '{L}.toSet()', 'set({X})', 'set({X}, {X2})',
        'dict({L})', '{X}.toSet()', 'isString({X})', 'isList({X})', 'isDict({X})', 'isSet({X})',
        'isIterable({X})', 'isDatetime({X})', 'isTimespan({X})', 'isInteger({X})',
        'isNumber({X})', 'isBoolean({X})', 'isRegex({X})', 'str({L})', 'str({D})',
        'str({F})', 'str({I})', 'str({B})', 'str(set({X}))', 'str({L}.toSet())', 'hex({X})',
    ],
    'collections': [
        '{L}.where({P})', '{L}.filter({P})', '{L}.select({SEL})', '{L}.map({SEL})',
        '{L}.selectMany([$, $])', '{L}.selectMany({SEL})', '{L}.count()', '{L}.len()', 'len({L})',
        '{L}.first()', '{L}.first({X})', '{L}.last()', '{L}.last({X})', '{L}.single()',
        '{L}.skip({I})', '{L}.take({I})', '{L}.limit({I})', '{L}.skipWhile({P})',
        '{L}.takeWhile({P})', '{L}.sum()', '{L}.sum({N})', '{L}.max()', '{L}.min()',
        '{L}.max({X})', '{L}.min({X})', '{L}.orderBy($)', '{L}.orderByDescending($)',
        '{L}.orderBy({SEL})', '$.recs.orderBy({RSEL}).thenBy($.name)',
        '$.recs.orderBy($.age).thenByDescending({RSEL})', '$.recs.orderByDescending({RSEL})',
        '{L}.distinct()', '{L}.distinct({SEL})', 'distinct({L})', '{L}.reverse()',
        '{L}.flatten()', '{L}.enumerate()', '{L}.enumerate({I})', 'enumerate({L})',
        '{L}.contains({X})', '{L}.any()', '{L}.all()', '{L}.any({P})', '{L}.all({P})',
        'any({L}, {P})', 'all({L}, {P})', '{L}.isEmpty()', '{L}.defaultIfEmpty({X})',
        '{L}.append({X})', '{L}.append({X}, {X2})', 'append({L}, {X})', '{L}.concat({L2})',
        '{L}.concat({L2}, {L3})', '{L} + {L2}', '{L} + {X}', '{L} * {I}', '{I} * {L}',
        '{L}.indexOf({X})', '{L}.lastIndexOf({X})', '{L}.indexWhere({P})',
        '{L}.lastIndexWhere({P})', '{L}.insert({I}, {X})', '{L}.insertMany({I}, {L2})',
        '{L}.replace({I}, {X})', '{L}.replace({I}, {X}, {I2})', '{L}.replaceMany({I}, {L2})',
        '{L}.replaceMany({I}, {L2}, {I2})', '{L}.delete({I})', '{L}.delete({I}, {I2})',
        '{L}.slice({I})', '{L}.sliceWhere({P})', '{L}.splitAt({I})', '{L}.splitWhere({P})',
        '{L}.aggregate({AGG})', '{L}.aggregate({AGG}, {X})', '{L}.reduce({AGG})',
        '{L}.reduce({AGG}, {X})', '{L}.accumulate({AGG})', '{L}.accumulate({AGG}, {X})',
        '{L}.groupBy({SEL})', '{L}.groupBy({SEL}, {SEL2})', '{L}.groupBy($ mod 2, $, $.sum())',
        '$.recs.groupBy($.age, $.name)', '$.recs.groupBy($.age, $.name, [$[0], $[1].len()])',
        '$.recs.groupBy($.age, aggregator => $.len())', '{L}.groupBy({SEL}, aggregator => {X})',
        '{L}.zip({L2})', '{L}.zip({L2}, {L3})', '{L}.zipLongest({L2})',
        '{L}.zipLongest({L2}, default => {X})', 'zip({L}, {L2})', '{L}.cycle().take({I})',
        '{L}.memorize().len()', '{L}.repeat({I})', '{X}.repeat(2)', 'repeat({X}).take(3)',
        '{L}.toDict($, {SEL})', '{L}.toDict({SEL})', '$.recs.toDict($.name, $.age)',
        '{L}.toDict($[0], $[1])', '{L}.union({L2})', '{L}.intersect({L2})',
        '{L}.difference({L2})', '{L}.symmetricDifference({L2})', '{L}.toSet().union({L2}.toSet())',
        'set({X}).add({X2})', 'set(1, 2).remove({X})', 'set(1, 2, 3).intersect(set({X}))',
        'set(1, 2).difference(set({X}))', 'set(1, 2).symmetricDifference(set(2, {X}))',
        'set(1, 2) + set({X})', 'set(1, 2) - set({X})', 'set(1, 2) = set(2, 1)',
        '{L}.toSet().contains({X})', '{L}.toSet().len()', 'len(set({X}, {X2}))',
        '{L}.join({L2}, $1 = $2, [$1, $2])', '{L}.join({L2}, true, $1 + $2)',
        '{L}.unpack()', '{L}.unpack(a, b).select($)', '[1, 2].unpack(a, b) -> $a + $b',
        '{L}.where({P}).select({SEL})', '{L}.select({SEL}).where({P}).len()',
        '{L}[{I}]', '{L}[{B}]', '{L}[{X}]', '{L}.select($[0])', '{L}.selectMany($)',
        'range({I})', 'range({I}, {I2})', 'range({I}, {I2}, {I3})', 'sequence().take({I})',
        'sequence({I}).take(3)', 'sequence({I}, {I2}).take(3)', 'range({X})',
        'generate(0, $ < 5, $ + 1)', 'generate(1, $ < 50, $ * 2, $ * 10)',
        'generate({I}, $ < {I2}, $ + 2)', 'generate(0, $ < 4, $ + 1, str($), decycle => true)',
        'generateMany(1, [$ * 2, $ * 3].where($ < 20))',
        'generateMany(1, [$ * 2, $ * 3].where($ < 20), decycle => true)',
        'generateMany(1, [$ + 1].where($ < 4), depthFirst => true)',
        "generateMany('a', {a => [b, c], b => [d], c => [], d => []}.get($))",
        "generateMany('a', {a => [b, c], b => [d], c => [], d => []}.get($), depthFirst => true)",
    ],
    'dicts': [
        '{D}.keys()', '{D}.values()', '{D}.items()', '{D}.items().orderBy($[0])', '{D}.len()',
        'len({D})', '{D}.get({K})', '{D}.get({K}, {X})', '{D}.containsKey({K})',
        '{D}.containsValue({X})', '{D}.set({K}, {X})', '{D}.set({D2})', '{D}.set(a => 5)',
        '{D}.delete({K})', '{D}.delete({K}, {K2})', '{D}.deleteAll({L})', '{D}.mergeWith({D2})',
        '{D}.mergeWith({D2}, maxLevels => 1)', '{D}.mergeWith({X})',
        '{D}.mergeWith({D2}, listMerger => $1 + $2)',
        '{D}.mergeWith({D2}, itemMerger => $2)', '{a => [1]}.mergeWith({a => [1, 2]})',
        '{a => 1}.mergeWith({a => [2]})', '{a => [1]}.mergeWith({a => {b => 1}})',
        '{a => {b => 1}}.mergeWith({a => {c => 2}})', '{D}.select($)', '{D}.toList()',
        '{D}.where($)', '{D}.keys().orderBy($)', '{D}.values().orderBy($)', '{D}[{K}]',
        '{D}.{K}', '$.d.x', '$.d.y[1]', '$.d.z.k', '$.d.z.n', '$.d.missing', '$.d.get(missing)',
        'dict({L})', 'dict(a => {X}, b => {X2})', "dict([['a', 1], ['b', 2]])",
        "dict([['a', 1], ['a', 2]])", 'dict([[{X}, 1]])', 'dict(set(1, 2) => 3)',
        '{[1] => 2}', '{{a => 1} => 2}', 'dict([[[1], 2]])', '{a => 1, a => 2}',
        '{D} + {D2}', '{D}.contains({K})', '{K} in {D}', '{D}.keys().contains({K})',
        '{D}.len() > 0', '{D}.isEmpty()', 'isDict({D})', '{D}.toSet()',
    ],
    'navigation': [
        '$.l[{I}]', '$.l[{X}]', '$.nested[{I}][{I2}]', '$.d[{K}]', '$.d.y[{I}]',
        '$.recs[{I}].name', '$.recs.name', '$.recs.age', '$.recs.tags', '$.recs.select($.name)',
        '$.n?.x', '$.d?.x', '$.n.x', '$.i.x', '$.s.x', '$.l.x', '$.ls[-1]', '$.l[1:2]',
        "$['dash-key']", "$.get('dash-key')", '$.dash-key', "$.get('sp ace')", "$['sp ace']",
        '$.recs[0][name]', '$.recs.where($.age > 26).name', '$.d.z?.k', '$.d.z.n?.x',
        '$.el[0]', '$.ed.x', '$.l[true]', '$.l[false]', '$.l[null]', '$.l[1.0]', '$.l[1.5]',
        '$.big', '$.vbig', '$.tiny', '$.huge', '$.nz', '$.u', '$.mixed[3]', '$.nested[1][1][0]',
        '$.l.len()', '$.recs.len()', '{D}?.x', '{L}?.select($)',
    ],
    'lambdas': [
        'let(x => {X}) -> $x', 'let({X}) -> $1', 'let(a => {N}, b => {N2}) -> $a + $b',
        'let(x => {L}) -> $x.select($ * 2)', '{X} -> $', '{L} -> $.len()',
        'let(f => {X}) -> [$f, $]', 'def(f, $ * 2) -> f(3)', 'def(inc, $1 + 1) -> inc({N})',
        'def(g, [$1, $2]) -> g({X}, {X2})', 'let(k => 2) -> {L}.select($ * $k)',
        '{L}.select(let(v => $) -> $v)', 'with({X}, {X2}) -> [$1, $2]', 'with({X}) -> $1',
        'call(len, [{L}], {})', "call('len', [{S}], {})", 'call(str, [{X}], {})',
        'call(max, [{N}, {N2}], {})', 'call(unknownFn, [], {})', '{L}.select($ * 2)',
        '$.recs.select($.name + str($.age))', 'let(r => $.recs) -> $r.where($.age = 30).name',
        '[1, 2, 3].select(let(x => $) -> [1, 2].select($ * $x))',
    ],
    'branching': [
        'switch({B} => 1, true => 2)', 'switch({X} => 1)', 'switch(false => 1)',
        'switch($.i > 2 => big, true => small)', 'switch({X} => {X2}, {X3} => 3)',
        'coalesce({X}, {X2})', 'coalesce(null, null)', 'coalesce({B}, {X})', 'coalesce()',
        'selectCase({B}, {B2})', 'selectCase(false, true, true)', 'selectCase()',
        'selectCase({X}).switchCase(a, b, c)', 'selectCase(false, true).switchCase(a, b, c)',
        'selectCase(false, false).switchCase(a, b)', 'selectAllCases({B}, {B2}, true)',
        'selectAllCases(false, false)', '{X}.switchCase(a, b)', '1.switchCase(a, b, c)',
        'selectAllCases({X}, true).select($ * 2)',
    ],
    'mistral_functions': [
        'json_dump({X})', 'json_parse({S})', "json_parse('[1, 2.5, null, \"x\"]')",
        "json_parse('{{\"a\": 1}}')", 'json_parse({X})', 'yaml_dump({X})', 'yaml_parse({S})',
        "yaml_parse('a: 1')", "yaml_parse('- 1\\n- x')", 'yaml_parse({X})', 'env()', 'env().region',
        'env().missing', 'len(uuid())', 'uuid() = uuid()', 'isString(uuid())',
        'json_parse(json_dump({X}))', 'yaml_parse(yaml_dump({X}))', 'json_dump({L})',
        'json_dump({D})', 'yaml_dump({D})', 'yaml_dump({L})', 'json_pp({X})',
        'json_dump({F})', 'yaml_dump({F})', 'yaml_dump({S})', 'json_dump({S})',
        'execution()', 'examine({X})',
    ],
    'datetime': [
        'datetime(2020, 1, 2).year', 'datetime(2020, 1, 2, 3, 4, 5).hour',
        "datetime(2020, 1, 2).format('%Y-%m-%d')", "datetime('2020-01-02T03:04:05').minute",
        "str(datetime(2020, 2, 29))", "datetime(2020, 1, 31) + timespan(days => {I})",
        'timespan(days => 1, hours => 2).hours', 'timespan(hours => 36).days',
        'timespan(seconds => 90).minutes', 'timespan(milliseconds => 1500).seconds',
        'str(timespan(days => {I}))', 'datetime(2020, 1, 2) - datetime(2020, 1, 1) = timespan(days => 1)',
        "datetime('2020-01-02', '%Y-%m-%d').day", 'datetime(2020, 1, 2).weekday',
        'datetime(2020, 1, 2).month', 'datetime(2020, 1, 2).date.day',
        'datetime(2020, 1, 2).time = timespan()', 'datetime(timestamp => 0).year',
        'datetime(2020, 1, 2).timestamp', 'datetime(2020, 1, 2, 1, 2, 3, 4).microsecond',
        'datetime(2020, 1, 2).second', 'timespan(days => 2).microseconds',
        'timespan(minutes => 3).milliseconds', 'timespan(days => 1) * 2 = timespan(days => 2)',
        'timespan(days => 1) / 2 = timespan(hours => 12)', '-timespan(days => 1) < timespan()',
        'datetime(2020, 1, 2) > datetime(2020, 1, 1)', 'isDatetime(datetime(2020, 1, 1))',
        'isTimespan(timespan())', 'now() > datetime(2000, 1, 1)', 'isDatetime(now(utctz()))',
        'isDatetime(now(localtz()))', 'datetime(2020, 1, 2).utc.year',
        'datetime(2020, 1, 2).offset = timespan()', "datetime(2020, 1, 2).replace(year => 2021).year",
        'datetime({I}, 1, 1)', 'datetime(2020, {I}, 1).month', 'timespan(days => {N}).hours',
        "datetime('garbage')", "datetime(2020, 1, 2) + 1", 'datetime(2020, 1, 2).year + {N}',
        'str(timespan(hours => 25, minutes => 3))', 'datetime(2020, 13, 1)',
    ],
    'edge_cases': [
        '$', '$.keys()', '$.values()', '[1, 2, ]', '[1, 2,]', '{a => 1, }', 'f(1, )',
        '[]', '{}', '[[]]', '[{}]', '()', '(1)', '((1))', '1 +', '+', '$$', '$.', '$..x',
        '#', "'unterminated", '"dq"', '`bq`', "'esc\\'q'", '"a\\nb"', "'\\u00e9'",
        '1.', '.5', '01', '1_000', 'null.x', 'true.x', 'assert({X})', 'assert({X}, msg)',
        '{X}.assert($ > 1)', '{X}.assert($ > 1, bad)', 'a', 'abc', 'True', 'NULL', 'None',
        '$.i.dash-key', '$ .i', '$. i', '[1, 2][0][0]', 'len()', 'len(1, 2)', 'noSuchFn()',
        '{X}.noSuchMethod()', '1 2', '[1] [2]', '1 => 2', 'x => 1', '-', 'not', '1 mod',
        '1 == 1', '1 <> 2', "'a' 'b'", '@', '1 != 1 != 1', '1 < 2 < 3', '2 > 1 = true',
        '[1, [2, [3, [4]]]]', "{a => {b => {c => {d => 'deep'}}}}", 'list()',
        'dict()', 'set()', "'x' * 0", '[1] * 0', '$.big * $.big', '-$.big', '$.vbig + 1',
        '$.vbig / 7', '$.vbig mod 1000', '2 * 12345678901234567890123456789',
        '18446744073709551616 - 1', '9223372036854775807 + 1', '-9223372036854775808 - 1',
        '170141183460469231731687303715884105728 * 2', 'float(99999999999999999999)',
        'int(1e100)', 'int(float(12345678901234567890))', 'str(12345678901234567890123)',
        'str(0.1 + 0.2)', 'str(1.0)', 'str(1e16)', '1.0 * 10000000000000000',
        '0.1 + 0.2', '1.0 / 3', '10.0 / 4', '-7 / 2', '7 / -2', '-7 mod 2', '7 mod -2',
        '-7.5 mod 2', '2.5 mod -1', '0.0 * -1', '-0.0', '$.nz', 'str($.nz)',
        'str($.tiny)', 'str($.huge)', 'str($.f)', '$.huge * 10', '$.tiny / 10',
        'str(1.5e300 * 1.0)', 'float(1e-7)', 'float(\'1e-7\')', "float('inf')",
        "float('nan') = float('nan')", "float('-0.0')", "int('  12 ')", "int('0x10')",
        "int('1_0')", "float('1_0.5')", "int('٣')", "int(' -3')", "int('+3')",
        "int(3.99)", "int(-3.99)", "round(2.5)", "round(3.5)", "round(-2.5)", "round(2.675, 2)",
        "round(1234, -2)", "round($.vbig, -5)", "abs(-0.0)", "abs($.neg)", 'pow(2, 100)',
        'pow(2, -1)', 'pow(-8, 0.5)', 'pow(0, 0)', 'pow(2.0, 1000)', 'pow(10, 400) * 1.0',
        'sum([0.1, 0.2, 0.3])', 'sum([])', 'sum([1, 2.0])', 'max([])', 'max([1, 2.0])',
        'max([2.0, 2])', 'min([1, true])', '[1, true, 1.0].distinct()', 'set(1, true, 1.0)',
        '[0, false, null, [], {}].where($)', '{true => 1}.get(1)', '{1 => a}.get(1.0)',
        '[1, 2] = [1, 2]', '[1, 2] = [1.0, 2]', '{a => 1} = {a => 1.0}', '1 = true',
        '0 = false', "'1' = 1", '[] = []', '{} = {}', 'null = false', 'set() = []',
    ],
    'unicode': [
        '$.u.len()', '$.u.toUpper()', '$.u.toLower()', '$.u.toCharArray()', '$.u.substring(6)',
        '$.u.indexOf(✓)', "$.u.indexOf('✓')", "$.u.split(' ')", '$.u.reverse()',
        "'ß'.toUpper()", "'İ'.toLower()", "'ǅ'.toLower()", "'ﬁ'.toUpper()", "'Σ'.toLower()",
        "'é' = 'é'", "'日本' + '語'", "'😀'.len()", "'😀x'.substring(1)", "'a😀b'.toCharArray()",
        "'\\u0041'", "'\\x41'", "'tab\\there'", "'ñ' < 'o'", "'Z' < 'a'", "'é' > 'f'",
        "'ÀÉÎ'.toLower()", "json_dump('ünï')", "yaml_dump('ünï')", "'%s'.format('é')",
        "str('日本')", "['é', 'e'].orderBy($)", "'  ✓  '.trim()", "' x\\u00a0'.trim()",
        "'a\\u00a0b'.split()", "'a\\u2003b'.split()", "'١٢'.isEmpty()", "int('１２')",
        "'Ǆ'.toUpper()", "'ǆ'.toUpper()", "'ﬀ'.len()", "'K'.toLower()",
    ],
}

# a few chained compositions: random pipelines of query methods
CHAIN_STEPS = ['.where({P})', '.select({SEL})', '.orderBy($)', '.orderByDescending($)',
               '.distinct()', '.skip(1)', '.take(2)', '.reverse()', '.toList()', '.toSet()',
               '.count()', '.sum()', '.max()', '.first()', '.last()', '.len()', '.flatten()',
               '.enumerate()', '.groupBy($ mod 2)', '.concat([9])', '.append(0)',
               '.select([$, $])', '.selectMany([$])', '.any()', '.all()', '.isEmpty()',
               '.aggregate($1 + $2, 0)', '.zip([7, 8])', '.join(\',\', str($))']


def yaql_cases():
    for cat, templates in YAQL_FUNCS.items():
        for t in templates:
            n = 14 if SLOT.search(t) else 1
            if cat in ('edge_cases', 'unicode', 'datetime'):
                n = 6
            for body in fill(t, YP, n):
                Y(cat, body)
    # unary functions and methods on every edge value
    unary = ['str', 'int', 'float', 'bool', 'len', 'isString', 'isList', 'isDict', 'isSet',
             'isInteger', 'isNumber', 'isBoolean', 'isIterable', 'abs', 'sign', 'round',
             'hex', 'json_dump', 'yaml_dump', 'list', 'set', 'bitwiseNot', 'escapeRegex',
             'isEmpty', 'norm', 'coalesce', 'distinct', 'enumerate', 'concat', 'any', 'all']
    for f in unary:
        for v in YP['X']:
            Y('conversions', '%s(%s)' % (f, v))
    methods = ['toList', 'toSet', 'count', 'len', 'first', 'last', 'single', 'reverse', 'sum',
               'max', 'min', 'flatten', 'distinct', 'keys', 'values', 'toUpper', 'trim',
               'toCharArray', 'isEmpty', 'orderBy($)', 'cycle().take(2)', 'memorize',
               'enumerate', 'any', 'all', 'items', 'split', 'toDict($, $)', 'unpack']
    for m in methods:
        for v in YP['X']:
            call = m if '(' in m else m + '()'
            Y('collections', '%s.%s' % (v, call))
    # operators on every pair of a small value set
    small = ['null', 'true', '0', '1', '-3', '2.5', "'a'", "''", '[]', '[1]', '{}',
             '{a => 1}', 'set(1)', '$.big', '$.nz', '$.vbig']
    for op in ['+', '-', '*', '/', 'mod', '=', '!=', '<', '>=', 'and', 'or', 'in']:
        for a, b in itertools.product(small, small):
            if R.random() < 0.55:
                Y('comparison' if op in ('=', '!=', '<', '>=', 'in') else
                  'logic' if op in ('and', 'or') else 'arithmetic', '%s %s %s' % (a, op, b))
    # indexing with every value
    for col in ['$.l', '$.d', '$.s', '[]', '{}', 'set(1, 2)', 'null', '5']:
        for v in YP['X'] + ['-1', '-4', '3', '1.0', 'true', 'false']:
            if R.random() < 0.5:
                Y('navigation', '%s[%s]' % (col, v))
    # chains
    for _ in range(500):
        steps = ''.join(R.choice(CHAIN_STEPS) for _ in range(R.randint(2, 4)))
        body = R.choice(YP['L']) + steps
        for b in fill(body, YP, 1, bad=0):
            Y('chained', b)
    # inline rendering of values (str() of every kind of value)
    inl = YP['X'] + ['$.f', '$.tiny', '$.huge', '$.nz', '$.vbig', '$.recs', '$.d', '1.0 / 3',
                     '0.1 + 0.2', '[1, [2, set(3)]]', "{a => [1, 'x'], b => null}",
                     'datetime(2020, 1, 2)', 'timespan(hours => 1)', 'regex(a)',
                     "{'k' => 1.0}", '[1.0, -0.0, 1e16]', '$.u', "'it''s'", "\"it's\"",
                     "['it\\'s']", "['a\\nb']", "['é']", '[true, null]', '{a => true}',
                     '$.l.select($)', 'range(3)', '$.l.toSet()', 'dict(a => 1).keys()',
                     "['\\\\']", "{'x\"y' => 1}"]
    for v in inl:
        T('inline', 'v=<% ' + v + ' %>')
        T('inline', '<% ' + v + ' %> and <% 1 %>')
    for t in ['no expression', '<% 1 +\n 2 %>', 'a <% 1 %> b <% 2 %> c', '<%1%>', '<% %>',
              '<%  $.s  %>!', '<% $.i %><% $.i %>', 'x <% $.missing %>', '<% "%>" %>',
              "<% '%>' %>", '<% 1 %', '%> <% 2 %>', '<<% 1 %>>', '<% <% 1 %> %>',
              '<% $.s %> {not jinja}', 'multi\nline <% 1 %>', '<% 1 %>\n', '  <% 1 %>',
              '<% $.l %><% $.d %>', '<% null %>-<% true %>-<% false %>',
              '<%% 1 %%>', '<% 1 %%>', '<%> 1 <%>']:
        T('inline', t)


# ---------------------------------------------------------------- Jinja pools
JP = {
    'S': ["''", "'abc'", "'Hello World'", '_.s', '_.u', '_.p', '_.csv', "'<b>&x</b>'",
          "'a b  c'", "'42'", "'3.5'", "'ÄbC'", "'title case words'", '_.e', '_.num',
          "'x\\ny'", "'%s!'", "'a_b-c d'"],
    'I': ['0', '1', '2', '-3', '7', '_.i', '_.big', '12345678901234567890123', '_.vbig',
          '_.neg', '100'],
    'F': ['2.5', '-0.5', '0.0', '_.f', '_.tiny', '_.huge', '_.nz', '1e3', '-0.0', '1.5e-7',
          '3.999', '1e16', '0.1'],
    'L': ['[]', '[1, 2, 3]', '[3, 1, 2]', '_.l', '_.el', '_.ls', '_.mixed', '_.nested',
          "['b', 'A', 'c']", '(1, 2)', '_.recs', 'range(3)', '[none, 1]', '_.fl', '_.dup',
          "['a', 'B', 'b', 'A']", '[[1, 2], [3]]', "'abc'"],
    'D': ['{}', "{'a': 1, 'b': 2}", '_.d', '_.ed', '_.kv', "{'b': 1, 'A': 2}", "{'k': [1, 2]}",
          '_.d.z', "{'a': none}"],
    'B': ['true', 'false', 'none', '_.t', '_.fa', '_.n'],
    'TST': ["'odd'", "'even'", "'none'", "'string'", "'number'", "'defined'", "'true'",
            "'gt', 1", "'eq', 2", "'divisibleby', 3", "'in', [1, 2]", "'lower'", "'sequence'",
            "'nosuchtest'"],
    'FLT': ["'string'", "'int'", "'float'", "'upper'", "'length'", "'abs'", "'lower'",
            "'list'", "'trim'", "'nosuchfilter'", "'tojson'"],
    'ATTR': ["'name'", "'age'", "'tags'", "'missing'", "'0'", "'age.x'", "'tags.0'"],
    'K': ["'a'", "'x'", "'missing'", "'k'", "'b'", '1', 'none'],
}
JP['N'] = JP['I'] + JP['F']
JP['X'] = (JP['S'][:8] + JP['I'][:7] + JP['F'][:7] + JP['L'][:10] + JP['D'][:5] + JP['B']
           + ['_.missing', '_.d.missing', 'undefinedname'])


JINJA_FILTERS = {
    'abs': ['{N} | abs', '{X} | abs'],
    'attr': ['{D} | attr({K})', '_.recs[0] | attr({ATTR})', '{X} | attr(\'x\')'],
    'batch': ['{L} | batch(2) | list', "{L} | batch(2, 'x') | list", '{L} | batch({I}) | list'],
    'capitalize': ['{S} | capitalize', '{X} | capitalize'],
    'center': ['{S} | center', '{S} | center({I})', '{S} | center(width={I})'],
    'count': ['{L} | count', '{X} | count', '{S} | count'],
    'default': ['_.missing | default({X})', '{X} | default(\'z\')', "{X} | default('z', true)",
                '_.d.missing | d({X})', "{X} | d('z', boolean=true)", '_.missing | default'],
    'dictsort': ['{D} | dictsort', '{D} | dictsort(true)', "{D} | dictsort(false, 'value')",
                 '{D} | dictsort(reverse=true)', "{D} | dictsort(by='key', case_sensitive=true)",
                 "{D} | dictsort(false, 'bad')", '{X} | dictsort'],
    'escape': ['{S} | escape', '{X} | e', '{S} | e | e', '{X} | escape | string'],
    'filesizeformat': ['{N} | filesizeformat', '{N} | filesizeformat(true)',
                       '{X} | filesizeformat', '{N} | filesizeformat(binary=true)'],
    'first': ['{L} | first', '{X} | first', '{S} | first'],
    'float': ['{X} | float', '{S} | float', '{X} | float(1.5)', '{S} | float(default=-1)'],
    'forceescape': ['{S} | forceescape', '{X} | forceescape', "{S} | e | forceescape"],
    'format': ["'%s-%s' | format({X}, {X2})", "'%d' | format({X})", "'%.2f' | format({N})",
               "'%5s|' | format({S})", "'%(a)s' | format(a={X})", "{S} | format({X})",
               "'%x %o %e' | format({I}, {I2}, {N})", "'%r' | format({X})", "'%%' | format()"],
    'groupby': ["_.recs | groupby('age') | list", "_.recs | groupby({ATTR}) | list",
                "_.recs | groupby('age') | map('list') | list",
                "_.recs | groupby('age', default=0) | list",
                "_.recs | groupby('name', case_sensitive=true) | map(attribute='grouper') | list",
                "{L} | groupby(0) | list", "{X} | groupby('x') | list"],
    'indent': ['{S} | indent', '{S} | indent(2, true)', '{S} | indent({I})',
               "{S} | indent('> ', first=true, blank=true)", '{X} | indent'],
    'int': ['{X} | int', '{S} | int', "'0x1A' | int(0, 16)", "'0b101' | int(base=0)",
            '{N} | int', "{S} | int(default=-1)", "'12' | int(base={I})", "'1_000' | int"],
    'items': ['{D} | items | list', '{X} | items | list'],
    'join': ["{L} | join(', ')", '{L} | join', "_.recs | join(',', attribute='name')",
             "{X} | join('-')", "{L} | join(d={S})"],
    'last': ['{L} | last', '{X} | last', '{S} | last'],
    'length': ['{X} | length', '{L} | length', '{D} | length', '{S} | length'],
    'list': ['{X} | list', '{D} | list', '{S} | list'],
    'lower': ['{S} | lower', '{X} | lower'],
    'map': ["{L} | map('string') | list", "_.recs | map(attribute={ATTR}) | list",
            "_.recs | map(attribute='x', default=0) | list", "{L} | map({FLT}) | list",
            "{L} | map('default', 9) | list", "{X} | map('upper') | list",
            "_.recs | map(attribute='name') | map('upper') | join(',')"],
    'max': ['{L} | max', "_.recs | max(attribute='age')", '{L} | max(case_sensitive=true)',
            '{X} | max', "_.recs | max(attribute='name') | attr('age')"],
    'min': ['{L} | min', "_.recs | min(attribute='age')", '{L} | min(case_sensitive=true)',
            '{X} | min'],
    'pprint': ['{X} | pprint', '{D} | pprint', '{L} | pprint'],
    'random': ['[7] | random', "'z' | random", '[] | random'],
    'reject': ["{L} | reject({TST}) | list", "{L} | reject | list"],
    'rejectattr': ["_.recs | rejectattr('age', 'gt', 26) | list",
                   "_.recs | rejectattr({ATTR}) | map(attribute='name') | list"],
    'replace': ["{S} | replace('l', 'L')", "{S} | replace({S2}, {S3})",
                "{S} | replace('l', 'L', {I})", "{X} | replace('a', 'b')", "{S} | replace('', '-')"],
    'reverse': ['{X} | reverse | list', '{S} | reverse', '{L} | reverse | list',
                '{D} | reverse | list'],
    'round': ['{N} | round', "{N} | round(1, 'floor')", "{N} | round(precision=2, method='ceil')",
              '{N} | round({I})', "{N} | round(0, 'bad')", '{X} | round'],
    'safe': ['{S} | safe', '{X} | safe', '{S} | safe | e'],
    'select': ["{L} | select({TST}) | list", "{L} | select | list", "{X} | select('odd') | list"],
    'selectattr': ["_.recs | selectattr('age', 'gt', 26) | list",
                   "_.recs | selectattr({ATTR}) | map(attribute='name') | list",
                   "_.recs | selectattr('name', 'in', ['ann', 'cy']) | list",
                   "_.recs | selectattr('age', 'equalto', 30) | map(attribute='name') | list"],
    'slice': ['{L} | slice(2) | list', "{L} | slice(2, 'x') | list", '{L} | slice({I}) | list'],
    'sort': ['{L} | sort', '{L} | sort(reverse=true)', "_.recs | sort(attribute='age')",
             "_.recs | sort(attribute='age,name') | map(attribute='name') | list",
             '{L} | sort(case_sensitive=true)', '{X} | sort', "{L} | sort(true)"],
    'string': ['{X} | string', '{L} | string', '{D} | string', '{N} | string'],
    'striptags': ['{S} | striptags', "'<p>a  <i>b</i></p>\n c' | striptags", '{X} | striptags'],
    'sum': ['{L} | sum', "_.recs | sum(attribute='age')", '{L} | sum(start={N})', '{X} | sum',
            "_.recs | sum(attribute='tags', start=[])"],
    'title': ['{S} | title', '{X} | title', "\"it's o'neil x-y\" | title"],
    'tojson': ['{X} | tojson', '{D} | tojson(indent=2)', '{L} | tojson', "'<&>' | tojson"],
    'trim': ['{S} | trim', "{S} | trim('x')", "{S} | trim({S2})", '{X} | trim'],
    'truncate': ['{S} | truncate(5)', "{S} | truncate(5, true, '..', 0)", '{S} | truncate({I})',
                 "'aaaa bbbb cccc dddd' | truncate(9)", "{S} | truncate(length=3, leeway=0)"],
    'unique': ['{L} | unique | list', '{L} | unique(case_sensitive=true) | list',
               "_.recs | unique(attribute='age') | list", '{X} | unique | list'],
    'upper': ['{S} | upper', '{X} | upper'],
    'urlencode': ['{S} | urlencode', '{D} | urlencode', '{X} | urlencode', "'a/b?c=d&e' | urlencode",
                  "[('a', 1), ('b', 'x y')] | urlencode"],
    'urlize': ['{S} | urlize', "'see http://x.org/a' | urlize", "'www.x.com' | urlize(5)",
               "'mail a@b.org' | urlize", "'http://x.org' | urlize(target='_blank')"],
    'wordcount': ['{S} | wordcount', '{X} | wordcount'],
    'wordwrap': ['{S} | wordwrap(5)', "'aaa bbb ccc ddd' | wordwrap(7)",
                 "'aaaaaaaaaa b' | wordwrap(5, false)", "'a b c d e' | wordwrap(3, wrapstring='|')"],
    'xmlattr': ['{D} | xmlattr', "{'a': 'x<', 'b': none, 'c': true} | xmlattr",
                "{'a': 1} | xmlattr(false)", "{'a b': 1} | xmlattr"],
    'json_dump': ['{X} | json_dump', 'json_dump({X})', 'json_dump({D})', 'json_dump({F})',
                  'json_dump({S})', 'json_dump({L})'],
    'json_parse': ['json_parse({S})', "json_parse('[1, 2.5, null]')", "'{\"a\": 1}' | json_parse",
                   'json_parse({X})', "json_parse('1e400')", "json_parse('NaN')"],
    'yaml_dump': ['yaml_dump({X})', '{X} | yaml_dump', 'yaml_dump({D})', 'yaml_dump({S})'],
    'yaml_parse': ['yaml_parse({S})', "yaml_parse('a: [1, x]')", "yaml_parse('- 1\\n- 2.5')",
                   'yaml_parse({X})', "yaml_parse('yes')", "yaml_parse('1e3')",
                   "yaml_parse('x: 2020-01-02')", "yaml_parse(':')"],
    'env': ['env()', 'env().region', 'env().missing', "env()['n']", 'env() | length'],
    'uuid': ['uuid() | length', 'uuid() is string', 'uuid() == uuid()'],
}

JINJA_TESTS = ['boolean', 'callable', 'defined', 'divisibleby(3)', 'eq(2)', 'equalto(1)',
               'escaped', 'even', 'false', 'filter', 'float', 'ge(2)', 'gt(1)',
               'greaterthan(2)', 'in([1, 2])', 'integer', 'iterable', 'le(2)', 'lessthan(2)',
               'lower', 'lt(1)', 'mapping', 'ne(1)', 'none', 'number', 'odd', 'sameas(1)',
               'sequence', 'string', 'test', 'true', 'undefined', 'upper', '==(1)', '<(2)',
               '!=(1)', '>(1)', '>=(2)', '<=(2)',
               'divisibleby(0)', 'nosuchtest', 'sameas(none)']

JINJA_EXPRS = {
    'arithmetic': ['{N} + {N2}', '{N} - {N2}', '{N} * {N2}', '{N} / {N2}', '{N} // {N2}',
                   '{N} % {N2}', '{N} ** {I}', '-{N}', '+{N}', '+{X}', '-{X}', '{X} + {X2}',
                   '{S} * {I}', '{L} * {I}', '{L} + {L2}', '{S} ~ {X}', '{X} ~ {X2}',
                   '{N} / 0', '{N} // 0', '{N} % 0', '_.missing + 1', '1 + _.missing',
                   '_.missing ~ 1', '-_.missing', '{I} ** -1', '2 ** 100', '2 ** 0.5',
                   '(-8) ** (1/3)', '{S} % {X}', "'%s and %s' % ({X}, {X2})",
                   "'%d' % {X}", "'%.3f' % {N}", "'%(a)s' % {'a': {X}}", "'%5.1f|%-4d|' % ({N}, {I})",
                   "'%e' % {N}", "'%g' % {N}", "'%x' % {I}", "'%c' % 65", "'%s' % ({L},)",
                   '{D} | length + 1'],
    'comparison': ['{X} == {X2}', '{X} != {X2}', '{X} < {X2}', '{X} > {X2}', '{X} <= {X2}',
                   '{X} >= {X2}', '{X} in {L}', '{X} not in {L}', '{K} in {D}', '{S} in {S2}',
                   '1 < 2 < 3', '1 == 1.0', "1 == '1'", 'none == none', 'true == 1',
                   '{L} == {L2}', '{D} == {D2}', '{N} < {S}', '[1, 2] < [1, 3]', '(1, 2) == [1, 2]'],
    'logic': ['{X} and {X2}', '{X} or {X2}', 'not {X}', '{X} and {X2} or {X3}',
              'not ({X} or {X2})', '_.missing or 1', '_.missing and 1', 'not _.missing'],
    'conditionals': ['{X} if {B} else {X2}', '{X} if {X2}', '1 if _.missing else 2',
                     "'a' if {B}", '({X} if {B}) | string', '{X} if {X2} else {X3} if {B}'],
    'strings': ['{S}.upper()', '{S}.lower()', '{S}.split()', "{S}.split(',')",
                "{S}.split(',', 1)", '{S}.strip()', "{S}.replace('l', 'L')", '{S}.startswith({S2})',
                '{S}.endswith({S2})', '{S}.find({S2})', '{S}.count({S2})', '{S}.title()',
                '{S}.capitalize()', '{S}.isdigit()', '{S}.zfill(6)', "{S}.center(9, '*')",
                '{S}.ljust(7)', "{S}.join(['a', 'b'])", "'-'.join({L})", '{S}.format({X})',
                "'{}-{}'.format({X}, {X2})", "'{a}'.format(a={X})", '{S}[{I}]', '{S}[1:3]',
                '{S}[::-1]', '{S}[-2:]', '{S}.encode()', '{S}.partition(\' \')',
                '{S}.rsplit(None, 1)', '{S}.swapcase()', '{S}.isupper()', '{S}.index(\'z\')',
                '{S}.splitlines()', '{S}.expandtabs()', "'{0!r}'.format({X})", "'%s' % {S}",
                '{S}.casefold()', "{S}.removeprefix('H')", '{S}.__class__', '{S}.format_map({D})',
                "'{0.__class__}'.format(1)"],
    'navigation': ['_.l[{I}]', '_.l[{X}]', '_.d[{K}]', '_.d.x', '_.d.y[1]', '_.d.z.k', '_.d.z.n',
                   '_.d.missing', '_.recs[0].name', "_.recs[0]['age']", '_.recs.name',
                   "_['dash-key']", '_.dash-key', "_['sp ace']", '_.l.0', '_.nested[1][1][0]',
                   '_.l[-1]', '_.l[1:]', '_.l[::2]', '_.l[true]', '_.l[1.0]', '_.n.x', '_.n[0]',
                   '_.el[0]', '_.ed.x', '_.keys', '_.items', '_.values', '_.get',
                   "_.get('i')", "_.d.get('x')", "_.d.get('q', 5)", '_.d.keys() | list',
                   '_.d.values() | list', '_.d.items() | list', '_.big', '_.vbig', '_.tiny',
                   '_.huge', '_.nz', '_.u', '_.mixed', '_', '_ | length', '_.s.0', '_.s[0]'],
    'literals': ['{X}', '{N}', '{S}', '{L}', '{D}', 'none', 'None', 'True', 'true', 'TRUE',
                 '1_000', '0x10', '0o17', '0b11', '1e400', '-1e400', '1.', '.5', '1e-5',
                 '12345678901234567890123 * 10', "'\\u00e9'", "'\\x41'", '"dq"', "'''",
                 '(1,)', '()', '(1, 2)', '{1: 2}', '{(1, 2): 3}', '{[1]: 2}', '[1, 2, ]',
                 '{"a": 1, }', '(1, 2, )', "'a' 'b'", 'range(3)', 'range(1, 7, 2) | list'],
    'records': ["_.recs | map(attribute='name') | join(',')",
                "_.recs | selectattr('age', '==', 30) | map(attribute='name') | list",
                "_.recs | sort(attribute='name', reverse=true) | first",
                "_.recs | groupby('age') | map(attribute='list') | list",
                "_.recs | sum(attribute='age') / (_.recs | length)",
                "_.recs | map(attribute='tags') | map('length') | list",
                "_.recs | rejectattr('tags') | list", "_.recs | map(attribute='tags.0', default='-') | list",
                "_.recs | unique(attribute='age') | map(attribute='name') | list",
                "_.recs | min(attribute='age') | attr('name')",
                "_.recs | selectattr('tags', 'contains', 'b') | list"],
}

JINJA_GLOBALS = ['range({I})', 'range({I}, {I2})', 'range({I}, {I2}, {I3}) | list', 'range({X})',
                 'range(0)', 'range(10) | list', 'range(100000000000)', 'range(3) | string',
                 'lipsum() is string', 'lipsum(1, false, 5, 5) is string', 'dict(a={X})',
                 'dict(a=1, b=2) | length', 'dict({D})', 'cycler(1, 2).next()',
                 'cycler(1, 2).current', 'joiner()()', "joiner(',')() ~ joiner(',')()",
                 'namespace(a=1).a', 'namespace(a={X}).a', 'namespace({D})', 'namespace()']

# hand-written templates (statements, loops, macros, namespaces, rendering)
JINJA_TEMPLATES = [
    'x{{ 1 if false }}y', '{{ 1 if false }}', '{{ _.missing if false }}', 'a{{ none }}b',
    'v={{ (1, 2) }}', 'v={{ range(3) }}', 'v={{ [1, "a", none, true, 2.5] }}',
    'v={{ {"a": 1, "b": [1.0]} }}', 'v={{ _.d }}', 'v={{ _.l }}', 'v={{ _.recs }}',
    'v={{ _.tiny }} {{ _.huge }} {{ _.nz }} {{ _.vbig }} {{ 1e16 }} {{ 1/3 }}',
    'v={{ _.d | pprint }}', 'v={{ _.recs | pprint }}', 'v={{ "é" }}', 'v={{ ("é",) }}',
    'v={{ [_.u] }}', 'v={{ 0.1 + 0.2 }}', 'v={{ 10 / 2 }}', 'v={{ 2 ** 64 }}',
    'v={{ 1e300 * 1e10 }}', 'v={{ -0.0 }}', 'v={{ [-0.0, 1e-05] }}', 'v={{ "a\'b" }}',
    'v={{ ["a\'b"] }}', 'v={{ ["a\\"b\'"] }}', 'v={{ ["\\n"] }}', 'v={{ true }}{{ none }}',
    'v={{ _.missing }}', 'v={{ _.d.missing }}', 'v={{ undefinedname }}',
    'v={{ _.missing is defined }}', 'v={{ +1 }} {{ +_.f }} {{ -_.i }}',
    'v={{ ["b", "A", "c"] | sort }}', 'v={{ ["b", "A", "c"] | sort(case_sensitive=true) }}',
    "v={{ '<a>' }}", "v={{ '<a>' | forceescape }}", "v={{ '<a>' | e }}", 'v={{ lipsum is defined }}',
    '{% for x in _.l %}{{ x }},{% endfor %}', '{% for x in _.l %}{{ loop.index }}{{ loop.first }}{{ loop.last }}{% endfor %}',
    '{% for x in _.el %}{{ x }}{% else %}empty{% endfor %}',
    '{% for k, v in _.kv.items() %}{{ k }}={{ v }};{% endfor %}',
    '{% for k in _.kv %}{{ k }}{% endfor %}', '{% for x in _.l | sort %}{{ x }}{% endfor %}',
    '{% for x in _.l if x > 1 %}{{ x }}{% endfor %}',
    '{% for x in _.l %}{{ loop.revindex }}{{ loop.length }}{{ loop.cycle("a", "b") }}{% endfor %}',
    '{% for x in _.l %}{{ loop.previtem }}|{{ loop.nextitem }};{% endfor %}',
    '{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}',
    '{% for x in _.nested %}{% for y in x %}{{ y }}{% endfor %}/{% endfor %}',
    '{% for x in range(3) %}{% if loop.index is even %}{{ x }}{% endif %}{% endfor %}',
    '{% for x in _.l %}{% if x == 1 %}{% break %}{% endif %}{{ x }}{% endfor %}',
    '{% for x in _.l %}{{ loop.depth }}{% endfor %}', '{% for x in _.missing %}{{ x }}{% endfor %}',
    '{% for x in 5 %}{{ x }}{% endfor %}', '{% for x in _.s %}{{ x }}.{% endfor %}',
    '{% if _.t %}yes{% else %}no{% endif %}', '{% if _.n %}yes{% elif _.i > 2 %}mid{% else %}no{% endif %}',
    '{% if _.missing %}y{% endif %}', '{% if _.missing is defined %}y{% else %}n{% endif %}',
    '{% set x = 5 %}{{ x * 2 }}', '{% set x, y = 1, 2 %}{{ x + y }}', '{% set x = [1] %}{{ x.append(2) }}{{ x }}',
    '{% set x = [1, 2] %}{{ x.pop() }}{{ x }}', "{% set d = {'a': 1} %}{{ d.update({'b': 2}) }}{{ d }}",
    "{% set d = {'a': 1} %}{{ d.pop('a') }}{{ d }}", '{% set x = _.l %}{{ x.sort() }}{{ x }}',
    '{% set x = [3, 1] %}{{ x.reverse() }}{{ x }}', '{% set x = [1] %}{{ x.extend([2]) }}{{ x }}',
    "{% set d = {'a': 1} %}{{ d.setdefault('b', 3) }}{{ d }}", '{% set x = [1] %}{{ x.insert(0, 9) }}{{ x }}',
    '{% set x = [1, 2] %}{{ x.clear() }}{{ x }}', '{% set x = [1, 2, 1] %}{{ x.count(1) }}{{ x.index(2) }}',
    '{% set x = [1] %}{{ x.copy() }}', "{% set d = {'a': 1} %}{{ d.copy() }}{{ d.popitem() }}",
    '{% set s = "abc" %}{{ s.__len__() }}', '{{ _.l.__class__ }}', '{{ _.__class__.__mro__ }}',
    '{{ [].__class__.__base__.__subclasses__() }}', '{{ cycler.__init__.__globals__ }}',
    '{% set ns = namespace(c=0) %}{% for x in _.l %}{% set ns.c = ns.c + x %}{% endfor %}{{ ns.c }}',
    '{% set c = 0 %}{% for x in _.l %}{% set c = c + x %}{% endfor %}{{ c }}',
    '{% macro m(a, b=2) %}[{{ a }}-{{ b }}]{% endmacro %}{{ m(1) }}{{ m(3, b=4) }}',
    '{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}',
    '{% macro m(a) %}{{ caller() }}{{ a }}{% endmacro %}{% call m(1) %}in{% endcall %}',
    '{% macro m(a) %}x{% endmacro %}{{ m() }}', '{% macro m(a) %}x{% endmacro %}{{ m(1, 2) }}',
    '{% macro m(a) %}{{ a }}{% endmacro %}{{ m | string }}',
    '{% filter upper %}abc {{ _.s }}{% endfilter %}', '{% raw %}{{ x }}{% endraw %}',
    '{# comment #}x{{ 1 }}', '{%- if true -%}  a  {%- endif -%} b', '  {% if true %}\n  x\n  {% endif %}\n y',
    '{{ 1 }}\n{% if true %}\nA\n{% endif %}\nB', 'a  {{- 1 -}}  b', '{% if true %}a{% endif %}',
    '{% with a = 1 %}{{ a }}{% endwith %}', '{% set x %}block {{ 1 }}{% endset %}{{ x }}',
    '{% set x | upper %}abc{% endset %}{{ x }}', '{% autoescape true %}{{ "<a>" }}{% endautoescape %}',
    '{% include "x" %}', '{% extends "x" %}', '{% import "x" as y %}', '{% do [].append(1) %}',
    '{% for x in _.l %}{% continue %}{% endfor %}', '{% if %}{% endif %}', '{% endif %}',
    '{{ }}', '{{ 1 }', '{{ 1 + }}', '{{ _.l[ }}', '{{ "unterminated }}', '{% for %}',
    '{% set x = 1 %}', '{% set x = 1 %}{{ x }} {% set x = 2 %}{{ x }}',
    '{{ _.s }} and {{ _.i }}', '{{ _.s }}{{ _.i }}', ' {{ _.i }}', '{{ _.i }} ', '{{ _.i }}\n',
    '{{ {"a": 1} }}', '{{ "}}" }}', "{{ '{{' }}", '{{ 1 }}{{ 2 }}', '{{ _.l }}x',
    '{{ _.d }} {{ _.missing | default("-") }}', 'x {{ "%s" % _.l }}', 'x {{ "%r" % (_.s,) }}',
    '{{ _.kv | dictsort | first }}', '{{ (_.kv | dictsort)[0] }}', 'v={{ _.kv.items() | list }}',
    'v={{ _.kv.keys() }}', 'v={{ _.kv.values() }}', 'v={{ _.kv.items() }}', 'v={{ dict(a=1).items() }}',
    'v={{ _.l | reverse }}', 'v={{ _.l | map("string") }}', 'v={{ _.l | select("odd") }}',
    'v={{ _.l | batch(2) }}', 'v={{ cycler(1) }}', 'v={{ joiner() }}', 'v={{ namespace(a=1) }}',
    'v={{ range(3) | list }}', 'v={{ "abc" | list }}', 'v={{ _.recs | groupby("age") }}',
    'v={{ _.recs | groupby("age") | list }}', 'v={{ _.l | sum / 2 }}', 'v={{ (1, [2, (3,)]) }}',
    'v={{ {1: 2, "a": (1,)} }}', 'v={{ set }}', 'v={{ 12345678901234567890123 * 2 }}',
    'v={{ 2.0 }} {{ 2.50 }} {{ 1e22 }} {{ 1e15 }} {{ 123456789.123456789 }}',
    'v={{ "%s" % 1e16 }} {{ "%s" % 0.1 }} {{ "%d" % 2.7 }}', 'v={{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 2 }} {{ 7.5 % 2 }}',
    'v={{ 3 / 1 }} {{ 1 / 3 }} {{ 2 ** -1 }}', 'v={{ _.missing | default }}',
    'v={{ [1, 2] | join }}', "v={{ json_dump(_.d) }}", "v={{ yaml_dump(_.d) }}", 'v={{ env() }}',
]


def jinja_cases():
    for name, templates in JINJA_FILTERS.items():
        cat = 'mistral_functions' if name in ('json_dump', 'json_parse', 'yaml_dump',
                                              'yaml_parse', 'env', 'uuid') else 'filters'
        for t in templates:
            for body in fill(t, JP, 14):
                J(cat, body)
                if R.random() < 0.15:
                    T('inline', 'v={{ ' + body + ' }}')
    for test in JINJA_TESTS:
        for v in JP['X']:
            J('tests', '%s is %s' % (v, test))
            if R.random() < 0.3:
                J('tests', '%s is not %s' % (v, test))
    for cat, templates in JINJA_EXPRS.items():
        for t in templates:
            n = 14 if SLOT.search(t) else 1
            for body in fill(t, JP, n):
                J(cat, body)
    for t in JINJA_GLOBALS:
        for body in fill(t, JP, 6):
            J('literals', body)
    small = ['none', 'true', '0', '1', '-3', '2.5', "'a'", "''", '[]', '[1]', '{}',
             "{'a': 1}", '(1,)', '_.big', '_.nz', '_.missing']
    for op in ['+', '-', '*', '/', '//', '%', '**', '~', '==', '!=', '<', '>=', 'and', 'or', 'in']:
        for a, b in itertools.product(small, small):
            if R.random() < 0.4:
                J('arithmetic' if op in '+-*/%~//**' else 'comparison', '%s %s %s' % (a, op, b))
    for t in JINJA_TEMPLATES:
        T('templates', t)
    # every value rendered inline and as a whole expression
    for v in JP['X'] + JP['F'] + JP['L'] + JP['D']:
        T('inline', 'v={{ %s }}' % v)
        T('unicode' if 'u' in v else 'inline', '{{ %s }} {{ %s | string }}' % (v, v))
    for s in ["'ß' | upper", "'İ' | lower", "'ǅ' | title", "'ﬁ' | upper", "_.u | title",
              "_.u | capitalize", "_.u | length", "_.u | reverse", "_.u | list", "_.u[6]",
              "_.u | truncate(8)", "_.u | wordcount", "_.u | urlencode", "_.u | tojson",
              "_.u | center(20)", "'😀' | length", "'a😀b' | list", "_.u | json_dump",
              "_.u | yaml_dump", "'ǆ' | upper", "'K' | lower", "'Σ' | lower", "'ÀÉ' | lower",
              "_.u.encode('utf-8')", "_.u | replace('✓', 'x')", "'é' == 'é'", "'ñ' < 'o'",
              "'a\u00a0b' | wordcount", "' x\u00a0' | trim", "'a\u2003b'.split()",
              "'１２' | int", "'١٢' | int", "_.u | escape", "_.u | sort", "_.u | unique | list"]:
        J('unicode', s)


def coverage():
    """Names in yaql's and Jinja2's libraries that no line mentions."""
    import jinja2.defaults
    exprs = '\n'.join(c[2] for c in CASES)
    missing = []
    for name in yaql_function_names():
        if name.startswith('#') or name.startswith('*'):
            continue
        if name in ('task', 'tasks', 'executions', 'global'):
            continue  # read Mistral's database
        if not re.search(r'\b%s\(' % re.escape(name), exprs):
            missing.append('yaql:' + name)
    for name in jinja2.defaults.DEFAULT_FILTERS:
        if not re.search(r'\|\s*%s(?!\w)' % re.escape(name), exprs):
            missing.append('filter:' + name)
    for name in jinja2.defaults.DEFAULT_TESTS:
        if not re.search(r'\bis (not )?%s(?!\w)' % re.escape(name), exprs):
            missing.append('test:' + name)
    for name in jinja2.defaults.DEFAULT_NAMESPACE:
        if not re.search(r'\b%s\b' % re.escape(name), exprs):
            missing.append('global:' + name)
    return missing


def yaql_function_names():
    import logging
    import warnings
    warnings.filterwarnings('ignore')
    logging.disable(logging.CRITICAL)
    from mistral import config  # noqa: F401
    from oslo_config import cfg
    cfg.CONF([], project='mistral', default_config_files=[], default_config_dirs=[])
    from mistral.expressions import yaql_expression as ye
    names = set()
    c = ye.get_yaql_context({})
    while c is not None:
        names.update(getattr(c, '_functions', {}).keys())
        c = c.parent
    return sorted(names)


# a line that asks for gigabytes fails with MemoryError (a skip), not the machine
MEMORY_LIMIT = 1536 << 20


def run_oracle(python, oracle, lines, seeds):
    """Answers for every line, once per hash seed (the runs go in parallel)."""
    procs = []
    for seed in seeds:
        env = dict(os.environ, PYTHONHASHSEED=str(seed))
        procs.append(subprocess.Popen(
            [python, '-c', oracle_worker.code(oracle, MEMORY_LIMIT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env))
    import threading
    results = [None] * len(procs)

    def read(i, p):
        results[i] = [json.loads(x) for x in p.stdout]

    threads = [threading.Thread(target=read, args=(i, p)) for i, p in enumerate(procs)]
    for t in threads:
        t.start()
    for p in procs:
        p.stdin.write('\n'.join(lines) + '\n')
        p.stdin.close()
    for t, p in zip(threads, procs):
        t.join()
        if p.wait() != 0 or len(results[procs.index(p)]) != len(lines):
            sys.exit('oracle run failed')
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--oracle', default=DEFAULT_ORACLE)
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--out', default=os.path.join(HERE, '..', 'tests', 'expr_corpus',
                                                  'generated.jsonl'))
    ap.add_argument('--cases-only')
    a = ap.parse_args()
    yaql_cases()
    jinja_cases()
    miss = coverage()
    if miss:
        sys.exit('library names no line covers: %s' % ', '.join(miss))
    uniq, seen = [], set()
    for lang, cat, expr, ctx in CASES:
        key = json.dumps([expr, ctx], ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            uniq.append((lang, cat, expr, ctx))
    lines = [json.dumps({'expr': e, 'context': c}, ensure_ascii=False) for _, _, e, c in uniq]
    if a.cases_only:
        with open(a.cases_only, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        return
    first, second = run_oracle(a.python, a.oracle, lines, [1, 2])
    out, dropped = [], {'skip': 0, 'unstable': 0}
    for (lang, cat, expr, ctx), w1, w2 in zip(uniq, first, second):
        if 'skip' in w1 or 'skip' in w2:
            dropped['skip'] += 1
            continue
        if json.dumps(w1, sort_keys=True) != json.dumps(w2, sort_keys=True):
            dropped['unstable'] += 1
            continue
        digest = hashlib.sha1(json.dumps([expr, ctx], sort_keys=True).encode()).hexdigest()[:8]
        rec = {'id': lang[0] + digest, 'lang': lang, 'category': cat, 'expr': expr,
               'context': ctx}
        if 'error' in w1:
            err = w1['error']
            rec['error'] = {'kind': err['kind'], 'class': err['class'],
                            'message': err['message'][:200]}
        else:
            rec['result'] = w1['result']
            if w1['set']:
                rec['unordered'] = True
        out.append(rec)
    assert len({r['id'] for r in out}) == len(out), 'id collision'
    text = ''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in out)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, 'w', encoding='utf-8') as f:
        f.write(text)
    print('%d lines (%d yaql, %d jinja), %d bytes; dropped %s' % (
        len(out), sum(r['lang'] == 'yaql' for r in out), sum(r['lang'] == 'jinja' for r in out),
        len(text.encode()), dropped))


if __name__ == '__main__':
    main()
