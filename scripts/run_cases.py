#!/usr/bin/env python3
"""Mistral v2 conformance runner.

Runs case files (*.yaml) against a Mistral-compatible REST API v2: the real
Mistral (start.sh next to this file) to check that a case says what Mistral
does, then bora, to check that bora does the same.

    python3 run_cases.py --base-url http://127.0.0.1:8979/v2 [--cases DIR] [--only PATTERN]
                   [--report FILE.json] [--client http|mistralclient]
                   [--jobs N] [--timeout S] [--keep] [-v]

Prints one line per case and, last, exactly "N passed, M failed".
Exit status is 1 if any case failed.

Case file format: see README.md next to this file.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import case_http  # noqa: E402

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("run.py needs PyYAML (pip install pyyaml)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(os.path.dirname(HERE), "tests", "mistral_cases")

TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")


class CaseFailure(Exception):
    pass


class ApiError(Exception):
    def __init__(self, status, body, method, url):
        self.status = status
        self.body = body
        self.method = method
        self.url = url
        super().__init__("%s %s -> HTTP %s: %s" % (method, url, status,
                                                   (body or "")[:500]))

    @property
    def message(self):
        try:
            d = json.loads(self.body)
            if isinstance(d, dict):
                return str(d.get("faultstring") or d.get("message") or
                           d.get("error") or self.body)
        except Exception:
            pass
        return self.body or ""


# ---------------------------------------------------------------- backends

class HttpBackend(object):
    """Plain REST API v2 over urllib."""

    def __init__(self, base_url, http_timeout=30):
        self.base = base_url.rstrip("/")
        self.http_timeout = http_timeout

    def raw(self, method, path, body=None, query=None, content_type=None):
        """(status, parsed body) of one plain HTTP request; HTTP errors are
        returned, not raised. Used by the generic `http` step."""
        try:
            return self._req(method, path, body, query, content_type,
                             with_status=True)
        except ApiError as e:
            return e.status, _jload(e.body)

    def _req(self, method, path, body=None, query=None, content_type=None,
             with_status=False):
        url = self.base + path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                url += "?" + urllib.parse.urlencode(q)
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode("utf-8")
                headers["Content-Type"] = "application/json"
            else:
                data = body.encode("utf-8")
                headers["Content-Type"] = content_type or "text/plain"
                # Mistral answers 406 to a text/plain POST that also says
                # "Accept: application/json" (as python-mistralclient does
                # not send it either).
                del headers["Accept"]
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.http_timeout) as r:
                raw = r.read().decode("utf-8")
                if not raw:
                    body = None
                else:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw
                return (r.status, body) if with_status else body
        except urllib.error.HTTPError as e:
            raw = e.read().decode("utf-8", "replace")
            raise ApiError(e.code, raw, method, url)

    # definitions
    def create_workflows(self, text, namespace=None):
        return self._req("POST", "/workflows", text,
                         {"namespace": namespace or None})

    def delete_workflow(self, name, namespace=None):
        return self._req("DELETE", "/workflows/%s" % urllib.parse.quote(name),
                         query={"namespace": namespace or None})

    def create_workbook(self, text, namespace=None):
        return self._req("POST", "/workbooks", text,
                         {"namespace": namespace or None})

    def delete_workbook(self, name, namespace=None):
        return self._req("DELETE", "/workbooks/%s" % urllib.parse.quote(name),
                         query={"namespace": namespace or None})

    def create_actions(self, text, namespace=None):
        return self._req("POST", "/actions", text,
                         {"namespace": namespace or None})

    def delete_action(self, name, namespace=None):
        return self._req("DELETE", "/actions/%s" % urllib.parse.quote(name),
                         query={"namespace": namespace or None})

    def create_environment(self, name, variables, description=""):
        return self._req("POST", "/environments", {
            "name": name, "variables": json.dumps(variables),
            "description": description, "scope": "private"})

    def delete_environment(self, name):
        return self._req("DELETE", "/environments/%s" %
                         urllib.parse.quote(name))

    # executions
    def start(self, wf_name, namespace, wf_input, params, description=""):
        body = {"workflow_name": wf_name,
                "input": json.dumps(wf_input or {}),
                "params": json.dumps(params or {})}
        if namespace:
            body["workflow_namespace"] = namespace
        if description:
            body["description"] = description
        return self._req("POST", "/executions", body)

    def get_execution(self, ex_id):
        return self._req("GET", "/executions/%s" % ex_id)

    def update_execution(self, ex_id, state=None, state_info=None, env=None):
        body = {}
        if state:
            body["state"] = state
        if state_info:
            body["state_info"] = state_info
        if env is not None:
            body["params"] = json.dumps({"env": env})
        return self._req("PUT", "/executions/%s" % ex_id, body)

    def delete_execution(self, ex_id):
        return self._req("DELETE", "/executions/%s" % ex_id,
                         query={"force": "true"})

    def list_tasks(self, ex_id):
        r = self._req("GET", "/executions/%s/tasks" % ex_id)
        return r.get("tasks", []) if r else []

    def get_task(self, task_id):
        return self._req("GET", "/tasks/%s" % task_id)

    def list_action_executions(self, task_id):
        r = self._req("GET", "/tasks/%s/action_executions" % task_id)
        return r.get("action_executions", []) if r else []

    def list_sub_executions(self, task_id):
        r = self._req("GET", "/executions",
                      query={"task_execution_id": task_id})
        return r.get("executions", []) if r else []

    def update_task(self, task_id, state, reset=None, env=None):
        body = {"id": task_id, "state": state}
        if reset is not None:
            body["reset"] = reset
        if env is not None:
            body["env"] = json.dumps(env)
        return self._req("PUT", "/tasks/%s" % task_id, body)

    def update_action_execution(self, ae_id, state, output):
        body = {"state": state, "output": json.dumps(output)}
        return self._req("PUT", "/action_executions/%s" % ae_id, body)


class MistralClientBackend(HttpBackend):
    """Same operations through python-mistralclient."""

    def __init__(self, base_url, http_timeout=30):
        super().__init__(base_url, http_timeout)
        from mistralclient.api import client as mc
        self.c = mc.client(mistral_url=self.base)

    @staticmethod
    def _d(obj):
        if obj is None:
            return None
        d = dict(obj.to_dict()) if hasattr(obj, "to_dict") else dict(obj)
        return d

    def _wrap(self, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except ApiError:
            raise
        except Exception as e:  # APIException from mistralclient
            code = getattr(e, "error_code", None) or 0
            msg = getattr(e, "error_message", None) or str(e)
            raise ApiError(code, json.dumps({"faultstring": msg}),
                           "CLIENT", fn.__name__)

    def create_workflows(self, text, namespace=None):
        return [self._d(w) for w in self._wrap(
            self.c.workflows.create, text, namespace=namespace or "")]

    def delete_workflow(self, name, namespace=None):
        return self._wrap(self.c.workflows.delete, name,
                          namespace=namespace or "")

    def create_workbook(self, text, namespace=None):
        return self._d(self._wrap(self.c.workbooks.create, text,
                                  namespace=namespace or ""))

    def delete_workbook(self, name, namespace=None):
        return self._wrap(self.c.workbooks.delete, name,
                          namespace=namespace or "")

    def create_actions(self, text, namespace=None):
        return [self._d(a) for a in self._wrap(
            self.c.actions.create, text, namespace=namespace or "")]

    def delete_action(self, name, namespace=None):
        return self._wrap(self.c.actions.delete, name,
                          namespace=namespace or "")

    def create_environment(self, name, variables, description=""):
        return self._d(self._wrap(
            self.c.environments.create, name=name, variables=variables,
            description=description, scope="private"))

    def delete_environment(self, name):
        return self._wrap(self.c.environments.delete, name)

    def start(self, wf_name, namespace, wf_input, params, description=""):
        return self._d(self._wrap(
            self.c.executions.create, wf_name, namespace or "",
            workflow_input=wf_input or {}, description=description,
            **(params or {})))

    def get_execution(self, ex_id):
        return self._d(self._wrap(self.c.executions.get, ex_id))

    def update_execution(self, ex_id, state=None, state_info=None, env=None):
        if state_info:
            # python-mistralclient cannot send state_info; use plain HTTP
            return super().update_execution(ex_id, state, state_info, env)
        kw = {}
        if env is not None:
            kw["env"] = env
        return self._d(self._wrap(self.c.executions.update, ex_id, state,
                                  **kw))

    def delete_execution(self, ex_id):
        return self._wrap(self.c.executions.delete, ex_id, force=True)

    def list_tasks(self, ex_id):
        return [self._d(t) for t in self._wrap(
            self.c.tasks.list, workflow_execution_id=ex_id)]

    def get_task(self, task_id):
        return self._d(self._wrap(self.c.tasks.get, task_id))

    def list_action_executions(self, task_id):
        return [self._d(a) for a in self._wrap(
            self.c.action_executions.list, task_execution_id=task_id)]

    def list_sub_executions(self, task_id):
        return [self._d(e) for e in self._wrap(
            self.c.executions.list, task=task_id)]

    def update_task(self, task_id, state, reset=None, env=None):
        if state == "RUNNING":
            return self._d(self._wrap(self.c.tasks.rerun, task_id,
                                      reset=bool(reset), env=env))
        return super().update_task(task_id, state, reset, env)

    def update_action_execution(self, ae_id, state, output):
        return self._d(self._wrap(self.c.action_executions.update, ae_id,
                                  state=state, output=output))


# --------------------------------------------------------------- matching

def _jload(v):
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def strip_internal(v):
    """Drop engine-internal keys (those starting with '__') from dicts."""
    if isinstance(v, dict):
        return {k: strip_internal(x) for k, x in v.items()
                if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(v, list):
        return [strip_internal(x) for x in v]
    return v


def match(expected, actual, path="$", subset=False):
    """Return None if actual matches expected, else a message.

    Expected strings may be matchers:
      "~any"            anything (key must exist)
      "~re:PATTERN"     re.search on str(actual)
      "~contains:TEXT"  substring of str(actual)
      "~type:NAME"      str|int|float|number|bool|list|dict|null
      "~len:N"          len(actual) == N
    Dict with single key "~unordered" (list value): list compared as multiset.
    With subset=True, dicts in actual may have extra keys.
    """
    if isinstance(expected, str) and expected.startswith("~"):
        if expected == "~any":
            return None
        if expected.startswith("~re:"):
            if isinstance(actual, str) and re.search(expected[4:], actual):
                return None
            return "%s: %r does not match /%s/" % (path, actual, expected[4:])
        if expected.startswith("~contains:"):
            if isinstance(actual, str) and expected[10:] in actual:
                return None
            return "%s: %r does not contain %r" % (path, actual, expected[10:])
        if expected.startswith("~type:"):
            t = expected[6:]
            ok = {
                "str": isinstance(actual, str),
                "int": isinstance(actual, int) and not isinstance(actual, bool),
                "float": isinstance(actual, float),
                "number": isinstance(actual, (int, float)) and
                not isinstance(actual, bool),
                "bool": isinstance(actual, bool),
                "list": isinstance(actual, list),
                "dict": isinstance(actual, dict),
                "null": actual is None,
            }.get(t, False)
            return None if ok else "%s: %r is not of type %s" % (path, actual,
                                                                 t)
        if expected.startswith("~len:"):
            try:
                if len(actual) == int(expected[5:]):
                    return None
            except TypeError:
                pass
            return "%s: len(%r) != %s" % (path, actual, expected[5:])
    if isinstance(expected, dict) and list(expected.keys()) == ["~unordered"]:
        exp = expected["~unordered"]
        if not isinstance(actual, list) or len(actual) != len(exp):
            return "%s: expected unordered %r, got %r" % (path, exp, actual)
        remaining = list(actual)
        for e in exp:
            for i, a in enumerate(remaining):
                if match(e, a, path, subset) is None:
                    del remaining[i]
                    break
            else:
                return "%s: no element matches %r in %r" % (path, e, actual)
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return "%s: expected object, got %r" % (path, actual)
        for k, v in expected.items():
            if k not in actual:
                return "%s: missing key %r (have %r)" % (path, k,
                                                         sorted(actual))
            m = match(v, actual[k], "%s.%s" % (path, k), subset)
            if m:
                return m
        if not subset:
            extra = set(actual) - set(expected)
            if extra:
                return "%s: unexpected keys %r" % (path, sorted(extra))
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return "%s: expected list, got %r" % (path, actual)
        if len(expected) != len(actual):
            return "%s: expected %d items %r, got %d %r" % (
                path, len(expected), expected, len(actual), actual)
        for i, (e, a) in enumerate(zip(expected, actual)):
            m = match(e, a, "%s[%d]" % (path, i), subset)
            if m:
                return m
        return None
    # scalars: bool vs int must not be conflated; int/float equal if equal
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(expected) is type(actual) and expected == actual:
            return None
        return "%s: expected %r, got %r" % (path, expected, actual)
    if expected == actual:
        return None
    return "%s: expected %r, got %r" % (path, expected, actual)


def _decode_json_fields(v):
    """Decode string values that hold a JSON object or list (as the REST
    API sends input, output, params, ...), in nested dicts and lists."""
    if isinstance(v, dict):
        return {k: _decode_json_fields(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decode_json_fields(x) for x in v]
    if isinstance(v, str) and v[:1] in ("{", "["):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


# ------------------------------------------------------------------ cases

def load_cases(only=None, cases_dir=CASES_DIR):
    """Every *.yaml under cases_dir (sub-folders too); a case's id is its
    path below cases_dir without the extension, e.g. `joins/j01-one`."""
    found = []
    for root, dirs, files in os.walk(cases_dir):
        dirs.sort()
        for f in files:
            if f.endswith(".yaml") or f.endswith(".yml"):
                rel = os.path.relpath(os.path.join(root, f), cases_dir)
                found.append(rel)
    out = []
    for rel in sorted(found):
        cid = os.path.splitext(rel)[0].replace(os.sep, "/")
        if only:
            pats = only.split(",")
            if not any(fnmatch.fnmatch(cid, p) or p in cid for p in pats):
                continue
        with open(os.path.join(cases_dir, rel)) as fh:
            out.append((cid, yaml.safe_load(fh)))
    return out


def _top_names(text, skip=("version", "name", "description", "tags",
                           "namespace")):
    try:
        d = yaml.safe_load(text)
    except Exception:
        return []
    if not isinstance(d, dict):
        return []
    return [k for k in d if k not in skip]


def setup_items(case):
    items = list(case.get("setup") or [])
    if case.get("actions"):
        items.insert(0, {"actions": case["actions"],
                         "namespace": case.get("namespace")})
    if case.get("definition"):
        items.append({"workflows": case["definition"],
                      "namespace": case.get("namespace")})
    if case.get("workbook"):
        items.append({"workbook": case["workbook"],
                      "namespace": case.get("namespace")})
    return items


def _load(text):
    try:
        d = yaml.safe_load(text)
        return d if isinstance(d, dict) else {}
    except Exception:
        return {}


def _workbook_name(text):
    try:
        d = yaml.safe_load(text)
        return d.get("name") if isinstance(d, dict) else None
    except Exception:
        return None


class Runner(object):
    def __init__(self, backend, timeout=30.0, poll=0.1, keep=False,
                 verbose=False):
        self.b = backend
        self.timeout = timeout
        self.poll = poll
        self.keep = keep
        self.verbose = verbose
        # per-case state (cases may run in parallel threads)
        self._tl = threading.local()

    # -- cleanup helpers
    def _quiet(self, fn, *a, **kw):
        try:
            fn(*a, **kw)
        except Exception:
            pass

    def cleanup(self, case):
        # extra requests (e.g. DELETE of things created by `http` steps)
        for r in case.get("cleanup") or []:
            self._quiet(self.b.raw, (r.get("method") or "DELETE").upper(),
                        r["path"], r.get("body"), r.get("query"))
        for env in case.get("environments") or []:
            self._quiet(self.b.delete_environment, env["name"])
        for it in reversed(setup_items(case)):
            ns = it.get("namespace")
            if "workbook" in it:
                wb = _workbook_name(it["workbook"])
                if wb:
                    self._quiet(self.b.delete_workbook, wb, ns)
                    # Mistral 23 leaves a deleted workbook's workflows and
                    # actions behind; remove them explicitly.
                    d = _load(it["workbook"])
                    for n in (d.get("workflows") or {}):
                        self._quiet(self.b.delete_workflow,
                                    "%s.%s" % (wb, n), ns)
                    for n in (d.get("actions") or {}):
                        self._quiet(self.b.delete_action, "%s.%s" % (wb, n),
                                    ns)
            if "workflows" in it:
                for n in _top_names(it["workflows"]):
                    self._quiet(self.b.delete_workflow, n, ns)
            if "actions" in it:
                for n in _top_names(it["actions"]):
                    self._quiet(self.b.delete_action, n, ns)

    # -- state helpers
    def execution(self, ex_id):
        return self.b.get_execution(ex_id)

    def tasks(self, ex_id):
        return self.b.list_tasks(ex_id)

    def wait_state(self, ex_id, states, deadline, what="execution"):
        states = [states] if isinstance(states, str) else list(states)
        last = None
        while time.time() < deadline:
            ex = self.execution(ex_id)
            last = ex.get("state")
            if last in states:
                return ex
            time.sleep(self.poll)
        raise CaseFailure("timeout waiting for %s state %s (last %s)" % (
            what, "/".join(states), last))

    def find_task(self, ex_id, name, state=None, deadline=None):
        deadline = deadline or time.time() + self.timeout
        last = []
        while time.time() < deadline:
            ts = [t for t in self.tasks(ex_id) if t["name"] == name]
            last = [t["state"] for t in ts]
            if state:
                ts = [t for t in ts if t["state"] == state]
            if ts:
                ts.sort(key=lambda t: (t.get("created_at") or "", t["id"]))
                return ts[-1]
            time.sleep(self.poll)
        raise CaseFailure("timeout waiting for task %s in state %s (seen %r)"
                          % (name, state, last))

    def wait_started(self, task, deadline):
        """Waits until no action execution of a RUNNING task is IDLE.

        Mistral creates a task's action executions RUNNING; bora confirms a
        dispatched one a moment later, and a pause or cancel in between is
        refused for it by design (docs/compatibility.md, "A message that sat
        in a queue is refused"). A step after `wait_task: RUNNING` acts on a
        started action on both servers.
        """
        while time.time() < deadline:
            if not any(a["state"] == "IDLE"
                       for a in self.b.list_action_executions(task["id"])):
                return
            time.sleep(self.poll)

    def sub_execution_id(self, ex_id, task_name, deadline):
        t = self.find_task(ex_id, task_name, None, deadline)
        while time.time() < deadline:
            subs = self.b.list_sub_executions(t["id"])
            if subs:
                subs.sort(key=lambda e: (e.get("created_at") or "", e["id"]))
                return subs[0]["id"]
            time.sleep(self.poll)
        raise CaseFailure("no sub-execution for task %s" % task_name)

    # -- steps
    def do_step(self, ex_id, step, deadline, ctx):
        if not isinstance(step, dict) or len(step) != 1:
            raise CaseFailure("bad step %r" % (step,))
        (kind, arg), = step.items()
        arg = arg if arg is not None else {}
        if isinstance(arg, dict) and arg.get("sub"):
            # operate inside the sub-workflow started by parent task `sub`
            ex_id = self.sub_execution_id(ex_id, arg["sub"], deadline)
        if kind == "sleep":
            time.sleep(float(arg))
        elif kind == "wait_state":
            self.wait_state(ex_id, arg, deadline)
        elif kind == "wait_task":
            t = self.find_task(ex_id, arg["name"], arg.get("state"), deadline)
            if arg.get("state") == "RUNNING":
                self.wait_started(t, deadline)
        elif kind == "pause":
            self.b.update_execution(ex_id, state="PAUSED")
        elif kind == "resume":
            self.b.update_execution(ex_id, state="RUNNING",
                                    env=arg.get("env"))
        elif kind == "cancel":
            self.b.update_execution(ex_id, state="CANCELLED")
        elif kind == "stop":
            self.b.update_execution(ex_id, state=arg["state"],
                                    state_info=arg.get("state_info"))
        elif kind == "update_env":
            self.b.update_execution(ex_id, env=arg)
        elif kind in ("rerun", "skip"):
            t = self.find_task(ex_id, arg["task"], "ERROR", deadline)
            if kind == "rerun":
                self.b.update_task(t["id"], "RUNNING",
                                   reset=arg.get("reset", True),
                                   env=arg.get("env"))
            else:
                self.b.update_task(t["id"], "SKIPPED")
        elif kind == "complete_action":
            t = self.find_task(ex_id, arg["task"], arg.get("task_state"),
                               deadline)
            aes = []
            while time.time() < deadline:
                aes = [a for a in self.b.list_action_executions(t["id"])
                       if a["state"] == "RUNNING"]
                if aes:
                    break
                time.sleep(self.poll)
            if not aes:
                raise CaseFailure("no RUNNING action execution in task %s"
                                  % arg["task"])
            aes.sort(key=lambda a: (a.get("created_at") or "", a["id"]))
            self.b.update_action_execution(aes[0]["id"],
                                           arg.get("state", "SUCCESS"),
                                           arg.get("output"))
        elif kind == "api_error":
            # an API call that must fail: {call: pause|resume|..., status: N}
            call = arg["call"]
            try:
                if call == "update_execution":
                    self.b.update_execution(ex_id, **(arg.get("args") or {}))
                elif call == "rerun":
                    t = self.find_task(ex_id, arg["task"], arg.get(
                        "task_state"), deadline)
                    self.b.update_task(t["id"], "RUNNING",
                                       reset=arg.get("reset", True))
                elif call == "delete_execution":
                    self.b._req("DELETE", "/executions/%s" % ex_id)
                elif call == "get_execution":
                    self.b.get_execution(arg.get("id", ex_id))
                else:
                    raise CaseFailure("unknown api_error call %s" % call)
            except ApiError as e:
                if "status" in arg and e.status != arg["status"]:
                    raise CaseFailure("expected HTTP %s, got %s: %s" % (
                        arg["status"], e.status, e.message))
                if "contains" in arg and arg["contains"] not in e.message:
                    raise CaseFailure("API error %r lacks %r" % (
                        e.message, arg["contains"]))
            else:
                raise CaseFailure("API call %s was expected to fail" % call)
        elif kind == "http":
            self.http_step(ex_id, arg, deadline, ctx)
        elif kind == "check":
            self.check(ex_id, arg, final=False)
        else:
            raise CaseFailure("unknown step kind %s" % kind)

    # -- generic REST call
    def _subst(self, v, ex_id, deadline, ctx):
        """Replace {ex_id}, {task:NAME} (id of the latest task NAME of the
        execution) and {SAVED.FIELD...} (a response kept by `save:`) in
        strings, each optionally spelled otherwise: `{ex_id|upper}` (upper
        case), `{ex_id|hex}` (no dashes); anything else in braces is left
        alone."""
        saved = ctx.setdefault("saved", {})
        if isinstance(v, dict):
            return {k: self._subst(x, ex_id, deadline, ctx)
                    for k, x in v.items()}
        if isinstance(v, list):
            return [self._subst(x, ex_id, deadline, ctx) for x in v]
        if not isinstance(v, str):
            return v

        spellings = {"upper": str.upper,
                     "hex": lambda s: s.replace("-", "")}

        def rep(m):
            spell = spellings.get(m.group(2)) if m.group(2) else None
            text = val_of(m.group(1), m.group(0))
            return spell(text) if spell and text != m.group(0) else text

        def val_of(key, whole):
            if key == "ex_id":
                return ex_id
            if key.startswith("task:"):
                return self.find_task(ex_id, key[5:], None, deadline)["id"]
            name, _, fields = key.partition(".")
            if name not in saved:
                return whole
            val = saved[name]
            for f in fields.split(".") if fields else []:
                val = _jload(val)
                val = val[int(f)] if isinstance(val, list) else val[f]
            return val if isinstance(val, str) else json.dumps(val)
        return re.sub(r"\{([A-Za-z_][\w:.\-]*)(?:\|(upper|hex))?\}", rep, v)

    def http_step(self, ex_id, arg, deadline, ctx):
        """One plain REST call: {method, path, query?, body?, content_type?,
        status?, contains?, expect?, expect_json?, save?, poll?}."""
        method = (arg.get("method") or "GET").upper()
        path = self._subst(arg["path"], ex_id, deadline, ctx)
        query = self._subst(arg.get("query"), ex_id, deadline, ctx)
        body = self._subst(arg.get("body"), ex_id, deadline, ctx)
        want = arg.get("status")
        want = None if want is None else (want if isinstance(want, list)
                                          else [want])
        poll_end = time.time() + float(arg.get("poll", 0))
        while True:
            status, resp = self.b.raw(method, path, body, query,
                                      arg.get("content_type"))
            errs = []
            if want is None:
                if not 200 <= status < 300:
                    errs.append("HTTP %s: %s" % (status, str(resp)[:300]))
            elif status not in want:
                errs.append("expected HTTP %s, got %s: %s" % (
                    arg.get("status"), status, str(resp)[:300]))
            if not errs and arg.get("contains"):
                msg = resp
                if isinstance(resp, dict):
                    msg = (resp.get("faultstring") or resp.get("message") or
                           resp.get("error") or json.dumps(resp))
                msg = msg if isinstance(msg, str) else json.dumps(msg)
                c = arg["contains"]
                for w in ([c] if isinstance(c, str) else c):
                    if w not in msg:
                        errs.append("message %r lacks %r" % (msg[:400], w))
            if not errs and "expect" in arg:
                m = match(self._subst(arg["expect"], ex_id, deadline, ctx),
                          resp, subset=True)
                if m:
                    errs.append("response: " + m)
            if not errs and "expect_json" in arg:
                m = match(self._subst(arg["expect_json"], ex_id, deadline,
                                      ctx),
                          _decode_json_fields(resp), subset=True)
                if m:
                    errs.append("response (JSON fields decoded): " + m)
            if not errs or time.time() > min(poll_end, deadline):
                break
            time.sleep(self.poll)
        if errs:
            raise CaseFailure("http %s %s: %s" % (method, path,
                                                  "; ".join(errs)))
        if arg.get("save"):
            ctx.setdefault("saved", {})[arg["save"]] = resp

    # -- checks
    def check(self, ex_id, exp, final=True):
        errors = []
        ex = self.execution(ex_id)
        state = ex.get("state")
        if "state" in exp and state != exp["state"]:
            errors.append("execution state: expected %s, got %s (%s)" % (
                exp["state"], state, (ex.get("state_info") or "")[:300]))
        if "state_info" in exp:
            want = exp["state_info"]
            info = ex.get("state_info") or ""
            if want is None:
                if info:
                    errors.append("state_info: expected none, got %r"
                                  % info[:300])
            else:
                for w in ([want] if isinstance(want, str) else want):
                    if w not in info:
                        errors.append("state_info %r lacks %r" % (
                            info[:400], w))
        output = strip_internal(_jload(ex.get("output")) or {})
        if "output" in exp:
            m = match(exp["output"], output)
            if m:
                errors.append("output: " + m)
        if "output_subset" in exp:
            m = match(exp["output_subset"], output, subset=True)
            if m:
                errors.append("output_subset: " + m)
        if "output_excludes" in exp:
            for k in exp["output_excludes"]:
                if k in output:
                    errors.append("output has unexpected key %r" % k)
        if "published_global" in exp:
            pg = strip_internal(_jload(ex.get("published_global")) or {})
            m = match(exp["published_global"], pg, subset=True)
            if m:
                errors.append("published_global: " + m)

        # raw resource shapes (fields as the REST API returns them)
        if "execution_fields" in exp:
            m = match(exp["execution_fields"], ex, subset=True)
            if m:
                errors.append("execution_fields: " + m)
        if "start_fields" in exp:
            m = match(exp["start_fields"], getattr(self._tl, "start_resp", {}),
                      subset=True)
            if m:
                errors.append("start_fields: " + m)
        if "workflow_fields" in exp:
            created = {w.get("name"): w for w in getattr(self._tl, "created", [])}
            for n, want in exp["workflow_fields"].items():
                m = match(want, created.get(n), subset=True)
                if m:
                    errors.append("workflow_fields[%s]: %s" % (n, m))

        need_tasks = any(k in exp for k in (
            "tasks", "tasks_subset", "published", "task_results",
            "task_state_info", "action_counts", "sub_executions",
            "task_runtime", "no_tasks", "task_fields",
            "action_execution_fields"))
        if need_tasks:
            tasks = self.tasks(ex_id)
            by_name = {}
            for t in sorted(tasks, key=lambda t: (t.get("created_at") or "",
                                                   t["id"])):
                by_name.setdefault(t["name"], []).append(t)

            def states_of(n):
                return sorted(t["state"] for t in by_name.get(n, []))

            if "tasks" in exp:
                want = exp["tasks"] or {}
                if set(want) != set(by_name):
                    errors.append("task names: expected %s, got %s" % (
                        sorted(want), sorted(by_name)))
                for n, st in want.items():
                    wl = sorted([st] if isinstance(st, str) else st)
                    if n in by_name and states_of(n) != wl:
                        errors.append("task %s states: expected %s, got %s"
                                      % (n, wl, states_of(n)))
            if "tasks_subset" in exp:
                for n, st in exp["tasks_subset"].items():
                    wl = sorted([st] if isinstance(st, str) else st)
                    if states_of(n) != wl:
                        errors.append("task %s states: expected %s, got %s"
                                      % (n, wl, states_of(n)))
            for n in exp.get("no_tasks") or []:
                if n in by_name:
                    errors.append("task %s should not have run" % n)

            def one(n, what):
                ts = by_name.get(n)
                if not ts:
                    errors.append("%s: no task %s" % (what, n))
                    return None
                return ts[-1]

            for n, want in (exp.get("published") or {}).items():
                t = one(n, "published")
                if t is None:
                    continue
                pub = strip_internal(_jload(t.get("published")) or {})
                m = match(want, pub)
                if m:
                    errors.append("published[%s]: %s" % (n, m))
            for n, want in (exp.get("task_results") or {}).items():
                t = one(n, "task_results")
                if t is None:
                    continue
                # list responses omit 'result'; fetch the task itself
                full = self.b.get_task(t["id"])
                res = strip_internal(_jload(full.get("result")))
                m = match(want, res)
                if m:
                    errors.append("result[%s]: %s" % (n, m))
            for n, want in (exp.get("task_fields") or {}).items():
                t = one(n, "task_fields")
                if t is None:
                    continue
                full = self.b.get_task(t["id"])
                m = match(want, full, subset=True)
                if m:
                    errors.append("task_fields[%s]: %s" % (n, m))
            for n, want in (exp.get("action_execution_fields") or {}).items():
                t = one(n, "action_execution_fields")
                if t is None:
                    continue
                aes = self.b.list_action_executions(t["id"])
                m = match(want, aes[0] if aes else None, subset=True)
                if m:
                    errors.append("action_execution_fields[%s]: %s" % (n, m))
            for n, want in (exp.get("task_state_info") or {}).items():
                t = one(n, "task_state_info")
                if t is None:
                    continue
                info = t.get("state_info") or ""
                for w in ([want] if isinstance(want, str) else want):
                    if w not in info:
                        errors.append("task %s state_info %r lacks %r" % (
                            n, info[:400], w))
            for n, want in (exp.get("task_runtime") or {}).items():
                t = one(n, "task_runtime")
                if t is None:
                    continue
                rc = _jload(t.get("runtime_context")) or {}
                m = match(want, rc, subset=True)
                if m:
                    errors.append("runtime_context[%s]: %s" % (n, m))
            for n, want in (exp.get("action_counts") or {}).items():
                ts = by_name.get(n) or []
                total = 0
                ae_states = []
                for t in ts:
                    aes = self.b.list_action_executions(t["id"])
                    total += len(aes)
                    ae_states += [a["state"] for a in aes]
                if isinstance(want, int):
                    if total != want:
                        errors.append("action executions of %s: expected %d,"
                                      " got %d" % (n, want, total))
                else:
                    wl = sorted(want)
                    if sorted(ae_states) != wl:
                        errors.append("action execution states of %s: "
                                      "expected %s, got %s" % (
                                          n, wl, sorted(ae_states)))
            for n, want in (exp.get("sub_executions") or {}).items():
                t = one(n, "sub_executions")
                if t is None:
                    continue
                subs = self.b.list_sub_executions(t["id"])
                want_l = want if isinstance(want, list) else [want]
                if len(subs) != len(want_l):
                    errors.append("sub-executions of %s: expected %d, got %d"
                                  % (n, len(want_l), len(subs)))
                    continue
                got = []
                for s in subs:
                    # list responses may omit output/input; fetch each one
                    s = self.b.get_execution(s["id"])
                    got.append({
                        "state": s.get("state"),
                        "workflow_name": s.get("workflow_name"),
                        "output": strip_internal(_jload(s.get("output"))
                                                 or {}),
                        "state_info": s.get("state_info") or "",
                        "input": strip_internal(_jload(s.get("input"))
                                                or {}),
                        # true when the sub-execution points back at the
                        # parent task and at the root execution
                        "linked": (s.get("task_execution_id") == t["id"] and
                                   s.get("root_execution_id") == ex_id),
                    })
                m = match({"~unordered": want_l}, got, subset=True)
                if m:
                    errors.append("sub_executions[%s]: %s" % (n, m))
        if errors:
            raise CaseFailure(("" if final else "[mid-run check] ") +
                              "; ".join(errors))
        return ex

    # -- main
    def run_case(self, cid, case):
        exp = case.get("expect") or {}
        timeout = float(case.get("timeout", self.timeout))
        deadline = time.time() + timeout
        self.cleanup(case)
        ex_id = None
        served = None
        if case.get("http_server"):
            served = case_http.CaseHttpServer(case["http_server"])
            case = dict(case)
            for key in ("input", "params"):
                if case.get(key):
                    case[key] = case_http.substitute(case[key], served.base)
        try:
            # create definitions
            for env in case.get("environments") or []:
                self.b.create_environment(env["name"],
                                          env.get("variables") or {},
                                          env.get("description", ""))
            items = setup_items(case)
            created_wf = []
            self._tl.created = []
            for i, it in enumerate(items):
                ns = it.get("namespace")
                last = (i == len(items) - 1)
                try:
                    if "actions" in it:
                        self.b.create_actions(it["actions"], ns)
                    if "workflows" in it:
                        r = self.b.create_workflows(it["workflows"], ns)
                        wfs = r.get("workflows", r) if isinstance(r, dict) \
                            else (r or [])
                        created_wf += [w.get("name") for w in wfs]
                        self._tl.created += list(wfs)
                    if "workbook" in it:
                        self.b.create_workbook(it["workbook"], ns)
                except ApiError as e:
                    ce = exp.get("create_error")
                    if ce is None or not last:
                        raise CaseFailure("definition rejected: HTTP %s %s" % (
                            e.status, e.message[:400]))
                    return self._check_api_error("create", ce, e)
            if "create_error" in exp:
                raise CaseFailure("definition was accepted, expected HTTP "
                                  "error %r" % exp["create_error"])

            wf = case.get("workflow")
            if not wf:
                if created_wf:
                    wf = created_wf[0]
                else:
                    names = _top_names(items[-1].get("workflows", "")) \
                        if items else []
                    wf = names[0] if names else None
            if not wf:
                raise CaseFailure("case names no workflow to start")
            try:
                ex = self.b.start(wf, case.get("workflow_namespace"),
                                  case.get("input") or {},
                                  case.get("params") or {},
                                  case.get("execution_description") or "")
            except ApiError as e:
                se = exp.get("start_error")
                if se is None:
                    raise CaseFailure("start rejected: HTTP %s %s" % (
                        e.status, e.message[:400]))
                return self._check_api_error("start", se, e)
            ex_id = ex["id"]
            self._tl.start_resp = ex
            if "start_error" in exp:
                # Some engines may accept the request and fail the execution;
                # the case says which is expected.
                raise CaseFailure("execution start accepted (state %s), "
                                  "expected HTTP error %r" % (
                                      ex.get("state"), exp["start_error"]))
            ctx = {}
            for step in case.get("steps") or []:
                self.do_step(ex_id, step, deadline, ctx)
            want = exp.get("state")
            targets = list(TERMINAL)
            if want and want not in targets:
                targets.append(want)
            self.wait_state(ex_id, targets, deadline)
            if want in ("PAUSED", "RUNNING"):
                # let things settle before checking a non-terminal state
                time.sleep(float(case.get("settle", 0.5)))
            # retry the check briefly: task states may lag the execution
            last_err = None
            settle_deadline = time.time() + 2.0
            while True:
                try:
                    self.check(ex_id, exp)
                    self.check_integrity(ex_id)
                    return "ok"
                except CaseFailure as e:
                    last_err = e
                    if time.time() > settle_deadline:
                        raise last_err
                    time.sleep(0.2)
        finally:
            if served is not None:
                served.stop()
            if ex_id and not self.keep:
                ex = None
                try:
                    ex = self.execution(ex_id)
                    if ex.get("state") not in TERMINAL:
                        self.b.update_execution(ex_id, state="CANCELLED")
                except Exception:
                    pass
                self._quiet(self.b.delete_execution, ex_id)
            if not self.keep:
                self.cleanup(case)

    def check_integrity(self, ex_id, depth=0):
        """A finished execution leaves nothing in flight: no task or action
        execution of it (or of its sub-executions) RUNNING, IDLE or WAITING."""
        ex = self.execution(ex_id)
        if ex.get("state") not in TERMINAL or depth > 5:
            return
        bad = []
        for t in self.tasks(ex_id):
            if t.get("state") in ("RUNNING", "IDLE", "WAITING", "DELAYED"):
                bad.append("task %s %s" % (t.get("name"), t.get("state")))
            for a in self.b.list_action_executions(t["id"]) or []:
                if a.get("state") in ("RUNNING", "IDLE"):
                    bad.append("action of %s %s" % (t.get("name"),
                                                     a.get("state")))
            for sub in self.b.list_sub_executions(t["id"]) or []:
                self.check_integrity(sub["id"], depth + 1)
        if bad:
            raise CaseFailure("integrity: execution %s is %s but left %s" % (
                ex_id, ex.get("state"), ", ".join(bad)))

    @staticmethod
    def _check_api_error(what, want, e):
        if isinstance(want, int):
            want = {"status": want}
        st = want.get("status")
        if st is not None:
            sts = st if isinstance(st, list) else [st]
            if e.status not in sts:
                raise CaseFailure("%s: expected HTTP %s, got %s: %s" % (
                    what, st, e.status, e.message[:300]))
        c = want.get("contains")
        if c:
            for w in ([c] if isinstance(c, str) else c):
                if w not in e.message:
                    raise CaseFailure("%s error %r lacks %r" % (
                        what, e.message[:400], w))
        return "ok"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base-url", default=os.environ.get(
        "MISTRAL_URL", "http://127.0.0.1:8979/v2"))
    ap.add_argument("--cases", default=CASES_DIR,
                    help="folder of case files, searched recursively (default: tests/mistral_cases/)")
    ap.add_argument("--only", help="comma-separated glob(s)/substring(s) of "
                    "case ids")
    ap.add_argument("--report", help="write a JSON report here")
    ap.add_argument("--client", choices=("http", "mistralclient"),
                    default="http")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="per-case timeout in seconds (default 30)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="run this many cases concurrently")
    ap.add_argument("--keep", action="store_true",
                    help="keep executions and definitions after each case")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run every case this many times (ids get #N); a "
                    "race shows up as a case that fails once")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    if args.client == "mistralclient":
        backend = MistralClientBackend(args.base_url)
    else:
        backend = HttpBackend(args.base_url)
    runner = Runner(backend, timeout=args.timeout, keep=args.keep,
                    verbose=args.verbose)
    cases = load_cases(args.only, args.cases)
    results = []
    lock = threading.Lock()
    t_all = time.time()

    def run_one(item):
        cid, case = item
        t0 = time.time()
        if (case or {}).get("skip"):
            with lock:
                print("SKIP %s -- %s" % (cid, case["skip"]), flush=True)
            return
        try:
            runner.run_case(cid, case)
            ok, msg = True, ""
        except CaseFailure as e:
            ok, msg = False, str(e)
        except ApiError as e:
            ok, msg = False, "API error: %s" % e
        except Exception as e:
            ok, msg = False, "runner error: %s: %s" % (type(e).__name__, e)
            if args.verbose:
                msg += "\n" + traceback.format_exc()
        dt = time.time() - t0
        with lock:
            line = "%s %s (%.2fs)" % ("PASS" if ok else "FAIL", cid, dt)
            if not ok:
                line += " -- " + msg
            print(line, flush=True)
            results.append({"case": cid, "passed": ok, "seconds": round(dt, 3),
                            "error": msg or None,
                            "feature": (case or {}).get("feature")})

    # Rounds run one after the other: a case's workflow names are its own,
    # so two copies of one case must never overlap.
    for n in range(max(args.repeat, 1)):
        batch = cases if args.repeat <= 1 else [
            ("%s#%d" % (cid, n + 1), case) for cid, case in cases]
        if args.jobs > 1:
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(run_one, batch))
        else:
            for item in batch:
                run_one(item)
    total = time.time() - t_all
    passed = sum(1 for r in results if r["passed"])
    failed = len(results) - passed
    if args.report:
        results.sort(key=lambda r: r["case"])
        with open(args.report, "w") as fh:
            json.dump({"base_url": args.base_url, "client": args.client,
                       "passed": passed, "failed": failed,
                       "seconds": round(total, 2), "cases": results},
                      fh, indent=2)
    sys.stderr.write("total time %.1fs\n" % total)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
