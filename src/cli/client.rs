//! A blocking HTTP client of bora's Mistral-compatible `/v2` API, for the
//! command line (`bora run --url`, `bora workflow|execution|task ...`), and
//! where the server's URL and token come from: flag > `BORA_URL` /
//! `BORA_TOKEN` > the client file (`$XDG_CONFIG_HOME/bora/client.toml`,
//! else `~/.config/bora/client.toml`, or the file `BORA_CLIENT_CONFIG`
//! names) > `http://127.0.0.1:8989`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use reqwest::Method;
use reqwest::blocking::{Client as Http, RequestBuilder};
use serde_json::Value;

/// The server URL when nothing names one.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8989";

/// The client file's settings.
#[derive(Debug, Default, serde::Deserialize)]
struct ClientFile {
    url: Option<String>,
    token: Option<String>,
}

/// Where the client file is: `BORA_CLIENT_CONFIG`, else
/// `$XDG_CONFIG_HOME/bora/client.toml`, else `~/.config/bora/client.toml`.
pub fn client_file_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BORA_CLIENT_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("bora").join("client.toml"))
}

fn read_client_file() -> anyhow::Result<ClientFile> {
    let Some(path) = client_file_path() else {
        return Ok(ClientFile::default());
    };
    if !path.exists() {
        return Ok(ClientFile::default());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()
        .and_then(config::Config::try_deserialize)
        .with_context(|| format!("{} is not a valid client file", path.display()))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The server URL and token, by precedence: the flags, then `BORA_URL` /
/// `BORA_TOKEN`, then the client file, then [`DEFAULT_URL`] and no token.
pub fn resolve(
    url: Option<String>,
    token: Option<String>,
) -> anyhow::Result<(String, Option<String>)> {
    let file = if url.is_some() && token.is_some() {
        ClientFile::default()
    } else {
        read_client_file()?
    };
    let url = url
        .or_else(|| env("BORA_URL"))
        .or(file.url)
        .unwrap_or_else(|| DEFAULT_URL.to_string());
    let token = token.or_else(|| env("BORA_TOKEN")).or(file.token);
    Ok((url, token))
}

/// A connection to one server.
pub struct Client {
    base: String,
    token: Option<String>,
    http: Http,
}

impl Client {
    /// A client of the server at `url` (`http://host:port`, with or without
    /// a trailing `/v2`), sending `token` as a bearer token when given.
    pub fn new(url: &str, token: Option<String>) -> anyhow::Result<Self> {
        crate::actions::http::install_tls_provider();
        let base = url
            .trim_end_matches('/')
            .trim_end_matches("/v2")
            .to_string();
        anyhow::ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "the server URL '{url}' must start with http:// or https://"
        );
        let http = Http::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self { base, token, http })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut r = self.http.request(method, format!("{}/v2{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    /// Sends `req` and returns its JSON body (`null` when empty), or an
    /// error with the server's `faultstring` and status.
    fn send(&self, what: &str, req: RequestBuilder) -> anyhow::Result<Value> {
        let (status, body) = self.exchange(what, req)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        bail!("{what}: {status} {}", reason(&body))
    }

    /// Sends `req`: the status and the JSON body (`null` when empty).
    fn exchange(&self, what: &str, req: RequestBuilder) -> anyhow::Result<(u16, Value)> {
        let resp = req
            .send()
            .with_context(|| format!("{what}: cannot reach {}", self.base))?;
        let status = resp.status().as_u16();
        let text = resp.text().unwrap_or_default();
        let body: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, body))
    }

    /// Uploads a YAML definition to `path` (`/workflows`, `/workbooks`):
    /// `POST`, or `PUT` (an update) when the server already has it (409).
    pub fn upsert_text(&self, path: &str, text: &str) -> anyhow::Result<Value> {
        let what = format!("POST {path}");
        let post = self
            .request(Method::POST, path)
            .header("Content-Type", "text/plain")
            .body(text.to_string());
        match self.exchange(&what, post)? {
            (s, body) if (200..300).contains(&s) => Ok(body),
            (409, _) => self.send_text(Method::PUT, path, text),
            (s, body) => bail!("{what}: {s} {}", reason(&body)),
        }
    }

    /// `GET /v2{path}`.
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(&format!("GET {path}"), self.request(Method::GET, path))
    }

    /// `GET /v2{path}` with query parameters.
    pub fn get_query(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        let qs: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{}={}", segment(k), segment(v)))
            .collect();
        let full = if qs.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", qs.join("&"))
        };
        self.get(&full)
    }

    /// `POST` or `PUT /v2{path}` with a JSON body.
    pub fn send_json(&self, method: Method, path: &str, body: &Value) -> anyhow::Result<Value> {
        let what = format!("{method} {path}");
        self.send(&what, self.request(method, path).json(body))
    }

    /// `POST` or `PUT /v2{path}` with a YAML definition as `text/plain`.
    pub fn send_text(&self, method: Method, path: &str, text: &str) -> anyhow::Result<Value> {
        let what = format!("{method} {path}");
        self.send(
            &what,
            self.request(method, path)
                .header("Content-Type", "text/plain")
                .body(text.to_string()),
        )
    }

    /// `DELETE /v2{path}`.
    pub fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.send(
            &format!("DELETE {path}"),
            self.request(Method::DELETE, path),
        )
        .map(|_| ())
    }

    /// Whether the server answers `GET /v2`.
    pub fn ready(&self) -> bool {
        self.request(Method::GET, "")
            .timeout(Duration::from_secs(2))
            .send()
            .is_ok()
    }
}

/// The server's reason for a refusal: its `faultstring`, else the body.
fn reason(body: &Value) -> String {
    body.get("faultstring")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| match body {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
}

/// One path segment, percent-encoded.
pub fn segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A JSON field that Mistral sends as a JSON string (`input`, `output`,
/// `params`), decoded; other values as they are.
pub fn json_field(v: &Value, key: &str) -> Value {
    match v.get(key) {
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}
