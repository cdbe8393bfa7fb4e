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
same keys), where a user meets the errors. Prints unevaluated cases; record
Mistral's answers with

    python3 scripts/fresh_expr_cases2.py > /tmp/cases.jsonl
    python3 scripts/oracle_lines.py /tmp/cases.jsonl >> tests/expr_corpus/fresh2.jsonl
"""
import json
import re

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
YAQL = r"""
$.orders.where($.status = 'shipped').id
$.orders.where($.status = 'shipped').sum($.total)
$.orders.select($.total).sum()
$.orders.where($.coupon != null).select($.customer).distinct()
$.orders.where($.coupon = null).len()
$.orders.selectMany($.items).select($.qty * $.price).sum()
$.orders.selectMany($.items).groupBy($.sku, $.qty, [$[0], $[1].sum()]).orderBy($[0])
$.orders.selectMany($.items).groupBy($.sku).select([$[0], $[1].len()])
$.orders.selectMany($.items).sku.distinct().orderBy($)
$.orders.select(dict(id => $.id, n => $.items.len())).where($.n > 0)
$.orders.groupBy($.customer, $.total, [$[0], $[1].sum()]).toDict($[0], $[1])
$.orders.groupBy($.customer).select($[0]).orderBy($)
$.orders.groupBy($.status, $.id).toDict($[0], $[1])
$.orders.orderBy($.total).select($.id)
$.orders.orderByDescending($.total).first().customer
$.orders.orderBy($.customer).thenByDescending($.total).select([$.customer, $.total])
$.orders.where($.total > 50).select($.id + ':' + str($.total))
$.orders.select(format('{0} owes {1}', $.customer, $.total))
$.orders.select('{0}={1}'.format($.id, $.status))
$.orders.where($.items.any($.sku = 'A1')).id
$.orders.where($.items.all($.qty > 1)).id
$.orders.where(not $.items).id
$.orders.where($.items.len() = 0).id
$.orders.select($.items.select($.qty).sum()).max()
$.orders.aggregate($1 + $2.total, 0)
$.orders.aggregate($1 + $2.total, 0.0)
$.orders.total.sum() / $.orders.len()
$.orders.total.max() - $.orders.total.min()
$.orders.select($.total).avg()
$.orders.select(round($.total)).join(',')
$.orders.select(int($.total)).sum()
$.orders.select($.created.substring(0, 10)).distinct()
$.orders.select(datetime($.created).day)
$.orders.select(datetime($.created)).max()
$.orders.where(datetime($.created) > datetime(2024, 3, 1)).id
$.orders.select(datetime($.created).format('%d/%m %H:%M'))
$.orders.select(datetime($.created).weekday)
$.orders.customer.toSet().len()
$.orders.customer.distinct().len()
$.orders.select($.customer.toLower()).distinct()
$.orders.skip(1).take(2).id
$.orders.takeWhile($.total > 0).id
$.orders.skipWhile($.status != 'cancelled').id
$.orders.last().id
$.orders.first().items.last().sku
$.orders[1:].id
$.orders[-2].id
$.orders.indexWhere($.status = 'cancelled')
$.orders.where($.id in ['o-100', 'o-103']).total
$.orders.select([$.id, $.items.len()]).where($[1] > 1).select($[0])
$.orders.select($.id).zip($.orders.select($.status))
$.orders.select($.id).zip($.orders.select($.total)).toDict($[0], $[1])
$.orders.select($.id).enumerate().select($[0] * 10)
$.orders.toDict($.id, $.items.len())
$.orders.toDict($.id).get('o-101').customer
$.orders.select($.coupon ?? 'none')
$.orders.select(coalesce($.coupon, $.customer))
$.orders.where($.coupon).coupon
$.orders.select(switch($.total > 100 => 'big', $.total > 20 => 'mid', true => 'small'))
$.orders.select(switch($.status = 'shipped' => 1, $.status = 'pending' => 2))
let(t => $.orders.total.sum()) -> $.orders.select(round($.total / $t * 100, 1))
let(s => 'shipped') -> $.orders.where($.status = $s).len()
$.orders.first() -> $.items.len()
$.orders.select($.items).flatten().len()
$.orders.items.flatten().price.max()
$.orders.selectMany($.items).where($.price = $.orders.selectMany($.items).price.max()).sku
$.orders.join($.orders, $1.customer = $2.customer and $1.id < $2.id, [$1.id, $2.id])
$.orders.select($.id).concat(['o-999'])
$.orders.select($.id).union(['o-100', 'o-200'])
$.orders.select($.customer).intersect(['max', 'bob'])
$.orders.select($.customer).difference(['max'])
$.orders.select($.customer).toSet().difference(['max'].toSet())
$.orders.select($.customer).toSet().union(set('Ana', 'eve')).len()
$.orders.select($.status).toSet().symmetricDifference(set('shipped', 'lost')).len()
$.orders.select($.total).where($ = 0).isEmpty()
$.orders.where($.status = 'lost').defaultIfEmpty(['none'])
$.orders.where($.status = 'lost').first('no order')
$.orders.where($.status = 'lost').first()
$.orders.where($.status = 'lost').single()
$.orders.where($.status = 'pending').single().id
$.orders.where($.status = 'shipped').single()
$.orders.select($.total).sum() > 200
$.orders.all($.total >= 0) and $.orders.any($.coupon != null)
$.orders.count($.status = 'shipped')
$.orders.len() = $.orders.select($.id).distinct().len()
$.orders.memorize().len()
$.orders.select($.total).orderBy(-$).take(2)
$.orders.select($.total).sequence()
$.orders.select($.total).min() < 1
$.orders.total.select(str($)).join('|')
$.orders.items.select($.len())
$.orders.where($.customer = 'Zoë').customer.first().toUpper()
$.orders.where($.customer =~ '^[A-Z]').customer
$.orders.where(not ($.customer =~ '^[A-Z]')).customer
$.orders.where($.customer !~ '^[A-Z]').customer
$.orders.where($.id.endsWith('3')).id
$.orders.select($.id.replace('o-', '')).select(int($))
$.orders.select(int($.id.split('-')[1])).max() + 1
$.orders[0].items[0].keys()
$.orders[0].items[0].values()
$.orders[0].items[0].items()
$.orders[0].set('status', 'done').status
$.orders[0].delete('items').keys()
$.orders[0].get('missing')
$.orders[0].get('missing', 0) + 1
$.orders[0].containsKey('coupon')
$.orders[0].containsValue('Zoë')
$.orders[0].missing
$.orders[9]
$.orders[0].items[0].sku[0]
$.orders[0].total.foo
$.orders.total + 1
$.orders[0].total + '1'
$.orders[0].customer * 2
$.orders[0].customer + 1
$.orders[0].items.qty
$.orders.where($.total > '10')
$.orders.orderBy($.coupon).id
$.orders.select($.coupon).orderBy($)
$.orders.select($.total).orderBy($).first()
$.alerts.where($.sev = 'critical').host
$.alerts.groupBy($.sev).select([$[0], $[1].len()]).orderBy($[0])
$.alerts.groupBy($.host, $.metric).toDict($[0], $[1])
$.alerts.groupBy($.labels.env, $.host).orderBy($[0])
$.alerts.groupBy($.labels.get('team', 'none'), $.value, [$[0], $[1].max()]).orderBy($[0])
$.alerts.where($.value >= 90).select($.host + '/' + $.metric)
$.alerts.select($.labels.team)
$.alerts.select($.labels.get('team')).where($ != null).distinct()
$.alerts.select($.labels).where($.containsKey('team')).len()
$.alerts.select($.labels.keys()).flatten().distinct().orderBy($)
$.alerts.orderByDescending($.value).select([$.host, $.value]).first()
$.alerts.where($.metric = 'cpu').value.avg()
$.alerts.select(float($.value)).sum()
$.alerts.select($.value).select(int($)).sum()
$.alerts.max($.value)
$.alerts.min($.value)
$.alerts.select(round($.value / 10) * 10)
$.alerts.select($.value mod 10)
$.alerts.select($.value / 3)
$.alerts.select($.value // 3)
$.alerts.select(str($.value))
$.alerts.host.distinct().orderBy($).join(', ')
$.alerts.where($.sev in ['critical', 'warning']).len()
$.alerts.select($.sev.toUpper()[0])
$.alerts.select($.sev.substring(0, 4))
$.alerts.select($.sev.len()).distinct()
$.alerts.where($.host.startsWith('web') and $.labels.env = 'prod').metric
$.alerts.select(dict(h => $.host)).distinct().len()
$.alerts.select($.labels.mergeWith({seen => true})).first()
$.alerts.first().labels.set(env => 'dev', zone => 'a')
$.alerts.first().labels.keys().len()
$.alerts.toDict($.host, $.value)
$.alerts.toDict($.host + $.metric, $.sev).keys().orderBy($)
$.alerts.select($.host).zip($.alerts.select($.metric), $.alerts.select($.sev))
$.alerts.select([$.host, $.metric]).select($.join(':'))
$.alerts.where($.value > 200).select($.host).join(',')
$.alerts.select($.value).orderBy($).skip(1).first()
$.alerts.value.where($ > 50).len() / $.alerts.len()
$.alerts.where($.labels.env = 'prod').groupBy($.sev).len()
dict($.alerts.select([$.host, $.sev]))
dict(a => 1, b => $.alerts.len())
$.stack.outputs.where($.output_key = 'vip').output_value.first()
$.stack.outputs.toDict($.output_key, $.output_value)
$.stack.outputs.toDict($.output_key, $.output_value).nodes.len()
$.stack.outputs.select($.output_key).orderBy($)
$.stack.outputs.where($.output_key = 'nodes').first().output_value.join(',')
$.stack.outputs.where($.output_key = 'missing').first(null)
$.stack.outputs.where($.output_key = 'port').single().output_value + 1
$.stack.stack_status.endsWith('_COMPLETE')
$.stack.stack_status.split('_')[1]
$.stack.stack_status in ['CREATE_COMPLETE', 'UPDATE_COMPLETE']
$.stack.parameters.count.toInteger() * 2
int($.stack.parameters.count) + 1
$.stack.parameters.get('OS::stack_id')
$.stack.parameters['OS::stack_id']
$.stack.parameters.keys().where(not $.startsWith('OS::')).orderBy($)
$.stack.parameters.flavor.split('.')[1]
$.stack.parameters.items().where($[0] != 'count').orderBy($[0])
$.stack.stack_name.replace('-', '_').toUpper()
$.stack.outputs.len() > 0 and $.stack.stack_status = 'CREATE_COMPLETE'
$.stack.outputs[0].output_value.split('.').select(int($))
$.stack.outputs[0].output_value.split('.').last()
$.stdout.split('\n')
$.stdout.split('\n').where($ != '').len()
$.stdout.split('\n').where($.startsWith('ERROR')).first('')
$.stdout.split('\n').where($.startsWith('ERROR')).select($.substring(7))
$.stdout.split('\n').where($ =~ '^(WARN|ERROR)').len()
$.stdout.split('\n').where($.contains('files'))
$.stdout.split('\n')[-2]
$.stdout.trim().split('\n').last()
$.stdout.trimRight().split('\n').len()
regex('Copied (\\d+) files').search($.stdout)
regex('Copied (\\d+) files').search($.stdout).value
regex('Copied (\\d+) files').search($.stdout).groups
regex('(\\d+) files').search($.stdout).groups[0].value
regex('Done in ([\\d.]+)s').search($.stdout).groups.first().value
regex('\\d+').searchAll($.stdout).select($.value)
regex('\\d+').searchAll($.stdout).select(int($.value)).sum()
regex('(?P<kind>WARN|ERROR): (?P<msg>.*)').searchAll($.stdout).select($.groups.select($.value))
$.stdout.matches('ERROR')
$.stdout.matches('^Starting')
'ERROR' in $.stdout
$.stdout =~ 'quota'
$.stdout.replace('\n', ' | ').trim()
$.stdout.split('\n').select($.len()).max()
$.stdout.toUpper().indexOf('DONE')
$.stdout.lastIndexOf('\n')
$.stdout.substring($.stdout.indexOf('Done'))
$.stdout.len()
regex('\\s+').split($.stdout.trim()).len()
regex('[aeiou]').replace($.stdout.split('\n')[0], '*')
regex('(\\w+)\\.\\.\\.').replace($.stdout, '<\\1>').split('\n')[0]
$.stdout.split('\n').where($).select($.split(' ')[0])
$.releases.orderBy($).first()
$.releases.select($.substring(1))
$.releases.select($.substring(1).split('.').select(int($)))
$.releases.where(not ('-' in $)).select($.substring(1).split('.').select(int($))).orderBy($[0]).thenBy($[1]).last()
$.releases.where($ =~ '^v\\d+\\.\\d+\\.\\d+$')
$.releases.where($.contains('rc'))
$.releases.select($.split('.').len())
$.releases.select($.replace('v', '')).where($.startsWith('1.'))
$.releases.where($.startsWith('v1')).len()
$.releases.select(regex('^v(\\d+)').search($).groups[0].value).distinct()
$.releases.orderByDescending($.len()).first()
$.releases.select($.toUpper()).join(' ')
$.releases.len()
$.releases.reverse().take(2)
$.releases.indexOf('v0.9')
$.releases.indexOf('v9')
$.releases.contains('v1.10.0')
$.releases.select([$, $.len()]).toDict($[0], $[1])
$.releases.enumerate(1).toDict($[1], $[0])
$.releases.slice(2)
$.releases.splitWhere($.contains('rc'))
$.releases.splitAt(2)
$.releases.where($ > 'v1.5')
$.releases.max()
$.releases.min()
$.objects.where($.key.startsWith('logs/')).sum($.size)
$.objects.select($.size / 1024)
$.objects.select($.size / 1024.0)
$.objects.select(round($.size / 1048576.0, 2))
$.objects.where($.size = 0).key
$.objects.orderBy($.size).last().key
$.objects.select($.key.split('/').last())
$.objects.select($.key.split('/')[0]).distinct()
$.objects.groupBy($.key.split('/')[0], $.size, [$[0], $[1].sum()]).orderBy($[1])
$.objects.where($.key.contains('.')).select($.key.split('.').last()).distinct().orderBy($)
$.objects.select(datetime($.modified).year).distinct().orderBy($)
$.objects.orderBy(datetime($.modified)).first().key
$.objects.where(datetime($.modified) >= datetime('2024-01-06T00:00:00')).key
$.objects.select(datetime($.modified) - datetime('2024-01-01T00:00:00'))
$.objects.select((datetime($.modified) - datetime('2024-01-01T00:00:00')).days)
$.objects.select((datetime($.modified) - datetime('2024-01-01T00:00:00')).totalSeconds)
$.objects.select((datetime($.modified) - datetime('2024-01-01T00:00:00')).totalHours)
$.objects.where($.size > 1000000).len()
$.objects.select($.size).sum() / 1073741824.0
$.objects.select(str($.size).len())
$.objects.key.join('\n')
$.inventory.keys().orderBy($)
$.inventory.values().select($.groups).flatten().distinct().orderBy($)
$.inventory.items().where('eu' in $[1].groups).select($[0]).orderBy($)
$.inventory.items().where($[1].vars.get('primary', false)).select($[0])
$.inventory.items().select([$[0], $[1].vars.get('port', 22)]).orderBy($[0])
$.inventory.where($.value.groups.contains('web')).keys().orderBy($)
$.inventory.select($.key).orderBy($)
$.inventory.db01.vars.port
$.inventory.db01.vars.primary
$.inventory.web02.vars.port
$.inventory.get('web09', {}).get('vars')
$.inventory.web09
$.inventory['web01'].groups[0]
$.inventory.len()
$.inventory.values().len()
$.inventory.keys().select($.substring(0, 3)).distinct().orderBy($)
$.inventory.keys().where($ =~ '\\d$').len()
$.inventory.items().orderBy($[0]).select($[1].groups.len())
$.inventory.mergeWith({web03 => {groups => ['web']}}).keys().len()
$.inventory.web01.mergeWith({vars => {ssl => true}}).vars
$.inventory.web01.mergeWith({groups => ['x']}).groups
$.inventory.set('web01', null).web01
$.inventory.delete('web01', 'web02').keys()
$.inventory.deleteAll(['db01']).keys().orderBy($)
$.inventory.items().select($[1].groups.len()).sum()
$.inventory.toList().len()
$.cidr.split('/')[0].split('.').select(int($))
$.cidr.split('/')[1].toInteger()
int($.cidr.split('/')[1])
32 - int($.cidr.split('/')[1])
pow(2, 32 - int($.cidr.split('/')[1]))
$.cidr.split('/')[0].split('.').take(2).join('.') + '.1.1'
$.cidr.rightSplit('.', 1)
$.cidr =~ '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$'
$.cron.split(' ')
$.cron.split(' ').len() = 5
$.cron.split(' ')[0].replace('*/', '')
$.cron.split(' ')[1].split('-').select(int($))
$.cron.split()
$.cron.split(' ', 1)
$.title.split(' ').select($.substring(0, 1).toUpper() + $.substring(1)).join(' ')
$.title.split(' ').where($.len() > 3).len()
$.title.split(' ').distinct().len()
$.title.split(' ').groupBy($).where($[1].len() > 1).select($[0])
$.title.split(': ')
$.title.toUpper()
$.title.len()
$.title.replace('the ', '')
$.title.replace({'the' => 'THE', 'of' => 'OF'})
$.title.characters().distinct().len()
$.title.characters().where($ in 'aeiou').len()
$.title.split(' ').orderBy($.len()).last()
$.title.split(' ').select($.len()).sum()
$.title.indexOf('the', 5)
$.title.substring(-4)
$.title.substring(4, -3)
$.title[0]
$.title.startsWith('the lord')
$.title.trim('the')
$.title.trimLeft('the ')
$.title.concat('!')
concat($.title, '!', '?')
$.title.norm()
$.title.toCharArray().len()
$.title.split(' ').first().center(10, '*')
$.label.len()
$.label.toUpper()
$.label.toLower()
$.label.split(' ')
$.label.split(' ').select($.len())
$.label.characters().take(5)
$.label.substring(6, 4)
$.label.indexOf('日')
$.label.replace('café', 'cafe')
$.label.split(' — ')
$.label =~ '日本'
$.label + $.label
$.label.toCharArray().reverse().join('')
$.counts.values().sum()
$.counts.items().where($[1] = 0).select($[0])
$.counts.items().orderBy(-$[1]).select($[0]).first()
$.counts.items().orderBy($[0]).select(format('{0}:{1}', $[0], $[1])).join(' ')
$.counts.where($.value > 0).keys().orderBy($)
$.counts.select($.value).sum()
$.counts.keys().len()
$.counts.ok / ($.counts.ok + $.counts.failed)
$.counts.failed / $.counts.ok
$.counts.ok / $.counts.failed
$.counts.get('failed', 1) = 0
$.counts.failed > 0 or $.counts.skipped > 0
100 * $.counts.ok / $.counts.values().sum()
round(100.0 * $.counts.ok / $.counts.values().sum(), 2)
$.counts.mergeWith({ok => 13}).ok
$.counts.set('ok', $.counts.ok + 1).ok
$.counts.toList()
$.counts.len()
$.grid.flatten()
$.grid.flatten().where($ != null)
$.grid.flatten().where($ != null).sum()
$.grid.select($.len())
$.grid.where($.len() > 0).select($.first())
$.grid.where($).len()
$.grid.select($.where($ != null).sum())
$.grid.flatten().len()
$.grid.flatten().distinct()
$.grid[0][1]
$.grid[1][0]
$.grid.last().first()
$.grid.select($.where($ = null).len())
$.grid.flatten().where($ != null).orderBy(-$)
$.grid.flatten().select($ ?? 0).sum()
$.grid.flatten().max()
$.grid.flatten().where($ != null).max()
$.knobs.enabled = 'true'
$.knobs.enabled = true
$.knobs.level.toInteger() + 1
int($.knobs.level) > 2
float($.knobs.ratio) * 4
$.knobs.ratio.toFloat() * 4
$.knobs.empty_str or 'default'
$.knobs.empty_str.isEmpty()
$.knobs.zero or 10
$.knobs.no or 'off'
$.knobs.none or 'none'
$.knobs.none = null
$.knobs.none.len()
$.knobs.values().where($ = null).len()
$.knobs.values().where(isString($)).len()
$.knobs.items().where(isString($[1]) and $[1] != '').select($[0]).orderBy($)
$.knobs.keys().where($.contains('_')).orderBy($)
bool($.knobs.enabled)
bool($.knobs.empty_str)
bool($.knobs.zero)
bool($.knobs.none)
str($.knobs.none)
str($.knobs.no)
str($.knobs.zero)
$.knobs.enabled.toUpper() = 'TRUE'
$.knobs.level in ['1', '2', '3']
isString($.knobs.level) and isInteger($.knobs.zero)
isNumber($.knobs.ratio)
isBoolean($.knobs.no)
isList($.grid) and isDict($.knobs)
$.big + 1
$.big * 2
$.big / 2
$.big mod 1000
str($.big)
float($.big)
$.big > 9007199254740992
$.tiny * 1000000
str($.tiny)
$.tiny < 0.001
round($.tiny, 8)
$.half * 2
abs($.half)
round($.half)
round(2.5)
round(-1.5)
round(0.125, 2)
int($.half)
$.half < 0
float($.half)
$.padded.toInteger()
int($.padded)
$.padded + 1
$.padded.len()
$.padded.trimLeft('0')
$.padded.trim('0')
$.hexs.toUpper()
int('0x' + $.hexs)
$.hexs.len()
datetime($.started)
datetime($.finished) - datetime($.started)
(datetime($.finished) - datetime($.started)).totalSeconds
(datetime($.finished) - datetime($.started)).totalMinutes
(datetime($.finished) - datetime($.started)).hours
(datetime($.finished) - datetime($.started)).minutes
(datetime($.finished) - datetime($.started)).seconds
(datetime($.finished) - datetime($.started)) > timespan(hours => 1)
str(datetime($.finished) - datetime($.started))
datetime($.started) + timespan(minutes => 90)
(datetime($.started) + timespan(minutes => 90)).format('%H:%M')
(datetime($.started) - timespan(days => 10)).format('%Y-%m-%d')
datetime($.started).replace(hour => 0, minute => 0, second => 0)
datetime($.started).date
datetime($.started).time
datetime($.started).year + 1
datetime($.started).month
datetime($.started).hour * 60 + datetime($.started).minute
datetime($.started).second
datetime($.started).microsecond
datetime($.started).dayOfYear
datetime($.started).weekday
datetime($.started).format('%j')
datetime($.started).format('%b %d, %Y')
datetime($.started).format('%I:%M %p')
datetime($.started).format('%s')
datetime($.started).format('%Y%m%dT%H%M%S')
datetime($.started).timestamp
datetime($.started) < datetime($.finished)
datetime($.started) = datetime(2024, 3, 10, 1, 59, 30)
datetime(2024, 3, 10, 1, 59, 30).format('%c')
datetime(2024, 12, 31) + timespan(days => 1)
datetime(2024, 2, 28) + timespan(days => 1)
datetime(2023, 2, 28) + timespan(days => 1)
datetime(2024, 1, 31).replace(month => 2)
datetime(2024, 13, 1)
datetime(year => 2020, month => 5, day => 17)
datetime(2020, 5, 17).isoformat()
isDatetime(datetime($.started))
timespan(hours => 36).days
timespan(hours => 36).hours
timespan(hours => 36).totalHours
timespan(seconds => 3661)
str(timespan(seconds => 3661))
timespan(days => 1, hours => -1).totalHours
timespan(minutes => 90) + timespan(minutes => 30)
timespan(minutes => 90) * 2
timespan(minutes => 90) / 3
-timespan(minutes => 1)
timespan(milliseconds => 1500).totalSeconds
timespan(weeks => 2).days
isTimespan(timespan(days => 1))
$.batch_size * $.max_retries
range(0, 10, $.batch_size)
range(0, 10, $.batch_size).select([$, $ + $.batch_size])
range(1, $.max_retries + 1).select(pow(2, $))
range($.max_retries).select($ * 30).sum()
range(10, 0, -3)
range(5).reverse()
range(5).select($ * $).where($ mod 2 = 1)
$.threshold_pct / 100.0
$.threshold_pct / 100
$.threshold_pct > 85
$.threshold_pct + 0.5
-$.threshold_pct
$.userdata.name.replace("'", '')
$.userdata.email.toLower()
$.userdata.email.toLower().split('@')[1]
$.userdata.phones.where($ != '')
$.userdata.phones.where($).len()
$.userdata.phones.select($.replace(' ', ''))
$.userdata.address
$.userdata.address.city
$.userdata.address ?? 'n/a'
$.userdata.keys().orderBy($)
$.userdata.values().where($ = null).len()
$.userdata.name.len()
$.userdata.name + ' <' + $.userdata.email + '>'
$.kv.toDict($.Key, $.Value)
$.kv.toDict($.Key, $.Value).Name
$.kv.where($.Value != '').select($.Key)
$.kv.select(dict($.Key => $.Value))
$.kv.select([$.Key.toLower(), $.Value]).toDict($[0], $[1])
$.kv.where($.Key = 'Env').select($.Value).first('none')
$.kv.select($.Key).join(',')
dict($.kv.select([$.Key, $.Value])).keys().orderBy($)
$.doc.replace('&', '&amp;')
$.doc.len()
regex('<[^>]+>').replace($.doc, '')
$.doc.indexOf('"')
$.doc.split('"')[1]
$.query.q.split(' ')
$.query.page + 1
$.query.tags.join(',')
$.query.items().orderBy($[0]).select($[0] + '=' + str($[1])).join('&')
$.query.get('sort', 'asc')
$.query.keys().len()
env().cloud.region
env().cloud.az.len()
env().cloud.az.select('zone-' + $)
env().notify.first()
env().notify.join(';')
env().dry_run
not env().dry_run
env().max_parallel
env().max_parallel * 2
env().get('max_parallel', 1)
env().cloud.get('az', []).len()
env().missing_key
env().get('missing_key')
env().cloud.region.toLower().replace('one', '1')
env().keys().orderBy($)
env().notify.where($.endsWith('example.com')).len()
env().cloud.az[0]
env().cloud.az[5]
[1, 2, 3].select($ * 2)
[1, 2, 3].where($ > 1).sum()
[3, 1, 2].orderBy($)
[3, 1, 2].orderByDescending($).first()
[1, 2, 2, 3, 3, 3].groupBy($).select([$[0], $[1].len()])
[1, 2, 2, 3].distinct()
[[1, 2], [3, [4, 5]]].flatten()
[1, [2, [3, [4]]]].flatten()
[1, 2, 3].zip([4, 5, 6]).select($[0] * $[1]).sum()
[1, 2, 3].zipLongest([4])
[1, 2, 3].zipLongest([4], default => 0)
[1, 2].cycle().take(5)
[1, 2, 3].aggregate($1 * $2)
[1, 2, 3].aggregate($1 * $2, 10)
[].aggregate($1 + $2)
[].aggregate($1 + $2, 0)
[].sum()
[].max()
[].first()
[].avg()
[1, 2, 3].skip(5)
[1, 2, 3].take(0)
[1, 2, 3].take(-1)
[1, 2, 3].last()
[1, 2, 3][-1]
[1, 2, 3][3]
[1, 2, 3].len()
[1, 2, 3].count()
[1, 2, 3].sum() / [1, 2, 3].len()
[1, 2, 3].avg()
[1, 2, 3, 4].avg()
[1, 2, 3] + [4]
[1, 2, 3].append(4, 5)
[1, 2, 3].insert(1, 9)
[1, 2, 3].insertMany(1, [8, 9])
[1, 2, 3].replace(0, 9)
[1, 2, 3].replaceMany(0, [8, 9])
[1, 2, 3].delete(0)
[1, 2, 3].delete(1, 2)
[1, 2, 1, 3].indexOf(1)
[1, 2, 1, 3].lastIndexOf(1)
[1, 2, 3].contains(2)
2 in [1, 2, 3]
[1, 2] = [1, 2]
[1, 2] < [1, 3]
[1, 2, 3].toSet().union([3, 4].toSet())
[1, 2, 3].toSet().intersect([2, 3, 4].toSet())
[1, 2, 3].toSet().difference([2].toSet())
set(1, 2, 3).contains(2)
set(1, 2) = set(2, 1)
set(1, 2, 3).len()
set(1, 2).add(3)
set(1, 2).remove(1)
set([1, 2])
list(set(3, 1, 2)).orderBy($)
list(1, 2, 3)
list([1, 2], [3])
dict([['a', 1], ['b', 2]])
dict(a => 1).a
{a => 1, b => 2}.values().sum()
{'a' => 1}.set('b', 2)
{'a' => [1]}.a[0]
{}.len()
{}.get('x', 'y')
dict().keys()
[{a => 1}, {a => 2}].a
[{a => 1}, {b => 2}].a
[{a => 1}, {b => 2}].select($.get('a'))
[{a => 1}, {a => 2}].select($.a).sum()
[{a => 1, b => 2}].select($.items()).flatten()
'a,b;c'.split(',')
'a b  c'.split(' ')
'a b  c'.split()
'one two three'.split(' ', 1)
'abc'.characters()
'abc'.toCharArray()
'  pad  '.trim()
'  pad  '.trimLeft() + '|'
'xxhixx'.trim('x')
'Hello'.indexOf('l')
'Hello'.lastIndexOf('l')
'Hello'.substring(1, 3)
'Hello'.substring(10)
'Hello'.toUpper().toLower()
'Hello' * 3
'Hello'.len()
'Hello'.replace('l', 'L', 1)
'Hello'.replace('l', 'L', -1)
'Hello'.startsWith('he')
'Hello'.endsWith('lo', 'xx')
'Hello'.startsWith('H', 'x')
'a' < 'b'
'B' < 'a'
'abc' + 1
'10' + '5'
'10' > '9'
'{0} and {1}'.format('x', 'y')
'{name}'.format(name => 'z')
'{0:05.1f}'.format(3.14159)
'{0:,}'.format(1234567)
'{0!r}'.format('x')
'{}-{}'.format(1, 2)
'{0}'.format()
format('{0:>6}|{1:<6}|', 'r', 'l')
format('{0:x}', 255)
format('{0:b}', 5)
format('{0:.2%}', 0.1234)
'%s-%d'.format(1)
'Hello'.isEmpty()
''.isEmpty()
' '.isEmpty()
'a-b-c'.rightSplit('-', 1)
'a-b-c'.split('-', 1)
'x'.join(['1', '2'])
'x'.join([1, 2])
['1', '2'].join('x')
[1, 2].join('x')
'AbC'.toLower() = 'abc'
'abc'.matches('^a')
'abc'.matches('b')
'abc' =~ 'b'
'abc' !~ 'z'
regex('a(b)c').search('xabcx').groups
regex('a(b)?c').search('ac').groups
regex('(\\d+)-(\\d+)').search('10-20').groups.select($.value)
regex('x').search('abc')
regex('(a)(b)').search('ab').value
regex('[').search('x')
regex('a+', ignoreCase => true).search('AAA').value
regex('^b', multiLine => true).searchAll('a\nb\nbb').len()
regex('.').searchAll('a\nb').len()
regex('a.b', dotAll => true).matches('a\nb')
regex('(?i)hello').matches('HELLO world')
regex(',\\s*').split('a, b,c ,  d')
regex('(\\d)').replace('a1b2', '[\\1]')
regex('(?P<n>\\d)').replace('a1b2', '<\\g<n>>')
regex('\\d').replace('a1b2c3', '#', 2)
escapeRegex('a.b*c')
'a.b'.replace('.', '\\.')
'price: 42 USD'.matches('\\d+')
regex('\\d+').search('price: 42 USD').value.toInteger() * 2
regex('(\\w+)@(\\w+)\\.com').search('mail bob@site.com now').groups.select($.value)
regex('\\d+').searchAll('a1b22c333').select($.value.len())
regex('(\\d)(\\d)?').searchAll('1 23').select($.groups.select($.value))
regex('x').matches(null)
1 + 2 * 3
(1 + 2) * 3
7 / 2
7 // 2
-7 // 2
-7 mod 3
7.0 / 2
2 * 3.0
10 / 4.0
1 / 3
1 / 0
1.0 / 0
0 / 0
2 ** 10
pow(2, 10)
pow(2, -1)
pow(2, 0.5)
pow(2, 3, 5)
abs(-3.5)
max(1, 5, 3)
max([1, 5, 3])
min(4, 2)
max('a', 'b')
max(1, 'a')
round(3.14159, 2)
round(3.5)
round(-2.5)
round(1234, -2)
int(3.99)
int(-3.99)
int('12')
int('12.5')
int(null)
int(true)
float('1e3')
float('abc')
float(2)
str(1.0)
str(1e20)
str(0.1 + 0.2)
str(true)
str(null)
str([1, 'a'])
str({a => 1})
1 = 1.0
1 < 2 and 2 < 3
not true or true
true and null
null or false
null = null
null != 1
null < 1
1 + null
'a' in 'cat'
'ca' in ['cat']
[] = []
{} = {}
2 > 1 > 0
bitwiseAnd(12, 10)
bitwiseOr(12, 10)
bitwiseXor(12, 10)
bitwiseNot(5)
shiftBitsLeft(1, 10)
shiftBitsRight(1024, 3)
isInteger(1.0)
isInteger(1)
isNumber(true)
isString('')
isList([])
isList('ab')
isDict({})
isSet(set())
sign(-3)
sign(0)
1e3
1.5e-3
0.1 + 0.2
1000000 * 1000000
9999999999999999999 + 1
-0.0
3 > 2.5
true = 1
false = 0
true + 1
[1, 2, 3].select($ / 2)
[1, 2, 3].select(float($) / 2)
[1.5, 2.5].sum()
[0.1, 0.2, 0.3].sum()
[1, 2.0].sum()
[1, '2'].sum()
['a', 'b'].sum()
[[1], [2]].sum()
[true, false, true].where($).len()
[null, 1, null].where($ = null).len()
[null, 1].select($ = null)
[null, 'a', null].distinct()
['b', 'a', 'B'].orderBy($)
['b', 'a', 'B'].orderBy($.toLower())
[1, 'a'].orderBy($)
[[2, 'b'], [1, 'z'], [2, 'a']].orderBy($[0]).thenBy($[1])
[{n => 2}, {n => 1}].orderBy($.n).n
[{n => 2}, {n => null}].orderBy($.n)
len([1, 2])
len('abc')
len({a => 1})
len(null)
len(5)
[1, 2, 3].first() + [1, 2, 3].last()
[1, 2, 3].select([$]).flatten()
[1, 2, 3].selectMany([$, $ * 10])
[[1, 2], [3]].selectMany($)
[1, 2, 3].where($ > 1).select($ * 2).orderBy(-$).first()
[1, 2, 3].any()
[].any()
[].all($ > 0)
[0, null, ''].any()
[0, 1].all()
[1, 2, 3].where($ > 5).firstOrDefault
[1, 2, 3].indexWhere($ > 1)
[1, 2, 3].lastIndexWhere($ > 1)
[1, 2, 3].takeWhile($ < 3)
[1, 2, 3].skipWhile($ < 2)
[1, 2, 3].sequence()
[1, 2, 3].slice(2)
[1, 2, 3, 4, 5].splitAt(2)
[1, 2, 3, 4].splitWhere($ mod 2 = 0)
[1, 2, 3, 4].sliceWhere($ mod 2 = 0)
[1, 2, 3].repeat(2)
repeat('x', 3)
repeat(1).take(3)
[3, 1, 2].reverse()
[1, 2].distinct($ mod 1)
[1, 2, 3, 4].groupBy($ mod 2).toDict($[0], $[1])
[1, 2, 3, 4].groupBy($ mod 2, $ * 10, $.sum())
[1, 2, 3, 4].groupBy($ mod 2, aggregator => [$[0], $[1].len()])
['apple', 'avocado', 'banana'].groupBy($[0]).select([$[0], $[1].len()])
['apple', 'avocado', 'banana'].toDict($, $.len())
[['k', 'v'], ['k2', 'v2']].toDict($[0], $[1])
[1, 2, 3].toDict($, $ * $)
[1, 2, 3].select(str($)).toDict($, 1).keys()
[1, 2, 3].mergeWith([4])
{a => {b => 1}}.mergeWith({a => {c => 2}})
{a => [1]}.mergeWith({a => [2]})
{a => [1]}.mergeWith({a => [1, 2]}, listMerger => $1.union($2))
{a => 1}.mergeWith({a => 2}, itemMerger => $1 + $2)
{a => 1, b => 2}.items().select($[0] + str($[1]))
{a => 1, b => 2}.where($.value > 1)
{a => 1, b => 2}.select($.key)
{a => 1, b => 2}.keys().orderBy($).reverse()
{a => 1, b => 2}.delete('a')
{a => 1, b => 2}.get('c', {a => 1}.a)
{a => null}.a ?? 'x'
{a => null}.get('a', 'x')
{a => 1}.b
{a => 1}['b']
{a => 1}[0]
[1, 2]['a']
[1, 2].a
'abc'.a
5.a
null.a
$.nope
$.nope.deeper
$.nope ?? 'fallback'
$
$.keys().len() > 0
len($) > 0
#inline
Order <% $.orders[0].id %> for <% $.orders[0].customer %>: <% $.orders[0].total %>
<% $.alerts.len() %> alerts (<% $.alerts.where($.sev = 'critical').len() %> critical)
stack=<% $.stack.stack_name %> status=<% $.stack.stack_status %>
VIP is <% $.stack.outputs[0].output_value %>:<% $.stack.outputs[2].output_value %>
<% $.releases %>
[<% $.grid %>]
<% $.counts %>
<% $.knobs.none %>|<% $.knobs.no %>|<% $.knobs.zero %>|<% $.knobs.empty_str %>|
<% $.half %> and <% $.tiny %> and <% $.big %>
<% datetime($.started) %>
<% datetime($.finished) - datetime($.started) %>
<% $.label %>!
<% $.orders[0].items[0] %>
<% set(1, 2) %>
<% $.stdout %>
  <% $.cron %>  
<% 1 %><% 2 %>
<% 'a' %> <% 'b' %>
<% 1.5 %> <% 2.0 %> <% 1e-7 %>
<% true %> <% null %>
<% [] %>
<% $.query %>
<% env().cloud %>
<% $.nope %>
100%% <% 1 %>
<%$.batch_size%>
"""

# Jinja expressions, one a line (wrapped in {{ }} unless the line has {{ or {%)
JINJA = r"""
_.orders | selectattr('status', 'eq', 'shipped') | map(attribute='id') | list
_.orders | selectattr('status', 'equalto', 'shipped') | sum(attribute='total')
_.orders | map(attribute='total') | sum
_.orders | sum(attribute='total') | round(2)
_.orders | selectattr('coupon') | map(attribute='customer') | unique | list
_.orders | rejectattr('coupon') | list | length
_.orders | selectattr('coupon', 'none') | map(attribute='id') | list
_.orders | selectattr('coupon', 'defined') | list | length
_.orders | map(attribute='items') | map('length') | list
_.orders | map(attribute='items') | sum(start=[]) | map(attribute='sku') | unique | sort | list
_.orders | groupby('customer') | map(attribute='grouper') | list
_.orders | groupby('status') | map('last') | map('length') | list
_.orders | groupby('customer') | map('first') | list
_.orders | groupby('customer', default='?') | length
_.orders | groupby('coupon', default='NONE') | map(attribute='grouper') | list
_.orders | groupby('customer', case_sensitive=true) | map(attribute='grouper') | list
_.orders | sort(attribute='total') | map(attribute='id') | list
_.orders | sort(attribute='total', reverse=true) | first
_.orders | sort(attribute='customer,total') | map(attribute='id') | list
_.orders | sort(attribute='customer', case_sensitive=true) | map(attribute='customer') | list
_.orders | sort(attribute='coupon') | map(attribute='id') | list
_.orders | max(attribute='total')
_.orders | min(attribute='total') | attr('id')
(_.orders | max(attribute='total')).id
_.orders | map(attribute='customer') | max
_.orders | map(attribute='customer') | min(case_sensitive=true)
_.orders | map(attribute='total') | map('int') | list
_.orders | map(attribute='total') | map('round', 1, 'floor') | list
_.orders | map(attribute='total') | map('string') | join(', ')
_.orders | map(attribute='total') | select('gt', 50) | list
_.orders | map(attribute='total') | reject('eq', 0) | list
_.orders | map(attribute='total') | select('divisibleby', 5) | list
_.orders | map(attribute='total') | select('integer') | list
_.orders | map(attribute='total') | select('float') | list
_.orders | map(attribute='created') | map('truncate', 13, true, '') | list
_.orders | map(attribute='created') | map('replace', 'T', ' ') | list
_.orders | map(attribute='created') | sort | last
_.orders | map(attribute='id') | join(',')
_.orders | join(',', attribute='id')
_.orders | map(attribute='missing') | list
_.orders | map(attribute='missing', default='-') | list
_.orders | map(attribute='items.0.sku', default='none') | list
_.orders | map(attribute='items.0.sku') | list
_.orders | selectattr('items') | map(attribute='items.0.price') | list
_.orders | selectattr('total', 'gt', 20) | selectattr('coupon') | map(attribute='id') | first
_.orders | selectattr('customer', 'in', ['max', 'Ana']) | list | length
_.orders | selectattr('customer', 'match', '[A-Z]') | map(attribute='customer') | list
_.orders | selectattr('id', 'search', '10[13]') | map(attribute='id') | list
_.orders | selectattr('customer', 'lower') | map(attribute='customer') | list
_.orders | selectattr('total', 'number') | list | length
_.orders | selectattr('total', 'odd') | list
_.orders | unique(attribute='customer') | map(attribute='id') | list
_.orders | map(attribute='customer') | unique(case_sensitive=true) | list
_.orders | batch(3) | map('length') | list
_.orders | batch(3, 'pad') | last | last
_.orders | slice(3) | map('length') | list
_.orders | slice(3, 'x') | map('length') | list
_.orders | length
_.orders | count
_.orders | first | attr('customer') | upper
_.orders | last | tojson
_.orders[0] | tojson
_.orders[0] | tojson(indent=2)
_.orders[0] | dictsort | map('first') | list
_.orders[0] | dictsort(by='key', reverse=true) | first
_.orders[0].items | tojson
_.orders[0] | items | list | length
_.orders[0].keys() | sort
_.orders[0].get('coupon', 'n/a')
_.orders[0].get('coupon') or 'n/a'
_.orders[0].coupon | default('n/a')
_.orders[0].coupon | default('n/a', true)
_.orders[0].nope | default('n/a')
_.orders[0].nope.deeper | default('n/a')
_.orders[0]['customer'] | length
_.orders[0].customer[0]
_.orders[0].customer | list
_.orders[0].customer | reverse
_.orders[0].created[:10]
_.orders[0].total | int
_.orders[0].total | round
_.orders[0].total | round(0, 'ceil')
_.orders[0].total | round(-1)
_.orders[0].total | abs
_.orders[0].total // 10
_.orders[0].total % 10
_.orders[0].total ** 2
_.orders[0].total | string | length
_.orders[0].total ~ ' EUR'
_.orders[0].total + ' EUR'
_.orders[0].items[5]
_.orders[0].missing
_.orders[0].missing.deeper
_.orders[9]
_.orders[9].id
_.orders.missing
_.orders | map(attribute='total') | sum / _.orders | length
(_.orders | map(attribute='total') | sum) / (_.orders | length)
_.orders | selectattr('status', 'ne', 'cancelled') | map(attribute='total') | max
_.orders | selectattr('status', '==', 'pending') | list | length
_.orders | selectattr('total', '>=', 64.25) | map(attribute='id') | list
_.orders | map(attribute='status') | map('upper') | list | unique | list
_.orders | map(attribute='status') | map('capitalize') | join('/')
_.orders | map(attribute='customer') | map('center', 7) | list
_.orders | map(attribute='customer') | map('lower') | unique | list | length
_.orders | map(attribute='id') | map('replace', 'o-', '') | map('int') | max
_.orders | map(attribute='id') | zip(_.orders | map(attribute='total')) | list
dict(_.orders | map(attribute='id') | zip(_.orders | map(attribute='status')))
_.orders | items
_.orders | dictsort
_.orders | sum
_.orders | join
_.orders | map('upper') | list
_.orders | map(attribute='items') | map('sum', attribute='qty') | list
_.orders | map(attribute='items') | map('map', attribute='sku') | map('join', '+') | list
_.alerts | groupby('sev') | map(attribute='grouper') | list
_.alerts | groupby('labels.env') | map('first') | list
_.alerts | groupby('labels.team', default='none') | map(attribute='grouper') | list
_.alerts | groupby('labels.team') | list
_.alerts | selectattr('labels.team', 'defined') | map(attribute='host') | list
_.alerts | selectattr('labels.team', 'undefined') | map(attribute='host') | list
_.alerts | selectattr('labels.team', 'eq', 'web') | map(attribute='metric') | list
_.alerts | selectattr('value', 'ge', 90) | map(attribute='host') | join(', ')
_.alerts | map(attribute='value') | max
_.alerts | map(attribute='value') | min
_.alerts | map(attribute='value') | sum / (_.alerts | length)
_.alerts | map(attribute='value') | map('float') | list
_.alerts | map(attribute='value') | map('round') | map('int') | list
_.alerts | map(attribute='value') | map('int') | sum
_.alerts | map(attribute='host') | unique | sort | list
_.alerts | map(attribute='host') | unique | list | length
_.alerts | map(attribute='labels') | map(attribute='env') | list
_.alerts | map(attribute='labels') | map('length') | list
_.alerts | map(attribute='labels') | map('dictsort') | map('first') | list
_.alerts | map(attribute='labels') | map('tojson') | list
_.alerts | map(attribute='sev') | map('first') | join
_.alerts | map(attribute='sev') | map('truncate', 4, true, '') | list
_.alerts | map(attribute='sev') | select('sameas', 'info') | list
_.alerts | map(attribute='sev') | select('in', ['info', 'debug']) | list
_.alerts | sort(attribute='value') | map(attribute='host') | list
_.alerts | sort(attribute='sev,value', reverse=true) | map(attribute='host') | list
_.alerts | sort(attribute='labels.env') | map(attribute='host') | list
_.alerts | rejectattr('sev', 'eq', 'info') | list | length
_.alerts | reject('none') | list | length
_.alerts | select | list | length
_.alerts | selectattr('value', 'gt', 1000) | list
_.alerts | selectattr('value', 'gt', 1000) | first
_.alerts | selectattr('value', 'gt', 1000) | first | default('none')
_.alerts | selectattr('value', 'gt', 1000) | map(attribute='host') | join(',') or 'nobody'
_.alerts | unique(attribute='host') | map(attribute='sev') | list
_.alerts | max(attribute='value') | attr('host')
_.alerts | min(attribute='labels.env')
_.alerts[0].labels | dictsort | list
_.alerts[0].labels | xmlattr
_.alerts[0].labels | urlencode
_.alerts[0].labels.items() | list
_.alerts[0].labels.values() | list
_.alerts[0].labels.team ~ '/' ~ _.alerts[0].labels.env
_.alerts[3].labels.team
_.alerts[3].labels.team | default('unowned')
_.alerts[3].labels.team is defined
_.alerts[3].labels.team is undefined
_.alerts[3].labels.get('team', 'x')
_.alerts[1].value is integer
_.alerts[0].value is float
_.alerts[0].value is number
_.alerts[0].host is string
_.alerts[0].labels is mapping
_.alerts is sequence
_.alerts is iterable
_.alerts[0].host is lower
_.alerts[0].sev is in ['critical']
_.alerts[1].value is even
_.alerts[1].value is divisibleby(9)
_.alerts[1].value is gt(80)
_.alerts[1].value is ge 81
_.alerts[1].value is eq 81.0
_.alerts[1].value is sameas 81
_.alerts[0].labels.env is none
_.alerts[0] is callable
none is none
_.alerts | length is odd
_.stack.outputs | selectattr('output_key', 'eq', 'vip') | map(attribute='output_value') | first
_.stack.outputs | items2dict(key_name='output_key', value_name='output_value')
dict(_.stack.outputs | map(attribute='output_key') | zip(_.stack.outputs | map(attribute='output_value')))
_.stack.outputs | map(attribute='output_key') | list
_.stack.outputs | map(attribute='output_value') | select('string') | list
_.stack.outputs | map(attribute='output_value') | select('sequence') | list
_.stack.outputs | map(attribute='output_value') | select('number') | first + 1
_.stack.outputs | selectattr('output_key', 'eq', 'nodes') | map(attribute='output_value') | first | join(',')
_.stack.outputs | selectattr('output_key', 'eq', 'nope') | map(attribute='output_value') | first
_.stack.outputs | selectattr('output_key', 'eq', 'nope') | map(attribute='output_value') | first | default('-')
_.stack.stack_status.endswith('_COMPLETE')
_.stack.stack_status.split('_') | last
_.stack.stack_status.split('_', 1)
_.stack.stack_status.rsplit('_', 1)[0]
_.stack.stack_status.partition('_')
_.stack.stack_status | lower | replace('_', ' ') | title
_.stack.stack_status in ['CREATE_COMPLETE', 'UPDATE_COMPLETE']
_.stack.stack_status.startswith(('CREATE', 'UPDATE'))
_.stack.parameters.count | int * 2
_.stack.parameters.count * 2
_.stack.parameters.count + 1
_.stack.parameters['OS::stack_id']
_.stack.parameters | dictsort | map('first') | reject('search', '::') | list
_.stack.parameters.items() | rejectattr(0, 'search', '::') | map('first') | sort | list
_.stack.parameters | length
_.stack.parameters.flavor.split('.')[-1]
_.stack.parameters.flavor.upper()
_.stack.parameters.flavor | upper
_.stack.stack_name | replace('-', '_') | upper
_.stack | tojson | length > 10
_.stack.outputs[0].output_value.split('.') | map('int') | list
_.stack.outputs[0].output_value.split('.') | last
_.stack.outputs[0].output_value is match('\\d+\\.')
_.stdout.splitlines()
_.stdout.splitlines() | length
_.stdout.split('\n')
_.stdout.strip().split('\n') | last
_.stdout.splitlines() | select('match', 'ERROR') | list
_.stdout.splitlines() | select('search', 'files') | first
_.stdout.splitlines() | reject('match', '(WARN|ERROR)') | list | length
_.stdout.splitlines() | map('length') | max
_.stdout.splitlines() | map('trim') | map('lower') | list
_.stdout.splitlines() | map('regex_replace', '\\d+', 'N') | list
_.stdout | regex_search('Copied (\\d+) files')
_.stdout | regex_search('Copied (\\d+) files', '\\1')
_.stdout | regex_findall('\\d+')
_.stdout | regex_findall('\\d+') | map('int') | sum
_.stdout | regex_replace('\\n', ' ')
_.stdout | regex_escape
'ERROR' in _.stdout
_.stdout.count('\n')
_.stdout.find('Done')
_.stdout.index('nope')
_.stdout | wordcount
_.stdout | truncate(20)
_.stdout | truncate(20, true)
_.stdout | truncate(20, false, '…', 0)
_.stdout | wordwrap(15)
_.stdout.splitlines()[0] | wordwrap(10, true, '|')
_.stdout.splitlines()[0] | wordwrap(5, false)
_.stdout | indent
_.stdout | indent(2, true)
_.stdout | indent(first=true, blank=true)
_.stdout.splitlines()[0] | center(30)
_.stdout | length
_.stdout | replace('\n', ';', 2)
_.stdout | trim | replace('\n', ' / ')
_.stdout.splitlines()[-1] | replace('Done in ', '') | replace('s', '') | float
_.stdout.splitlines() | batch(2) | map('join', ' ') | list
_.stdout.upper().count('E')
_.stdout[:8]
_.stdout[-6:]
_.releases | sort | list
_.releases | sort | first
_.releases | sort(reverse=true) | first
_.releases | map('replace', 'v', '') | list
_.releases | map('replace', 'v', '') | map('split', '.') | list
_.releases | reject('search', '-') | list
_.releases | select('match', 'v1\\.') | list | length
_.releases | map('length') | list
_.releases | max
_.releases | min
_.releases | unique | list
_.releases | first | upper
_.releases | last
_.releases | reverse | list
_.releases | random is string
_.releases | join(' < ')
_.releases | batch(2) | list
_.releases | slice(2) | list
_.releases[1:3]
_.releases[::-1]
_.releases.index('v0.9')
_.releases | list | length
_.releases | map('regex_search', '^v(\\d+)', '\\1') | list
_.releases | map('regex_replace', '^v', '') | map('regex_replace', '-.*', '') | list
_.objects | sum(attribute='size') | filesizeformat
_.objects | map(attribute='size') | map('filesizeformat') | list
_.objects | map(attribute='size') | map('filesizeformat', true) | list
_.objects | selectattr('size', 'gt', 0) | map(attribute='key') | list
_.objects | selectattr('key', 'match', 'logs/') | sum(attribute='size')
_.objects | map(attribute='key') | map('split', '/') | map('last') | list
_.objects | map(attribute='key') | map('split', '/') | map('first') | unique | list
_.objects | sort(attribute='modified') | map(attribute='key') | first
_.objects | sort(attribute='size', reverse=true) | map(attribute='key') | list
_.objects | map(attribute='modified') | map('truncate', 10, true, '') | list
_.objects | map(attribute='modified') | map(attribute='year') | list
_.objects | groupby('size') | map(attribute='grouper') | list
_.objects | max(attribute='size') | attr('key')
_.objects | map(attribute='size') | map('int') | sum // 1024
_.objects | map(attribute='size') | map('float') | sum / 1048576
(_.objects | sum(attribute='size') / 1073741824) | round(3)
_.objects[0].key.rsplit('.', 1)
_.objects[0].key.split('/')[1:]
_.objects[0].key.endswith('.gz')
_.objects[0].key | urlencode
_.objects[0] | urlencode
_.inventory | dictsort | map('first') | list
_.inventory.keys() | list | sort
_.inventory.items() | selectattr('1.groups', 'contains', 'eu') | map('first') | list
_.inventory | dict2items | selectattr('value.vars.port', 'defined') | map(attribute='key') | list
_.inventory.values() | map(attribute='groups') | sum(start=[]) | unique | sort | list
_.inventory.values() | map(attribute='vars.port', default=22) | list
_.inventory.values() | map(attribute='vars') | map('length') | list
_.inventory.db01.vars.port
_.inventory.db01.vars.primary | string
_.inventory.web02.vars.port
_.inventory.web02.vars.port | default(22)
_.inventory.web09
_.inventory.web09 | default({})
_.inventory['web01'].groups | join(',')
_.inventory | length
_.inventory | list | sort
_.inventory | first
_.inventory | sort
_.inventory | dictsort(true)
_.inventory | dictsort(false, 'value') | map('first') | list
_.inventory | tojson | length
_.inventory.web01 | tojson
_.inventory.get('web09', {}).get('vars', {}).port
_.inventory.get('web09', {}).vars
_.inventory.web01.vars.items() | list
'web01' in _.inventory
'web09' not in _.inventory
_.inventory.web01.groups | select('in', ['eu', 'us']) | list
_.cidr.split('/')[1] | int
_.cidr.split('/')[0].split('.') | map('int') | list
2 ** (32 - _.cidr.split('/')[1] | int)
2 ** (32 - (_.cidr.split('/')[1] | int))
_.cidr is match('^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$')
_.cidr.partition('/')[2]
_.cron.split()
_.cron.split() | length == 5
_.cron.split()[0] | replace('*/', '') | int
_.cron.split()[1].split('-') | map('int') | list
_.cron | wordcount
_.title | title
_.title | capitalize
_.title.title()
_.title.capitalize()
_.title.split() | map('capitalize') | join(' ')
_.title.split() | unique | list | length
_.title.split() | select('gt', 'm') | list
_.title | replace('the ', '') | title
_.title | truncate(16)
_.title | truncate(16, true)
_.title | truncate(16, true, '')
_.title | truncate(50)
_.title | truncate(44)
_.title | truncate(45)
_.title | wordwrap(20)
_.title | wordwrap(20, break_long_words=false, wrapstring='<br>')
_.title | center(60)
_.title | center(10)
_.title.count('the')
_.title.find('king')
_.title.rfind('the')
_.title.split(': ')
_.title.zfill(50)
_.title.ljust(50, '.')
_.title.rjust(50)
_.title.swapcase()
_.title.islower()
_.title.isalpha()
_.title.startswith('the lord')
_.title.replace('the', 'THE', 1)
_.title[4:8]
_.title[-4:] | upper
_.title | list | unique | list | length
_.title | length
_.title | wordcount
_.title | urlencode
_.title | format
_.title ~ '!'
_.title * 2 | length
_.label | length
_.label | upper
_.label | lower
_.label | title
_.label | capitalize
_.label | list | first
_.label | reverse
_.label | urlencode
_.label | tojson
_.label | escape
_.label | truncate(10)
_.label | center(24, '*')
_.label.split()
_.label.encode('utf-8') | length
_.label.split(' — ') | last
_.label[6:10]
_.label is string
_.label | wordcount
_.counts | dictsort | list
_.counts | dictsort(by='value') | map('first') | list
_.counts | dictsort(by='value', reverse=true) | first | first
_.counts.values() | sum
_.counts.values() | max
_.counts | dict2items | selectattr('value', 'eq', 0) | map(attribute='key') | list
_.counts.items() | selectattr(1, 'gt', 0) | map(attribute=0) | list
_.counts.items() | rejectattr('1') | map('first') | list
_.counts.ok / (_.counts.ok + _.counts.failed)
_.counts.failed / _.counts.ok
_.counts.ok / _.counts.failed
_.counts.ok // _.counts.failed
(100 * _.counts.ok / (_.counts.values() | sum)) | round(2)
'%.1f%%' % (100 * _.counts.ok / (_.counts.values() | sum))
'{:.1%}'.format(_.counts.ok / (_.counts.values() | sum))
_.counts | length
_.counts | list | sort | join(',')
_.counts | urlencode
_.counts | tojson
_.counts | xmlattr
_.counts.get('failed', 1) == 0
_.counts.failed or _.counts.skipped
_.counts.failed and _.counts.skipped
_.counts | max
_.counts | sort | first
_.grid | flatten
_.grid | sum(start=[])
_.grid | sum(start=[]) | reject('none') | list
_.grid | sum(start=[]) | reject('none') | sum
_.grid | map('length') | list
_.grid | select | map('first') | list
_.grid | reject | list | length
_.grid | map('select') | map('list') | list
_.grid | map('reject', 'none') | map('sum') | list
_.grid | map('join', ',') | list
_.grid | map('string') | list
_.grid[0][1]
_.grid[0][1] is none
_.grid[1][0]
_.grid[1] | first
_.grid[1] | first | default('empty')
_.grid[1] | max
_.grid[0] | sum
_.grid[0] | select('number') | sum
_.grid[0] | map('default', 0) | sum
_.grid | first | last
_.grid | tojson
_.grid | length
_.knobs.enabled == 'true'
_.knobs.enabled | bool
_.knobs.enabled | lower in ['true', 'yes', '1']
_.knobs.level | int + 1
_.knobs.level | int > 2
_.knobs.ratio | float * 4
_.knobs.ratio | int
_.knobs.ratio | int(default=-1)
_.knobs.ratio | float(default=-1.0)
_.knobs.level | float
_.knobs.empty_str or 'default'
_.knobs.empty_str | default('default')
_.knobs.empty_str | default('default', true)
_.knobs.empty_str | d('x', boolean=true)
_.knobs.zero | default(10)
_.knobs.zero | default(10, true)
_.knobs.no | default('off', true)
_.knobs.none | default('none')
_.knobs.none | default('none', true)
_.knobs.none | string
_.knobs.none | length
_.knobs.none | int
_.knobs.none | upper
_.knobs.none.attr
_.knobs.none ~ 'x'
_.knobs.none + 1
_.knobs.none == none
_.knobs.none is none
_.knobs.none is defined
_.knobs.values() | select('none') | list | length
_.knobs.values() | select('string') | list | length
_.knobs.values() | reject | list | length
_.knobs | dictsort | selectattr(1, 'string') | map('first') | list
_.knobs.keys() | select('search', '_') | list
_.knobs.no | string
_.knobs.no | int
_.knobs.zero | string
_.knobs.level is number
_.knobs.level is string
_.knobs.zero is false
_.knobs.no is false
_.knobs.no is boolean
_.knobs.zero is boolean
_.knobs.zero is integer
_.big + 1
_.big * 2
_.big / 2
_.big // 2
_.big % 1000
_.big | string
_.big | float
_.big | int
_.big > 9007199254740992
_.big | filesizeformat
_.tiny * 1000000
_.tiny | string
_.tiny | round(8)
_.tiny | round(5)
_.tiny < 0.001
_.tiny | float
'%f' % _.tiny
'%g' % _.tiny
'%e' % _.tiny
_.half * 2
_.half | abs
_.half | round
_.half | round(0, 'ceil')
_.half | round(0, 'floor')
_.half | int
_.half | string
-_.half
_.half < 0
2.5 | round
3.5 | round
-2.5 | round
0.125 | round(2)
1.005 | round(2)
1234 | round(-2)
1234.5 | round(-2)
_.padded | int
_.padded | int + 1
_.padded + 1
_.padded ~ 1
_.padded | length
_.padded.lstrip('0')
_.padded.strip('0')
_.padded | float
_.padded.isdigit()
_.hexs | int(base=16)
_.hexs | int(0, 16)
('0x' ~ _.hexs) | int(0, 0)
('0x' ~ _.hexs) | int(base=16)
_.hexs | upper
_.started[:10]
_.started.split('T')
_.started.split('T')[1].split(':') | map('int') | list
_.started < _.finished
_.started.replace('T', ' ')
_.batch_size * _.max_retries
range(0, 10, _.batch_size) | list
range(0, 10, _.batch_size) | map('string') | join(',')
range(1, _.max_retries + 1) | map('pow', 2) | list
range(_.max_retries) | map('string') | list
range(10, 0, -3) | list
range(5) | reverse | list
range(5) | select('odd') | list
range(5) | sum
range(_.batch_size) | list | length
_.threshold_pct / 100
_.threshold_pct // 100
_.threshold_pct > 85
_.threshold_pct + 0.5
-_.threshold_pct
_.threshold_pct | string + '%'
_.userdata.name
_.userdata.name | replace("'", '')
_.userdata.name | escape
_.userdata.name | tojson
_.userdata.email | lower
_.userdata.email.lower().split('@')[1]
_.userdata.email | regex_replace('@.*', '')
_.userdata.phones | select | list
_.userdata.phones | reject('eq', '') | map('replace', ' ', '') | list
_.userdata.phones | length
_.userdata.address
_.userdata.address.city
_.userdata.address.city | default('n/a')
_.userdata.address | default('n/a', true)
(_.userdata.address or {}).city | default('n/a')
_.userdata.keys() | sort
_.userdata.values() | select('none') | list | length
_.userdata | dictsort | map('first') | list
_.userdata.name ~ ' <' ~ _.userdata.email ~ '>'
'%s <%s>' % (_.userdata.name, _.userdata.email)
'{} <{}>'.format(_.userdata.name, _.userdata.email)
'{name}'.format(name=_.userdata.name)
'{0[name]}'.format(_.userdata)
_.kv | items2dict(key_name='Key', value_name='Value')
_.kv | items2dict(key_name='Key', value_name='Value') | dictsort | list
_.kv | selectattr('Value') | map(attribute='Key') | list
_.kv | selectattr('Key', 'eq', 'Env') | map(attribute='Value') | first | default('none')
_.kv | map(attribute='Key') | map('lower') | list
_.kv | map(attribute='Value') | map('default', 'x', true) | list
_.kv | map(attribute='Key') | join(',')
_.kv | length
_.kv | items2dict
_.kv | groupby('Value') | map(attribute='grouper') | list
_.doc | escape
_.doc | e
_.doc | forceescape
_.doc | striptags
_.doc | length
_.doc | urlencode
_.doc | tojson
_.doc | safe
_.doc | replace('&', '&amp;')
_.doc | wordcount
_.doc.split('"')[1]
_.query | urlencode
_.query.q | urlencode
_.query.tags | urlencode
_.query.page + 1
_.query.tags | join(',')
_.query | dictsort | map('join', '=') | list
_.query.get('sort', 'asc')
_.query | length
_.query | xmlattr
env().cloud.region
env().cloud.az | length
env().cloud.az | map('regex_replace', '^', 'zone-') | list
env().notify | first
env().notify | join(';')
env().dry_run
not env().dry_run
env().max_parallel * 2
env().get('max_parallel', 1)
env().missing_key
env().missing_key | default('x')
env().cloud.get('az', []) | length
env().cloud.region | lower | replace('one', '1')
env() | dictsort | map('first') | list
env().notify | select('search', 'example\\.com$') | list | length
env().cloud.az[0]
env().cloud.az[5]
env().cloud.az[5] | default('az?')
env() | length
env().cloud | tojson
json_dump(env().cloud)
yaml_dump(env().cloud)
yaml_dump(_.orders[0])
yaml_dump(_.orders[1].items)
yaml_dump(_.stack.outputs)
yaml_dump(_.label)
yaml_dump(_.stdout)
yaml_dump(_.knobs)
yaml_dump(_.counts)
yaml_dump(_.grid)
yaml_dump(_.big)
yaml_dump(_.tiny)
yaml_dump(_.half)
yaml_dump(_.padded)
yaml_dump(_.cron)
yaml_dump(_.doc)
yaml_dump(_.userdata)
yaml_dump(_.releases)
json_dump(_.orders[0])
json_dump(_.label)
json_dump(_.stdout)
json_dump(_.knobs)
json_dump(_.grid)
json_dump(_.big)
json_dump(_.tiny)
json_dump(_.half)
json_dump(_.doc)
json_dump(_.counts) | length
json_parse(json_dump(_.orders[0])).id
json_parse(_.stack.outputs[0].output_value)
json_parse('[1, 2, 3]') | sum
json_parse('{"a": {"b": null}}').a.b is none
json_parse('{"a": 1}').b
json_parse('1e400')
json_parse('NaN')
json_parse('')
json_parse('{bad}')
json_parse(_.big | string)
yaml_parse('a: 1\nb: [2, 3]').b | sum
yaml_parse('- x\n- y') | join
yaml_parse('key: value').key
yaml_parse('n: 010').n
yaml_parse('n: 0o10').n
yaml_parse('d: 2024-01-01').d
yaml_parse('t: 12:30').t
yaml_parse('v: 1_000').v
yaml_parse('v: .inf').v
yaml_parse('a: [1, 2')
yaml_parse('a: b: c')
yaml_parse('!!python/object:os.system x')
yaml_parse(yaml_dump(_.orders[0])).customer
yaml_parse(_.cron)
yaml_parse(_.title)
uuid() | length
uuid() is string
uuid().count('-')
_.orders | map(attribute='total') | map('filesizeformat') | list
[1, 2, 3] | map('string') | join('-')
[1, 2, 3] | sum(start=10)
[1, 2, 3] | sum(attribute='x')
[1, 2, 3] | batch(2) | list
[1, 2, 3] | batch(2, 0) | list
[1, 2, 3, 4, 5] | slice(2) | list
[1, 2, 3, 4, 5] | slice(3, 0) | list
[3, 1, 2] | sort | list
[3, 1, 2] | sort(reverse=true) | list
['b', 'A', 'c'] | sort | list
['b', 'A', 'c'] | sort(case_sensitive=true) | list
['b', 'A', 'a'] | unique | list
['b', 'A', 'a'] | unique(true) | list
['b', 'A', 'c'] | max
['b', 'A', 'c'] | min
[1, 'a'] | max
[] | max
[] | sum
[] | first
[] | last
[] | join(',')
[] | batch(2) | list
[] | random
[none, 1] | sort
[none, 1] | max
[[1, 2], [3]] | map('sum') | list
[[1, 2], [3]] | sum(start=[])
[{'a': 1}, {'a': 2}] | map(attribute='a') | sum
[{'a': 1}, {'b': 2}] | map(attribute='a') | list
[{'a': 1}, {'b': 2}] | selectattr('a') | list
[{'a': 1}, {'b': 2}] | selectattr('a', 'defined') | list
[{'a': 1}, {'a': 2}] | sum(attribute='a')
[{'a': {'b': 5}}] | map(attribute='a.b') | first
[{'a': [7, 8]}] | map(attribute='a.1') | first
[(1, 'x'), (2, 'y')] | map('last') | join
[1, 2, 3] | select('>', 1) | list
[1, 2, 3] | select('lessthan', 3) | list
[1, 2, 3] | reject('==', 2) | list
[1, 2, 3] | select('ne', 2) | list
[1, 2, 3] | select('ge', 2) | list
[1, 2, 3] | select('nonexistent') | list
[1, 2, 3] | map('nonexistent') | list
[1, 2, 3] | map() | list
[1, 2, 3] | map('int') | list
['1', '2'] | map('int') | sum
['1', 'x'] | map('int') | list
['1.5', 'x'] | map('float') | list
[1, 2, 3] | join
[1, 2, 3] | join(attribute='x')
[1, 2, 3] | list | tojson
[1, 2, 3] | first(2)
[1, 2, 3] | random in [1, 2, 3]
[1, 2, 3] | reverse | list
[1, 2, 3] | length
(1, 2) | list
{'a': 1} | list
'ab' | list
none | list
1 | list
{'b': 1, 'a': 2} | dictsort | first
{'b': 1, 'a': 2} | dictsort(by='value') | first
{'b': 1, 'a': 2} | dictsort(by='nope')
{'B': 1, 'a': 2} | dictsort | map('first') | list
{'B': 1, 'a': 2} | dictsort(true) | map('first') | list
{'a': 1} | items | list
{'a': 1} | tojson
{'a': '<b>'} | tojson
{'a': "'"} | tojson
{'a': 1} | xmlattr
{'a': none, 'b': 1} | xmlattr
{'a b': 1} | xmlattr
{'a': 1, 'b': [1, 2]} | urlencode
'a&b=c' | urlencode
'/path/with space' | urlencode
none | urlencode
1 | urlencode
100 | filesizeformat
1000 | filesizeformat
1024 | filesizeformat(true)
1500000000 | filesizeformat
-1 | filesizeformat
0.5 | filesizeformat
'1024' | filesizeformat
'hello world' | title
"it's o'neil" | title
'hello-world foo_bar' | title
'HELLO' | capitalize
'hello' | center(11, '-')
'hello' | center(3)
'  x  ' | trim
'xxhixx' | trim('x')
'hello' | replace('l', 'L', 1)
'hello' | replace('', '-')
'hello' | truncate(3)
'hello world foo' | truncate(9)
'hello world foo' | truncate(9, true)
'hello world foo' | truncate(11, leeway=0)
'hello world foo' | truncate(14)
'a b c d e f' | wordwrap(3)
'abcdefghij' | wordwrap(3)
'one\ntwo' | indent(4)
'one\n\ntwo' | indent(4, blank=true)
'one\ntwo' | indent('> ', true)
'x' | indent(2, true)
'%s=%s' | format('a', 1)
'%(a)s' | format(a=1)
'%d' | format('x')
'%s %s' | format('a')
'{}' | format(1)
'hello' | format
'<b>' | e
'<b>' | escape | length
'<b>x</b> y' | striptags
'<b>x</b>\n\n y' | striptags
'a   b' | striptags
'hello' | wordcount
'hello' | reverse
'hello' | first
'hello' | last
'hello' | length
'hello' | sort | join
'hello' | unique | join
'hello' | max
'hello' | batch(2) | map('join') | list
'hello' | upper | lower
'ab,cd' | split(',')
'3' | int * '3' | int
'3' * 3
3 * '3'
'a' + 1
1 + 'a'
'10' | int + '5' | int
'abc' | int
'abc' | int(7)
'12abc' | int
'  12  ' | int
'1_000' | int
'0x1A' | int(base=16)
'1.9' | int
'1.9' | float | int
'inf' | float
'-0' | float
'nan' | float | string
'1e-3' | float
true | string
true | int
false | float
none | string
none | float
[1] | string
{'a': 1} | string
1.0 | string
1e100 | string
0.1 + 0.2
1 / 3
10 / 2
10 // 3
-10 // 3
-10 % 3
2 ** -1
2 ** 0.5
7 / 0
7 // 0
7 % 0
10 ** 20
(10 ** 20) | string
1 == 1.0
1 is sameas 1.0
'a' < 'b'
'a' < 1
[1] < [2]
none < 1
1 < 2 < 3
not 1 == 2
1 in [1, 2] and 3 not in [1, 2]
'x' in 'xyz'
1 in 'abc'
true and 'x'
false or 0 or none or 'last'
'' or []
[] and 1
1 if false
'a' if true else 'b'
none ~ 'x'
[1, 2] ~ 'x'
[1] + [2]
[1] + (2,)
{'a': 1} + {'b': 2}
[1, 2] * 2
'a' - 'b'
- 'a'
+ 'a'
-(1)
range(3) | list
range(-3) | list
range(1, 3)
range(100001) | length
range(0, 1, 0) | list
lipsum(1, false, 3, 3) | length > 0
dict(a=1, b=2)
dict(a=1, b=2) | dictsort | list
dict(_.counts, extra=1) | length
namespace(a=1).a
cycler('a', 'b').next()
joiner(',')()
none
true
1.0
1e3
0.1
[]
{}
()
(1,)
'a' 'b'
"double"
'esc\'aped'
'tab\there'
'nl\nhere'
'uni\u00e9'
'\x41'
_
_ | length > 0
_.nope
_.nope.deeper
_.nope | default('d')
_.nope is defined
_.nope is undefined
_['nope']
_.nope[0]
_.nope | length
_.nope ~ 'x'
_.nope + 1
_.nope | upper
_.nope | list
_.nope == none
_.nope or 'fallback'
not _.nope
_.nope is none
_.nope | string
_.nope | tojson
_.orders | nosuchfilter
_.orders is nosuchtest
nosuchfunc()
_.orders(
_.orders.__class__
_.orders.append
_.title.format
_.title.__len__()
_.orders.pop()
_.orders.clear()
_.counts.update({'x': 1})
_.orders.copy() | length
_.title.upper
1 +
{{ 1 }}{{
{% if %}
{% endfor %}
{% for x in %}{% endfor %}
"""

# Jinja templates (statements)
TEMPLATES = r"""
{% for o in _.orders %}{{ o.id }}:{{ o.status }}{{ ', ' if not loop.last }}{% endfor %}
{% for o in _.orders if o.total > 0 %}{{ loop.index }}/{{ loop.length }} {{ o.id }} {% endfor %}
{% for o in _.orders %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }} {% endfor %}
{% for o in _.orders %}{{ loop.cycle('odd', 'even') }} {% endfor %}
{% for o in _.orders %}{% if loop.changed(o.customer) %}[{{ o.customer }}]{% endif %}{{ o.id }} {% endfor %}
{% for o in _.orders | sort(attribute='customer') %}{% if loop.changed(o.customer) %}[{{ o.customer }}]{% endif %}{{ o.id }} {% endfor %}
{% for o in _.orders %}{{ loop.previtem.id if loop.previtem else '-' }}>{{ loop.nextitem.id if loop.nextitem else '-' }} {% endfor %}
{% for o in _.orders %}{{ loop.previtem is defined }}{% endfor %}
{% for o in _.orders %}{% for i in o['items'] %}{{ loop.depth }}{{ i.sku }}x{{ i.qty }} {% endfor %}{% endfor %}
{% for o in _.orders %}{% for i in o['items'] %}{{ i.sku }}{% else %}(none){% endfor %};{% endfor %}
{% for o in _.orders %}{% if o.total == 0 %}{% continue %}{% endif %}{{ o.id }}{% endfor %}
{% for o in _.orders %}{% if loop.index > 2 %}{% break %}{% endif %}{{ o.id }}{% endfor %}
{% for o in _.orders %}{{ o.id }}{% endfor %}{{ o }}
{% for o in _.orders %}{% set last_id = o.id %}{% endfor %}{{ last_id }}
{% set ns = namespace(total=0) %}{% for o in _.orders %}{% set ns.total = ns.total + o.total %}{% endfor %}{{ ns.total }}
{% set ns = namespace(best=none) %}{% for o in _.orders %}{% if ns.best is none or o.total > ns.best.total %}{% set ns.best = o %}{% endif %}{% endfor %}{{ ns.best.id }}
{% set ns = namespace(seen=[]) %}{% for o in _.orders %}{% if o.customer not in ns.seen %}{% set ns.seen = ns.seen + [o.customer] %}{% endif %}{% endfor %}{{ ns.seen }}
{% set ns = namespace(d={}) %}{% for o in _.orders %}{% set _ = ns.d.update({o.id: o.total}) %}{% endfor %}{{ ns.d }}
{% set d = {} %}{% for o in _.orders %}{% set _x = d.__setitem__(o.id, 1) %}{% endfor %}{{ d }}
{% set l = [] %}{% for o in _.orders %}{{ l.append(o.id) }}{% endfor %}{{ l }}
{% set by = _.orders | groupby('status') %}{% for g in by %}{{ g.grouper }}={{ g.list | length }} {% endfor %}
{% for status, items in _.orders | groupby('status') %}{{ status }}: {{ items | map(attribute='id') | join(',') }}
{% endfor %}
{% for k, v in _.counts | dictsort %}{{ k }}={{ v }}{% if not loop.last %}&{% endif %}{% endfor %}
{% for k, v in _.counts.items() | sort(attribute='1', reverse=true) %}{{ k }} {% endfor %}
{% for k in _.counts %}{{ k }} {% endfor %}
{% for k, v in _.counts %}{{ k }}{% endfor %}
{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }} {% endfor %}
{% for a, b in [[1, 2, 3]] %}{{ a }}{% endfor %}
{% for x in _.grid recursive %}{% if x is iterable and x is not string %}[{{ loop(x) }}]{% else %}{{ x }},{% endif %}{% endfor %}
{% for h, d in _.inventory | dictsort %}{{ h }}({{ d.groups | join('+') }}){% if d.vars %}:{{ d.vars | dictsort | map('join', '=') | join(',') }}{% endif %} {% endfor %}
{% for a in _.alerts | selectattr('sev', 'eq', 'critical') %}- {{ a.host }} {{ a.metric }}={{ a.value }}
{% else %}no critical alerts
{% endfor %}
{% for line in _.stdout.splitlines() %}{{ '%02d' | format(loop.index) }} {{ line }}
{% endfor %}
{% for line in _.stdout.splitlines() if line.startswith('E') or line.startswith('W') %}{{ line.split(':')[0] }}{% endfor %}
{% for r in _.releases | sort %}{{ r }}{{ loop.last and '.' or ',' }}{% endfor %}
{% for i in range(_.batch_size) %}{{ i }}{% endfor %}
{% for chunk in _.releases | batch(2) %}{{ chunk | join('+') }}|{% endfor %}
{% for col in _.releases | slice(2) %}{{ col | length }}{% endfor %}
{% for o in _.objects %}{{ o.key }}: {{ o.size | filesizeformat }}
{% endfor %}
{% set total = _.objects | sum(attribute='size') %}{{ total }} bytes = {{ total | filesizeformat(true) }}
{% set names = _.orders | map(attribute='customer') | unique | list %}{{ names | length }} customers: {{ names | join(', ') }}
{% set x %}block {{ _.batch_size }}{% endset %}[{{ x }}] {{ x | length }}
{% set x | upper %}filtered {{ 'set' }}{% endset %}{{ x }}
{% set a, b = 1, 2 %}{{ a + b }}
{% set a, b = [1] %}{{ a }}
{% set a = b = 3 %}{{ a }}
{% macro badge(text, kind='info') -%}[{{ kind | upper }}:{{ text }}]{%- endmacro %}{{ badge('ok') }}{{ badge('bad', kind='error') }}
{% macro fmt(o) %}{{ o.id }}={{ '%.2f' | format(o.total) }}{% endmacro %}{{ _.orders | map('string') | list | length }} {% for o in _.orders %}{{ fmt(o) }} {% endfor %}
{% macro tree(d, depth=0) %}{% for k, v in d | dictsort %}{{ ' ' * depth }}{{ k }}{% if v is mapping %}
{{ tree(v, depth + 1) }}{% else %}={{ v }}
{% endif %}{% endfor %}{% endmacro %}{{ tree(_.inventory) }}
{% macro m(a, b=2, *args, **kw) %}{{ a }}{{ b }}{{ args }}{{ kw }}{% endmacro %}{{ m(1) }}
{% macro m(a) %}{{ a }}{% endmacro %}{{ m() }}
{% macro m(a) %}{{ a }}{% endmacro %}{{ m.name }} {{ m.arguments }}
{% macro m() %}{{ caller('x') }}{% endmacro %}{% call(v) m() %}<{{ v }}>{% endcall %}
{% macro m() %}hi{% endmacro %}{{ m() | upper }} {{ m() ~ '!' }}
{% macro m(n) %}{% if n > 0 %}{{ n }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(3) }}
{% filter upper %}{{ _.title }}{% endfilter %}
{% filter replace(' ', '_') | upper %}a b c{% endfilter %}
{% filter indent(2) %}a
b{% endfilter %}
{% filter center(9) %}mid{% endfilter %}|
{% raw %}{{ not rendered }}{% endraw %}
{% if _.counts.failed %}failed{% elif _.counts.skipped %}skipped{% else %}ok{% endif %}
{% if _.stack.stack_status is match('.*COMPLETE') %}done{% endif %}
{% if _.orders is defined and _.orders %}{{ _.orders | length }}{% endif %}
{% if _.nope is defined %}x{% else %}undefined{% endif %}
{% if _.nope %}x{% endif %}.
{% if _.nope.deeper %}x{% endif %}.
{% if _.knobs.none %}x{% else %}falsy{% endif %}
{% if 'ERROR' in _.stdout %}error seen{% endif %}
{% if _.big > 2 ** 53 %}big{% endif %}
{% with total = _.orders | sum(attribute='total') %}{{ total }}{% endwith %}
{% with a = 1, b = a %}{{ b }}{% endwith %}
{%- for r in _.releases -%}
  {{ r }}
{%- endfor -%}
{% for r in _.releases %}
  {{ r }}
{% endfor %}
  {%+ if true %}x{% endif %}
{% if true %}
yes
{% endif %}
{#- comment -#}  after comment
{{ '{{' }} literal {{ '}}' }}
{{ _.orders[0].customer }}{{ _.label }}{{ _.stdout }}
{{ _.orders[0] }}
{{ _.orders[0].items }}
{{ _.counts }}
{{ _.grid }}
{{ _.knobs }}
{{ _.userdata }}
{{ _.doc }}
{{ _.big }} {{ _.tiny }} {{ _.half }} {{ 1e16 }} {{ 1.0e-4 }} {{ 123456789012345678.0 }}
{{ _.knobs.none }}|{{ _.knobs.no }}|{{ _.knobs.zero }}|{{ _.knobs.empty_str }}|
{{ _.nope }}|
{{ (1, 2) }} {{ {'t': (1,)} }} {{ [none, true, 'x'] }}
{{ "it's" }} {{ ["it's"] }} {{ {'k': "it's \"q\""} }}
{{ ['é', '日本'] }} {{ {'ü': 1} }}
{{ range(3) }}
{{ _.counts.keys() }}
{{ _.counts.values() }}
{{ _.counts.items() }}
{{ _.orders | map(attribute='id') }}
{{ _.orders | selectattr('total') }}
{{ _.releases | reverse }}
{{ _.releases | batch(2) }}
{{ _.releases | groupby('0') }}
{{ namespace(a=1) }}
{{ dict }}
{{ range }}
{{ lipsum }}
{{ 'abc'.upper }}
{{ _.title | truncate(16) }} / {{ _.title | title }}
{{ _.orders | length }} order{{ 's' if _.orders | length != 1 }}
Total: {{ '%.2f' | format(_.orders | sum(attribute='total')) }} ({{ _.orders | length }} orders)
{{ _.orders | tojson }}
{{ _.alerts | map(attribute='labels') | list | tojson }}
"""


def ctx_for(expr, ctx):
    out = {}
    for k, v in ctx.items():
        if k == '__env':
            if 'env(' in expr:
                out[k] = v
        elif k in expr:
            out[k] = v
    return out


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


def main():
    for lang, cat, e in rows():
        full = ctx_for(e, CTX)
        print(json.dumps({'lang': lang, 'category': cat, 'expr': e, 'context': full}, ensure_ascii=False))
        sparse = ctx_for(e, SPARSE)
        if sparse and sparse != full:
            print(json.dumps({'lang': lang, 'category': cat + '-sparse', 'expr': e, 'context': sparse},
                             ensure_ascii=False))


if __name__ == '__main__':
    main()
