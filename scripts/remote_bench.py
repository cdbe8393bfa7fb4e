#!/usr/bin/env python3
"""Fan-out benchmark of remote workers: one execution whose with-items task
runs N `std.noop` actions (default 10,000), on
  local  - one `bora serve` with its own workers (the in-process path), and
  remote - `bora serve --broker ... --no-local-workers` plus 2 `bora worker`
           processes over RabbitMQ.
Prints tasks/s (from the execution's start to its SUCCESS) and CPU-ms per
task, from /proc of every bora process (and, separately, of the RabbitMQ
server when its pid is found). Build first: cargo build --release.

  scripts/remote_bench.py [--tasks 10000] [--runs 3] [--amqp URL] [--port 19160]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BORA = os.path.join(ROOT, "target", "release", "bora")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def beam_pid():
    try:
        out = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True).stdout
        pids = [int(p) for p in out.split()]
        return pids[0] if pids else None
    except OSError:
        return None


def http(base, method, path, body=None, text=False):
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if text else json.dumps(body).encode()
        headers["content-type"] = "text/plain" if text else "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def wait_up(base, limit=30):
    end = time.time() + limit
    while time.time() < end:
        try:
            http(base, "GET", "/v2")
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("bora did not start")


def workflow(n):
    return (
        "version: '2.0'\n"
        "fan:\n"
        "  tasks:\n"
        "    each:\n"
        f"      with-items: i in <% range(0, {n}) %>\n"
        "      action: std.noop\n"
    )


def run(mode, args, prefix):
    tmp = tempfile.mkdtemp(prefix="bora-bench-")
    base = f"http://127.0.0.1:{args.port}"
    env = dict(os.environ, RUST_LOG="warn", BORA_BROKER_PREFIX=prefix)
    serve = [BORA, "serve", "--bind", f"127.0.0.1:{args.port}",
             "--database", f"sqlite://{tmp}/bora.db", "--workers", "2"]
    if mode == "remote":
        serve += ["--broker", args.amqp, "--no-local-workers"]
    log = open(os.path.join(tmp, "bench.log"), "w")
    procs = [subprocess.Popen(serve, env=env, stdout=log, stderr=log, cwd=tmp)]
    if mode == "remote":
        for _ in range(2):
            procs.append(subprocess.Popen(
                [BORA, "worker", "--broker", args.amqp, "--workers", "1"],
                env=env, stdout=log, stderr=log, cwd=tmp))
    try:
        wait_up(base)
        time.sleep(0.5)
        http(base, "POST", "/v2/workflows", workflow(args.tasks), text=True)
        beam = beam_pid() if mode == "remote" else None
        before = [cpu_ms(p.pid) for p in procs]
        beam_before = cpu_ms(beam) if beam else 0.0
        t0 = time.time()
        ex = http(base, "POST", "/v2/executions", {"workflow_name": "fan"})
        while True:
            state = http(base, "GET", f"/v2/executions/{ex['id']}")["state"]
            if state in ("SUCCESS", "ERROR", "CANCELLED"):
                break
            time.sleep(0.02)
        wall = time.time() - t0
        after = [cpu_ms(p.pid) for p in procs]
        beam_after = cpu_ms(beam) if beam else 0.0
        if state != "SUCCESS":
            sys.exit(f"{mode}: the execution ended {state}")
        bora_cpu = sum(a - b for a, b in zip(after, before))
        return {
            "tasks_per_s": args.tasks / wall,
            "bora_cpu_ms_per_task": bora_cpu / args.tasks,
            "broker_cpu_ms_per_task": (beam_after - beam_before) / args.tasks,
            "per_process_cpu_ms": [round(a - b) for a, b in zip(after, before)],
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--amqp", default=os.environ.get(
        "BORA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
    ap.add_argument("--port", type=int, default=19160)
    args = ap.parse_args()
    for mode in ("local", "remote"):
        results = []
        for i in range(args.runs):
            r = run(mode, args, f"bench{os.getpid()}-{i}")
            results.append(r)
            print(f"{mode} run {i + 1}: {r['tasks_per_s']:.0f} tasks/s, "
                  f"bora {r['bora_cpu_ms_per_task']:.3f} CPU-ms/task "
                  f"{r['per_process_cpu_ms']}, "
                  f"RabbitMQ {r['broker_cpu_ms_per_task']:.3f} CPU-ms/task", flush=True)
        rates = sorted(r["tasks_per_s"] for r in results)
        cpus = sorted(r["bora_cpu_ms_per_task"] for r in results)
        beams = sorted(r["broker_cpu_ms_per_task"] for r in results)
        mid = len(results) // 2
        print(f"{mode} median: {rates[mid]:.0f} tasks/s, bora {cpus[mid]:.3f} CPU-ms/task, "
              f"RabbitMQ {beams[mid]:.3f} CPU-ms/task", flush=True)


if __name__ == "__main__":
    main()
