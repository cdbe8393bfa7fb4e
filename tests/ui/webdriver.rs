//! A minimal W3C WebDriver client over plain HTTP (reqwest), enough to drive
//! headless Chromium through chromedriver: sessions, navigation, elements,
//! keys, clicks, scripts and screenshots. No TLS, no extra crates.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C element key in a WebDriver reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Where the browser and its driver are, when installed.
pub fn find_browser() -> Option<(String, String)> {
    let which = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("/usr/bin/{n}"))
            .find(|p| Path::new(p).exists())
    };
    Some((
        which(&["chromium", "chromium-browser", "google-chrome"])?,
        which(&["chromedriver"])?,
    ))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A chromedriver process; killed on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub async fn start(driver: &str) -> Driver {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = client.get(format!("{}/status", d.url)).send().await
                && r.status().is_success()
            {
                return d;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A test that failed left its browser session open: end the
        // browsers chromedriver started before chromedriver itself.
        let _ = std::process::Command::new("pkill")
            .args(["-TERM", "-P", &self.child.id().to_string()])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
pub struct Session {
    http: reqwest::Client,
    base: String,
}

impl Session {
    /// Opens headless Chromium with a fresh profile in `profile`.
    pub async fn open(driver: &Driver, browser: &str, profile: &Path) -> Session {
        let http = reqwest::Client::new();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": browser,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1440,1000",
                    "--force-device-scale-factor=1",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let r: Value = http
            .post(format!("{}/session", driver.url))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Session {
            http,
            base: format!("{}/session/{id}", driver.url),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("webdriver {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("webdriver {path} json: {e}"));
        if let Some(err) = r["value"].get("error") {
            panic!("webdriver {path}: {err} {}", r["value"]["message"]);
        }
        r["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body; `arguments` available) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The element matching `css`, waiting up to `limit` for it.
    pub async fn find(&self, css: &str, limit: Duration) -> Value {
        let script = "return document.querySelector(arguments[0]);";
        let deadline = Instant::now() + limit;
        loop {
            let v = self.js(script, vec![json!(css)]).await;
            if v.get(ELEMENT).is_some() {
                return v;
            }
            if Instant::now() > deadline {
                panic!("no element {css} (got {v}); {}", self.diagnose().await);
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn elem_id(e: &Value) -> String {
        e[ELEMENT].as_str().unwrap_or_default().to_string()
    }

    pub async fn click(&self, e: &Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", Self::elem_id(e)),
            Some(json!({})),
        )
        .await;
    }

    pub async fn clear(&self, e: &Value) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", Self::elem_id(e)),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_text(&self, e: &Value, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", Self::elem_id(e)),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Waits until `script` returns something truthy; returns it.
    pub async fn until(&self, what: &str, limit: Duration, script: &str) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.js(script, vec![]).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; {}", self.diagnose().await);
            }
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The page's address, script errors and text, for a failure message.
    pub async fn diagnose(&self) -> String {
        let v = self
            .js(
                "return {url: location.href, errors: window.__boraErrors || 'no app',
                   text: document.body ? document.body.innerText.slice(0, 1500) : ''};",
                vec![],
            )
            .await;
        format!("page state: {v:#}")
    }

    /// Saves a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64(v.as_str().unwrap_or_default());
        std::fs::write(path, png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}

/// Standard base64 → bytes.
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn decodes_base64() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGk="), b"hi");
    assert_eq!(base64(""), b"");
}
