//! X6 (HTTP limits) and X10 (quotas and fan-out) at T0 size, against the
//! real binary: body at and over the limit, chunked and 50 MB bodies, XML,
//! deep JSON, unknown query arguments, slow-header connections; then a
//! recursive sub-workflow, with-items over the cap, a 10 MiB action result
//! and a list without `limit`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{Board, Server};

/// The server's resident set, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time the process has used (user + system), from `/proc`.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the `(comm)`: state is field 3; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// A raw client: any method, content type and body; status, body, time.
pub struct Raw {
    base: String,
    http: reqwest::blocking::Client,
}

impl Raw {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            // No pooled connections: a request after a long one must not
            // race the server's keep-alive close.
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
        }
    }

    pub fn post(
        &self,
        path: &str,
        ctype: &str,
        body: impl Into<reqwest::blocking::Body>,
    ) -> (u16, String, Duration) {
        let began = Instant::now();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", ctype)
            .body(body)
            .send();
        match r {
            Ok(r) => {
                let s = r.status().as_u16();
                (s, r.text().unwrap_or_default(), began.elapsed())
            }
            Err(e) => (0, e.to_string(), began.elapsed()),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: &str) -> (u16, String, Duration) {
        let began = Instant::now();
        match self.http.get(format!("{}{path}", self.base)).send() {
            Ok(r) => {
                let s = r.status().as_u16();
                (s, r.text().unwrap_or_default(), began.elapsed())
            }
            Err(e) => (0, e.to_string(), began.elapsed()),
        }
    }
}

/// A body of unknown length (sent chunked): `total` bytes of `x`.
struct Trickle {
    left: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left).min(64 * 1024);
        buf[..n].fill(b'x');
        self.left -= n;
        Ok(n)
    }
}

/// A JSON execution request padded (in `description`) to exactly `size` bytes.
fn padded_body(size: usize) -> String {
    let head = r#"{"workflow_name": "x6_wf", "description": ""#;
    let tail = r#""}"#;
    format!("{head}{}{tail}", "d".repeat(size - head.len() - tail.len()))
}

/// The default `max_body_bytes`.
const LIMIT: usize = 4 * 1024 * 1024;
const SLOW_CONNECTIONS: usize = 50;
/// Of the slow connections, how many trickle a body instead of a head.
const SLOW_BODIES: usize = 10;

/// Sends `head`, then one byte every 500 ms for up to 15 s: when the server
/// answered or closed, and what it answered.
fn trickle(port: u16, head: &[u8]) -> Option<(Duration, String)> {
    let started = Instant::now();
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    c.set_read_timeout(Some(Duration::from_millis(10))).ok()?;
    c.write_all(head).ok()?;
    let mut buf = [0u8; 512];
    while started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(500));
        if c.write_all(b"a").is_err() {
            return Some((started.elapsed(), String::new()));
        }
        match c.read(&mut buf) {
            Ok(n) => {
                return Some((
                    started.elapsed(),
                    String::from_utf8_lossy(&buf[..n]).into_owned(),
                ));
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some((started.elapsed(), String::new())),
        }
    }
    None
}

#[test]
fn x6_http_limits() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("X6");
    let mut server = Server::new(2);
    server
        .env
        .push(("BORA_MAX_BODY_BYTES".into(), LIMIT.to_string()));
    server
        .env
        .push(("BORA_CLIENT_REQUEST_TIMEOUT_MS".into(), "2000".into()));
    server
        .env
        .push(("BORA_CLIENT_BODY_TIMEOUT_MS".into(), "2000".into()));
    server.start();
    let api = server.api();
    api.upload("version: '2.0'\nx6_wf:\n  tasks:\n    t:\n      action: std.noop\n");
    let raw = Raw::new(&server.base);
    let pid = server.pid().expect("pid");

    let (s, body, _) = raw.post("/v2/executions", "application/json", padded_body(LIMIT));
    board.check(
        "body_at_limit_accepted",
        s == 201,
        format!("{s} {}", &body[..body.len().min(200)]),
    );
    let (s, _, _) = raw.post("/v2/executions", "application/json", padded_body(LIMIT + 1));
    board.check("body_over_limit_413", s == 413, s);

    let before = rss_kib(pid);
    let (s, _, t) = raw.post(
        "/v2/workflows",
        "text/plain",
        reqwest::blocking::Body::new(Trickle { left: 10 * LIMIT }),
    );
    let delta = rss_kib(pid).saturating_sub(before);
    board.check(
        "chunked_over_limit_413",
        s == 413 || s == 0,
        format!("{s} in {t:?} (0: the server closed the connection after its 413)"),
    );
    board.check(
        "chunked_rss_delta_under_2x_limit",
        delta * 1024 < 2 * LIMIT as u64,
        format!("{delta} KiB for a {} KiB body", 10 * LIMIT / 1024),
    );

    let big = "a".repeat(50 * 1024 * 1024);
    let (s, _, t) = raw.post("/v2/workflows", "text/plain", big);
    board.check(
        "yaml_50mb_413_within_1s",
        (s == 413 || s == 0) && t < Duration::from_secs(1),
        format!("{s} in {t:?}"),
    );

    for ctype in [
        "application/xml",
        "text/xml; charset=utf-8",
        "application/soap+xml",
    ] {
        let (s, body, _) = raw.post("/v2/workflows", ctype, "<workflow/>");
        board.check(
            &format!("xml_415 ({ctype})"),
            s == 415 && body.contains("faultstring"),
            format!("{s} {body}"),
        );
    }

    let deep = format!(
        "{{\"workflow_name\": \"x6_wf\", \"input\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let (s, body, _) = raw.post("/v2/executions", "application/json", deep);
    board.check(
        "json_10000_deep_400",
        s == 400,
        format!("{s} {}", &body[..body.len().min(160)]),
    );
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let (s, _, _) = raw.post("/v2/executions", "application/json", deep_obj);
    board.check("json_10000_deep_object_400", s == 400, s);

    let exec = api.create("x6_wf").expect("create");
    let task = loop {
        if let Some(t) = api.tasks(&exec).first() {
            break t["id"].as_str().unwrap_or_default().to_string();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut bad_query = Vec::new();
    let singles = [
        format!("/v2/executions/{exec}?bogus=1"),
        format!("/v2/executions/{exec}?fields=bogus"),
        format!("/v2/tasks/{task}?bogus=1"),
        format!("/v2/tasks/{task}?fields=bogus"),
    ];
    for path in singles.iter().map(String::as_str).chain([
        "/v2/workflows?bogus=1",
        "/v2/workflows?fields=bogus",
        "/v2/executions?bogus=1",
        "/v2/executions?fields=bogus",
        "/v2/tasks?bogus=1",
        "/v2/tasks?fields=bogus",
        "/v2/action_executions?bogus=1",
        "/v2/actions?bogus=1",
        "/v2/environments?bogus=1",
        "/v2/executions?limit=abc",
        "/v2/executions?sort_keys=bogus",
        "/v2/executions?marker=not-a-uuid",
        "/v2/executions?created_at=gt:yesterday",
        "/v2/workflows/x6_wf?bogus=1",
        // A single workflow GET checks no `fields` names (as Mistral 23.0.0).
    ]) {
        let (s, _, _) = raw.get(path);
        if s != 400 {
            bad_query.push(format!("{path}: {s}"));
        }
    }
    board.check(
        "unknown_query_arguments_400",
        bad_query.is_empty(),
        format!("{bad_query:?}"),
    );

    // Slow clients: 40 connections send a request line, then one byte of
    // a header every 500 ms and never finish the head; 10 send a whole head
    // announcing 1,000 bytes of body, then one byte every 500 ms.
    let began = Instant::now();
    let slow: Vec<_> = (0..SLOW_CONNECTIONS)
        .map(|i| {
            let head: &'static [u8] = if i < SLOW_CONNECTIONS - SLOW_BODIES {
                b"POST /v2/workflows HTTP/1.1\r\nHost: x\r\nX-Slow: "
            } else {
                b"POST /v2/workflows HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
            };
            let port = server.port;
            std::thread::spawn(move || trickle(port, head))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut lat = Vec::new();
    while began.elapsed() < Duration::from_secs(3) {
        let (s, _, t) = raw.get("/v2/workflows?limit=1");
        if s == 200 {
            lat.push(t);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let closed: Vec<Option<(Duration, String)>> =
        slow.into_iter().map(|h| h.join().ok().flatten()).collect();
    let in_time = |c: &Option<(Duration, String)>| {
        c.as_ref().is_some_and(|(d, _)| *d < Duration::from_secs(5))
    };
    let (heads, bodies) = closed.split_at(SLOW_CONNECTIONS - SLOW_BODIES);
    let worst = closed.iter().flatten().map(|(d, _)| *d).max();
    let n = heads.iter().filter(|c| in_time(c)).count();
    board.check(
        "slow_header_connections_closed",
        n == heads.len(),
        format!(
            "{n}/{} closed by 5 s (timeout 2 s; slowest of all {worst:?})",
            heads.len()
        ),
    );
    let n = bodies
        .iter()
        .filter(|c| {
            in_time(c)
                && c.as_ref()
                    .is_some_and(|(_, r)| r.starts_with("HTTP/1.1 408"))
        })
        .count();
    board.check(
        "slow_body_connections_answered_408",
        n == bodies.len(),
        format!(
            "{n}/{} by 5 s (timeout 2 s): {:?}",
            bodies.len(),
            bodies.first().and_then(|c| c
                .as_ref()
                .map(|(d, r)| (d, r.lines().next().unwrap_or_default().to_string())))
        ),
    );
    lat.sort();
    let p99 = lat
        .get(lat.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or_default();
    board.check(
        "normal_requests_fast_meanwhile",
        lat.len() > 10 && p99 < Duration::from_millis(200),
        format!("{} requests, p99 {p99:?}", lat.len()),
    );
    board.check(
        "process_alive",
        api.get("/v2").is_ok_and(|(s, _)| s == 200),
        "GET /v2 answers",
    );
    board.finish();
}

/// An execution's state and its tasks' state_infos.
fn outcome(api: &crate::harness::Api, id: &str) -> (String, Vec<String>) {
    let state = api
        .execution(id)
        .and_then(|e| e["state"].as_str().map(str::to_string))
        .unwrap_or_default();
    let infos = api
        .tasks(id)
        .iter()
        .filter_map(|t| t["state_info"].as_str().map(str::to_string))
        .collect();
    (state, infos)
}

#[test]
fn x10_quotas() {
    let _serial = crate::harness::serial();
    let mut board = Board::new("X10");
    let mut server = Server::new(2);
    server
        .env
        .push(("BORA_MAX_SUBWORKFLOW_DEPTH".into(), "8".into()));
    server
        .env
        .push(("BORA_MAX_WITH_ITEMS".into(), "1000".into()));
    server.env.push(("BORA_MAX_PAGE_SIZE".into(), "50".into()));
    server.start();
    let api = server.api();
    let pid = server.pid().expect("pid");
    api.upload(
        "version: '2.0'
x10_rec:
  input: [n]
  tasks:
    again:
      workflow: x10_rec
      input:
        n: <% $.n + 1 %>
x10_items:
  input: [items]
  tasks:
    many:
      with-items: i in <% $.items %>
      action: std.noop
x10_big:
  tasks:
    big:
      action: test.big_output
      input:
        bytes: 10485760
x10_small:
  tasks:
    t:
      action: std.noop
",
    );
    let before = rss_kib(pid);
    let began = Instant::now();
    let rec = match api.post_json(
        "/v2/executions",
        &json!({"workflow_name": "x10_rec", "input": {"n": 0}}),
    ) {
        Ok((201, v)) => v["id"].as_str().unwrap_or_default().to_string(),
        other => panic!("{other:?}"),
    };
    let open = api.wait_terminal(std::slice::from_ref(&rec), Duration::from_secs(30));
    let (state, _) = outcome(&api, &rec);
    let execs = api.executions();
    let depth = execs
        .iter()
        .filter(|e| e["workflow_name"] == "x10_rec")
        .count();
    let deepest_info: Vec<String> = execs
        .iter()
        .filter(|e| e["workflow_name"] == "x10_rec")
        .flat_map(|e| outcome(&api, e["id"].as_str().unwrap_or_default()).1)
        .filter(|i| i.contains("max_subworkflow_depth"))
        .collect();
    board.check(
        "recursive_subworkflow_error_at_depth",
        open.is_empty() && state == "ERROR" && depth == 9 && !deepest_info.is_empty(),
        format!(
            "{state} after {:?}, {depth} executions (limit 8 below the top), {:?}",
            began.elapsed(),
            deepest_info.first()
        ),
    );
    let delta = rss_kib(pid).saturating_sub(before);
    board.check(
        "recursion_rss_bounded",
        delta < 64 * 1024,
        format!("{delta} KiB"),
    );

    let start = |wf: &str, input: Value| -> String {
        match api.post_json(
            "/v2/executions",
            &json!({"workflow_name": wf, "input": input}),
        ) {
            Ok((201, v)) => v["id"].as_str().unwrap_or_default().to_string(),
            other => panic!("{wf}: {other:?}"),
        }
    };
    let over = start("x10_items", json!({"items": vec![0; 200_000]}));
    let over1 = start("x10_items", json!({"items": vec![0; 1001]}));
    let at = start("x10_items", json!({"items": vec![0; 1000]}));
    let big = start("x10_big", json!({}));
    let open = api.wait_terminal(
        &[over.clone(), over1.clone(), at.clone(), big.clone()],
        Duration::from_secs(60),
    );
    board.check(
        "quota_executions_terminal",
        open.is_empty(),
        format!("{open:?}"),
    );
    for (name, id) in [("200000", &over), ("1001", &over1)] {
        let (s, infos) = outcome(&api, id);
        board.check(
            &format!("with_items_over_cap_rejected ({name} items, cap 1000)"),
            s == "ERROR" && infos.iter().any(|i| i.contains("max_with_items")),
            format!("{s} {infos:?}"),
        );
    }
    let (s, _) = outcome(&api, &at);
    board.check("with_items_at_cap_succeeds", s == "SUCCESS", s);
    let (s, infos) = outcome(&api, &big);
    board.check(
        "10mib_result_error_naming_limit",
        s == "ERROR" && infos.iter().any(|i| i.contains("max_result_bytes")),
        format!("{s} {infos:?}"),
    );

    for _ in 0..60 {
        start("x10_small", json!({}));
    }
    let (status, page) = api.get("/v2/executions").expect("list");
    let n = page["executions"].as_array().map_or(0, Vec::len);
    let next = page["next"].as_str().unwrap_or_default().to_string();
    board.check(
        "list_without_limit_capped_with_next",
        status == 200 && n == 50 && next.contains("marker="),
        format!("{status}: {n} items, next {next:?}"),
    );
    let (status, page) = api.get("/v2/executions?limit=100000").expect("list");
    let n = page["executions"].as_array().map_or(0, Vec::len);
    board.check(
        "list_limit_clamped",
        status == 200 && n == 50,
        format!("{status}: {n} items"),
    );
    board.check(
        "process_alive",
        api.get("/v2").is_ok_and(|(s, _)| s == 200),
        "GET /v2 answers",
    );
    board.finish();
}
