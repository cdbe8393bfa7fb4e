#!/usr/bin/env python3
"""A third hand-written set of unseen expressions, for
tests/expr_corpus/fresh3.jsonl: what workflow authors write over cloud API
responses (Kubernetes pod and node lists, OpenStack servers, ports and
volumes), text they scrape (CSV, log lines, key=value output, JSON and YAML
held in strings), date/time text, money and byte counts, unicode names and
deeply nested settings. Styles unlike fresh.jsonl/fresh2.jsonl/usage.jsonl:
get-with-default chains, YAQL query chains ending in aggregate/groupBy
/distinct, json_parse/json_dump/yaml_dump round trips, regex munging;
Jinja filters with keyword arguments, loop.* variables, macros with
caller/varargs/kwargs/arguments, `with` scoping, `set` inside loops, `%`
and `.format` string formatting, integer arithmetic past 128 bits and the
Jinja tests. Every expression runs over the full context and again over a
sparse one (None, empty, missing-ish values in the same keys).

The expressions live in scripts/fresh_expr_cases3/*.txt, one a line
(templates*.txt: templates separated by a line `---`); yaql2/jinja2/
templates2 run over a second context (a CI pipeline, an incident, a diff,
money amounts). Prints unevaluated
cases; record Mistral's answers with

    python3 scripts/fresh_expr_cases3.py > /tmp/cases.jsonl
    python3 scripts/oracle_lines.py /tmp/cases.jsonl > tests/expr_corpus/fresh3.jsonl
"""
import json

from expr_context import ctx_for, reader

read = reader('fresh_expr_cases3')


CTX = {
    'pods': [
        {'metadata': {'name': 'api-7d9f-x2k', 'namespace': 'prod', 'labels': {'app': 'api', 'tier': 'backend'},
                      'annotations': {'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102'},
                      'creationTimestamp': '2024-05-01T10:00:00Z'},
         'spec': {'nodeName': 'node-a', 'containers': [
             {'name': 'api', 'image': 'registry.local/api:1.4.2',
              'resources': {'limits': {'cpu': '500m', 'memory': '256Mi'}, 'requests': {'cpu': '250m'}}},
             {'name': 'sidecar', 'image': 'envoy:v1.29', 'resources': {}}]},
         'status': {'phase': 'Running', 'podIP': '10.1.0.12',
                    'containerStatuses': [{'name': 'api', 'ready': True, 'restartCount': 0},
                                          {'name': 'sidecar', 'ready': True, 'restartCount': 3}]}},
        {'metadata': {'name': 'worker-55c-abc', 'namespace': 'prod', 'labels': {'app': 'worker'},
                      'annotations': {}, 'creationTimestamp': '2024-05-02T08:30:00Z'},
         'spec': {'nodeName': 'node-b', 'containers': [
             {'name': 'worker', 'image': 'registry.local/worker:2.0.0',
              'resources': {'limits': {'cpu': '2', 'memory': '1Gi'}}}]},
         'status': {'phase': 'CrashLoopBackOff', 'podIP': None,
                    'containerStatuses': [{'name': 'worker', 'ready': False, 'restartCount': 17}]}},
        {'metadata': {'name': 'db-0', 'namespace': 'data', 'labels': {'app': 'db', 'tier': 'backend'},
                      'creationTimestamp': '2024-04-30T23:59:59Z'},
         'spec': {'nodeName': 'node-a', 'containers': [
             {'name': 'postgres', 'image': 'postgres:16', 'resources': {'limits': {'memory': '4Gi'}}}]},
         'status': {'phase': 'Pending', 'containerStatuses': []}},
    ],
    'nodes': {'node-a': {'ready': 'True', 'cpu': '8', 'mem': '32Gi', 'taints': []},
              'node-b': {'ready': 'False', 'cpu': '4', 'mem': '16Gi',
                         'taints': [{'key': 'node.kubernetes.io/unreachable', 'effect': 'NoSchedule'}]}},
    'servers': [
        {'id': 'a1b2', 'name': 'web-01', 'status': 'ACTIVE', 'OS-EXT-AZ:availability_zone': 'nova',
         'addresses': {'private': [{'addr': '192.168.0.5', 'version': 4, 'OS-EXT-IPS:type': 'fixed'},
                                   {'addr': '172.24.4.9', 'version': 4, 'OS-EXT-IPS:type': 'floating'}],
                       'v6net': [{'addr': 'fd00::5', 'version': 6, 'OS-EXT-IPS:type': 'fixed'}]},
         'flavor': {'original_name': 'm1.large', 'vcpus': 4, 'ram': 8192, 'disk': 80},
         'metadata': {'role': 'web', 'owner': 'team-a'}, 'created': '2024-06-01T12:00:00Z', 'tags': ['lb', 'public']},
        {'id': 'c3d4', 'name': 'db-01', 'status': 'SHUTOFF', 'OS-EXT-AZ:availability_zone': 'az2',
         'addresses': {'private': [{'addr': '192.168.0.7', 'version': 4, 'OS-EXT-IPS:type': 'fixed'}]},
         'flavor': {'original_name': 'm1.xlarge', 'vcpus': 8, 'ram': 16384, 'disk': 160},
         'metadata': {}, 'created': '2024-05-20T09:15:30Z', 'tags': []},
        {'id': 'e5f6', 'name': 'web-02', 'status': 'ERROR', 'OS-EXT-AZ:availability_zone': 'nova',
         'addresses': {}, 'flavor': {'original_name': 'm1.large', 'vcpus': 4, 'ram': 8192, 'disk': 80},
         'metadata': {'role': 'web'}, 'created': '2024-06-02T00:00:01Z', 'tags': ['lb'],
         'fault': {'code': 500, 'message': 'No valid host was found. There are not enough hosts available.'}},
    ],
    'volumes': [{'id': 'v1', 'size': 10, 'status': 'in-use', 'attachments': [{'server_id': 'a1b2', 'device': '/dev/vdb'}],
                 'bootable': 'false', 'volume_type': None},
                {'id': 'v2', 'size': 250, 'status': 'available', 'attachments': [], 'bootable': 'true',
                 'volume_type': 'ssd'}],
    'csv': 'name,age,city\nalice,30,Paris\nbob,,Berlin\ncarol,41,São Paulo\n',
    'logline': '2024-06-03 14:22:01,337 ERROR [nova.compute] Instance a1b2 failed: timeout after 30s (attempt 3/5)',
    'kvtext': 'uptime=3600 load=0.75 users=2 mode=maintenance',
    'payload': '{"id": 7, "tags": ["x", "y"], "spec": {"replicas": 3, "paused": false, "note": null}, "ratio": 0.5}',
    'yamltext': 'name: demo\nports:\n  - 80\n  - 443\nenabled: yes\nratio: 1e3\nwhen: 2024-01-02\n',
    'stamp': '2024-12-31T23:59:59.5+02:00',
    'epoch': 1717430400,
    'dates': ['2024-03-01', '2023-12-25', '2024-02-29'],
    'prices': [19.999, 0.005, 2.675, 1e21, -1.5, 3],
    'bytes': 123456789012,
    'pct': 0.126,
    'huge': 340282366920938463463374607431768211457,
    'neg_huge': -18446744073709551617,
    'people': ['Émile Zola', 'zoë', 'ÅSA', 'straße', 'İstanbul', 'ﬁle', 'o\'neil'],
    'settings': {'db': {'primary': {'host': 'pg1', 'port': 5432, 'opts': {'ssl': True, 'timeout': None}},
                        'replicas': [{'host': 'pg2', 'lag': 0.2}, {'host': 'pg3', 'lag': None}]},
                 'feature_flags': {'beta': False, 'dark_mode': 'on'}, 'empty': {}, 'zero': 0},
    'matrix': [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
    'words': 'the quick brown fox jumps over the lazy dog the end',
    'version': '2.10.3-beta+build.7',
    '__env': {'region': 'RegionTwo', 'image': {'name': 'cirros', 'id': 'img-9'}, 'limits': {'vcpus': 20}},
}

SPARSE = {
    'pods': [{'metadata': {'name': 'solo', 'labels': {}}, 'spec': {'containers': []}, 'status': {'phase': None}}],
    'nodes': {},
    'servers': [{'id': 'z', 'name': '', 'status': 'BUILD', 'addresses': {}, 'flavor': {}, 'metadata': None,
                 'created': None, 'tags': None}],
    'volumes': [],
    'csv': '',
    'logline': 'garbage',
    'kvtext': '',
    'payload': 'not json',
    'yamltext': '',
    'stamp': '',
    'epoch': None,
    'dates': [],
    'prices': [],
    'bytes': 0,
    'pct': None,
    'huge': 0,
    'neg_huge': None,
    'people': [],
    'settings': {'db': None},
    'matrix': [[]],
    'words': '',
    'version': '',
    '__env': {},
}

YAQL = read('yaql.txt')

# a second round over a CI pipeline, an incident, a diff and money amounts
CTX2 = {
    'jobs': [
        {'id': 101, 'name': 'lint', 'stage': 'build', 'result': 'success', 'duration': 42, 'retried': False,
         'started': '2024-07-01T10:00:00', 'finished': '2024-07-01T10:00:42', 'artifacts': [], 'env': None},
        {'id': 102, 'name': 'unit:py3', 'stage': 'test', 'result': 'failed', 'duration': 615, 'retried': True,
         'started': '2024-07-01T10:01:00', 'finished': '2024-07-01T10:11:15',
         'artifacts': ['reports/junit.xml', 'coverage/index.html'], 'env': None},
        {'id': 103, 'name': 'unit-js', 'stage': 'test', 'result': 'success', 'duration': 128,
         'started': '2024-07-01T10:01:05', 'finished': '2024-07-01T10:03:13', 'artifacts': ['reports/junit.xml']},
        {'id': 104, 'name': 'deploy:staging', 'stage': 'deploy', 'result': 'canceled', 'duration': None,
         'retried': None, 'started': None, 'finished': None, 'artifacts': [],
         'env': {'name': 'staging', 'url': 'https://stg.example.com'}},
    ],
    'incident': {'id': 'INC-0042', 'title': 'DB latency spike on checkout API', 'severity': 'sev2',
                 'assignees': ['ana@example.com', 'raj@corp.example.org'],
                 'opened': '2024-07-01T09:58:00', 'closed': '2024-07-01T11:30:30',
                 'timeline': [{'at': '2024-07-01T09:58:00', 'kind': 'page', 'text': 'Alert fired', 'by': None},
                              {'at': '2024-07-01T10:05:00', 'kind': 'note', 'text': 'Restarted pgbouncer', 'by': 'ana'},
                              {'at': '2024-07-01T10:40:00', 'kind': 'note', 'text': 'Latency back to normal after restart of replicas', 'by': 'raj'}],
                 'tags': ['db', 'checkout', 'db'],
                 'custom_fields': {'customer_impact': True, 'region': None, 'eta_minutes': 30, 'postmortem': False}},
    'diff': '--- a/app.py\n+++ b/app.py\n@@ -10,6 +10,8 @@\n def handler(event):\n-    return 1\n+    if not event:\n+        return None\n+    return 2\n def other():\n\tpass',
    'money': {'amounts': [19.99, 5.01, 0.1, 0.2, -3.3, 100], 'currency': 'EUR', 'tax': 0.19, 'cents': 123456,
              'rates': {'EUR': 1.0, 'USD': 1.0843, 'GBP': 0.85}},
    'hex': 'DEADbeef',
    'bits': [1, 0, 1, 1],
    'flags': ' debug, verbose,,trace , debug',
}

SPARSE2 = {
    'jobs': [{'id': 1, 'name': 'only', 'stage': 'build', 'result': None, 'duration': None, 'artifacts': [],
              'started': None}],
    'incident': {'id': 'INC-', 'title': '', 'severity': 'sevX', 'assignees': [], 'opened': '', 'closed': None,
                 'timeline': [], 'tags': [], 'custom_fields': {}},
    'diff': '',
    'money': {'amounts': [], 'currency': '', 'tax': 0, 'cents': 0, 'rates': {}},
    'hex': '',
    'bits': [],
    'flags': '',
}
YAQL2 = read('yaql2.txt')
JINJA2 = read('jinja2.txt')
TEMPLATES2 = read('templates2.txt')
JINJA = read('jinja.txt')
TEMPLATES = read('templates.txt')


def rows(yaql, jinja, templates, suffix):
    out = []
    for raw in yaql.split('\n'):
        if not raw.strip() or raw.startswith('#'):
            continue
        e = raw if '<%' in raw else '<% ' + raw + ' %>'
        out.append(('yaql', 'yaql' + suffix, e))
    for raw in jinja.split('\n'):
        if not raw.strip() or raw.startswith('##'):
            continue
        e = raw if ('{{' in raw or '{%' in raw) else '{{ ' + raw + ' }}'
        out.append(('jinja', 'jinja' + suffix, e))
    for t in templates.split('\n---\n'):
        t = t.strip('\n')
        if t.strip():
            out.append(('jinja', 'templates' + suffix, t))
    return out


def emit(lang, cat, e, ctx, sparse_ctx):
    """One case over the full context, and one over the sparse one when it differs."""
    full = ctx_for(e, ctx)
    if 'env(' in e and '__env' not in full:
        full['__env'] = CTX['__env']
    print(json.dumps({'lang': lang, 'category': cat, 'expr': e, 'context': full}, ensure_ascii=False))
    sparse = ctx_for(e, sparse_ctx)
    if 'env(' in e and '__env' not in sparse:
        sparse['__env'] = SPARSE['__env']
    if sparse and sparse != full:
        print(json.dumps({'lang': lang, 'category': cat + '-sparse', 'expr': e, 'context': sparse},
                         ensure_ascii=False))


def main():
    for ctx, sparse_ctx, exprs in [(CTX, SPARSE, rows(YAQL, JINJA, TEMPLATES, '3')),
                                   (CTX2, SPARSE2, rows(YAQL2, JINJA2, TEMPLATES2, '3b'))]:
        for lang, cat, e in exprs:
            emit(lang, cat, e, ctx, sparse_ctx)


if __name__ == '__main__':
    main()
