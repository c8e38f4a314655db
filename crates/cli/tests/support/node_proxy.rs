//! A node-shaped JSON-RPC test server for `tests/node_conformance.rs`: on a real socket, it
//! answers chosen calls itself with canned node answers (or alters the devnet's answers), and
//! forwards the rest to a devnet, counting the calls of each method.
#![allow(dead_code)] // not every case uses every helper

use serde_json::{json, Value};
use std::{
    collections::HashMap,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// Decides a canned answer (`{"result": ..}` or `{"error": ..}`) for the `nth` (0-based) call of
/// `method`, or `None` to forward the call to the devnet.
pub type Rule = dyn Fn(&str, u64) -> Option<Value> + Send + Sync;

/// Alters a forwarded answer (the whole JSON-RPC response) to the request given.
pub type Rewrite = dyn Fn(&Value, &mut Value) + Send + Sync;

/// A JSON-RPC-over-HTTP server on a real socket that answers some calls itself and forwards
/// the rest to a devnet.
pub struct NodeProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    calls: Arc<Mutex<HashMap<String, u64>>>,
}

impl Drop for NodeProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl NodeProxy {
    pub fn start(upstream: u16, rule: Box<Rule>) -> Self {
        Self::start_with(upstream, rule, Box::new(|_, _| {}))
    }

    /// Forwards every call, altering the answers with `rewrite`.
    pub fn rewriting(upstream: u16, rewrite: Box<Rewrite>) -> Self {
        Self::start_with(upstream, Box::new(|_, _| None), rewrite)
    }

    fn start_with(upstream: u16, rule: Box<Rule>, rewrite: Box<Rewrite>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let rule: Arc<Rule> = Arc::from(rule);
        let rewrite: Arc<Rewrite> = Arc::from(rewrite);
        let calls = Arc::new(Mutex::new(HashMap::<String, u64>::new()));
        let flag = stop.clone();
        let counts = calls.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (rule, calls, flag) = (rule.clone(), counts.clone(), flag.clone());
                        let rewrite = rewrite.clone();
                        std::thread::spawn(move || {
                            serve(stream, upstream, (&*rule, &*rewrite), &calls, &flag)
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { port, stop, calls }
    }

    /// How many calls of `method` it has received.
    pub fn calls(&self, method: &str) -> u64 {
        self.calls.lock().unwrap().get(method).copied().unwrap_or(0)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Reads one HTTP request body (keep-alive: several per connection); `None` when closed.
fn read_body(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if length > 1 << 20 {
                return None;
            }
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = buffer[end + 4..end + 4 + length].to_vec();
            buffer.drain(..end + 4 + length);
            return Some(body);
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn serve(
    mut stream: TcpStream,
    upstream: u16,
    (rule, rewrite): (&Rule, &Rewrite),
    calls: &Mutex<HashMap<String, u64>>,
    stop: &AtomicBool,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buffer = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let Some(body) = read_body(&mut stream, &mut buffer) else {
            return;
        };
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let method = request["method"].as_str().unwrap_or("").to_string();
        let nth = {
            let mut calls = calls.lock().unwrap();
            let n = calls.entry(method.clone()).or_insert(0);
            *n += 1;
            *n - 1
        };
        let answer = match rule(&method, nth) {
            Some(mut canned) => {
                canned["jsonrpc"] = json!("2.0");
                canned["id"] = request["id"].clone();
                canned.to_string()
            }
            None => {
                let body = String::from_utf8_lossy(&body);
                match crate::support::post_raw(upstream, &body, Duration::from_secs(10)) {
                    Some(answer) => match serde_json::from_str::<Value>(&answer) {
                        Ok(mut answer) => {
                            rewrite(&request, &mut answer);
                            answer.to_string()
                        }
                        Err(_) => answer,
                    },
                    None => return,
                }
            }
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            answer.len()
        );
        if stream.write_all(head.as_bytes()).is_err()
            || stream.write_all(answer.as_bytes()).is_err()
        {
            return;
        }
    }
}
