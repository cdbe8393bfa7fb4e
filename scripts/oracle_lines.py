#!/usr/bin/env python3
"""Turns cases into corpus lines whose expectations Mistral's evaluator made.

Reads JSONL cases {"lang", "category"?, "expr", "context"} (for example
lines of scripts/gen_compositions.py that once disagreed), evaluates each
with /work/shared/mistral/expr_oracle.py under two hash seeds, drops lines
whose answers differ (set order of strings, time, randomness) or that the
oracle skips, and prints corpus lines (tests/expr_corpus/ format) with an
id made of a hash of the expression and its context. A result that is a
Python set at the top (listed sorted by the oracle, in hash order by
Mistral) is marked "unordered":

    python3 scripts/oracle_lines.py CASES.jsonl >> tests/expr_corpus/compositions.jsonl
"""
import hashlib
import json
import os
import subprocess
import sys

import oracle_worker

ORACLE = os.environ.get('EXPR_ORACLE', '/work/shared/mistral/expr_oracle.py')
PYTHON = os.environ.get('MISTRAL_PYTHON', '/var/tmp/mistral-peer/venv/bin/python')


def run(data, seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed))
    code = oracle_worker.code(ORACLE)
    out = subprocess.run([PYTHON, '-c', code], input=data, capture_output=True, check=True, env=env)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def main():
    cases = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
    data = ''.join(json.dumps({'expr': c['expr'], 'context': c['context']}, ensure_ascii=False) + '\n'
                   for c in cases).encode()
    first, second = run(data, 1), run(data, 2)
    seen = set()
    for c, a, b in zip(cases, first, second):
        if 'skip' in a or a != b:
            continue
        key = json.dumps([c['expr'], c['context']], sort_keys=True, ensure_ascii=False)
        if key in seen:
            continue
        seen.add(key)
        lang = c.get('lang') or ('jinja' if '{{' in c['expr'] or '{%' in c['expr'] else 'yaql')
        line = {'id': lang[0] + hashlib.sha1(key.encode()).hexdigest()[:8], 'lang': lang,
                'category': c.get('category', 'compositions'), 'expr': c['expr'], 'context': c['context']}
        if 'error' in a:
            line['error'] = a['error']
        else:
            line['result'] = a['result']
            if a.get('set'):
                line['unordered'] = True
        print(json.dumps(line, ensure_ascii=False))


if __name__ == '__main__':
    main()
