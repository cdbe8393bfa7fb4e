"""Mistral's evaluator (/work/shared/mistral/expr_oracle.py) as a child
process that also says whether each result is a Python set (`"set"`):
Mistral lists a set in hash order, so such a line is recorded as
"unordered". Shared by scripts/gen_expr_corpus.py and
scripts/oracle_lines.py; run it with `python -c code(...)`."""
import os

_CODE = r'''
import json, sys
if %(limit)r:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (%(limit)r, %(limit)r))
sys.path.insert(0, %(path)r)
import expr_oracle as o
import signal
def alarm(*_):
    raise o.Timeout()
signal.signal(signal.SIGALRM, alarm)
ev = o.evaluator()
seen = {}
def wrapped(expr, ctx):
    r = ev(expr, ctx)
    seen['set'] = isinstance(r, (set, frozenset))
    return r
for line in sys.stdin:
    if not line.strip():
        continue
    seen.clear()
    out = o.one(wrapped, line)
    out['set'] = bool(seen.get('set'))
    print(json.dumps(out, ensure_ascii=False), flush=True)
'''


def code(oracle, memory_limit=None):
    """The worker's program for the oracle script at `oracle`, with an
    address-space limit of `memory_limit` bytes if given."""
    return _CODE % {'limit': memory_limit, 'path': os.path.dirname(os.path.abspath(oracle))}
