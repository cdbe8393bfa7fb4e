#!/usr/bin/env python3
"""Random compositions of YAQL and Jinja constructs, for differential runs.

Writes JSONL lines {"lang", "category", "expr", "context"} (no expected
values): nested arithmetic and logic over the standard context, string
method chains, collection query chains over random integer lists, records
queries, Jinja filter chains and templates, inline interpolation. Feed the
output to /work/shared/mistral/diff_expr.py to find where bora and Mistral
disagree; lines worth keeping go to tests/expr_corpus/ with the oracle's
answer.

    python3 scripts/gen_compositions.py --seed 1 --count 2000 > cases.jsonl
"""
import argparse
import json
import random

STD = {
    'a': 1, 'b': 2.5, 'c': -3, 'z': 0, 'big': 12345678901234567890,
    's': 'Hello World', 'e': '', 'p': '  padded  ', 'csv': 'a,b,,c',
    'u': 'héllo wörld ✓ 日本', 't': True, 'f': False, 'n': None,
    'l': [3, 1, 2], 'nums': [5, 3, 8, 1, 9, 2, 8], 'fl': [1.5, 2.25, -0.5],
    'strs': ['pear', 'apple', 'fig'], 'mixed': [1, 'a', True, None, 2.5],
    'el': [], 'ed': {}, 'nested': [[1, 2], [3, [4, 5]], []],
    'd': {'x': 1, 'y': [1, 2], 'z': {'k': 'v', 'n': None}, 'w': 'str'},
    'kv': {'b': 2, 'a': 1, 'c': 3}, 'dash-key': 7, 'sp ace': 8,
}
STRS = ['Hello World', 'key=value', 'tab\\tsep', 'dots.and.more', '  spaced out  ',
        '日本語テキスト', 'UPPER lower', 'repeat repeat repeat', '123abc456',
        '2024-01-15', 'bob@x.org', 'x', '', '  ', 'MiXeD cAsE', 'one two three',
        'a,b,,c', 'héllo', 'Ünïcödé ß']
SUBS = ['l', 'o', ',', '.', ' ', 'x', '-', 'e', '1', 'ab', '日', '=', 'L', '']
BIGS = [2147483648, 9223372036854775808, 9007199254740993, 100000000000000000000,
        9223372036854775807, 4294967296]
NAMES = ['lu', 'oz', 'ivy', 'bob', 'ned', 'ann', 'cy', 'fay', 'pia', 'dee', 'hal']
DEPTS = ['eng', 'ops', 'hr', 'sales']

R = random.Random()


def ch(xs):
    return R.choice(xs)


def small_int():
    return str(R.randint(-25, 25))


def small_float():
    return ch(['%d.%s' % (R.randint(-15, 15), ch(['0', '5', '25', '75', '1', '3'])),
               '%.2f' % R.uniform(-1, 1)])


def num_lit():
    r = R.random()
    if r < 0.5:
        return small_int()
    if r < 0.85:
        return small_float()
    return str(ch(BIGS))


def str_lit():
    return "'" + ch(STRS) + "'"


# ---------------------------------------------------------------- nested data

KEYS = ['x', 'y', 'id', 'name', 'value', 'data', 'items', 'meta', 'tags', 'child', 'count', 'label',
        'keys', 'values', 'get']
WORDS = ['alpha', 'beta', 'gamma', 'delta', 'Echo', 'fox', 'golf', 'hôtel', 'india', 'JULIET', 'kilo',
         'lima', 'mü', '日本', '']


def rand_scalar():
    return ch([lambda: R.randint(-99, 999), lambda: R.randint(-400, 400) / 4, lambda: ch(WORDS),
               lambda: None, lambda: R.random() < 0.5])()


def rand_data(depth=0):
    r = R.random()
    if depth >= 3 or r < 0.4:
        return rand_scalar()
    if r < 0.65:
        return [rand_data(depth + 1) for _ in range(R.randint(0, 4))]
    return {k: rand_data(depth + 1) for k in R.sample(KEYS[:12], R.randint(1, 4))}


def rand_root():
    return {k: rand_data(1) for k in R.sample(KEYS[:12], R.randint(1, 5))}


def rand_path(ctx, lang):
    """A path into ctx, mostly existing, sometimes not."""
    cur = ctx
    out = ''
    for _ in range(R.randint(1, 4)):
        if isinstance(cur, dict) and cur and R.random() < 0.85:
            k = ch(list(cur))
        elif isinstance(cur, list) and cur and R.random() < 0.85:
            k = R.randint(-len(cur), len(cur) - 1)
        else:
            k = ch(KEYS + [0, -1, 3])
        if isinstance(k, int):
            out += '[%d]' % k
        elif R.random() < 0.25:
            out += "['%s']" % k
        elif R.random() < 0.1 and lang == 'yaql':
            out += '?.' + k
        else:
            out += '.' + k
        try:
            cur = cur[k]
        except Exception:
            cur = None
            break
    return out



Y_NUM_REF = ['$.a', '$.b', '$.c', '$.z', '$.big', '$.d.x', '$.l[0]', '$.nums[2]',
             '$.fl[1]', '$.l.len()', '$.nums.len()', '$.fl[2]', '$.nums.max()',
             '$.l.sum()', '$.fl.sum()', '$.nums.min()']
Y_STR_REF = ['$.s', '$.e', '$.u', '$.p', '$.csv', '$.d.w', '$.strs[0]', '$.d.z.k']


def y_atom():
    r = R.random()
    if r < 0.55:
        return num_lit()
    return ch(Y_NUM_REF)


def y_arith(depth=0):
    if depth > 2 or R.random() < 0.3:
        return y_atom()
    r = R.random()
    if r < 0.55:
        op = ch(['+', '-', '*', '/', 'mod', '+', '-', '*'])
        a, b = y_arith(depth + 1), y_arith(depth + 1)
        e = '%s %s %s' % (a, op, b)
        return '(%s)' % e if R.random() < 0.5 else e
    if r < 0.85:
        f = ch(['abs(%s)', 'min(%s, %s)', 'max(%s, %s)', 'pow(%s, %d)', 'round(%s)',
                'round(%s, %d)', 'float(%s)', 'int(%s)', 'sign(%s)', '-(%s)',
                'float(%s) / %s', 'int(%s) mod %s'])
        n = f.count('%s')
        args = [y_arith(depth + 1) for _ in range(n)]
        if '%d' in f:
            return f % (args[0], R.randint(0, 3))
        return f % tuple(args)
    return '(%s)' % y_arith(depth + 1)


def y_str(depth=0):
    base = ch([str_lit(), str_lit(), ch(Y_STR_REF)])
    for _ in range(R.randint(0, 3)):
        m = ch(['.toUpper()', '.toLower()', '.trim()', '.trimLeft()', '.trimRight()',
                ".replace('%s', '%s')" % (ch(SUBS), ch(SUBS)), '.substring(%s)' % R.randint(-4, 6),
                '.substring(%d, %d)' % (R.randint(-4, 6), R.randint(-2, 5)), '.norm()',
                " + '%s'" % ch(STRS), ' * %d' % R.randint(0, 2), '.trim(\'%s\')' % ch(SUBS),
                ".replace('%s', '%s', %d)" % (ch(SUBS), ch(SUBS), R.randint(-1, 2)),
                '.toCharArray().join(\'%s\')' % ch(SUBS), '.split(\'%s\').join(\'%s\')' % (ch(SUBS[:-1]), ch(SUBS)),
                '.reverse()' if False else '.toUpper()', '.concat(\'%s\')' % ch(SUBS)])
        if m.startswith(' '):
            base = '(%s%s)' % (base, m)
        else:
            base = base + m if not base.endswith(')') or base.startswith("'") or base.startswith('$') else '(%s)%s' % (base, m)
    return base


def y_str_value():
    s = y_str()
    m = ch(['', '.len()', ".indexOf('%s')" % ch(SUBS), ".lastIndexOf('%s')" % ch(SUBS),
            ".startsWith('%s')" % ch(SUBS), ".endsWith('%s')" % ch(SUBS), '.isEmpty()',
            ".split('%s')" % ch(SUBS[:-1]), '.split()', '.toCharArray()', ".contains('%s')" % ch(SUBS),
            ".indexOf('%s', %d)" % (ch(SUBS), R.randint(-2, 5)), '.characters()' if False else '.len()',
            ".split('%s', %d)" % (ch(SUBS[:-1]), R.randint(-1, 2)), ".rightSplit('%s', 1)" % ch(SUBS[:-1]),
            '.toCharArray().reverse()', ".split('%s').where($ != '')" % ch(SUBS[:-1]),
            '.isUpper()' if False else '.toUpper()', ".matches('%s')" % ch(['^H', '[a-z]+', '\\\\d', '^$', '.*']),
            ".format()" if False else ''])
    return s + m


def y_cmp():
    r = R.random()
    if r < 0.55:
        return '%s %s %s' % (y_arith(1), ch(['<', '>', '<=', '>=', '=', '!=']), y_arith(1))
    if r < 0.75:
        return '%s %s %s' % (ch([str_lit(), ch(Y_STR_REF)]), ch(['<', '>', '=', '!=', '<=']),
                             ch([str_lit(), ch(Y_STR_REF)]))
    if r < 0.9:
        return '%s in [%s]' % (y_atom(), ', '.join(small_int() for _ in range(R.randint(0, 4))))
    return '%s =~ \'%s\'' % (ch([str_lit(), ch(Y_STR_REF)]), ch(['^h', 'o', '\\\\d+', '^$', '[A-Z]', 'l+']))


def y_logic(depth=0):
    if depth > 2 or R.random() < 0.35:
        r = R.random()
        if r < 0.6:
            return y_cmp()
        if r < 0.8:
            return '(%s)' % ch(['$.t', '$.f', '$.n', '$.z', '$.s', '$.e', '$.a', '$.el', '$.l'])
        return '(%s(%s))' % (ch(['isNumber', 'isString', 'isInteger', 'isList' if False else 'isNumber']), y_atom())
    r = R.random()
    if r < 0.7:
        a, b = y_logic(depth + 1), y_logic(depth + 1)
        e = '%s %s %s' % (a, ch(['and', 'or']), b)
        return '(%s)' % e if R.random() < 0.5 else e
    return 'not (%s)' % y_logic(depth + 1)


def y_value():
    return ch([y_arith, y_str, y_logic, lambda: ch(['$.l', '$.fl', '$.mixed', '$.d', '$.kv', '$.n', 'null',
                                                    '$.strs', '[1, 2]', '{a => 1}', '$.t', '$.nested'])])()


def y_branch():
    r = R.random()
    if r < 0.35:
        n = R.randint(1, 3)
        return 'switch(%s)' % ', '.join('%s => %s' % (y_logic(1), y_value()) for _ in range(n))
    if r < 0.6:
        return 'selectCase(%s).switchCase(%s)' % (
            ', '.join(y_logic(1) for _ in range(R.randint(1, 3))),
            ', '.join(str_lit() for _ in range(R.randint(1, 4))))
    if r < 0.75:
        return 'coalesce(%s)' % ', '.join(ch(['null', '$.n', y_value()]) for _ in range(R.randint(1, 3)))
    if r < 0.9:
        return '(%s) and %s or %s' % (y_logic(1), y_value(), y_value())
    return '%s.switch($ > %s => %s, true => %s)' % (y_atom(), small_int(), y_value(), y_value())


def rand_xs():
    return [R.randint(-5, 20) for _ in range(R.randint(0, 9))]


def y_lam_pred():
    return ch(['$ > %d' % R.randint(-3, 15), '$ < %d' % R.randint(-3, 15), '$ mod 2 = 0',
               '$ mod 3 = 1', '$ != %d' % R.randint(0, 10), '$ in $ys' if False else '$ >= 0',
               'not $ > %d' % R.randint(0, 9), '$ * 2 > %d' % R.randint(0, 20)])


def y_lam_map():
    return ch(['$ * %d' % R.randint(-2, 8), '$ + %d' % R.randint(-3, 7), '$ - %s' % small_int(), '-$',
               'abs($)', '$ / 2', '$ * 1.5', 'str($)', '[$, $ * 2]', '$ > %d' % R.randint(0, 9),
               '$ mod 3', 'float($)', '{v => $}', '$ * $'])


def y_query_chain(src):
    e = src
    for _ in range(R.randint(1, 4)):
        m = ch(['.where(%s)' % y_lam_pred(), '.select(%s)' % y_lam_map(), '.orderBy($)',
                '.orderBy(-$)', '.orderByDescending($)', '.distinct()', '.skip(%d)' % R.randint(0, 4),
                '.take(%d)' % R.randint(0, 5), '.limit(%d)' % R.randint(-1, 5),
                '.skipWhile(%s)' % y_lam_pred(), '.takeWhile(%s)' % y_lam_pred(), '.reverse()',
                '.append(%s)' % small_int(), '.concat($.ys)', '.toList()', '.slice(%d)' % R.randint(1, 3),
                '.accumulate($1 + $2)', '.memorize()', '.enumerate()' if False else '.toList()',
                '.select($ mod 3)', '.where($ mod 2 = 1)', '.zip($.ys)' if False else '.distinct()',
                '.indexOf(%d)' % R.randint(0, 9) if False else '.where($ < 10)'])
        e += m
    e += ch(['', '', '.len()', '.sum()', '.sum(0)', '.max(0)', '.min(0)', '.max()', '.first()', '.first(null)',
             '.last()', '.last(-1)', '.count()', '.any()', '.all($ > %d)' % R.randint(-2, 5),
             '.contains(%d)' % R.randint(0, 9), '.indexOf(%d)' % R.randint(0, 9), '.toSet().len()',
             '.aggregate($1 + $2, 0)', '.aggregate($1 * $2)', '.single()', '.join(\',\')' if False else '.len()',
             '.average()' if False else '.sum(0)', '.isEmpty()' if False else '.any()',
             '.groupBy($ mod 2)', '.groupBy($ mod 3, $).orderBy($[0])', '.sequence()' if False else '',
             '.flatten()', '.select(str($)).join(\'-\')' if False else '.count()', '.len() > %d' % R.randint(0, 5),
             '.sum() / max(1, $.xs.len())', '.orderBy($).first(null)'])
    return e


def y_xs():
    src = ch(['$.xs', '$.ys', '$.xs', '[%s]' % ', '.join(str(x) for x in rand_xs()),
              'range(%d, %d)' % (R.randint(-3, 3), R.randint(0, 12)), '$.xs.concat($.ys)'])
    e = y_query_chain(src)
    if R.random() < 0.15:
        e = 'let(k => $.k, ys => $.ys) -> %s' % e.replace('$.ys', '$ys')
    return e


def rand_people():
    ps = []
    for _ in range(R.randint(0, 5)):
        ps.append({'name': ch(NAMES), 'age': R.randint(18, 60), 'dept': ch(DEPTS),
                   'active': R.random() < 0.5, 'score': R.randint(0, 40) / 4,
                   'tags': sorted(R.sample(['a', 'b', 'c', 'd'], R.randint(0, 3))),
                   'manager': ch([None, 'cy', 'dee', 'bob'])})
    return {'people': ps, 'min_age': R.randint(18, 55), 'depts': R.sample(DEPTS, 2)}


def y_people():
    e = '$.people'
    for _ in range(R.randint(1, 4)):
        e += ch(['.where($.active)', '.where(not $.active)', ".where($.dept = '%s')" % ch(DEPTS),
                 '.where($.age > %d)' % R.randint(18, 50), '.where($.manager = null)',
                 '.where($.manager != null)', ".where('a' in $.tags)", '.where($.tags.len() > 0)',
                 ".where($.name.startsWith('%s'))" % ch('abcdilno'), '.orderBy($.age)',
                 '.orderBy($.name)', '.orderByDescending($.score)', '.orderBy($.dept).thenByDescending($.age)',
                 '.orderBy($.age).thenBy($.name)', '.skip(1)', '.take(2)', '.reverse()', '.distinct($.dept)',
                 '.where($.score >= %s)' % (R.randint(0, 40) / 4)])
    e += ch(['.name', '.select($.name)', '.select($.age).sum()', '.select($.score).max()', '.first(null)',
             '.first().name', '.last().age', '.len()', '.select([$.name, $.score])',
             '.select({n => $.name, d => $.dept})', '.groupBy($.dept, $.name)', '.selectMany($.tags).distinct()',
             '.select(coalesce($.manager, \'-\'))', '.select($.manager?.toUpper())', '.all($.active)',
             '.any($.active)', '.name.join(\',\')', '.select($.tags.join(\'+\'))', '.select($.score * 2)',
             '.select(str($.age) + \'y\')', '.groupBy($.active, $.name, $.len())', '.select($.age).orderBy($)',
             '.select($.tags.len()).sum()', '.tags', '.select($.age).average()' if False else '.select($.age)',
             '.toDict($.name, $.age)', '.select($.score).sum() / max(1, $.len())'])
    if R.random() < 0.2:
        e = 'let(m => $.min_age, ds => $.depts) -> ' + e.replace('.skip(1)', '.where($.age >= $m)')
    return e


def y_dicts():
    return ch(['$.kv', '$.d', '$.ed', '{a => 1, b => [2]}', '$.d.z']) + ch([
        '.keys()', '.values()', '.len()', ".get('%s')" % ch('abxyzk'), ".get('%s', %s)" % (ch('abxq'), y_atom()),
        ".set('%s', %s)" % (ch('abq'), y_value()), ".delete('%s')" % ch('abxq'), '.containsKey(\'a\')',
        '.containsValue(%s)' % y_atom(), '.mergeWith({a => %s})' % y_atom(), '.items().orderBy($[0])',
        '.keys().orderBy($)', '.values().len()', ".mergeWith($.kv)", '.toList()' if False else '.values()',
        '.select($)' if False else '.keys().len()'])


def y_inline():
    parts = [ch(['', 'Result: ', 'x ', '[', '→ ', 'pre '])]
    for _ in range(R.randint(1, 3)):
        parts.append('<% ' + ch([y_arith, y_logic, y_str, y_branch, y_value, y_str_value,
                                 lambda: ch(['$.fl', '$.d', '$.l', '$.mixed', '$.kv', '$.nested', '$.n',
                                             '$.big', '$.b', '$.t', '$.kv.keys()', '$.strs', '$.u',
                                             '1e20', '1.0e16', '0.1', '1/3.0', '-0.0', '2.5e-5',
                                             '$.l.toSet()', '[1, [2, 3]]', '{a => [1, null]}',
                                             '[true, null, 1.5]', "['a', \"b'c\"]", "'it''s'"])])() + ' %>')
        parts.append(ch([' ', ' x ', '] ', ' end ', '', '! ', ' → ']))
    return ''.join(parts)


def y_nav():
    ctx = rand_root()
    p = '$' + rand_path(ctx, 'yaql')
    tail = ch(['', '', '', '.len()', ".get('%s')" % ch(KEYS), ".get('%s', 'd')" % ch(KEYS), '.keys().orderBy($)',
               '.values().len()', '.values()', '.count()', '.first()', ' = null', " + 'x'", '.toUpper()', '.isEmpty()',
               '.select($)', ".containsKey('%s')" % ch(KEYS), '?.x', '[0]', '.items().orderBy($[0])', '.sum()',
               '.where($ != null)', '.distinct()', '.reverse()', ' * 2'])
    if R.random() < 0.1:
        p = ch(['$?.%s' % ch(KEYS), "$['%s']" % ch(KEYS)])
    return ctx, p + tail


def y_dicts_rand():
    ctx = {'m': {k: rand_data(2) for k in R.sample(KEYS, R.randint(0, 5))},
           'o': {k: rand_data(2) for k in R.sample(KEYS, R.randint(0, 3))}}
    k = ch(KEYS)
    e = ch(['$.m.mergeWith($.o)', '$.o.mergeWith($.m)', '$.m.keys().orderBy($)', "$.m.containsKey('%s')" % k,
            '$.m.%s' % k, '$.m.containsValue(%s)' % ch(['0', '8.25', 'null', "'fox'", 'true']), '$.m?.%s' % k,
            "$.m.set('%s', 1)" % k, '$.m.set($.o)', "{'x' => $.m.len(), 'other' => $.o.len()}",
            "$.m.get('%s')" % k, "$.m.delete('%s')" % k, "$.m.get('%s', 0)" % k, '$.m.values().len()',
            "$.m['%s']" % k, '$.m.len() + $.o.len()', '$.m.keys().concat($.o.keys()).distinct().orderBy($)',
            "$.m.set('%s', $.o).%s" % (k, k), '$.m.items().orderBy($[0]).select($[0])', '$.m.values()',
            '$.m = $.o', '$.m.mergeWith($.o).keys().orderBy($)', "$.m.delete('%s', '%s')" % (k, ch(KEYS)),
            '$.m.toList()' if False else '$.m.select($)', "$.m.keys().where($.startsWith('%s'))" % k[0],
            '$.m.items', '$.m.keys', '$.m.values'])
    return ctx, e


MISC_VALUES = ['1', '-3', '0', '2.5', '-0.0', '1e16', '0.1 + 0.2', '12345678901234567890', '9007199254740993',
               "'abc'", "''", "'Ünïcödé ß'", "'ok 😀 done'", "'日本語'", "' 42 '", "'3.5'", 'true', 'false', 'null',
               '[3, 1, 2]', '[]', "['b', 'A', 'c']", '[1, [2, 3]]', "[1, 'a', null]", '[2.5, 1]', '{a => 1, b => 2}',
               '{}', '$.l', '$.strs', '$.mixed', '$.d', '$.kv', '$.fl', '$.nested', '$.u', '$.big', '$.n']
Y_FUNCS = ['str(%s)', 'int(%s)', 'float(%s)', 'len(%s)', '%s.len()', 'abs(%s)', 'round(%s)', 'round(%s, 2)',
           '%s.toUpper()', '%s.toLower()', 'isString(%s)', 'isInteger(%s)', 'bool(%s)', '%s.sum()', '%s.max()',
           '%s.min()', '%s.first(null)', '%s.last(null)', '%s.reverse()', "%s.join(',')", "','.join(%s)",
           "%s.split(',')", '%s.keys()', '%s.values()', '%s.flatten()', '%s.distinct()', '%s.orderBy($)',
           '%s.toList()', '%s.count()', '%s.any()', '%s.all()', '%s.select($)', '%s.where($)', 'not %s',
           '-%s', '%s + %s', '%s * 2', '%s = %s', '%s < %s', '%s in %s', '%s.contains(1)', '%s.indexOf(1)',
           '%s.isEmpty()', 'concat(%s, %s)', '%s.trim()', '%s.toCharArray()', 'list(%s)', 'dict(%s)',
           '%s.sequence()' if False else 'coalesce(%s, 1)', '%s.enumerate().toList()' if False else '%s.memorize()',
           '%s.skip(1)', '%s[0]', '%s[-1]', '%s.get(0)' if False else "%s.get('a')", 'json_dump(%s)',
           'yaml_dump(%s)', 'str(%s) + str(%s)', '%s / 2', '%s mod 3', 'max(%s, %s)', 'min(%s, 1)',
           'float(%s) * 2', 'int(%s) + 1', '%s.format()' if False else 'str(%s).len()']


def y_misc():
    e = ch(MISC_VALUES)
    for _ in range(R.randint(1, 3)):
        f = ch(Y_FUNCS)
        e = f % tuple([e] + [ch(MISC_VALUES) for _ in range(f.count('%s') - 1)])
    return e


def gen_yaql():
    cat = ch(['misc'] * 4 + ['navigation'] * 4 + ['dicts'] * 2 + ['arithmetic'] * 6 + ['logic'] * 4 + ['strings'] * 4 + ['branching'] * 2 + ['collections'] * 6 +
             ['people'] * 3 + ['dicts'] * 2 + ['inline'] * 3 + ['conversions', 'regex', 'chained', 'lambdas'])
    ctx = STD
    if cat == 'misc':
        e = y_misc()
        if R.random() < 0.3:
            return cat, ch(['x <% ', '<% ']) + e + ' %>' + ch([' y', '', ' <% ' + y_misc() + ' %>']), ctx
        return cat, '<% ' + e + ' %>', ctx
    if cat == 'navigation':
        ctx, e = y_nav()
        return cat, '<% ' + e + ' %>', ctx
    if cat == 'dicts' and R.random() < 0.6:
        ctx, e = y_dicts_rand()
        return cat, '<% ' + e + ' %>', ctx
    if cat == 'arithmetic':
        e = y_arith()
    elif cat == 'logic':
        e = y_logic()
    elif cat == 'strings':
        e = y_str_value()
    elif cat == 'branching':
        e = y_branch()
    elif cat == 'collections':
        ctx = {'xs': rand_xs(), 'k': R.randint(-2, 10), 'ys': rand_xs()}
        e = y_xs()
    elif cat == 'people':
        ctx = rand_people()
        e = y_people()
    elif cat == 'dicts':
        e = y_dicts()
    elif cat == 'inline':
        return 'inline', y_inline(), ctx
    elif cat == 'conversions':
        e = ch(['str(%s)', 'int(%s)', 'float(%s)', 'isString(%s)', 'isNumber(%s)', 'bool(%s)',
                'str(%s).len()', 'float(str(%s))', 'int(str(%s))' if False else 'str(%s) + \'!\''
                ]) % ch([y_arith(1), y_str(), y_logic(2), "'%s'" % ch(['42', ' 42 ', '-3', '1_000', '2.5', 'true',
                                                                      '', '1e3', 'nan', '0x1F', ' -0 ']),
                        '$.l', '$.d', '$.n', '$.fl', '$.mixed', '$.t', '$.kv.keys()'])
    elif cat == 'regex':
        e = ch(["regex('%s').%s" % (ch(['\\\\d+', '[A-Z]', 'o', '^h', '(\\\\w)(\\\\w)', '.*', '\\\\s', 'l+']),
                                   ch(["matches(%s)", "search(%s)", "searchAll(%s)", "replace(%s, '_')",
                                       "replace(%s, '_', 1)", "split(%s)"]) % ch([str_lit(), ch(Y_STR_REF)])),
                "%s.replaceBy(regex('%s'), $.value.toUpper())" % (ch([str_lit(), ch(Y_STR_REF)]), ch(['o', 'l+', '[a-z]'])),
                "%s =~ '%s'" % (y_str(), ch(['^H', 'o', '\\\\d', 'ß'])),
                "%s.split(regex('%s'))" % (ch([str_lit(), ch(Y_STR_REF)]), ch(['[,=]', '\\\\s+', 'o']))])
    elif cat == 'chained':
        e = ch(['$.strs', '$.nums', '$.fl', '$.mixed', '$.l', "$.s.split(' ')", "$.csv.split(',')"]) + \
            y_query_chain('')[0:0] + ch(['.select($)', '.where($ != null)', '.orderBy($)']) + \
            ch(['.first()', '.len()', '.select(str($)).join(\',\')', '.orderBy(str($)).first()',
                '.where(isNumber($)).sum()', '.select(isString($))', '.toSet().len()'])
    else:
        xs = ', '.join(str(x) for x in rand_xs())
        e = ch(['[%s].select(let(v => $) -> $v %s %s)' % (xs, ch(['+', '-', '*', 'mod']), small_int()),
                'let(xs => [%s]) -> $xs.where($ > %s).len() + $xs.len()' % (xs, small_int()),
                'def(f, $ * %d + %d) -> [%s].select(f($))' % (R.randint(-3, 3), R.randint(-3, 6), xs),
                '[%s].aggregate($1 %s $2, %s)' % (xs, ch(['+', '-', '*']), small_int()),
                'let(n => %s) -> [%s].where($ > $n)' % (small_int(), xs),
                '[%s].select(switch($ > %d => $ * 2, true => $))' % (xs, R.randint(-2, 8)),
                'let(a => %s, b => %s) -> $a %s $b' % (y_atom(), y_atom(), ch(['+', '*', '/', 'mod', '-'])),
                '[%s].where($ mod 2 = 0).aggregate($1 + $2, 0) -> $ * 2' % xs])
    return cat, '<% ' + e + ' %>', ctx


# ---------------------------------------------------------------- Jinja

J_NUM_REF = ['_.a', '_.b', '_.c', '_.z', '_.big', '_.d.x', '_.l[0]', '_.nums[2]', '_.fl[1]',
             '(_.l | length)', '(_.nums | max)', '(_.fl | sum)', '_.fl[2]']
J_STR_REF = ['_.s', '_.e', '_.u', '_.p', '_.csv', '_.d.w', '_.strs[0]']


def j_atom():
    return num_lit() if R.random() < 0.55 else ch(J_NUM_REF)


def j_arith(depth=0):
    if depth > 2 or R.random() < 0.3:
        return j_atom()
    r = R.random()
    if r < 0.55:
        op = ch(['+', '-', '*', '/', '//', '%', '**', '+', '-', '*'])
        a, b = j_arith(depth + 1), j_arith(depth + 1)
        if op == '**':
            b = str(R.randint(0, 3))
        e = '%s %s %s' % (a, op, b)
        return '(%s)' % e if R.random() < 0.5 else e
    if r < 0.85:
        f = ch(['(%s | abs)', '(%s | int)', '(%s | float)', '(%s | round)', '(%s | round(1))',
                "(%s | round(0, 'floor'))", "(%s | round(1, 'ceil'))", '([%s, %s] | max)', '([%s, %s] | min)',
                '-(%s)', '([%s, %s] | sum)', '(%s | string | length)'])
        n = f.count('%s')
        return f % tuple(j_arith(depth + 1) for _ in range(n))
    return '(%s)' % j_arith(depth + 1)


def j_str():
    base = ch([str_lit(), str_lit(), ch(J_STR_REF)])
    for _ in range(R.randint(0, 3)):
        m = ch(['.upper()', '.lower()', '.strip()', '.title()', '.capitalize()', ".replace('%s', '%s')" % (ch(SUBS), ch(SUBS)),
                '[%d:%d]' % (R.randint(-4, 4), R.randint(-3, 8)), '[::%d]' % ch([1, 2, -1, 3]), ".lstrip()",
                ".rstrip('%s')" % ch(SUBS), '.zfill(%d)' % R.randint(0, 12), '.swapcase()', ".center(%d)" % R.randint(0, 16),
                ' | upper', ' | lower', ' | title', ' | capitalize', ' | trim', ' | reverse', " | replace('%s', '%s')" % (ch(SUBS), ch(SUBS)),
                ' | truncate(%d)' % R.randint(3, 20), ' | center(%d)' % R.randint(0, 20), " ~ '%s'" % ch(STRS),
                ' | string', " + '%s'" % ch(STRS), ' * %d' % R.randint(0, 2), ' | wordwrap(%d)' % R.randint(3, 12),
                ' | indent(%d)' % R.randint(0, 4), ' | striptags', ' | escape', ' | urlencode', ' | e'])
        if m.startswith(' '):
            base = '(%s%s)' % (base, m)
        else:
            base = base + m
    return base


def j_str_value():
    return j_str() + ch(['', '', ' | length', ".split('%s')" % ch(SUBS[:-1]), '.split()', ".find('%s')" % ch(SUBS),
                         ".count('%s')" % ch(SUBS), ".startswith('%s')" % ch(SUBS), ".endswith('%s')" % ch(SUBS),
                         ' | list', ' | first', ' | last', ' | wordcount', ".rsplit('%s', 1)" % ch(SUBS[:-1]),
                         '.isdigit()', '.isalpha()', '.islower()', '.isupper()', ".partition('%s')" % ch(SUBS[:-1]),
                         '.splitlines()', ' | unique | list', ' | sort | join', ' | tojson', ".index('%s')" % ch(SUBS),
                         ' | int', ' | float', ".format(1)", ' | format', ".join(['a', 'b'])", ".split('%s') | unique | list" % ch(SUBS[:-1])])


def j_cmp():
    r = R.random()
    if r < 0.5:
        return '%s %s %s' % (j_arith(1), ch(['<', '>', '<=', '>=', '==', '!=']), j_arith(1))
    if r < 0.7:
        return '%s %s %s' % (ch([str_lit(), ch(J_STR_REF)]), ch(['<', '>', '==', '!=']), ch([str_lit(), ch(J_STR_REF)]))
    if r < 0.85:
        return '%s in [%s]' % (j_atom(), ', '.join(small_int() for _ in range(R.randint(0, 4))))
    return '%s is %s' % (j_atom(), ch(['number', 'string', 'none', 'integer', 'float', 'odd', 'even', 'gt(2)',
                                       'divisibleby(3)', 'defined', 'sequence', 'boolean', 'lt 3', 'sameas 1',
                                       'true', 'false', 'iterable', 'mapping', 'eq(1)', 'ne 0']))


def j_logic(depth=0):
    if depth > 2 or R.random() < 0.35:
        r = R.random()
        if r < 0.65:
            return j_cmp()
        return '(%s)' % ch(['_.t', '_.f', '_.n', '_.z', '_.s', '_.e', '_.a', '_.el', '_.l', 'true', 'none'])
    r = R.random()
    if r < 0.7:
        e = '%s %s %s' % (j_logic(depth + 1), ch(['and', 'or']), j_logic(depth + 1))
        return '(%s)' % e if R.random() < 0.5 else e
    return 'not (%s)' % j_logic(depth + 1)


def j_value():
    return ch([j_arith, j_str, j_logic, lambda: ch(['_.l', '_.fl', '_.mixed', '_.d', '_.kv', '_.n', 'none',
                                                    '_.strs', '[1, 2]', "{'a': 1}", '(1, 2)', '_.nested', '_.t'])])()


def j_list_chain(src):
    e = src
    for _ in range(R.randint(1, 4)):
        e += ch([" | select('%s')" % ch(['odd', 'even', 'number']), " | select('%s', %d)" % (ch(['gt', 'lt', 'ge', 'ne', 'divisibleby', 'eq']), R.randint(1, 10)),
                 " | reject('%s', %d)" % (ch(['gt', 'lt', 'le', 'eq']), R.randint(0, 10)), ' | sort', ' | sort(reverse=true)',
                 ' | unique', ' | reverse', " | map('abs')", " | map('string')", " | map('float')", " | map('int')",
                 ' | list', ' | batch(%d) | map(\'sum\')' % R.randint(1, 4), ' | slice(%d) | map(\'length\')' % R.randint(1, 3),
                 " | map('round')"])
    e += ch([' | list', ' | list', ' | sum', ' | sum(start=%d)' % R.randint(-3, 5), ' | max', ' | min', ' | first',
             ' | last', ' | length', ' | count', " | join(',')", ' | join', ' | tojson', ' | list | string',
             ' | random is number', ' | batch(2) | list', ' | slice(2) | list', ' | sort | first'])
    return e


def j_records():
    e = '_.people'
    for _ in range(R.randint(1, 4)):
        e += ch([" | selectattr('active')", " | rejectattr('active')", " | selectattr('manager', 'none')",
                 " | rejectattr('manager', 'none')", " | selectattr('age', 'gt', %d)" % R.randint(18, 55),
                 " | selectattr('age', 'ge', _.min_age)", " | selectattr('dept', 'in', _.depts)",
                 " | rejectattr('dept', 'in', _.depts)", " | selectattr('dept', 'eq', '%s')" % ch(DEPTS),
                 " | sort(attribute='age')", " | sort(attribute='score')", " | sort(attribute='dept,age')",
                 " | sort(attribute='name', reverse=true)", " | unique(attribute='dept')", " | selectattr('tags')",
                 " | selectattr('age', 'odd')", ' | reverse'])
    e += ch([" | map(attribute='name') | list", " | map(attribute='name') | join(',')", ' | list | length',
             " | sum(attribute='score')", " | sum(attribute='age')", " | max(attribute='age')", " | min(attribute='score')",
             " | groupby('dept') | map(attribute='grouper') | list", " | groupby('dept') | map('last') | map('length') | list",
             " | map(attribute='tags.0') | list", " | map(attribute='missing', default='?') | list", ' | tojson',
             " | map(attribute='score') | sum / (_.people | length or 1)", " | groupby('active') | list | length",
             " | map(attribute='age') | unique | list", " | first", " | map(attribute='manager') | list",
             " | groupby('dept') | map('first') | list", " | items | list" if False else " | list | count",
             " | map(attribute='tags') | sum(start=[])", " | selectattr('manager') | map(attribute='manager') | unique | list"])
    return '{{ ' + e + ' }}'


def j_template(ctx_kind):
    if ctx_kind == 'people':
        loops = ['_.xs', '_.xs | sort', '_.xs | reverse', '_.people', "_.people | sort(attribute='age')"]
    else:
        loops = ['_.l', '_.nums', '_.strs', '_.fl', '_.kv', '_.kv.items()', '_.nested', '_.mixed', '_.el']
    src = ch(loops)
    item = 'x'
    body_vals = ['{{ x }}', '{{ loop.index }}={{ x }}', '{{ loop.index0 }}', "{{ loop.cycle('odd', 'even') }}",
                 '{{ x | string }}', "{{ '%03d' | format(x) if x is number else x }}", '{{ loop.revindex }}',
                 '{{ loop.length }}', '{{ x if x is number and x > 3 else \'-\' }}', '{{ loop.first }}',
                 '{{ loop.last }}', '{{ loop.previtem }}', '{{ loop.nextitem }}', '{{ loop.depth }}',
                 '{{ x.name if x is mapping else x }}', '{{ x | tojson }}', '{{ x is even if x is number else x }}']
    sep = ch(['', ' ', ',', '\n', '{% if not loop.last %}, {% endif %}', '{% if not loop.last %}\n{% endif %}'])
    ws = ch(['', '-'])
    ws2 = ch(['', '-'])
    filt = ch(['', ' if x', ' if x is number and x > %d' % R.randint(0, 8), ' if x is not none'])
    body = ch(body_vals) + sep
    els = ch(['', '{% else %}none'])
    t = '{%' + ws + ' for x in ' + src + filt + ' ' + ws2 + '%}' + body + els + '{%' + ws + ' endfor ' + ws2 + '%}'
    pre = ch(['', 'a\n', 'Title: {{ _.title }}\n' if ctx_kind == 'people' else 'S: {{ _.s }}\n', '  ', 'x '])
    post = ch(['', '\nb', ' end', '\n', '{{ _.n }}'])
    r = R.random()
    if r < 0.15:
        t = '{% set ns = namespace(t=0) %}{% for x in _.' + ch(['l', 'nums', 'fl']) + \
            ' %}{% set ns.t = ns.t ' + ch(['+', '*', '-']) + ' x %}{% endfor %}{{ ns.t }}'
    elif r < 0.25:
        t = '{% if ' + j_logic(1) + ' %}' + ch(['yes', '{{ _.a }}', '{{ _.s }}']) + '{% elif ' + j_logic(1) + \
            ' %}mid{% else %}' + ch(['no', '{{ _.b }}']) + '{% endif %}'
    elif r < 0.32:
        t = '{% set v = ' + j_value() + ' %}' + ch(['{{ v }}', '[{{ v }}]', '{{ v | string }}', '{{ v | tojson }}'])
    elif r < 0.38:
        t = '{% filter ' + ch(['upper', 'lower', 'title', 'trim', 'center(20)', 'replace("l", "L")']) + ' %}' + t + \
            '{% endfilter %}'
    elif r < 0.43:
        t = '{% for k, v in _.kv | dictsort %}{{ k }}={{ v }}{{ loop.index }};{% endfor %}'
    elif r < 0.48:
        t = '{% for g in ' + ('_.people' if ctx_kind == 'people' else '_.nums') + ' | groupby(' + \
            ("'dept'" if ctx_kind == 'people' else "'real'") + ') %}{{ g.grouper }}:{{ g.list | length }} {% endfor %}'
    return pre + t + post


def j_inline():
    parts = [ch(['', 'Result: ', 'x ', '[', '→ ', 'pre '])]
    for _ in range(R.randint(1, 3)):
        parts.append('{{ ' + ch([j_arith, j_logic, j_str, j_value, j_str_value,
                                 lambda: ch(['_.fl', '_.d', '_.l', '_.mixed', '_.kv', '_.nested', '_.n', '_.big',
                                             '_.b', '_.t', '_.strs', '_.u', '1e20', '1.0e16', '0.1', '1/3',
                                             '-0.0', '2.5e-5', '(1, 2)', "{'a': [1, none]}", '[true, none, 1.5]',
                                             "['a', \"b'c\"]", '_.kv.items()', '_.kv.keys()', '_.d.z',
                                             '1e100', '10 ** 20', '2 ** 64 / 3', '_.big * 1.0', 'none'])])() + ' }}')
        parts.append(ch([' ', ' x ', '] ', ' end ', '', '! ', ' → ']))
    return ''.join(parts)


def j_nav():
    ctx = rand_root()
    if R.random() < 0.2:
        ctx = {'m': {k: rand_data(2) for k in R.sample(KEYS, R.randint(0, 5))}}
        k = ch(KEYS)
        return ctx, '{{ ' + ch(['_.m.%s' % k, "_.m['%s']" % k, '_.m.%s()' % ch(['keys', 'values', 'items']),
                               "_.m.get('%s')" % k, "_.m.get('%s', 0)" % k, "_.m | dictsort", '_.m | list',
                               "_.m.%s is defined" % k, "_.m | length", "'%s' in _.m" % k, '_.m.items() | list',
                               "_.m | tojson", '_.m.values() | list', "_.m.%s | default('d')" % k]) + ' }}'
    p = '_' + rand_path(ctx, 'jinja')
    tail = ch(['', '', '', ' | length', " | default('dflt')", ' is defined', ' | tojson', ' | string', ' | list',
               ' | first', ' | last', ' is none', ' | upper', " ~ 'x'", ' | sort', ' is mapping', ' | count',
               ' | join(\',\')', ' | dictsort', ' is string', '.keys() | list', ' | int', ' | float'])
    return ctx, '{{ ' + p + tail + ' }}'


J_MISC_VALUES = ['1', '-3', '0', '2.5', '-0.0', '1e16', '0.1 + 0.2', '12345678901234567890', '9007199254740993',
                 "'abc'", "''", "'Ünïcödé ß'", "'ok 😀 done'", "'日本語'", "' 42 '", "'3.5'", 'true', 'false',
                 'none', '[3, 1, 2]', '[]', "['b', 'A', 'c']", '[1, [2, 3]]', "[1, 'a', none]", '[2.5, 1]',
                 "{'a': 1, 'b': 2}", '{}', '_.l', '_.strs', '_.mixed', '_.d', '_.kv', '_.fl', '_.nested', '_.u',
                 '_.big', '_.n', '(1, 2)', "'a<b>&c'", "'10%'", "'x\\ny'"]
J_FILTERS = ['abs', 'int', 'float', 'round', 'round(1)', 'string', 'length', 'first', 'last', 'list', 'sort',
             'unique | list', 'reverse | list', 'join', "join(', ')", 'sum', 'min', 'max', 'upper', 'lower', 'title',
             'capitalize', 'trim', 'center(9)', 'truncate(5)', 'truncate(5, true)', 'wordcount', 'tojson',
             'dictsort', 'batch(2) | list', 'slice(2) | list', "default('x')", 'default(1, true)', 'filesizeformat',
             'filesizeformat(true)', 'urlencode', 'escape', 'striptags', 'pprint', 'format', 'items | list',
             "replace('a', 'b')", 'indent(2)', 'e', 'string | length', "map('string') | list", 'select | list',
             "reject('none') | list", 'bool' if False else 'float | int', 'int(3)', "int(base=16)", 'round(0, "ceil")']


def j_misc():
    e = ch(J_MISC_VALUES)
    for _ in range(R.randint(1, 3)):
        r = R.random()
        if r < 0.7:
            e = '(%s) | %s' % (e, ch(J_FILTERS))
        elif r < 0.85:
            e = '(%s) %s (%s)' % (e, ch(['+', '-', '*', '/', '//', '%', '~', '==', '<', 'in', 'and', 'or']),
                                  ch(J_MISC_VALUES))
        else:
            e = '(%s) is %s' % (e, ch(['number', 'string', 'sequence', 'mapping', 'iterable', 'none', 'defined',
                                       'integer', 'float', 'true', 'false', 'boolean', 'lower', 'upper', 'escaped']))
    return e


def gen_jinja():
    cat = ch(['misc'] * 4 + ['navigation'] * 4 + ['arithmetic'] * 5 + ['logic'] * 3 + ['conditionals'] * 2 + ['strings'] * 4 + ['filters'] * 5 +
             ['records'] * 3 + ['templates'] * 4 + ['inline'] * 3 + ['tests'])
    ctx = STD
    if cat == 'misc':
        if R.random() < 0.3:
            return cat, ch(['x {{ ', '{{ ']) + j_misc() + ' }}' + ch([' y', '', ' {{ ' + j_misc() + ' }}']), ctx
        return cat, '{{ ' + j_misc() + ' }}', ctx
    if cat == 'navigation':
        ctx, e = j_nav()
        return cat, e, ctx
    if cat == 'arithmetic':
        e = '{{ ' + j_arith() + ' }}'
    elif cat == 'logic':
        e = '{{ ' + j_logic() + ' }}'
    elif cat == 'conditionals':
        e = '{{ %s if %s else %s }}' % (j_value(), j_logic(1), ch([j_value(), 'none', "'no'"]))
    elif cat == 'strings':
        e = '{{ ' + j_str_value() + ' }}'
    elif cat == 'filters':
        ctx = {'xs': rand_xs(), 'k': R.randint(-2, 10), 'ys': rand_xs()}
        e = '{{ ' + j_list_chain(ch(['_.xs', '_.ys', '[%s]' % ', '.join(str(x) for x in rand_xs()), '(_.xs + _.ys)'])) + ' }}'
    elif cat == 'records':
        ctx = rand_people()
        e = j_records()
    elif cat == 'templates':
        if R.random() < 0.5:
            ctx = rand_people()
            ctx = {'xs': rand_xs(), 'people': ctx['people'], 'flag': R.random() < 0.5, 'title': ch(NAMES)}
            e = j_template('people')
        else:
            e = j_template('std')
    elif cat == 'inline':
        e = j_inline()
    else:
        e = '{{ %s is %s%s }}' % (j_value(), ch(['', 'not ']), ch(['number', 'string', 'none', 'integer', 'float',
                                                                   'odd', 'even', 'mapping', 'sequence', 'iterable',
                                                                   'true', 'false', 'boolean', 'lower', 'upper',
                                                                   'callable', 'defined', 'undefined', 'divisibleby 2',
                                                                   'in [1, 2]', 'ge 1', 'eq 1.0', 'sameas none']))
    return cat, e, ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=2000)
    ap.add_argument('--lang', choices=['yaql', 'jinja', 'both'], default='both')
    a = ap.parse_args()
    R.seed(a.seed)
    out = []
    for i in range(a.count):
        lang = a.lang if a.lang != 'both' else ('yaql' if i % 2 == 0 else 'jinja')
        cat, e, ctx = gen_yaql() if lang == 'yaql' else gen_jinja()
        out.append(json.dumps({'lang': lang, 'category': cat, 'expr': e, 'context': ctx}, ensure_ascii=False))
    print('\n'.join(out))


if __name__ == '__main__':
    main()
