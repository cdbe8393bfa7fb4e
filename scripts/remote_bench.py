#!/usr/bin/env python3
"""Fan-out benchmark of remote workers and several engine nodes: N
`std.noop` actions (default 10,000) as the with-items items of E executions
(default 10, created round-robin on the nodes), on
  local     - one `bora serve` on SQLite with its own workers (in-process),
  remote    - `bora serve --broker ... --no-local-workers` on SQLite plus 2
              `bora worker` processes over RabbitMQ,
  pg-remote - as remote, the node on PostgreSQL as node n1 (a fresh schema),
  nodes3    - three such nodes on one fresh schema and the 2 workers.
Prints tasks/s (from the first start to the last SUCCESS) and CPU-ms per
task, from /proc of every bora process (and, separately, of the RabbitMQ
server when its pid is found and of the PostgreSQL server's processes). Build first: cargo build --release.

  scripts/remote_bench.py [--tasks 10000] [--executions 10] [--runs 3]
      [--modes local,remote,pg-remote,nodes3] [--amqp URL] [--postgres URL]
      [--port 19160]
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


def postgres_cpu_ms():
    """CPU-ms of every PostgreSQL server process now, by pid."""
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout
    found = {}
    for pid in out.split():
        try:
            found[int(pid)] = cpu_ms(int(pid))
        except OSError:
            pass
    return found


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


def pg_schema(args, create):
    """Creates (or drops) a fresh schema on --postgres; the URL using it."""
    name = f"bora_bench_{os.getpid()}"
    sql = f"CREATE SCHEMA {name}" if create else f"DROP SCHEMA IF EXISTS {name} CASCADE"
    subprocess.run(["psql", args.postgres, "-q", "-c", f"SET client_min_messages = warning; {sql}"],
                   check=True, stdout=subprocess.DEVNULL)
    sep = "&" if "?" in args.postgres else "?"
    return f"{args.postgres}{sep}options=-csearch_path%3D{name}"


def run(mode, args, prefix):
    """One run of `mode`: local, remote, pg-remote or nodes3."""
    tmp = tempfile.mkdtemp(prefix="bora-bench-")
    nodes = 3 if mode == "nodes3" else 1
    remote = mode != "local"
    on_pg = mode in ("pg-remote", "nodes3")
    database = pg_schema(args, True) if on_pg else f"sqlite://{tmp}/bora.db"
    bases = [f"http://127.0.0.1:{args.port + i}" for i in range(nodes)]
    log = open(os.path.join(tmp, "bench.log"), "w")
    procs = []
    for i, base in enumerate(bases):
        env = dict(os.environ, RUST_LOG="warn", BORA_BROKER_PREFIX=prefix)
        if on_pg:
            env.update(BORA_NODE_ID=f"n{i + 1}", BORA_NODE_API_URL=base)
        serve = [BORA, "serve", "--bind", base.removeprefix("http://"),
                 "--database", database, "--workers", "2"]
        if remote:
            serve += ["--broker", args.amqp, "--no-local-workers"]
        procs.append(subprocess.Popen(serve, env=env, stdout=log, stderr=log, cwd=tmp))
        # Nodes on a fresh schema migrate one at a time: start them in turn.
        wait_up(base)
    if remote:
        env = dict(os.environ, RUST_LOG="warn", BORA_BROKER_PREFIX=prefix)
        for _ in range(2):
            procs.append(subprocess.Popen(
                [BORA, "worker", "--broker", args.amqp, "--workers", "1"],
                env=env, stdout=log, stderr=log, cwd=tmp))
    per = args.tasks // args.executions
    try:
        time.sleep(0.5)
        http(bases[0], "POST", "/v2/workflows", workflow(per), text=True)
        beam = beam_pid() if remote else None
        before = [cpu_ms(p.pid) for p in procs]
        beam_before = cpu_ms(beam) if beam else 0.0
        pg_before = postgres_cpu_ms() if on_pg else {}
        t0 = time.time()
        ids = [http(bases[i % nodes], "POST", "/v2/executions", {"workflow_name": "fan"})["id"]
               for i in range(args.executions)]
        states = {}
        while len(states) < len(ids):
            for i in ids:
                if i not in states:
                    state = http(bases[0], "GET", f"/v2/executions/{i}")["state"]
                    if state in ("SUCCESS", "ERROR", "CANCELLED"):
                        states[i] = state
            time.sleep(0.02)
        wall = time.time() - t0
        after = [cpu_ms(p.pid) for p in procs]
        beam_after = cpu_ms(beam) if beam else 0.0
        pg_after = postgres_cpu_ms() if on_pg else {}
        pg_cpu = sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items())
        failed = [s for s in states.values() if s != "SUCCESS"]
        if failed:
            sys.exit(f"{mode}: {len(failed)} executions did not succeed")
        tasks = per * args.executions
        bora_cpu = sum(a - b for a, b in zip(after, before))
        return {
            "tasks_per_s": tasks / wall,
            "bora_cpu_ms_per_task": bora_cpu / tasks,
            "broker_cpu_ms_per_task": (beam_after - beam_before) / tasks,
            "postgres_cpu_ms_per_task": pg_cpu / tasks,
            "per_process_cpu_ms": [round(a - b) for a, b in zip(after, before)],
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        if on_pg:
            pg_schema(args, False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--amqp", default=os.environ.get(
        "BORA_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"))
    ap.add_argument("--port", type=int, default=19160)
    ap.add_argument("--executions", type=int, default=10,
                    help="executions the tasks are split into, created round-robin on the nodes")
    ap.add_argument("--postgres", default=os.environ.get(
        "BORA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--modes", default="local,remote,pg-remote,nodes3")
    args = ap.parse_args()
    for mode in args.modes.split(","):
        results = []
        for i in range(args.runs):
            r = run(mode, args, f"bench{os.getpid()}-{i}")
            results.append(r)
            print(f"{mode} run {i + 1}: {r['tasks_per_s']:.0f} tasks/s, "
                  f"bora {r['bora_cpu_ms_per_task']:.3f} CPU-ms/task "
                  f"{r['per_process_cpu_ms']}, "
                  f"RabbitMQ {r['broker_cpu_ms_per_task']:.3f} CPU-ms/task, "
                  f"PostgreSQL {r['postgres_cpu_ms_per_task']:.3f} CPU-ms/task", flush=True)
        rates = sorted(r["tasks_per_s"] for r in results)
        cpus = sorted(r["bora_cpu_ms_per_task"] for r in results)
        beams = sorted(r["broker_cpu_ms_per_task"] for r in results)
        pgs = sorted(r["postgres_cpu_ms_per_task"] for r in results)
        mid = len(results) // 2
        print(f"{mode} median: {rates[mid]:.0f} tasks/s, bora {cpus[mid]:.3f} CPU-ms/task, "
              f"RabbitMQ {beams[mid]:.3f} CPU-ms/task, PostgreSQL {pgs[mid]:.3f} CPU-ms/task",
              flush=True)


if __name__ == "__main__":
    main()
