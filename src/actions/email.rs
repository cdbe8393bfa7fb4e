//! `std.email`: sends one message over SMTP (lettre). With `smtp_password`
//! it requires STARTTLS and logs in as `from_addr`, as Mistral does. The
//! server's host is resolved here and checked against the egress policy,
//! and the connection goes to the checked address.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::{Map, Value};

use super::http::HttpSettings;
use super::{Action, ActionDef, Param};

const PARAMS: &[Param] = &[
    Param {
        name: "from_addr",
        default: None,
    },
    Param {
        name: "to_addrs",
        default: None,
    },
    Param {
        name: "smtp_server",
        default: None,
    },
    Param {
        name: "reply_to",
        default: Some("null"),
    },
    Param {
        name: "cc_addrs",
        default: Some("null"),
    },
    Param {
        name: "bcc_addrs",
        default: Some("null"),
    },
    Param {
        name: "smtp_password",
        default: Some("null"),
    },
    Param {
        name: "subject",
        default: Some("null"),
    },
    Param {
        name: "body",
        default: Some("null"),
    },
    Param {
        name: "html_body",
        default: Some("null"),
    },
];

/// `std.email`.
pub fn def(settings: Arc<HttpSettings>) -> ActionDef {
    ActionDef::new(
        "std.email",
        "Sends an email message over SMTP.",
        PARAMS,
        move |input| {
            Ok(Box::new(Email {
                settings: settings.clone(),
                input: input.clone(),
                action_ex_id: String::new(),
            }))
        },
    )
}

/// The action as Mistral's `SendEmailAction` holds it: its input, read
/// when it runs (its constructor checks nothing).
struct Email {
    settings: Arc<HttpSettings>,
    input: Map<String, Value>,
    action_ex_id: String,
}

/// Python's `cc + bcc + to` over the recipient lists (a falsy cc or bcc is
/// `[]`): a string added to a list, or a list to a string, raises.
fn recipients_concat(input: &Map<String, Value>) -> Result<(), String> {
    let kind = |k: &str| match input.get(k) {
        Some(v) if crate::domain::pytext::truthy(v) || k == "to_addrs" => {
            crate::domain::pytext::type_name(v)
        }
        _ => "list",
    };
    let mut acc = kind("cc_addrs");
    for k in ["bcc_addrs", "to_addrs"] {
        let next = kind(k);
        match (acc, next) {
            ("list", "list") | ("str", "str") => {}
            ("list" | "str", other) => {
                return Err(format!(
                    "can only concatenate {acc} (not \"{other}\") to {acc}"
                ));
            }
            _ => return Ok(()),
        }
        acc = next;
    }
    Ok(())
}

impl Email {
    async fn run_checked(self) -> Result<Value, Value> {
        let raised = |m: String| Value::String(super::raised("std.email", &self.action_ex_id, &m));
        recipients_concat(&self.input).map_err(raised)?;
        let prepared = Prepared::new(&self.input, self.settings.clone()).map_err(raised)?;
        prepared.send().await.map_err(|e| match e {
            Value::String(s) => raised(s),
            data => data,
        })
    }
}

/// One message ready to send.
struct Prepared {
    settings: Arc<HttpSettings>,
    message: Message,
    host: String,
    port: u16,
    login: Option<Credentials>,
}

fn text(input: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("'{key}' must be a string, got {other}")),
    }
}

/// A list of addresses (a single string is one address).
fn addresses(input: &Map<String, Value>, key: &str) -> Result<Vec<Mailbox>, String> {
    let items: Vec<String> = match input.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("'{key}' must hold strings, got {v}"))
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(format!("'{key}' must be a list of addresses, got {other}")),
    };
    items
        .iter()
        .map(|a| {
            a.parse::<Mailbox>()
                .map_err(|e| format!("Invalid address '{a}' in '{key}': {e}"))
        })
        .collect()
}

impl Prepared {
    fn new(input: &Map<String, Value>, settings: Arc<HttpSettings>) -> Result<Self, String> {
        let sender = text(input, "from_addr")?.ok_or("'from_addr' is required")?;
        let from: Mailbox = sender
            .parse()
            .map_err(|e| format!("Invalid address '{sender}' in 'from_addr': {e}"))?;
        let to = addresses(input, "to_addrs")?;
        if to.is_empty() {
            return Err("'to_addrs' must name at least one address".into());
        }
        let server = text(input, "smtp_server")?.ok_or("'smtp_server' is required")?;
        let (host, port) = match server.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') || h.ends_with(']') => (
                h.trim_matches(|c| c == '[' || c == ']').to_string(),
                p.parse::<u16>()
                    .map_err(|_| format!("Invalid port in smtp_server '{server}'"))?,
            ),
            _ => (server.clone(), 25),
        };
        let mut b = Message::builder()
            .from(from)
            .subject(text(input, "subject")?.unwrap_or_else(|| "<No subject>".into()));
        for m in to {
            b = b.to(m);
        }
        for m in addresses(input, "cc_addrs")? {
            b = b.cc(m);
        }
        for m in addresses(input, "bcc_addrs")? {
            b = b.bcc(m);
        }
        for m in addresses(input, "reply_to")? {
            b = b.reply_to(m);
        }
        let body = text(input, "body")?.unwrap_or_else(|| "<No body>".into());
        let message = match text(input, "html_body")? {
            None => b.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(body),
            ),
            Some(html) => b.multipart(MultiPart::alternative_plain_html(body, html)),
        }
        .map_err(|e| format!("Invalid email message: {e}"))?;
        let login = text(input, "smtp_password")?.map(|p| Credentials::new(sender, p));
        Ok(Self {
            settings,
            message,
            host,
            port,
            login,
        })
    }

    async fn send(self) -> Result<Value, Value> {
        let fail = |e: String| Value::String(format!("Failed to send an email message: {e}"));
        let addrs: Vec<std::net::IpAddr> = tokio::net::lookup_host((self.host.as_str(), self.port))
            .await
            .map_err(|e| fail(e.to_string()))?
            .map(|a| a.ip())
            .collect();
        for ip in &addrs {
            self.settings
                .egress
                .check_addr(&self.host, *ip)
                .map_err(Value::String)?;
        }
        let ip = addrs
            .first()
            .ok_or_else(|| fail(format!("'{}' has no address", self.host)))?;
        let mut b =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(ip.to_string()).port(self.port);
        if let Some(c) = self.login {
            let tls = TlsParameters::new(self.host.clone()).map_err(|e| fail(e.to_string()))?;
            b = b.tls(Tls::Required(tls)).credentials(c);
        }
        if let Some(t) = self.settings.default_timeout {
            b = b.timeout(Some(t));
        }
        b.build()
            .send(self.message)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(Value::Null)
    }
}

impl Action for Email {
    fn set_context(&mut self, ctx: &super::ActionContext) {
        self.action_ex_id = ctx.action_execution_id.clone();
    }

    fn run(self: Box<Self>) -> BoxFuture<'static, Result<Value, Value>> {
        super::http::install_tls_provider();
        self.run_checked().boxed()
    }
}
