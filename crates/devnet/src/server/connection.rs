//! The devnet's HTTP and WebSocket server on one loopback port (or, as reth serves them, on
//! two: see [`Mode`]): std threads, `httparse` for
//! requests, `tungstenite` for WebSocket frames. Every socket has timeouts; the number of
//! connections is bounded; nothing a client sends can panic it.

use super::{rpc::Reply, shared::Shared};
use serde_json::{json, Value};
use std::{
    io::{ErrorKind, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc, Arc,
    },
    time::{Duration, Instant},
};
use tungstenite::{protocol::Role, Message, WebSocket};

/// Most connections served at once.
pub const MAX_CONNECTIONS: usize = 256;
const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1024 * 1024;
const IDLE: Duration = Duration::from_secs(30);
const STALL: Duration = Duration::from_secs(60);

/// Which protocols a port serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// HTTP and WebSocket upgrades on one port.
    Both,
    /// HTTP only: upgrade requests are refused (as reth's HTTP port does).
    HttpOnly,
    /// WebSocket only: plain HTTP requests are refused (as reth's WS port does).
    WsOnly,
}

/// Accepts connections until `stop` is set.
pub fn serve(listener: TcpListener, mode: Mode, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    let active = Arc::new(AtomicUsize::new(0));
    let _ = listener.set_nonblocking(true);
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if active.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    drop(stream);
                    continue;
                }
                active.fetch_add(1, Ordering::Relaxed);
                let shared = shared.clone();
                let stop = stop.clone();
                let active = active.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    connection(stream, mode, &shared, &stop);
                    active.fetch_sub(1, Ordering::Relaxed);
                });
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

struct Request {
    method: String,
    upgrade: bool,
    ws_key: Option<String>,
    body: Vec<u8>,
}

/// Reads one HTTP request (head and body); `None` when the peer closed or timed out.
fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Option<Result<Request, &'static str>> {
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut parsed = httparse::Request::new(&mut headers);
        match parsed.parse(buffer) {
            Ok(httparse::Status::Complete(head_len)) => {
                let method = parsed.method.unwrap_or("").to_string();
                let header = |name: &str| {
                    parsed
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .and_then(|h| std::str::from_utf8(h.value).ok())
                        .map(str::to_string)
                };
                let upgrade =
                    header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
                let ws_key = header("sec-websocket-key");
                let length: usize = match header("content-length").map(|l| l.trim().parse()) {
                    Some(Ok(l)) if l <= MAX_BODY => l,
                    Some(_) => return Some(Err("bad content-length")),
                    None => 0,
                };
                while buffer.len() < head_len + length {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return None,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                let body = buffer[head_len..head_len + length].to_vec();
                buffer.drain(..head_len + length);
                return Some(Ok(Request {
                    method,
                    upgrade,
                    ws_key,
                    body,
                }));
            }
            Ok(httparse::Status::Partial) => {
                if buffer.len() > MAX_HEAD {
                    return Some(Err("request head too large"));
                }
            }
            Err(_) => return Some(Err("malformed HTTP request")),
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         access-control-allow-origin: *\r\naccess-control-allow-methods: POST, GET, OPTIONS\r\n\
         access-control-allow-headers: content-type\r\naccess-control-max-age: 86400\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// Refuses the other protocol with a plain-text 400 (not JSON-RPC: a client must not
/// mistake it for an answer).
fn refuse(stream: &mut TcpStream, why: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        why.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(why.as_bytes())?;
    stream.flush()
}

/// Answers a request body (one JSON-RPC object or a batch).
fn answer(shared: &Shared, body: &[u8]) -> Reply {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Reply::Json(
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "parse error"}}),
        );
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter().take(1024) {
                match shared.handle(item) {
                    Reply::Json(v) => out.push(v),
                    other => return other,
                }
            }
            Reply::Json(Value::Array(out))
        }
        Value::Object(_) => shared.handle(&value),
        _ => Reply::Json(
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "invalid request"}}),
        ),
    }
}

fn stall(stream: TcpStream, stop: &AtomicBool) {
    let until = Instant::now() + STALL;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stream);
}

fn connection(mut stream: TcpStream, mode: Mode, shared: &Shared, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_write_timeout(Some(IDLE));
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let request = match read_request(&mut stream, &mut buffer) {
            None => return,
            Some(Err(why)) => {
                let _ = respond(
                    &mut stream,
                    "400 Bad Request",
                    &json!({"error": why}).to_string(),
                );
                return;
            }
            Some(Ok(r)) => r,
        };
        match (mode, request.upgrade) {
            (Mode::HttpOnly, true) => {
                let _ = refuse(&mut stream, "WebSocket is served on another port");
                return;
            }
            (Mode::WsOnly, false) if request.method != "OPTIONS" => {
                let _ = refuse(&mut stream, "only WebSocket connections are served here");
                return;
            }
            _ => {}
        }
        if request.upgrade {
            if let Some(key) = request.ws_key {
                websocket(stream, &key, shared, stop);
            }
            return;
        }
        let result = match request.method.as_str() {
            "OPTIONS" => respond(&mut stream, "204 No Content", ""),
            "POST" => match answer(shared, &request.body) {
                Reply::Json(v) => respond(&mut stream, "200 OK", &v.to_string()),
                Reply::Malformed(text) => respond(&mut stream, "200 OK", &text),
                Reply::Drop => return,
                Reply::Stall => return stall(stream, stop),
            },
            _ => respond(
                &mut stream,
                "405 Method Not Allowed",
                "{\"error\":\"POST JSON-RPC here\"}",
            ),
        };
        if result.is_err() {
            return;
        }
    }
}

fn websocket(mut stream: TcpStream, key: &str, shared: &Shared, stop: &AtomicBool) {
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {accept}\r\n\r\n"
    );
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
    let mut socket = WebSocket::from_raw_socket(stream, Role::Server, None);
    let (sender, receiver) = mpsc::sync_channel::<String>(4096);
    let mut subscriptions: Vec<u64> = Vec::new();
    let mut last_activity = Instant::now();
    let result = (|| -> Result<(), tungstenite::Error> {
        while !stop.load(Ordering::Relaxed) {
            // Forward subscription notifications.
            while let Ok(text) = receiver.try_recv() {
                socket.send(Message::text(text))?;
            }
            match socket.read() {
                Ok(Message::Text(text)) => {
                    last_activity = Instant::now();
                    let reply = match serde_json::from_str::<Value>(text.as_str()) {
                        Ok(request)
                            if request.get("method").and_then(Value::as_str)
                                == Some("consensus_subscribe") =>
                        {
                            let id = shared.subscribe(sender.clone());
                            subscriptions.push(id);
                            let id_value = request.get("id").cloned().unwrap_or(Value::Null);
                            Reply::Json(
                                json!({"jsonrpc": "2.0", "id": id_value, "result": format!("{id:#x}")}),
                            )
                        }
                        Ok(request)
                            if request.get("method").and_then(Value::as_str)
                                == Some("consensus_unsubscribe") =>
                        {
                            let id_value = request.get("id").cloned().unwrap_or(Value::Null);
                            let sub = request
                                .get("params")
                                .and_then(|p| p.get(0))
                                .and_then(Value::as_str)
                                .and_then(|s| {
                                    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
                                });
                            let removed = sub.is_some_and(|s| shared.unsubscribe(s));
                            Reply::Json(
                                json!({"jsonrpc": "2.0", "id": id_value, "result": removed}),
                            )
                        }
                        _ => answer(shared, text.as_bytes()),
                    };
                    match reply {
                        Reply::Json(v) => socket.send(Message::text(v.to_string()))?,
                        Reply::Malformed(text) => socket.send(Message::text(text))?,
                        Reply::Drop => return Ok(()),
                        Reply::Stall => {
                            let until = Instant::now() + STALL;
                            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                                std::thread::sleep(Duration::from_millis(50));
                            }
                            return Ok(());
                        }
                    }
                }
                Ok(Message::Close(_)) => return Ok(()),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    if subscriptions.is_empty() && last_activity.elapsed() > IDLE {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })();
    drop(result);
    for id in subscriptions {
        shared.unsubscribe(id);
    }
}
