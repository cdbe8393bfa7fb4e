#!/usr/bin/env python3
"""Runs the same workloads through the REST API of any Mistral-compatible
servers and prints the figures side by side, with each server's ratio to
the first one.

    python3 scripts/bench-compare.py --url bora=http://127.0.0.1:8989/v2 \
        --url mistral=http://127.0.0.1:8979/v2 [--fanout 500] [--items 1000] \
        [--chain 50] [--lists 50] [--repeat 3]

Workloads (each uploaded fresh, run --repeat times, the median kept):
- fan-out: one workflow of N independent std.noop tasks, tasks/s from the
  POST of the execution to its terminal state;
- with-items: one task over N items of std.noop, items/s;
- chain: N tasks one after another, ms per step;
- lists: GET /workflows and GET /executions?limit=100, ms per request
  (median of --lists requests).
Standard library only, so it runs beside any server.
"""
import argparse
import json
import statistics
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, body=None, ctype="application/json"):
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=600) as resp:
            text = resp.read().decode()
            return resp.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def fanout_def(name, n):
    tasks = "".join("    t%d:\n      action: std.noop\n" % i for i in range(n))
    return "version: '2.0'\n%s:\n  tasks:\n%s" % (name, tasks)


def items_def(name, n):
    return ("version: '2.0'\n%s:\n  tasks:\n    t:\n"
            "      with-items: x in <%% range(%d) %%>\n"
            "      action: std.noop\n") % (name, n)


def chain_def(name, n):
    tasks = []
    for i in range(n):
        nxt = "      on-success: [t%d]\n" % (i + 1) if i + 1 < n else ""
        tasks.append("    t%d:\n      action: std.noop\n%s" % (i, nxt))
    return "version: '2.0'\n%s:\n  tasks:\n%s" % (name, "".join(tasks))


def run_once(base, name, timeout):
    start = time.monotonic()
    st, ex = call(base, "POST", "/executions", {"workflow_name": name})
    if st >= 300:
        raise RuntimeError("start %s: %s %s" % (name, st, ex))
    eid = ex["id"]
    poll = 0.005
    while True:
        st, ex = call(base, "GET", "/executions/" + eid)
        if ex["state"] in ("SUCCESS", "ERROR", "CANCELLED"):
            elapsed = time.monotonic() - start
            break
        if time.monotonic() - start > timeout:
            raise RuntimeError("%s did not finish in %ss" % (name, timeout))
        time.sleep(poll)
        poll = min(poll * 1.2, 0.25)
    if ex["state"] != "SUCCESS":
        raise RuntimeError("%s ended %s: %s" % (name, ex["state"], ex.get("state_info")))
    call(base, "DELETE", "/executions/%s?force=true" % eid)
    return elapsed


def workload(base, kind, n, repeat, timeout):
    name = "bench_cmp_%s_%d" % (kind, n)
    make = {"fanout": fanout_def, "items": items_def, "chain": chain_def}[kind]
    call(base, "DELETE", "/workflows/" + name)
    st, body = call(base, "POST", "/workflows", make(name, n), "text/plain")
    if st >= 300:
        raise RuntimeError("upload %s: %s %s" % (name, st, body))
    try:
        times = [run_once(base, name, timeout) for _ in range(repeat)]
    finally:
        call(base, "DELETE", "/workflows/" + name)
    return statistics.median(times)


def list_latency(base, path, count):
    times = []
    for _ in range(count):
        start = time.monotonic()
        st, _ = call(base, "GET", path)
        if st >= 300:
            raise RuntimeError("GET %s: %s" % (path, st))
        times.append((time.monotonic() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", action="append", required=True,
                    help="NAME=BASE_URL (…/v2); the first is the reference")
    ap.add_argument("--fanout", type=int, default=500)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--chain", type=int, default=50)
    ap.add_argument("--lists", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args()
    servers = []
    for u in args.url:
        name, _, base = u.partition("=")
        if not base:
            ap.error("--url wants NAME=BASE_URL, got %r" % u)
        servers.append((name, base.rstrip("/")))
    rows = []  # (label, unit, higher_is_better, {server: value})
    for kind, n, unit in (("fanout", args.fanout, "tasks/s"),
                          ("items", args.items, "items/s"),
                          ("chain", args.chain, "ms/step")):
        if n <= 0:
            continue
        vals = {}
        for name, base in servers:
            secs = workload(base, kind, n, args.repeat, args.timeout)
            vals[name] = secs * 1000 / n if kind == "chain" else n / secs
            print("%-8s %-10s n=%-6d %10.2f %s" % (name, kind, n, vals[name], unit),
                  file=sys.stderr)
        rows.append(("%s %d" % (kind, n), unit, kind != "chain", vals))
    if args.lists > 0:
        for path in ("/workflows", "/executions?limit=100"):
            vals = {name: list_latency(base, path, args.lists) for name, base in servers}
            rows.append(("GET " + path, "ms p50", False, vals))
    ref = servers[0][0]
    head = ["workload", "unit"] + [n for n, _ in servers] + \
        ["%s vs %s" % (ref, n) for n, _ in servers[1:]]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, unit, higher, vals in rows:
        cells = [label, unit] + ["%.2f" % vals[n] for n, _ in servers]
        for n, _ in servers[1:]:
            a, b = vals[ref], vals[n]
            ratio = (a / b) if higher else (b / a)
            cells.append("%.1f×" % ratio)
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
