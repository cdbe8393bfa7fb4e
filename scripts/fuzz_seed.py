#!/usr/bin/env python3
"""Seeds the fuzz corpora (fuzz/corpus/<target>/) from the project's own
material: the expression conformance vectors for expr_yaql, the workflow
texts embedded in the Rust tests for lang_yaml, and request bodies for
api_json. Standard library only; safe to run again (files are named by
content hash)."""

import hashlib
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SHARED = pathlib.Path("/work/shared/expr")


def put(target, text):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    n = {"expr_yaql": 0, "lang_yaml": 0, "api_json": 0}
    for name in ("yaql.jsonl", "jinja.jsonl"):
        p = SHARED / name
        if not p.exists():
            continue
        for line in p.read_text().splitlines():
            try:
                case = json.loads(line)
            except ValueError:
                continue
            put("expr_yaql", case.get("expr", ""))
            n["expr_yaql"] += 1
            put("api_json", json.dumps({"input": json.dumps(case.get("context", {}))}))
            n["api_json"] += 1
    raw = re.compile(r'r#*"(.*?)"#*', re.S)
    for rs in list((ROOT / "src").rglob("*.rs")) + list((ROOT / "tests").rglob("*.rs")):
        text = rs.read_text(errors="replace")
        for m in raw.finditer(text):
            body = m.group(1)
            if "version:" in body and "tasks" in body:
                put("lang_yaml", body)
                put("api_json", json.dumps({"definition": body}))
                n["lang_yaml"] += 1
        for m in re.finditer(r'"(version: \'2\.0\'.*?)"[,;)]', text, re.S):
            body = m.group(1).replace('\\n', '\n').replace('\\"', '"')
            put("lang_yaml", body)
            n["lang_yaml"] += 1
    for body in ('{"workflow_name": "wf", "input": "{\\"a\\": 1}", "params": {"env": {}}}',
                 '{"state": "PAUSED"}', '{"state": "RUNNING", "params": "{\\"env\\": {\\"k\\": 1}}"}'):
        put("api_json", body)
        n["api_json"] += 1
    print(n)


if __name__ == "__main__":
    main()
