//! `std.http` and `std.mistral_http`: an HTTP request through reqwest under
//! the egress policy ([`super::egress`]), with Mistral's arguments and
//! result dict. A status outside 200–306 is an error whose data is the same
//! dict, so `on-error` and `publish-on-error` can read it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

use super::egress::Egress;
use super::{Action, ActionContext, ActionDef, Param};
use crate::domain::pytext;

/// What the HTTP actions take from the configuration.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub egress: Egress,
    /// The timeout of a request that sets none (`http_default_timeout_secs`; 0: none).
    pub default_timeout: Option<Duration>,
    /// The largest response body read (`http_max_response_size_bytes`; 0: no cap).
    pub max_response_bytes: usize,
    /// bora's public base URL, for `Mistral-Callback-URL`.
    pub public_url: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            egress: Egress::default(),
            default_timeout: Some(Duration::from_secs(60)),
            max_response_bytes: 5 * 1024 * 1024,
            public_url: "http://127.0.0.1:8989".into(),
        }
    }
}

/// Installs rustls' `ring` provider as the process default (once; later
/// calls and an already installed provider are fine).
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

const PARAMS: &[Param] = &[
    Param {
        name: "url",
        default: None,
    },
    Param {
        name: "method",
        default: Some("\"GET\""),
    },
    Param {
        name: "params",
        default: Some("null"),
    },
    Param {
        name: "body",
        default: Some("null"),
    },
    Param {
        name: "json",
        default: Some("null"),
    },
    Param {
        name: "headers",
        default: Some("null"),
    },
    Param {
        name: "cookies",
        default: Some("null"),
    },
    Param {
        name: "auth",
        default: Some("null"),
    },
    Param {
        name: "timeout",
        default: Some("null"),
    },
    Param {
        name: "allow_redirects",
        default: Some("null"),
    },
    Param {
        name: "proxies",
        default: Some("null"),
    },
    Param {
        name: "verify",
        default: Some("null"),
    },
];

/// `std.http`.
pub fn def(settings: Arc<HttpSettings>) -> ActionDef {
    ActionDef::new(
        "std.http",
        "Constructs an HTTP action.",
        PARAMS,
        move |input| Ok(Box::new(Http::build(input, settings.clone(), false)?)),
    )
}

/// `std.mistral_http`: asynchronous; the receiver completes it through
/// `PUT /v2/action_executions/{id}` (the `Mistral-Callback-URL` header).
pub fn mistral_def(settings: Arc<HttpSettings>) -> ActionDef {
    ActionDef::new(
        "std.mistral_http",
        "Constructs an HTTP action that the receiver completes through the API.",
        PARAMS,
        move |input| Ok(Box::new(Http::build(input, settings.clone(), true)?)),
    )
}

/// One HTTP action as Mistral's `HTTPAction` holds it: its input, checked
/// only where Mistral's constructor checks it. The rest is read when it
/// runs, where Mistral's `requests` call reads it.
struct Http {
    settings: Arc<HttpSettings>,
    input: Map<String, Value>,
    mistral: bool,
    ctx: Option<ActionContext>,
}

/// One prepared request.
struct Request {
    settings: Arc<HttpSettings>,
    url: String,
    method: reqwest::Method,
    query: Vec<(String, String)>,
    body: Option<String>,
    json: Option<Value>,
    headers: Vec<(String, String)>,
    cookies: Option<String>,
    timeout: Option<Duration>,
    follow: bool,
    proxies: Vec<(String, String)>,
    verify: Value,
    mistral: bool,
}

impl Http {
    /// Mistral's constructor: it raises (the action cannot be built) for an
    /// `auth` that is set but no string, and for both `body` and `json` set.
    fn build(
        input: &Map<String, Value>,
        settings: Arc<HttpSettings>,
        mistral: bool,
    ) -> Result<Self, String> {
        let name = if mistral {
            "std.mistral_http"
        } else {
            "std.http"
        };
        let set = |k: &str| input.get(k).is_some_and(pytext::truthy);
        let auth_not_text = set("auth") && !matches!(input.get("auth"), Some(Value::String(_)));
        if auth_not_text || (set("body") && set("json")) {
            return Err(super::unbuildable(name));
        }
        Ok(Self {
            settings,
            input: input.clone(),
            mistral,
            ctx: None,
        })
    }

    /// Mistral's `run`: the egress policy, then the request. Whatever
    /// fails before a response is an exception the action raised; a
    /// response with an error status is the error data.
    async fn run_checked(self) -> Result<Value, Value> {
        let name = if self.mistral {
            "std.mistral_http"
        } else {
            "std.http"
        };
        let id = self
            .ctx
            .as_ref()
            .map(|c| c.action_execution_id.clone())
            .unwrap_or_default();
        let raised = |m: String| Value::String(super::raised(name, &id, &m));
        let url = match self.input.get("url") {
            Some(Value::String(u)) => u.clone(),
            other => {
                let t = pytext::type_name(other.unwrap_or(&Value::Null));
                return Err(raised(format!("'{t}' object has no attribute 'decode'")));
            }
        };
        let egress = &self.settings.egress;
        let (host, port) = egress.mistral_url(&url).map_err(raised)?;
        match host.parse::<IpAddr>() {
            Ok(ip) => egress.mistral_addr(&host, ip).map_err(raised)?,
            // A name that does not resolve is let through (as Mistral
            // does): the request fails to connect.
            Err(_) => {
                let addrs = tokio::net::lookup_host((host.as_str(), port.unwrap_or(0)))
                    .await
                    .map(|a| a.map(|s| s.ip()).collect::<Vec<_>>())
                    .unwrap_or_default();
                for ip in addrs {
                    egress.mistral_addr(&host, ip).map_err(raised)?;
                }
            }
        }
        let sending = |e: String| raised(format!("Failed to send HTTP request: {e}"));
        let request =
            Request::new(&self.input, self.settings.clone(), self.mistral).map_err(sending)?;
        // Mistral turns `auth: "user:password"` into a tuple, which reaches
        // its executor as a list: requests then calls it, and any `auth`
        // string fails.
        if let Some(Value::String(a)) = self.input.get("auth").filter(|a| pytext::truthy(a)) {
            let t = if a.split(':').count() == 2 {
                "list"
            } else {
                "str"
            };
            return Err(sending(format!("'{t}' object is not callable")));
        }
        request.perform(self.ctx).await.map_err(|e| match e {
            Value::String(s) => raised(s),
            data => data,
        })
    }
}

/// A JSON scalar as Python's `str()` would print it for a header or query.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn dict<'a>(
    input: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(format!("'{key}' must be a dict, got {other}")),
    }
}

impl Request {
    fn new(
        input: &Map<String, Value>,
        settings: Arc<HttpSettings>,
        mistral: bool,
    ) -> Result<Self, String> {
        let url = match input.get("url") {
            Some(Value::String(s)) => s.clone(),
            other => {
                return Err(format!(
                    "'url' must be a string, got {}",
                    other.unwrap_or(&Value::Null)
                ));
            }
        };
        let method = match input.get("method") {
            Some(Value::String(m)) => {
                reqwest::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("'method' is not an HTTP method: '{m}'"))?
            }
            None | Some(Value::Null) => reqwest::Method::GET,
            Some(other) => return Err(format!("'method' must be a string, got {other}")),
        };
        let mut query = Vec::new();
        match input.get("params") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v {
                        Value::Array(items) => {
                            query.extend(items.iter().map(|i| (k.clone(), text(i))))
                        }
                        Value::Null => {}
                        v => query.push((k.clone(), text(v))),
                    }
                }
            }
            Some(Value::String(s)) => {
                for pair in s
                    .trim_start_matches('?')
                    .split('&')
                    .filter(|p| !p.is_empty())
                {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    query.push((k.to_string(), v.to_string()));
                }
            }
            Some(other) => return Err(format!("'params' must be a dict or a string, got {other}")),
        }
        let body = match input.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            // Mistral sends a dict as `json.dumps` text (Python's
            // separators, ASCII only).
            Some(other) => Some(pytext::dumps(other, None)),
        };
        let json = input.get("json").filter(|v| !v.is_null()).cloned();
        if body.is_some() && json.is_some() {
            return Err("Only one of the parameters 'json' and 'body' can be passed".into());
        }
        let headers = dict(input, "headers")?
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), text(v)))
                    .collect()
            })
            .unwrap_or_default();
        let cookies = dict(input, "cookies")?.filter(|m| !m.is_empty()).map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect::<Vec<_>>()
                .join("; ")
        });
        // requests' (urllib3's) checks of a timeout.
        let timeout = match input.get("timeout") {
            None | Some(Value::Null) => settings.default_timeout,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(s) if s > 0.0 && s.is_finite() => Some(Duration::from_secs_f64(s)),
                _ => {
                    return Err(format!(
                        "Attempted to set connect timeout to {}, but the timeout cannot be set to a value less than or equal to 0.",
                        pytext::number(n)
                    ));
                }
            },
            Some(other) => {
                return Err(format!(
                    "Timeout value connect was {}, but it must be an int, float or None.",
                    pytext::str(other)
                ));
            }
        };
        // Mistral passes `allow_redirects=None` to requests, which then does
        // not follow redirects: only an explicit true follows them.
        let follow = match input.get("allow_redirects") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("'allow_redirects' must be a boolean, got {other}")),
        };
        let proxies = dict(input, "proxies")?
            .map(|m| m.iter().map(|(k, v)| (k.clone(), text(v))).collect())
            .unwrap_or_default();
        let verify = input.get("verify").cloned().unwrap_or(Value::Null);
        if !matches!(verify, Value::Null | Value::Bool(_) | Value::String(_)) {
            return Err(format!(
                "'verify' must be a boolean or a CA bundle path, got {verify}"
            ));
        }
        Ok(Self {
            settings,
            url,
            method,
            query,
            body,
            json,
            headers,
            cookies,
            timeout,
            follow,
            proxies,
            verify,
            mistral,
        })
    }

    fn client(&self, https: bool) -> Result<reqwest::Client, String> {
        install_tls_provider();
        let egress = self.settings.egress.clone();
        let follow = self.follow;
        let redirects = egress.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if !follow {
                return attempt.stop();
            }
            if attempt.previous().len() >= 30 {
                return attempt.error("Exceeded 30 redirects.");
            }
            match redirects.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let mut b = reqwest::Client::builder()
            .dns_resolver(Arc::new(Guard(egress)))
            .redirect(policy)
            .no_proxy();
        for (scheme, url) in &self.proxies {
            let p = match scheme.as_str() {
                "http" => reqwest::Proxy::http(url),
                "https" => reqwest::Proxy::https(url),
                _ => reqwest::Proxy::all(url),
            }
            .map_err(|e| format!("Invalid proxy '{url}': {e}"))?;
            b = b.proxy(p);
        }
        if https {
            match &self.verify {
                Value::Bool(false) => b = b.tls_danger_accept_invalid_certs(true),
                Value::String(path) => {
                    let pem = std::fs::read(path)
                        .map_err(|e| format!("Cannot read CA bundle '{path}': {e}"))?;
                    let certs = reqwest::Certificate::from_pem_bundle(&pem)
                        .map_err(|e| format!("Bad CA bundle '{path}': {e}"))?;
                    b = b.tls_certs_merge(certs);
                }
                _ => {}
            }
        }
        b.build()
            .map_err(|e| format!("Failed to send HTTP request: {}", chain(&e)))
    }

    async fn perform(self, ctx: Option<ActionContext>) -> Result<Value, Value> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| Value::String(format!("Invalid URL '{}': {e}", self.url)))?;
        self.settings
            .egress
            .check_url(&url)
            .map_err(Value::String)?;
        if !self.proxies.is_empty() {
            // Through a proxy the target name is resolved by the proxy, not
            // by the guarded resolver: check it here.
            let host = url.host_str().unwrap_or_default().to_string();
            let addrs: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map(|a| a.map(|s| s.ip()).collect())
                .unwrap_or_default();
            for ip in addrs {
                self.settings
                    .egress
                    .check_addr(&host, ip)
                    .map_err(Value::String)?;
            }
        }
        let client = self
            .client(url.scheme() == "https")
            .map_err(Value::String)?;
        let mut headers = HeaderMap::new();
        let mut extra = self.headers.clone();
        if self.mistral
            && let Some(c) = &ctx
        {
            let callback = format!(
                "{}/v2/action_executions/{}",
                self.settings.public_url.trim_end_matches('/'),
                c.action_execution_id
            );
            let pairs = [
                ("Mistral-Workflow-Name", c.workflow_name.clone()),
                (
                    "Mistral-Workflow-Execution-Id",
                    c.workflow_execution_id.clone(),
                ),
                ("Mistral-Task-Id", c.task_execution_id.clone()),
                (
                    "Mistral-Action-Execution-Id",
                    Some(c.action_execution_id.clone()),
                ),
                ("Mistral-Callback-URL", Some(callback)),
            ];
            extra.extend(
                pairs
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v))),
            );
        }
        for (k, v) in &extra {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Value::String(format!("Invalid header name '{k}'")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| Value::String(format!("Invalid value of header '{k}'")))?;
            headers.insert(name, value);
        }
        if let Some(c) = &self.cookies {
            let value =
                HeaderValue::from_str(c).map_err(|_| Value::String("Invalid cookies".into()))?;
            headers.insert(reqwest::header::COOKIE, value);
        }
        let mut url = url;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut req = client.request(self.method.clone(), url).headers(headers);
        if let Some(b) = self.body {
            req = req.body(b);
        }
        if let Some(j) = &self.json {
            // requests' `json=`: `json.dumps` text, and a JSON content type
            // unless the headers name one.
            if !self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
            }
            req = req.body(pytext::dumps(j, None));
        }
        if let Some(t) = self.timeout {
            req = req.timeout(t);
        }
        let started = Instant::now();
        let mut resp = req
            .send()
            .await
            .map_err(|e| Value::String(format!("Failed to send HTTP request: {}", chain(&e))))?;
        // Python's `timedelta.total_seconds()`: whole microseconds.
        let elapsed = started.elapsed().as_micros() as f64 / 1e6;
        let max = self.settings.max_response_bytes;
        if max > 0
            && let Some(len) = resp.content_length()
            && len > max as u64
        {
            return Err(Value::String(format!(
                "HTTP response is too large (Content-Length={len}, limit={max} bytes, http_max_response_size_bytes)."
            )));
        }
        let mut bytes = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => {
                    bytes.extend_from_slice(&c);
                    if max > 0 && bytes.len() > max {
                        return Err(Value::String(format!(
                            "HTTP response is too large (more than {max} bytes read, limit={max} bytes, http_max_response_size_bytes)."
                        )));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(Value::String(format!(
                        "Failed to read the HTTP response: {}",
                        chain(&e)
                    )));
                }
            }
        }
        let result = result_dict(&resp, &bytes, elapsed);
        let status = resp.status().as_u16();
        if (200..307).contains(&status) {
            Ok(result)
        } else {
            Err(result)
        }
    }
}

/// Mistral's result dict of a response.
fn result_dict(resp: &reqwest::Response, bytes: &[u8], elapsed: f64) -> Value {
    let content = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => v,
        Err(_) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
    };
    let mut headers = Map::new();
    let mut cookies = Map::new();
    for (k, v) in resp.headers() {
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        if k == reqwest::header::SET_COOKIE
            && let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('='))
        {
            cookies.insert(
                name.trim().to_string(),
                Value::String(value.trim().to_string()),
            );
        }
        let name = title_case(k.as_str());
        let joined = match headers.get(&name) {
            Some(Value::String(prev)) => format!("{prev}, {v}"),
            _ => v,
        };
        headers.insert(name, Value::String(joined));
    }
    json!({
        "content": content,
        "status": resp.status().as_u16(),
        "headers": headers,
        "url": resp.url().as_str(),
        "history": [],
        "encoding": encoding(resp),
        "reason": resp.status().canonical_reason().unwrap_or(""),
        "cookies": cookies,
        "elapsed": elapsed,
    })
}

/// requests' `encoding`: the charset, else ISO-8859-1 for text, utf-8 for JSON.
fn encoding(resp: &reqwest::Response) -> Value {
    let Some(ct) = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Value::Null;
    };
    let lower = ct.to_ascii_lowercase();
    if let Some(cs) = lower
        .split(';')
        .find_map(|p| p.trim().strip_prefix("charset="))
    {
        return Value::String(cs.trim_matches(|c| c == '"' || c == '\'').to_string());
    }
    if lower.starts_with("text/") {
        "ISO-8859-1".into()
    } else if lower.starts_with("application/json") {
        "utf-8".into()
    } else {
        Value::Null
    }
}

/// `content-type` → `Content-Type`, as most servers send them.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// An error with its causes, so a refusal by the policy is named.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = s.source();
    }
    out
}

/// A client for bora's own outbound requests (notification webhooks) under
/// `egress`: every address a name resolves to is checked, no redirect is
/// followed (as Mistral's webhook publisher), no proxy.
pub fn guarded_client(egress: Egress, timeout: Duration) -> Result<reqwest::Client, String> {
    install_tls_provider();
    reqwest::Client::builder()
        .dns_resolver(Arc::new(Guard(egress)))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(3).min(timeout))
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
}

/// The client's resolver: resolves a name and refuses it when any of its
/// addresses is denied, so the connection goes only to checked addresses.
struct Guard(Egress);

impl Resolve for Guard {
    fn resolve(&self, name: Name) -> Resolving {
        let egress = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for a in &addrs {
                egress
                    .check_addr(&host, a.ip())
                    .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

impl Action for Http {
    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        self.run_checked().boxed()
    }

    fn is_sync(&self) -> bool {
        !self.mistral
    }

    fn set_context(&mut self, ctx: &ActionContext) {
        self.ctx = Some(ctx.clone());
    }
}
