//! `GET /v2/events`: committed execution and task changes as server-sent
//! events, for the UI's live views. Each client subscribes to
//! `ApiState.events` on its own; a client that falls behind the broadcast
//! buffer gets one `resync` event (it must reload what it shows) and goes on
//! from the newest changes. A closed connection drops the stream and with it
//! the subscription.
//!
//! Events: `hello` on connect; `execution` and `task` with the `Change` as
//! JSON data; `resync` with `{"missed": N}`; `: ping` comments every
//! [`PING_SECS`] so dead connections are noticed and proxies keep the line.

use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::ApiState;
use super::error::Error;
use super::query;
use crate::engine::Change;

/// Seconds between keep-alive comments.
const PING_SECS: u64 = 5;
/// Most changes written in one chunk.
const CHUNK: usize = 512;
/// Milliseconds a browser waits before reconnecting.
const RETRY_MS: u32 = 2000;

/// What one client listens to.
struct Listener {
    rx: Receiver<Change>,
    /// Only changes of this project's executions.
    project: String,
    /// Only changes of this execution, when set.
    execution_id: Option<String>,
    ping: tokio::time::Interval,
    started: bool,
    /// Becomes true when the server shuts down: the stream ends.
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// One change as an SSE frame, or nothing when the filter drops it: another
/// project's change, or another execution's when `only` names one.
fn frame(c: &Change, project: &str, only: Option<&str>) -> Option<String> {
    if c.project_id != project || only.is_some_and(|id| id != c.execution_id) {
        return None;
    }
    let data = serde_json::to_string(c).ok()?;
    Some(format!("event: {}\ndata: {data}\n\n", c.kind))
}

fn resync(missed: u64) -> String {
    format!("event: resync\ndata: {{\"missed\":{missed}}}\n\n")
}

impl Listener {
    /// Waits for the next chunk of frames; `None` when the sender is gone.
    async fn next(&mut self) -> Option<Bytes> {
        if !self.started {
            self.started = true;
            return Some(Bytes::from(format!(
                "retry: {RETRY_MS}\nevent: hello\ndata: {{}}\n\n"
            )));
        }
        loop {
            let mut out = String::new();
            tokio::select! {
                r = self.rx.recv() => match r {
                    Ok(c) => out.extend(frame(&c, &self.project, self.execution_id.as_deref())),
                    Err(RecvError::Lagged(n)) => out.push_str(&resync(n)),
                    Err(RecvError::Closed) => return None,
                },
                _ = self.ping.tick() => return Some(Bytes::from_static(b": ping\n\n")),
                _ = self.shutdown.wait_for(|stop| *stop) => return None,
            }
            self.drain(&mut out);
            if !out.is_empty() {
                return Some(Bytes::from(out));
            }
        }
    }

    /// Appends what is already queued, up to [`CHUNK`] changes.
    fn drain(&mut self, out: &mut String) {
        for _ in 0..CHUNK {
            match self.rx.try_recv() {
                Ok(c) => out.extend(frame(&c, &self.project, self.execution_id.as_deref())),
                Err(TryRecvError::Lagged(n)) => out.push_str(&resync(n)),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
    }
}

/// `GET /v2/events?execution_id=`: the caller's project's changes. With
/// authentication on, the token may come as `?token=` here (and only here):
/// a browser's `EventSource` cannot send headers.
#[utoipa::path(
    get,
    path = "/v2/events",
    tag = "executions",
    operation_id = "stream_events",
    summary = "Live changes (server-sent events)",
    params(
        ("execution_id" = Option<String>, Query, description = "Only this execution's changes"),
        ("token" = Option<String>, Query, description = "The token, for a browser's EventSource (only here)"),
    ),
    responses(
        (status = 200, description = "A stream of `text/event-stream` events, one per committed change", content_type = "text/event-stream", body = String),
    )
)]
pub async fn stream(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: super::Caller,
) -> Result<HttpResponse, Error> {
    let pairs = query::pairs(&req)?;
    let execution_id = query::get(&pairs, "execution_id").map(str::to_string);
    let mut ping = tokio::time::interval(Duration::from_secs(PING_SECS));
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ping.reset();
    let listener = Listener {
        rx: state.events.subscribe(),
        project: caller.project_id,
        execution_id,
        ping,
        started: false,
        shutdown: state.shutdown.clone(),
    };
    let body = futures::stream::unfold(listener, |mut l| async move {
        let chunk = l.next().await?;
        Some((Ok::<_, std::convert::Infallible>(chunk), l))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::State;

    fn change(kind: &'static str, exec: &str) -> Change {
        Change {
            kind,
            id: "t1".into(),
            execution_id: exec.into(),
            name: "task1".into(),
            state: State::Success,
            state_info: None,
            project_id: "p".into(),
        }
    }

    fn check(c: Change, only: Option<&str>, expected: Option<&str>) {
        assert_eq!(frame(&c, "p", only).as_deref(), expected);
    }

    #[test]
    fn frames() {
        check(
            change("task", "e1"),
            None,
            Some(
                "event: task\ndata: {\"kind\":\"task\",\"id\":\"t1\",\"execution_id\":\"e1\",\"name\":\"task1\",\"state\":\"SUCCESS\",\"state_info\":null}\n\n",
            ),
        );
        check(change("task", "e1"), Some("e2"), None);
        check(
            change("execution", "e2"),
            Some("e2"),
            Some(
                "event: execution\ndata: {\"kind\":\"execution\",\"id\":\"t1\",\"execution_id\":\"e2\",\"name\":\"task1\",\"state\":\"SUCCESS\",\"state_info\":null}\n\n",
            ),
        );
        assert_eq!(resync(7), "event: resync\ndata: {\"missed\":7}\n\n");
        assert_eq!(frame(&change("task", "e1"), "other", None), None);
    }

    #[actix_rt::test]
    async fn lagging_listener_gets_resync_then_new_changes() {
        let (tx, rx) = tokio::sync::broadcast::channel(2);
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let mut l = Listener {
            rx,
            project: "p".into(),
            execution_id: None,
            ping: tokio::time::interval(Duration::from_secs(3600)),
            started: false,
            shutdown,
        };
        l.ping.reset();
        let hello = l.next().await.unwrap_or_default();
        assert!(String::from_utf8_lossy(&hello).contains("event: hello"));
        for _ in 0..5 {
            tx.send(change("task", "e1")).ok();
        }
        let text = String::from_utf8(l.next().await.unwrap_or_default().to_vec()).unwrap();
        assert!(
            text.starts_with("event: resync\ndata: {\"missed\":3}"),
            "{text}"
        );
        assert_eq!(text.matches("event: task").count(), 2, "{text}");
        drop(tx);
        assert!(l.next().await.is_none());
        stop.send(true).ok();
        assert!(l.next().await.is_none(), "shutdown ends the stream");
    }
}
