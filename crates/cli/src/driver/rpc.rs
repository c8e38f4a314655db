//! JSON-RPC 2.0 transports for the follower: HTTP (ureq) and WebSocket (tungstenite), with
//! timeouts on every call. Answers are returned as JSON values; deciding anything about
//! them is the library's job. A failure is an [`RpcError`], carried up to the commands as it
//! is (inside [`super::DriverError::Rpc`]), so that they match a server's answer by its code.

use serde_json::{json, Value};
use std::{
    collections::VecDeque,
    net::TcpStream,
    time::{Duration, Instant},
};
use tungstenite::{stream::MaybeTlsStream, Message, WebSocket};

/// Most subscription events kept while a call is in flight.
const MAX_QUEUED_EVENTS: usize = 1024;

/// reth's `EthApiError::HeaderNotFound`: the block is not executed (yet).
pub const HEADER_NOT_FOUND: i64 = -32001;
/// reth's `EthApiError::ExceedsMaxProofWindow` (an invalid-params error): the block is too
/// far behind the execution head for `--rpc.eth-proof-window`.
pub const OUTSIDE_PROOF_WINDOW: i64 = -32602;

/// Why a call produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcError {
    /// The connection failed, timed out, or answered with an HTTP error: try again later.
    Transport(String),
    /// The server answered with a JSON-RPC error object.
    Server {
        /// The JSON-RPC error code (204: not ready, 503: missing).
        code: i64,
        /// The server's message.
        message: String,
    },
    /// The answer is not JSON-RPC at all (a broken or lying server).
    Malformed(String),
    /// The answer is `null` where a block was asked for: a node that has published the
    /// block's finalization but not executed it yet. Try again later.
    NotThereYet(String),
}

impl RpcError {
    /// Whether the same call may succeed later.
    pub fn retryable(&self) -> bool {
        match self {
            Self::Transport(_) | Self::NotThereYet(_) => true,
            Self::Server { code, .. } => *code == 204 || *code == 503,
            Self::Malformed(_) => false,
        }
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => write!(f, "transport error: {e}"),
            Self::Server { code, message } => write!(f, "RPC error {code}: {message}"),
            Self::Malformed(e) => write!(f, "malformed answer: {e}"),
            Self::NotThereYet(e) => write!(f, "not there yet: {e}"),
        }
    }
}

/// Extracts `result` from a JSON-RPC response body.
fn result_of(body: &str) -> Result<Value, RpcError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| RpcError::Malformed(format!("not JSON ({e})")))?;
    response_result(value)
}

fn response_result(mut value: Value) -> Result<Value, RpcError> {
    if let Some(tempo_light::DecodeError::Rpc { code, message }) =
        tempo_light::wire::certified_block::rpc_error(&value)
    {
        return Err(RpcError::Server { code, message });
    }
    match value.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(RpcError::Malformed("no `result` or `error` member".into())),
    }
}

/// JSON-RPC over HTTP(S).
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    url: String,
}

impl Http {
    /// A client for `url` whose every call times out after `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            agent,
            url: url.to_string(),
        }
    }

    /// Calls `method` with `params`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
        let mut response = self
            .agent
            .post(&self.url)
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| RpcError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) && serde_json::from_str::<Value>(&text).is_err() {
            return Err(RpcError::Transport(format!("HTTP status {status}")));
        }
        result_of(&text)
    }
}

/// JSON-RPC over a WebSocket, with an optional `consensus_subscribe` subscription.
pub struct Ws {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Subscription notifications that arrived while waiting for a call's answer.
    events: VecDeque<Value>,
    subscription: Option<Value>,
    timeout: Duration,
}

fn set_read_timeout(socket: &mut WebSocket<MaybeTlsStream<TcpStream>>, timeout: Duration) {
    let timeout = Some(timeout.max(Duration::from_millis(1)));
    let _ = match socket.get_mut() {
        MaybeTlsStream::Plain(s) => s.set_read_timeout(timeout),
        MaybeTlsStream::Rustls(s) => s.get_mut().set_read_timeout(timeout),
        _ => Ok(()),
    };
}

fn ws_error(e: tungstenite::Error) -> RpcError {
    RpcError::Transport(e.to_string())
}

/// A TCP connection to a `ws(s)://` URL's host, with a connect timeout (tungstenite's own
/// `connect` has none).
fn tcp_connect(url: &str, timeout: Duration) -> Result<TcpStream, RpcError> {
    use std::net::ToSocketAddrs;
    let uri: tungstenite::http::Uri = url
        .parse()
        .map_err(|e| RpcError::Transport(format!("bad URL {url}: {e}")))?;
    let host = uri
        .host()
        .ok_or_else(|| RpcError::Transport(format!("no host in {url}")))?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("wss") {
            443
        } else {
            80
        });
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| RpcError::Transport(format!("cannot resolve {host}: {e}")))?;
    let mut last = None;
    for addr in addrs.take(8) {
        match TcpStream::connect_timeout(&addr, timeout.max(Duration::from_millis(1))) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(RpcError::Transport(match last {
        Some(e) => format!("cannot connect to {url}: {e}"),
        None => format!("{host} has no address"),
    }))
}

impl Ws {
    /// Connects to a `ws://` or `wss://` URL; the TCP connection, the TLS and WebSocket
    /// handshakes each time out after `timeout`.
    pub fn connect(url: &str, timeout: Duration) -> Result<Self, RpcError> {
        let stream = tcp_connect(url, timeout)?;
        let _ = stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        let _ = stream.set_write_timeout(Some(timeout.max(Duration::from_millis(1))));
        let (mut socket, _) = tungstenite::client_tls(url, stream)
            .map_err(|e| RpcError::Transport(format!("WebSocket handshake with {url}: {e}")))?;
        set_read_timeout(&mut socket, timeout);
        if let MaybeTlsStream::Plain(s) = socket.get_mut() {
            let _ = s.set_write_timeout(Some(timeout));
        }
        Ok(Self {
            socket,
            next_id: 1,
            events: VecDeque::new(),
            subscription: None,
            timeout,
        })
    }

    /// Reads one JSON message, or `None` on timeout.
    fn read(&mut self, deadline: Instant) -> Result<Option<Value>, RpcError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            set_read_timeout(&mut self.socket, left);
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Some)
                        .map_err(|e| RpcError::Malformed(format!("not JSON ({e})")));
                }
                Ok(Message::Binary(_)) => {
                    return Err(RpcError::Malformed("binary WebSocket message".into()))
                }
                Ok(Message::Close(_)) => {
                    return Err(RpcError::Transport(
                        "the server closed the connection".into(),
                    ))
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => return Err(ws_error(e)),
            }
        }
    }

    fn is_notification(&self, value: &Value) -> bool {
        value.get("method").is_some() && value.get("id").is_none()
    }

    /// Calls `method` with `params`, queueing notifications that arrive meanwhile.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.socket
            .send(Message::text(request.to_string()))
            .map_err(ws_error)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let Some(value) = self.read(deadline)? else {
                return Err(RpcError::Transport(format!(
                    "no answer to {method} in time"
                )));
            };
            if self.is_notification(&value) {
                // Bounded: while a long plan runs, only the newest events matter.
                if self.events.len() >= MAX_QUEUED_EVENTS {
                    self.events.pop_front();
                }
                self.events.push_back(value);
                continue;
            }
            if value.get("id").and_then(Value::as_u64) == Some(id) {
                return response_result(value);
            }
        }
    }

    /// Calls `method` once per entry of `params`, pipelined: every request is sent before the
    /// answers are read, so a run of calls costs one round trip rather than one each. The
    /// answers come back in the order of `params`; a transport failure fails them all.
    pub fn call_many(
        &mut self,
        method: &str,
        params: &[Value],
    ) -> Result<Vec<Result<Value, RpcError>>, RpcError> {
        let first = self.next_id;
        self.next_id += params.len() as u64;
        for (i, p) in params.iter().enumerate() {
            let request =
                json!({"jsonrpc": "2.0", "id": first + i as u64, "method": method, "params": p});
            self.socket
                .write(Message::text(request.to_string()))
                .map_err(ws_error)?;
        }
        self.socket.flush().map_err(ws_error)?;
        let mut answers: Vec<Option<Result<Value, RpcError>>> = vec![None; params.len()];
        let mut missing = params.len();
        let deadline = Instant::now() + self.timeout;
        while missing > 0 {
            let Some(value) = self.read(deadline)? else {
                return Err(RpcError::Transport(format!(
                    "{missing} of {} answers to {method} did not come in time",
                    params.len()
                )));
            };
            if self.is_notification(&value) {
                if self.events.len() >= MAX_QUEUED_EVENTS {
                    self.events.pop_front();
                }
                self.events.push_back(value);
                continue;
            }
            let slot = value
                .get("id")
                .and_then(Value::as_u64)
                .and_then(|id| id.checked_sub(first))
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| answers.get_mut(i));
            if let Some(slot @ None) = slot {
                *slot = Some(response_result(value));
                missing -= 1;
            }
        }
        Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err(RpcError::Transport("no answer".into()))))
            .collect())
    }

    /// Subscribes to consensus events; an error means the endpoint refused.
    pub fn subscribe(&mut self) -> Result<(), RpcError> {
        let id = self.call("consensus_subscribe", json!([]))?;
        self.subscription = Some(id);
        Ok(())
    }

    /// Whether a subscription is active.
    pub fn subscribed(&self) -> bool {
        self.subscription.is_some()
    }

    /// The next subscription event's `result`, or `None` if none arrives within `wait`.
    pub fn next_event(&mut self, wait: Duration) -> Result<Option<Value>, RpcError> {
        let deadline = Instant::now() + wait;
        loop {
            let value = match self.events.pop_front() {
                Some(v) => v,
                None => match self.read(deadline)? {
                    Some(v) => v,
                    None => return Ok(None),
                },
            };
            if !self.is_notification(&value) {
                continue;
            }
            let params = value.get("params").cloned().unwrap_or(Value::Null);
            if params.get("subscription") != self.subscription.as_ref() {
                continue;
            }
            return Ok(params.get("result").cloned());
        }
    }
}
