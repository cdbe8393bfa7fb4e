#!/usr/bin/env python3
"""What a big workflow definition costs, through the REST API of a real
`bora serve` on SQLite (build first: cargo build --release).

  store  - a workflow of N tasks of which only the first runs (the others
           hang off its `on-error`), run K times: the SQLite file's size and
           the bytes of each table (dbstat), per execution.
  upload - RSS before and after uploading a fan-out of N std.noop tasks.
  fanout - then runs it: tasks/s and the process's peak RSS (VmHWM).
  flat   - RUNS2 runs of a fan-out of 1,000 one after another: RSS after
           the 50th and after the last (memory must not creep).
  items  - a with-items of N std.echo items (input: range(N)): items/s and
           the process's peak RSS.

  scripts/defs_bench.py [--bora target/release/bora] [--port 18200]
                        [--sizes 1000,10000] [--runs 20] [--fanout 10000]
                        [--only store|fanout|flat|items] [--flat-runs 500]
                        [--items 100000]
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def http(base, method, path, body=None, text=False):
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if text else json.dumps(body).encode()
        headers["content-type"] = "text/plain" if text else "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Server:
    def __init__(self, bora, port):
        self.tmp = tempfile.mkdtemp(prefix="bora-defs-")
        self.db = os.path.join(self.tmp, "bora.db")
        self.base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(self.tmp, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [bora, "serve", "--bind", f"127.0.0.1:{port}", "--database", f"sqlite://{self.db}"],
            env=dict(os.environ, RUST_LOG="warn"), stdout=log, stderr=log, cwd=self.tmp)
        end = time.time() + 30
        while time.time() < end:
            try:
                http(self.base, "GET", "/v2")
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        sys.exit("bora did not start")

    def run(self, name):
        ex = http(self.base, "POST", "/v2/executions", {"workflow_name": name})
        while True:
            state = http(self.base, "GET", f"/v2/executions/{ex['id']}?fields=state")["state"]
            if state in ("SUCCESS", "ERROR", "CANCELLED"):
                return state
            time.sleep(0.02)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def wide(n):
    """N tasks; only t0 runs (the rest follow its on-error)."""
    y = ["version: '2.0'", "wide:", "  tasks:", "    t0:", "      action: std.noop",
         "      on-error: [" + ", ".join(f"t{i}" for i in range(1, n)) + "]"]
    for i in range(1, n):
        y += [f"    t{i}:", "      action: std.noop"]
    return "\n".join(y) + "\n"


def fan_out(n):
    y = ["version: '2.0'", "fan:", "  tasks:"]
    for i in range(n):
        y += [f"    t{i}:", "      action: std.noop"]
    return "\n".join(y) + "\n"


def store(args, n):
    s = Server(args.bora, args.port)
    try:
        http(s.base, "POST", "/v2/workflows", wide(n), text=True)
        for _ in range(args.runs):
            assert s.run("wide") == "SUCCESS"
    finally:
        s.stop()
    c = sqlite3.connect(s.db)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tables = dict(c.execute(
        "SELECT name, SUM(pgsize) FROM dbstat WHERE name NOT LIKE 'sqlite%' GROUP BY name"))
    c.close()
    size = os.path.getsize(s.db)
    ex = tables.get("workflow_executions", 0)
    ver = tables.get("workflow_versions", 0)
    print(f"store  {n:>6} tasks x {args.runs} executions: file {size / 1e6:9.2f} MB "
          f"({size / args.runs / 1e3:9.1f} kB per execution); "
          f"workflow_executions {ex / 1e6:8.2f} MB ({ex / args.runs / 1e3:9.1f} kB per row), "
          f"workflow_versions {ver / 1e6:6.2f} MB, "
          f"workflow_definitions {tables.get('workflow_definitions', 0) / 1e6:6.2f} MB",
          flush=True)


def upload_and_fanout(args):
    s = Server(args.bora, args.port)
    try:
        time.sleep(1)
        rss0 = status_kb(s.proc.pid, "VmRSS")
        t = time.time()
        http(s.base, "POST", "/v2/workflows", fan_out(args.fanout), text=True)
        up = time.time() - t
        time.sleep(1)
        rss1 = status_kb(s.proc.pid, "VmRSS")
        hwm1 = status_kb(s.proc.pid, "VmHWM")
        print(f"upload {args.fanout:>6}-task fan-out: {up:.2f} s; RSS {rss0 / 1024:.1f} -> "
              f"{rss1 / 1024:.1f} MiB (+{(rss1 - rss0) / 1024:.1f} MiB, "
              f"{(rss1 - rss0) * 1024 / args.fanout:.0f} B per task); peak so far "
              f"{hwm1 / 1024:.1f} MiB", flush=True)
        t = time.time()
        assert s.run("fan") == "SUCCESS"
        wall = time.time() - t
        rss2 = status_kb(s.proc.pid, "VmRSS")
        hwm2 = status_kb(s.proc.pid, "VmHWM")
        print(f"fanout {args.fanout:>6} tasks: {args.fanout / wall:.0f} tasks/s; peak RSS "
              f"{hwm2 / 1024:.1f} MiB, RSS after {rss2 / 1024:.1f} MiB", flush=True)
    finally:
        s.stop()


def flat(args):
    s = Server(args.bora, args.port)
    try:
        http(s.base, "POST", "/v2/workflows", fan_out(1000).replace("fan:", "fan1k:"), text=True)
        at50 = None
        t = time.time()
        for i in range(1, args.flat_runs + 1):
            assert s.run("fan1k") == "SUCCESS"
            if i == 50:
                at50 = status_kb(s.proc.pid, "VmRSS")
                print(f"flat   after the 50th run: RSS {at50 / 1024:.1f} MiB, anonymous "
                      f"{status_kb(s.proc.pid, 'RssAnon') / 1024:.1f} MiB", flush=True)
        wall = time.time() - t
        last = status_kb(s.proc.pid, "VmRSS")
        anon = status_kb(s.proc.pid, "RssAnon")
        hwm = status_kb(s.proc.pid, "VmHWM")
        print(f"flat   {args.flat_runs} runs of a 1,000-task fan-out: "
              f"{args.flat_runs * 1000 / wall:.0f} tasks/s; RSS after the 50th "
              f"{at50 / 1024:.1f} MiB, after the last {last / 1024:.1f} MiB "
              f"({(last - at50) * 100 / at50:+.1f} %; anonymous {anon / 1024:.1f} MiB, "
              f"the rest file pages); peak {hwm / 1024:.1f} MiB", flush=True)
    finally:
        s.stop()


def with_items(args):
    s = Server(args.bora, args.port)
    try:
        y = ("version: '2.0'\nitems:\n  input: [n]\n  tasks:\n    t:\n"
             "      with-items: i in <% range($.n) %>\n"
             "      action: std.echo output=<% $.i %>\n")
        http(s.base, "POST", "/v2/workflows", y, text=True)
        time.sleep(0.5)
        rss0 = status_kb(s.proc.pid, "VmRSS")
        t = time.time()
        ex = http(s.base, "POST", "/v2/executions",
                  {"workflow_name": "items", "input": {"n": args.items}})
        while True:
            state = http(s.base, "GET", f"/v2/executions/{ex['id']}?fields=state")["state"]
            if state in ("SUCCESS", "ERROR", "CANCELLED"):
                break
            time.sleep(0.05)
        wall = time.time() - t
        assert state == "SUCCESS", state
        hwm = status_kb(s.proc.pid, "VmHWM")
        rss = status_kb(s.proc.pid, "VmRSS")
        print(f"items  {args.items:>6} items: {args.items / wall:.0f} items/s; RSS before "
              f"{rss0 / 1024:.1f} MiB, peak {hwm / 1024:.1f} MiB, after {rss / 1024:.1f} MiB",
              flush=True)
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bora", default=os.path.join(ROOT, "target", "release", "bora"))
    ap.add_argument("--port", type=int, default=18200)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--fanout", type=int, default=10_000)
    ap.add_argument("--flat-runs", type=int, default=500)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--only", choices=["store", "fanout", "flat", "items"])
    args = ap.parse_args()
    args.bora = os.path.abspath(args.bora)
    print(f"bora: {args.bora}", flush=True)
    if args.only in (None, "store"):
        for n in (int(x) for x in args.sizes.split(",")):
            store(args, n)
    if args.only in (None, "fanout"):
        upload_and_fanout(args)
    if args.only in (None, "flat"):
        flat(args)
    if args.only in (None, "items"):
        with_items(args)


if __name__ == "__main__":
    main()
