#!/usr/bin/env python3
"""A second hand-written set of unseen expressions, for
tests/expr_corpus/fresh2.jsonl: what a workflow author writes from the YAQL
standard library reference, the Jinja2 template designer documentation and
Mistral's expression docs, over contexts unlike those of fresh.jsonl and
usage.jsonl (orders, alerts, a Heat stack, an SSH transcript, releases,
object listings, an inventory) and in other styles (let/->, switch, joins of
two collections, set operations, regex objects, datetime arithmetic; Jinja
block set, recursive loops, loop.cycle/changed/previtem, filter blocks,
filters with keyword arguments). Every expression runs over the full
context and again over a sparse one (None, empty and unicode values in the
same keys), where a user meets the errors. The expressions live in scripts/fresh_expr_cases2/*.txt, one a line.
Prints unevaluated cases; record
Mistral's answers with

    python3 scripts/fresh_expr_cases2.py > /tmp/cases.jsonl
    python3 scripts/oracle_lines.py /tmp/cases.jsonl >> tests/expr_corpus/fresh2.jsonl
"""
import json
import re

from expr_context import ctx_for, reader

read = reader('fresh_expr_cases2')

CTX = {
    'orders': [
        {'id': 'o-100', 'customer': 'Zoë', 'status': 'shipped', 'total': 129.5, 'coupon': None,
         'created': '2024-02-29T23:15:00', 'items': [{'sku': 'A1', 'qty': 2, 'price': 20.0}, {'sku': 'B7', 'qty': 1, 'price': 89.5}]},
        {'id': 'o-101', 'customer': 'max', 'status': 'pending', 'total': 15, 'coupon': 'SAVE10',
         'created': '2024-03-01T08:00:00', 'items': [{'sku': 'C3', 'qty': 3, 'price': 5}]},
        {'id': 'o-102', 'customer': 'Ana', 'status': 'cancelled', 'total': 0, 'coupon': None,
         'created': '2024-03-02T12:30:45', 'items': []},
        {'id': 'o-103', 'customer': 'max', 'status': 'shipped', 'total': 64.25, 'coupon': 'VIP',
         'created': '2024-03-02T18:05:00', 'items': [{'sku': 'A1', 'qty': 1, 'price': 20.0}, {'sku': 'D9', 'qty': 4, 'price': 11.0625}]},
    ],
    'alerts': [
        {'sev': 'critical', 'host': 'db01', 'metric': 'disk', 'value': 97.2, 'labels': {'team': 'data', 'env': 'prod'}},
        {'sev': 'warning', 'host': 'web03', 'metric': 'cpu', 'value': 81, 'labels': {'team': 'web', 'env': 'prod'}},
        {'sev': 'info', 'host': 'web03', 'metric': 'mem', 'value': 40.0, 'labels': {'team': 'web', 'env': 'stage'}},
        {'sev': 'critical', 'host': 'lb1', 'metric': 'cpu', 'value': 99, 'labels': {'env': 'prod'}},
    ],
    'stack': {'stack_name': 'app-stack', 'stack_status': 'CREATE_COMPLETE',
              'outputs': [{'output_key': 'vip', 'output_value': '192.168.1.10'},
                          {'output_key': 'nodes', 'output_value': ['n1', 'n2']},
                          {'output_key': 'port', 'output_value': 8443}],
              'parameters': {'flavor': 'm1.small', 'count': '3', 'OS::stack_id': 'abc-123'}},
    'stdout': 'Starting backup...\nCopied 120 files\nWARN: 2 skipped\nERROR: disk quota\nDone in 12.5s\n',
    'releases': ['v1.2.3', 'v1.10.0', 'v1.9.12', 'v2.0.0-rc1', 'v0.9'],
    'objects': [{'key': 'logs/2024/a.gz', 'size': 1536, 'modified': '2024-01-05T10:00:00'},
                {'key': 'logs/2024/b.gz', 'size': 10485760, 'modified': '2024-01-06T11:30:00'},
                {'key': 'img/logo.png', 'size': 0, 'modified': '2023-12-31T23:59:59'},
                {'key': 'README', 'size': 987654321, 'modified': '2024-02-01T00:00:00'}],
    'inventory': {'web01': {'groups': ['web', 'eu'], 'vars': {'port': 80}},
                  'web02': {'groups': ['web'], 'vars': {}},
                  'db01': {'groups': ['db', 'eu'], 'vars': {'port': 5432, 'primary': True}}},
    'cidr': '10.20.0.0/16',
    'cron': '*/15 2-4 * * 1-5',
    'title': 'the lord of the rings: the return of the king',
    'label': 'naïve café — 日本語 ✓',
    'counts': {'ok': 12, 'failed': 0, 'skipped': 3, 'retried': 1},
    'grid': [[1, None, 3], [], [4, 5], [None]],
    'knobs': {'enabled': 'true', 'level': '3', 'ratio': '0.25', 'empty_str': '', 'zero': 0, 'no': False, 'none': None},
    'big': 9007199254740993, 'tiny': 1e-07, 'half': -0.5, 'padded': '007', 'hexs': 'ff',
    'started': '2024-03-10T01:59:30', 'finished': '2024-03-10T03:02:15',
    'batch_size': 3, 'max_retries': 4, 'threshold_pct': 90,
    'userdata': {'name': 'O\'Brien', 'email': 'OBrien@Example.COM', 'phones': ['+1 555 0100', ''], 'address': None},
    'kv': [{'Key': 'Name', 'Value': 'web'}, {'Key': 'Env', 'Value': 'prod'}, {'Key': 'Owner', 'Value': ''}],
    'doc': '<p>Tom & "Jerry"</p>',
    'query': {'q': 'a b&c', 'page': 2, 'tags': ['x', 'y']},
    '__env': {'cloud': {'region': 'RegionOne', 'az': ['az1', 'az2']}, 'notify': ['ops@example.com'], 'dry_run': False,
              'max_parallel': 5},
}

# the same keys with the values users hit when an upstream task returns little
SPARSE = {
    'orders': [{'id': 'o-1', 'customer': None, 'status': '', 'total': None, 'coupon': None, 'created': '', 'items': None}],
    'alerts': [],
    'stack': {'stack_name': '', 'stack_status': 'CREATE_FAILED', 'outputs': [], 'parameters': {}},
    'stdout': '',
    'releases': [],
    'objects': [{'key': 'ünïcode/файл', 'size': None, 'modified': None}],
    'inventory': {},
    'cidr': '',
    'cron': '@daily',
    'title': '',
    'label': '',
    'counts': {},
    'grid': [],
    'knobs': {'enabled': None, 'level': 'high', 'ratio': 'n/a', 'empty_str': None, 'zero': None, 'no': None, 'none': None},
    'big': 0, 'tiny': 0.0, 'half': None, 'padded': '', 'hexs': 'zz',
    'started': '', 'finished': None,
    'batch_size': 0, 'max_retries': None, 'threshold_pct': '90',
    'userdata': {'name': '', 'email': None, 'phones': [], 'address': {'city': 'Zürich'}},
    'kv': [],
    'doc': None,
    'query': {},
    '__env': {'cloud': {}, 'notify': [], 'dry_run': True},
}

# YAQL, one expression a line (wrapped in <% %> unless the line has it)
YAQL = read('yaql.txt')

# Jinja expressions, one a line (wrapped in {{ }} unless the line has {{ or {%)
JINJA = read('jinja.txt')

# Jinja templates (statements)
TEMPLATES = read('templates.txt')


# A second round, in other styles over a small context: format specs,
# strftime directives, str() of numbers, Python string methods, % and
# str.format in Jinja, groupby/dictsort/namespace in templates.
CTX2 = {'t': 'Hello, World', 'n': 1234.5678, 'i': 42, 'neg': -7, 'l': [3, 'a', None, 2.5, True], 'w': 'ÄÖÜ straße',
       'ts': '2024-07-04T15:04:05.123456', 'd': {'b': 2, 'a': 1, 'c': {'x': [1, 2]}}, 'e': '', 'z': None,
       'ml': 'line one\nline two\n\nline four', 'nums': [5, 3, 8, 1], 'strs': ['b', 'A', 'c', 'B'],
       'recs': [{'k': 'x', 'v': 1}, {'k': 'y', 'v': None}, {'k': 'x', 'v': 3}]}
YAQL2 = read('yaql2.txt')
JINJA2 = read('jinja2.txt')
TEMPLATES2 = read('templates2.txt')


# A third round over hosts/config data: let/def, joins of two
# collections, env(), json/yaml functions, operator precedence.
CTX3 = {'hosts': [{'name': 'a1', 'ip': '10.0.0.1', 'up': True, 'load': [0.5, 0.7]}, {'name': 'b2', 'ip': None, 'up': False, 'load': []},
                 {'name': 'c3', 'ip': '10.0.0.3', 'up': True, 'load': [2.0]}],
       'cfg': {'retries': '3', 'timeout': 2.5, 'tags': {'env': 'prod', 'tier': None}, 'list': ['x', 'y']},
       'msg': 'Deploy 3 of 5 done; ERR=0', 'v': '1.2.10', 'bad': {'a': [1, {'b': None}]}, 'n0': 0, 'nn': None, 'ee': [],
       '__env': {'token': 'abc', 'retry': {'count': 2}}}
YAQL3 = read('yaql3.txt')
JINJA3 = read('jinja3.txt')


BLOCK = r'(for|if|macro|filter|raw|call|with)\b'


def open_blocks(text):
    """How many block tags of a template are still open (a template may span lines)."""
    opened = len(re.findall(r'{%[-+]?\s*' + BLOCK, text)) + len(re.findall(r'{%[-+]?\s*set\s+[\w, ]+(\|[^%]*)?[-+]?%}', text))
    closed = len(re.findall(r'{%[-+]?\s*end' + BLOCK, text)) + len(re.findall(r'{%[-+]?\s*endset', text))
    return opened - closed


def rows():
    out = []
    for raw in YAQL.strip('\n').split('\n'):
        if not raw.strip() or raw.startswith('#'):
            continue
        e = raw if '<%' in raw else '<% ' + raw + ' %>'
        out.append(('yaql', 'yaql', e))
    for raw in JINJA.strip('\n').split('\n'):
        if not raw.strip():
            continue
        e = raw if ('{{' in raw or '{%' in raw) else '{{ ' + raw + ' }}'
        out.append(('jinja', 'jinja', e))
    # templates may span lines: a line not starting a tag continues the previous one
    tpl = []
    for raw in TEMPLATES.strip('\n').split('\n'):
        if tpl and (open_blocks(tpl[-1]) > 0 or not raw.lstrip().startswith(('{%', '{{', '{#'))):
            tpl[-1] += '\n' + raw
        else:
            tpl.append(raw)
    out += [('jinja', 'templates', t) for t in tpl]
    return out


def rows2():
    """The second round: (lang, category, expr) over CTX2."""
    out = [('yaql', 'extra', '<% ' + l + ' %>') for l in YAQL2.strip().split('\n') if l.strip()]
    out += [('jinja', 'extra', '{{ ' + l + ' }}') for l in JINJA2.strip().split('\n') if l.strip()]
    tpl = []
    for raw in TEMPLATES2.strip('\n').split('\n'):
        if tpl and not raw.lstrip().startswith(('{%', '{{', '{#', 'x ', 'Value')):
            tpl[-1] += '\n' + raw
        else:
            tpl.append(raw)
    return out + [('jinja', 'extra', t) for t in tpl]


def main():
    for lang, cat, e in rows():
        full = ctx_for(e, CTX)
        print(json.dumps({'lang': lang, 'category': cat, 'expr': e, 'context': full}, ensure_ascii=False))
        sparse = ctx_for(e, SPARSE)
        if sparse and sparse != full:
            print(json.dumps({'lang': lang, 'category': cat + '-sparse', 'expr': e, 'context': sparse},
                             ensure_ascii=False))
    for lang, e in [('yaql', '<% ' + l + ' %>') for l in YAQL3.strip().split('\n') if l.strip()] + \
            [('jinja', '{{ ' + l + ' }}') for l in JINJA3.strip().split('\n') if l.strip()]:
        ctx = {k: v for k, v in CTX3.items() if ('$.' + k in e or '_.' + k in e)}
        if 'env()' in e:
            ctx['__env'] = CTX3['__env']
        print(json.dumps({'lang': lang, 'category': 'round3', 'expr': e, 'context': ctx}, ensure_ascii=False))
    # a fourth round: multi-line templates (trim_blocks, lstrip_blocks),
    # inline YAQL and the json/yaml dumps of what they render
    r4 = json.loads(read('round4.json'))
    for lang, key, sigil in [('jinja', 'jinja', '_.'), ('yaql', 'yaql', '$.')]:
        for e in r4[key]:
            ctx = {k: v for k, v in r4['context'].items() if sigil + k in e}
            print(json.dumps({'lang': lang, 'category': 'round4', 'expr': e, 'context': ctx}, ensure_ascii=False))
    for lang, cat, e in rows2():
        ctx = {k: v for k, v in CTX2.items() if ('$.' + k in e or '_.' + k in e)}
        print(json.dumps({'lang': lang, 'category': cat, 'expr': e, 'context': ctx}, ensure_ascii=False))


if __name__ == '__main__':
    main()
