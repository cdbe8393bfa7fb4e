//! A loopback TCP proxy between a bora process and a server it uses (the
//! broker, PostgreSQL) that a test can cut, freeze and restore: cut closes
//! every connection and refuses new ones (a link that fails loudly);
//! freeze forwards nothing and answers nothing while keeping every
//! connection open (a partition: packets go nowhere until it heals, and
//! then arrive late).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const UP: u8 = 0;
const CUT: u8 = 1;
const FROZEN: u8 = 2;

pub struct Proxy {
    state: Arc<AtomicU8>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Listens on 127.0.0.1:`port` and forwards to `target`.
    pub fn start(port: u16, target: (String, u16)) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let state = Arc::new(AtomicU8::new(UP));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (state2, conns2) = (state.clone(), conns.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (state, conns, target) = (state2.clone(), conns2.clone(), target.clone());
                std::thread::spawn(move || {
                    // A connection made while frozen waits for the thaw.
                    wait_thawed(&state);
                    if state.load(Ordering::SeqCst) == CUT {
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    }
                    let Ok(server) = TcpStream::connect((target.0.as_str(), target.1)) else {
                        let _ = client.shutdown(Shutdown::Both);
                        return;
                    };
                    {
                        let mut c = conns.lock().unwrap();
                        c.push(client.try_clone().unwrap());
                        c.push(server.try_clone().unwrap());
                    }
                    pipe(
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        state.clone(),
                    );
                    pipe(server, client, state);
                });
            }
        });
        Self { state, conns }
    }

    /// Closes every connection and refuses new ones until restored.
    pub fn cut(&self) {
        self.state.store(CUT, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Forwards nothing, in either direction, until restored; connections
    /// stay open and new ones are accepted but not answered.
    pub fn freeze(&self) {
        self.state.store(FROZEN, Ordering::SeqCst);
    }

    /// Forwards again (what was held while frozen goes through now).
    pub fn restore(&self) {
        self.state.store(UP, Ordering::SeqCst);
    }
}

fn wait_thawed(state: &AtomicU8) {
    while state.load(Ordering::SeqCst) == FROZEN {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, state: Arc<AtomicU8>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let read = from.read(&mut buf);
            wait_thawed(&state);
            match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// `url` with its host and port replaced by the proxy's on `port`, and
/// the server's host and port (`default_port` when the URL names none).
pub fn through_proxy(url: &str, port: u16, default_port: u16) -> (String, (String, u16)) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, rest) = rest.rsplit_once('@').map_or(("", rest), |(a, r)| (a, r));
    let (hostport, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, p) = hostport
        .split_once(':')
        .map_or((hostport, default_port), |(h, p)| (h, p.parse().unwrap()));
    let auth = if auth.is_empty() {
        String::new()
    } else {
        format!("{auth}@")
    };
    (
        format!("{scheme}://{auth}127.0.0.1:{port}/{path}"),
        (host.to_string(), p),
    )
}
