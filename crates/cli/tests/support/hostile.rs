//! Hostile JSON-RPC servers on 127.0.0.1 for `tests/hostile.rs`, written by hand over
//! `std::net` so they can break HTTP/1.1 and WebSocket (RFC 6455) on purpose: answers that are
//! huge, that drip, that never end or never come, frames claiming 2^63 bytes, floods of
//! subscription events. Every connection runs on its own thread, and every hostile stream
//! stops when the client goes away (a write or read fails), when the server is dropped, after
//! [`LIMIT_TIME`] or after [`LIMIT_BYTES`], whichever comes first: a test cannot run away.
#![allow(dead_code)] // not every case uses every helper

use std::{
    io::{ErrorKind, Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    thread,
    time::{Duration, Instant},
};

pub const MB: u64 = 1024 * 1024;
/// No hostile stream sends more than this.
pub const LIMIT_BYTES: u64 = 1024 * MB;
/// No hostile connection lives longer than this.
pub const LIMIT_TIME: Duration = Duration::from_secs(30);

/// One accepted connection, handed to the server's handler on its own thread.
pub struct Conn {
    pub stream: TcpStream,
    stop: Arc<AtomicBool>,
    started: Instant,
}

impl Conn {
    /// Whether the hostile stream may go on (the server is up and the time limit not reached).
    pub fn live(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && self.started.elapsed() < LIMIT_TIME
    }

    /// The server's stop flag (for threads this connection spawns).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Writes all of `bytes`; `false` once the client is gone or the limits are reached.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.live() && self.stream.write_all(bytes).is_ok()
    }

    /// Holds the connection open, saying nothing, until the client goes away (or the limits).
    /// Whatever the client sends is read and dropped.
    pub fn hold_silently(&mut self) {
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(20)));
        let mut buf = [0u8; 4096];
        while self.live() {
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
        }
    }

    /// Sends `next()` again and again until `total` bytes went out (or the client left, or
    /// the limits); returns the bytes sent.
    pub fn pour(&mut self, total: u64, mut next: impl FnMut() -> Vec<u8>) -> u64 {
        let mut sent = 0;
        while sent < total.min(LIMIT_BYTES) {
            let bytes = next();
            if !self.send(&bytes) {
                break;
            }
            sent += bytes.len() as u64;
        }
        sent
    }

    /// Reads one HTTP/1.1 request; returns its body, or `None` if the client closed first.
    pub fn read_http_request(&mut self) -> Option<String> {
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(10)));
        let head = self.read_head()?;
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0u8; length.min(1 << 20)];
        self.stream.read_exact(&mut body).ok()?;
        Some(String::from_utf8_lossy(&body).into_owned())
    }

    /// Reads up to and including the blank line that ends a request head.
    fn read_head(&mut self) -> Option<String> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if head.len() > 64 * 1024 || self.stream.read(&mut byte).ok()? == 0 {
                return None;
            }
            head.push(byte[0]);
        }
        Some(String::from_utf8_lossy(&head).into_owned())
    }

    /// Answers an HTTP request with `body` (status 200, content-length) and closes.
    pub fn http_answer(&mut self, body: &str) {
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        self.send(response.as_bytes());
    }

    /// Completes a WebSocket opening handshake (RFC 6455 section 4.2); `false` if the client
    /// did not ask for one.
    pub fn ws_accept(&mut self) -> bool {
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Some(head) = self.read_head() else {
            return false;
        };
        let Some(key) = head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_string())
        }) else {
            return false;
        };
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        self.send(
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {accept}\r\n\r\n"
            )
            .as_bytes(),
        )
    }

    /// Reads the client's next text message (its frames are masked); `None` once it closes.
    pub fn ws_read_text(&mut self) -> Option<String> {
        ws_read_text(&mut self.stream, &self.stop)
    }
}

/// Reads the next text message from a client (masked frames; control frames skipped);
/// `None` once the client closes or goes away, or `stop` is set.
pub fn ws_read_text(stream: &mut TcpStream, stop: &AtomicBool) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut read_exact = |buf: &mut [u8]| -> Option<()> {
        let mut filled = 0;
        while filled < buf.len() {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            match stream.read(&mut buf[filled..]) {
                Ok(0) => return None,
                Ok(n) => filled += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return None,
            }
        }
        Some(())
    };
    let mut message = Vec::new();
    loop {
        let mut head = [0u8; 2];
        read_exact(&mut head)?;
        let (fin, opcode) = (head[0] & 0x80 != 0, head[0] & 0x0f);
        let length = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                read_exact(&mut b)?;
                u64::from(u16::from_be_bytes(b))
            }
            127 => {
                let mut b = [0u8; 8];
                read_exact(&mut b)?;
                u64::from_be_bytes(b)
            }
            n => u64::from(n),
        };
        if length > MB {
            return None; // our clients never send that much
        }
        let mut mask = [0u8; 4];
        if head[1] & 0x80 != 0 {
            read_exact(&mut mask)?;
        }
        let mut payload = vec![0u8; usize::try_from(length).ok()?];
        read_exact(&mut payload)?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        match opcode {
            // Close.
            0x8 => return None,
            // Ping, pong.
            0x9 | 0xA => continue,
            // Text, binary, continuation.
            _ => message.extend(payload),
        }
        if fin {
            return Some(String::from_utf8_lossy(&message).into_owned());
        }
    }
}

/// A server frame header (unmasked): `fin`, `opcode`, and a claimed payload `length`.
pub fn ws_frame_header(opcode: u8, fin: bool, length: u64) -> Vec<u8> {
    let first = (if fin { 0x80 } else { 0 }) | opcode;
    match (u8::try_from(length), u16::try_from(length)) {
        (Ok(short), _) if short <= 125 => vec![first, short],
        (_, Ok(medium)) => {
            let mut h = vec![first, 126];
            h.extend(medium.to_be_bytes());
            h
        }
        _ => {
            let mut h = vec![first, 127];
            h.extend(length.to_be_bytes());
            h
        }
    }
}

/// One whole text frame.
pub fn ws_text(text: &str) -> Vec<u8> {
    let mut frame = ws_frame_header(0x1, true, text.len() as u64);
    frame.extend_from_slice(text.as_bytes());
    frame
}

/// A JSON-RPC answer to request `id` (taken from the request's JSON, `1` if unreadable).
pub fn answer(request: &str, result: &str) -> String {
    let id = serde_json::from_str::<serde_json::Value>(request)
        .ok()
        .and_then(|r| r.get("id").cloned())
        .unwrap_or(serde_json::Value::from(1));
    format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#)
}

/// The method a JSON-RPC request calls.
pub fn method(request: &str) -> String {
    serde_json::from_str::<serde_json::Value>(request)
        .ok()
        .and_then(|r| r.get("method")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A hostile server: every connection is handed to the handler on a thread of its own.
pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    accept: Option<thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(handler: impl Fn(&mut Conn) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let accept = {
            let (stop, connections) = (stop.clone(), connections.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_nodelay(true);
                            let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
                            connections.fetch_add(1, Ordering::Relaxed);
                            let mut conn = Conn {
                                stream,
                                stop: stop.clone(),
                                started: Instant::now(),
                            };
                            let handler = handler.clone();
                            thread::spawn(move || handler(&mut conn));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Self {
            port,
            stop,
            connections,
            accept: Some(accept),
        }
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// The stop flag every connection of this server watches.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A WebSocket connection shared between a thread reading the client's requests and threads
/// writing to it (whole frames under the lock, so they never interleave).
pub type SharedWriter = Arc<Mutex<TcpStream>>;

/// Writes `bytes` under the lock; `false` once the client is gone.
pub fn shared_send(writer: &SharedWriter, bytes: &[u8]) -> bool {
    writer
        .lock()
        .map(|mut s| s.write_all(bytes).is_ok())
        .unwrap_or(false)
}
