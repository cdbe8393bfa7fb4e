"""A small HTTP service for cases whose workflows call `std.http`.

A case asks for one with the `http_server` key: a dict of routes,
`"METHOD /path": {status?, body?, echo?}`. Each route answers `status`
(default 200) with `body` as JSON (default `{}`); `echo: true` answers
the request's own JSON body instead. Any other request is 404 `{}`. The
runner replaces `{http_base}` in the case's `input` and `params` with the
service's base URL (`http://ADDRESS:PORT`, no trailing slash).

The service listens on a free port of this machine's own non-loopback
address, not on 127.0.0.1: Mistral 23.0.0 and bora both refuse loopback
to `std.http` by default (their egress policy against SSRF), and both run
on this machine, so both reach it there.
"""
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def own_address():
    """This machine's address on its default route (no packet is sent)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))
        addr = s.getsockname()[0]
    except OSError:
        addr = socket.gethostbyname(socket.gethostname())
    finally:
        s.close()
    if addr.startswith("127."):
        raise RuntimeError("http_server needs a non-loopback address")
    return addr


class CaseHttpServer(object):
    """Serves a case's routes in a thread until `stop()`."""

    def __init__(self, routes):
        self.routes = {}
        for key, spec in (routes or {}).items():
            method, _, path = key.strip().partition(" ")
            self.routes[(method.upper(), path.strip())] = spec or {}
        self.seen = []
        handler = self._handler()
        self.httpd = ThreadingHTTPServer((own_address(), 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def base(self):
        host, port = self.httpd.server_address[:2]
        return "http://%s:%d" % (host, port)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                server.seen.append((self.command, self.path, raw))
                spec = server.routes.get((self.command, self.path))
                if spec is None:
                    status, body = 404, {}
                elif spec.get("echo"):
                    status = spec.get("status", 200)
                    try:
                        body = json.loads(raw or b"null")
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                else:
                    status, body = spec.get("status", 200), spec.get("body", {})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        return Handler


def substitute(value, base):
    """`value` with `{http_base}` replaced by `base` in every string."""
    if isinstance(value, dict):
        return {k: substitute(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, base) for v in value]
    if isinstance(value, str):
        return value.replace("{http_base}", base)
    return value
