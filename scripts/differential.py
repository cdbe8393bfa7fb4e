#!/usr/bin/env python3
"""Differential run of fresh workflows on two Mistral-compatible servers.

Each *.yaml file in DIR is one workflow definition (or a workbook when it has
a top-level `name:`). Optional comment lines at its top give the start:

    # input: {"n": 3}
    # params: {"env": {"k": 1}}
    # wf: name_of_the_workflow_to_start

Every file is uploaded to both servers, started, polled until terminal, and
the execution (state, state_info, output) and its tasks (name, state,
state_info, published, result) are compared after masking ids, timestamps
and Python tracebacks. Differences are printed; nothing is written.

    scripts/differential.py DIR --a http://127.0.0.1:8979/v2 \
        --b http://127.0.0.1:18000/v2 [--jobs 4] [--only GLOB]
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TRACE = re.compile(r":?\n?Traceback \(most recent call last\).*", re.S)
TIME = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?$")
# Python object addresses, and the timing parts of an HTTP result's text.
ADDR = re.compile(r" at 0x[0-9a-f]+>")
ELAPSED = re.compile(r"'elapsed': [0-9.e-]+")
DATE = re.compile(r"'Date': '[^']*'")
TERMINAL = {"SUCCESS", "ERROR", "CANCELLED"}


def call(base, method, path, body=None, ctype="application/json"):
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, text


def meta(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"#\s*(input|params|wf):\s*(.*)$", line)
        if not m:
            if line.strip() and not line.startswith("#"):
                break
            continue
        out[m.group(1)] = m.group(2) if m.group(1) == "wf" else json.loads(m.group(2))
    return out


def mask(v):
    if isinstance(v, str):
        if TIME.match(v):
            return "<time>"
        v = TRACE.sub("", v)
        v = ADDR.sub(" at 0x<addr>>", v)
        v = ELAPSED.sub("'elapsed': <t>", v)
        v = DATE.sub("'Date': <date>", v)
        return UUID.sub("<id>", v)
    if isinstance(v, list):
        return [mask(x) for x in v]
    if isinstance(v, dict):
        return {k: mask(x) for k, x in v.items() if not k.startswith("__")}
    return v


def loads(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def run_one(base, path, timeout):
    text = open(path).read()
    m = meta(text)
    workbook = re.search(r"^name:", text, re.M) is not None
    kind = "workbooks" if workbook else "workflows"
    code, body = call(base, "POST", "/" + kind, text, "text/plain")
    if code >= 300:
        return {"upload": code, "error": mask(body.get("faultstring") if isinstance(body, dict) else body)}
    if workbook:
        wb = body["name"]
        names = [wb + "." + n for n in re.findall(r"^  (\w[\w-]*):\s*$", text.split("workflows:")[1], re.M)]
    else:
        names = [w["name"] for w in body["workflows"]]
    wf = m.get("wf") or names[0]
    start = {"workflow_name": wf, "input": json.dumps(m.get("input", {}))}
    if "params" in m:
        start["params"] = json.dumps(m["params"])
    code, ex = call(base, "POST", "/executions", start)
    result = {}
    if code >= 300:
        result = {"start": code, "error": mask(ex.get("faultstring") if isinstance(ex, dict) else ex)}
    else:
        deadline = time.time() + timeout
        while True:
            _, ex = call(base, "GET", "/executions/" + ex["id"])
            if ex["state"] in TERMINAL or time.time() > deadline:
                break
            time.sleep(0.3)
        time.sleep(0.5)
        _, ex = call(base, "GET", "/executions/" + ex["id"])
        _, tasks = call(base, "GET", "/tasks?workflow_execution_id=%s&limit=1000" % ex["id"])
        rows = []
        for t in tasks["tasks"]:
            _, full = call(base, "GET", "/tasks/" + t["id"])
            rows.append({
                "name": t["name"],
                "state": t["state"],
                "state_info": mask(t.get("state_info")),
                "published": mask(loads(t.get("published"))),
                "result": mask(loads(full.get("result"))),
            })
        rows.sort(key=lambda r: (r["name"], json.dumps(r, sort_keys=True)))
        result = {
            "state": ex["state"],
            "state_info": mask(ex.get("state_info")),
            "output": mask(loads(ex.get("output"))),
            "tasks": rows,
        }
        call(base, "DELETE", "/executions/%s?force=true" % ex["id"])
    for n in reversed(names if not workbook else []):
        call(base, "DELETE", "/workflows/" + n)
    if workbook:
        call(base, "DELETE", "/workbooks/" + body["name"])
    return result


def diff(a, b, at=""):
    if type(a) is not type(b):
        return ["%s: %r != %r" % (at or "/", a, b)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s/%s: %r != %r" % (at, k, a.get(k, "<missing>"), b.get(k, "<missing>")))
            else:
                out += diff(a[k], b[k], "%s/%s" % (at, k))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return ["%s: %d items != %d items: %r != %r" % (at, len(a), len(b), a, b)]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s/%d" % (at, i))
        return out
    return [] if a == b else ["%s: %r != %r" % (at or "/", a, b)]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--a", default="http://127.0.0.1:8979/v2", help="the reference (Mistral)")
    p.add_argument("--b", default="http://127.0.0.1:18000/v2", help="the server under test")
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--only", default="*")
    p.add_argument("--timeout", type=float, default=30)
    args = p.parse_args()
    files = sorted(
        os.path.join(args.dir, f) for f in os.listdir(args.dir)
        if f.endswith(".yaml") and fnmatch.fnmatch(f, args.only)
    )

    def both(f):
        return f, run_one(args.a, f, args.timeout), run_one(args.b, f, args.timeout)

    agree = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for f, a, b in pool.map(both, files):
            d = diff(a, b)
            name = os.path.basename(f)
            if d:
                print("DIFF %s" % name)
                for line in d:
                    print("   " + line[:600])
            else:
                agree += 1
                print("same %s (%s)" % (name, a.get("state", a)))
    print("%d of %d agree" % (agree, len(files)))
    sys.exit(0 if agree == len(files) else 1)


if __name__ == "__main__":
    main()
