//! JSON-RPC 2.0 over HTTP and WebSocket on one port (hyper; the WebSocket is an HTTP/1.1
//! upgrade of the same listener), batches included, with CORS for browser wallets. Every
//! input is bounded: the body or message size, the batch length, the subscriptions of a
//! connection, the requests a connection has in flight, and the connections themselves.

use super::{
    answer::{Answerer, Failure},
    log,
    metrics::Metrics,
};
use futures_util::{future::join_all, SinkExt, StreamExt};
use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    body::{Bytes, Incoming},
    header::{self, HeaderValue},
    server::conn::http1,
    service::service_fn,
    Method, Request, Response, StatusCode,
};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::{
    convert::Infallible,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};
use tempo_light::serve::{
    self,
    logs::{LogFilter, LogRange, MAX_LOG_RANGE},
};
use tokio::{
    net::TcpListener,
    sync::{mpsc, Semaphore},
};
use tokio_tungstenite::{
    tungstenite::{
        handshake::derive_accept_key, protocol::Role, protocol::WebSocketConfig, Message,
    },
    WebSocketStream,
};

/// The bounds every connection is held to.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most bytes in a request body or WebSocket message.
    pub max_body: usize,
    /// Most requests in a batch.
    pub max_batch: usize,
    /// Most subscriptions a WebSocket connection holds.
    pub max_subscriptions: usize,
    /// Most requests a WebSocket connection has in flight.
    pub max_in_flight: usize,
    /// Most connections open at once (more are closed as they arrive).
    pub max_connections: usize,
}

/// What every connection shares.
pub struct Server {
    /// The answers.
    pub answerer: Arc<Answerer>,
    /// The numbers.
    pub metrics: Arc<Metrics>,
    /// The bounds.
    pub limits: Limits,
    /// One permit per open connection (HTTP, or WebSocket once upgraded).
    pub connections: Arc<Semaphore>,
}

/// The subscriptions of one WebSocket connection.
#[derive(Default)]
struct Subscriptions {
    new_heads: Vec<String>,
    logs: Vec<(String, LogFilter)>,
    next: u64,
}

/// What a request runs in: a WebSocket's subscriptions, or none (HTTP).
type Connection = Option<Arc<Mutex<Subscriptions>>>;

fn response_of(id: Value, outcome: Result<(Value, bool), Failure>) -> Value {
    match outcome {
        Ok((result, true)) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Ok((result, false)) => json!({
            "jsonrpc": "2.0", "id": id, "result": result, "tempoLight": { "verified": false }
        }),
        Err(failure) => json!({ "jsonrpc": "2.0", "id": id, "error": failure.to_json() }),
    }
}

fn notification(subscription: &str, result: &Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "eth_subscription",
        "params": { "subscription": subscription, "result": result },
    })
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

impl Server {
    /// Answers one request object; `None` for a notification (no `id`).
    async fn one(&self, request: Value, connection: &Connection) -> Option<Value> {
        let Value::Object(request) = request else {
            return Some(error_response(
                Value::Null,
                -32600,
                "invalid request: not an object",
            ));
        };
        let id = request.get("id").cloned();
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return Some(error_response(
                id.unwrap_or(Value::Null),
                -32600,
                "invalid request: no method",
            ));
        };
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        let started = Instant::now();
        let outcome = match method {
            "eth_subscribe" | "eth_unsubscribe" => self
                .subscription(method, &params, connection)
                .map(|v| (v, true)),
            _ => self
                .answerer
                .answer(method, &params)
                .await
                .map(|o| (o.result, o.verified)),
        };
        let label = match &outcome {
            Ok((_, true)) => "verified",
            Ok((_, false)) => "unverified",
            Err(f) if f.rpc_code == 4200 => "refused",
            Err(_) => "error",
        };
        self.metrics
            .answer(method, label, started.elapsed().as_secs_f64());
        id.map(|id| response_of(id, outcome))
    }

    fn subscription(
        &self,
        method: &str,
        params: &Value,
        connection: &Connection,
    ) -> Result<Value, Failure> {
        let Some(subs) = connection else {
            return Err(Failure::new(
                -32601,
                "Unsupported",
                tempo_light::ErrorKind::Usage,
                format!("{method}: subscriptions need a WebSocket connection"),
            ));
        };
        let mut subs = subs.lock().map_err(|_| Failure::unsupported(method))?;
        if method == "eth_unsubscribe" {
            let id = params.get(0).and_then(Value::as_str).unwrap_or_default();
            let before = subs.new_heads.len() + subs.logs.len();
            subs.new_heads.retain(|s| s != id);
            subs.logs.retain(|(s, _)| s != id);
            return Ok(json!(subs.new_heads.len() + subs.logs.len() != before));
        }
        let logs = match params.get(0).and_then(Value::as_str) {
            Some("newHeads") => None,
            // The logs of each newly final block, complete (as eth_getLogs proves them); a
            // range in the filter is ignored, as nodes ignore it.
            Some("logs") => Some(match params.get(1) {
                None | Some(Value::Null) => LogFilter::default(),
                Some(filter) => LogFilter::parse(filter).map_err(|e| Failure::of(&e))?.1,
            }),
            _ => {
                return Err(Failure::unsupported(
                    "eth_subscribe (other than newHeads and logs)",
                ))
            }
        };
        if subs.new_heads.len() + subs.logs.len() >= self.limits.max_subscriptions {
            return Err(Failure::new(
                -32005,
                "InvalidInput",
                tempo_light::ErrorKind::Usage,
                format!(
                    "at most {} subscriptions per connection",
                    self.limits.max_subscriptions
                ),
            ));
        }
        subs.next += 1;
        let id = format!("{:#x}", subs.next);
        match logs {
            Some(filter) => subs.logs.push((id.clone(), filter)),
            None => subs.new_heads.push(id.clone()),
        }
        Ok(json!(id))
    }

    /// Answers a body or message: one request or a batch; `None` when nothing is owed (a
    /// notification, or a batch of them).
    async fn text(&self, bytes: &[u8], connection: &Connection) -> Option<Value> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(_) => return Some(error_response(Value::Null, -32700, "parse error: not JSON")),
        };
        match value {
            Value::Array(batch) => {
                if batch.is_empty() {
                    return Some(error_response(
                        Value::Null,
                        -32600,
                        "invalid request: empty batch",
                    ));
                }
                if batch.len() > self.limits.max_batch {
                    return Some(error_response(
                        Value::Null,
                        -32600,
                        &format!("a batch holds at most {} requests", self.limits.max_batch),
                    ));
                }
                let answers: Vec<Value> =
                    join_all(batch.into_iter().map(|r| self.one(r, connection)))
                        .await
                        .into_iter()
                        .flatten()
                        .collect();
                (!answers.is_empty()).then_some(Value::Array(answers))
            }
            single => self.one(single, connection).await,
        }
    }
}

fn with_cors(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let h = response.headers_mut();
    for (name, value) in [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::ACCESS_CONTROL_ALLOW_METHODS, "POST, GET, OPTIONS"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn plain(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    with_cors(response)
}

fn json_response(value: Option<Value>) -> Response<Full<Bytes>> {
    let Some(value) = value else {
        // Only notifications: nothing is owed (JSON-RPC 2.0 §6).
        return plain(StatusCode::NO_CONTENT, Bytes::new());
    };
    let mut response = plain(StatusCode::OK, value.to_string());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn is_websocket(request: &Request<Incoming>) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        request.headers().get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}

async fn route(
    server: Arc<Server>,
    stop: &'static AtomicBool,
    mut request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() == Method::OPTIONS {
        return Ok(plain(StatusCode::NO_CONTENT, Bytes::new()));
    }
    if request.method() == Method::GET && is_websocket(&request) {
        let Some(key) = request.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
            return Ok(plain(StatusCode::BAD_REQUEST, "no Sec-WebSocket-Key"));
        };
        let upgrade = hyper::upgrade::on(&mut request);
        // The upgraded socket outlives its HTTP connection: it holds a permit of its own.
        let Ok(permit) = Arc::clone(&server.connections).try_acquire_owned() else {
            return Ok(plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many connections",
            ));
        };
        tokio::spawn(async move {
            let _permit = permit;
            match upgrade.await {
                Ok(upgraded) => websocket(server, stop, TokioIo::new(upgraded)).await,
                Err(e) => log::event("websocket_failed", &[("error", json!(e.to_string()))]),
            }
        });
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let h = response.headers_mut();
        h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        return Ok(response);
    }
    if request.method() != Method::POST {
        return Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "tempo-light proxy: POST JSON-RPC 2.0, or open a WebSocket",
        ));
    }
    let body = match Limited::new(request.into_body(), server.limits.max_body)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return Ok(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request bodies hold at most {} bytes",
                    server.limits.max_body
                ),
            ))
        }
    };
    Ok(json_response(server.text(&body, &None).await))
}

/// One WebSocket connection: requests answered concurrently (bounded), `newHeads`
/// notifications for every verified head.
async fn websocket(
    server: Arc<Server>,
    stop: &'static AtomicBool,
    io: TokioIo<hyper::upgrade::Upgraded>,
) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(server.limits.max_body))
        .max_frame_size(Some(server.limits.max_body));
    let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Value>(server.limits.max_in_flight);
    let in_flight = Arc::new(Semaphore::new(server.limits.max_in_flight));
    let subs: Arc<Mutex<Subscriptions>> = Arc::default();
    let mut heads = server.answerer.trust().heads();
    heads.mark_unchanged();
    // The last head whose logs were pushed (none before the first verified head).
    let mut last = Some(*heads.borrow()).filter(|h| *h > 0);
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            message = stream.next() => {
                let bytes = match message {
                    Some(Ok(Message::Text(text))) => Bytes::from(text.as_bytes().to_vec()),
                    Some(Ok(Message::Binary(bytes))) => bytes,
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                };
                // Bounded: a client with max_in_flight requests pending waits for one.
                let Ok(permit) = Arc::clone(&in_flight).acquire_owned().await else { break };
                let (server, tx, connection) = (Arc::clone(&server), tx.clone(), Some(Arc::clone(&subs)));
                tokio::spawn(async move {
                    if let Some(answer) = server.text(&bytes, &connection).await {
                        let _ = tx.send(answer).await;
                    }
                    drop(permit);
                });
            }
            Some(answer) = rx.recv() => {
                if sink.send(Message::text(answer.to_string())).await.is_err() {
                    break;
                }
            }
            changed = heads.changed() => {
                if changed.is_err() {
                    break;
                }
                let height = *heads.borrow_and_update();
                let (ids, filters) = subs
                    .lock()
                    .map(|s| (s.new_heads.clone(), s.logs.clone()))
                    .unwrap_or_default();
                let from = last.map_or(height, |l| l.saturating_add(1));
                last = Some(height);
                if !ids.is_empty() {
                    match server.answerer.final_block(height).await {
                        Ok(block) => {
                            let header = serve::block_answer(&block.header);
                            for id in ids {
                                let note = notification(&id, &header);
                                if sink.send(Message::text(note.to_string())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Err(f) => log::event("new_heads_skipped", &[("height", json!(height)), ("error", json!(f.message))]),
                    }
                }
                for (id, filter) in filters {
                    // Every block since the last push, in bounded ranges: none is skipped.
                    let mut start = from;
                    while start <= height {
                        let end = height.min(start + MAX_LOG_RANGE - 1);
                        let range = LogRange::Blocks { from: Some(start), to: Some(end) };
                        match server.answerer.logs(range, &filter).await {
                            Ok(Value::Array(logs)) => {
                                for log in logs {
                                    let note = notification(&id, &log);
                                    if sink.send(Message::text(note.to_string())).await.is_err() {
                                        return;
                                    }
                                }
                            }
                            Ok(_) => {}
                            Err(f) => {
                                // Said to the subscriber, not skipped in silence.
                                let note = json!({
                                    "jsonrpc": "2.0",
                                    "method": "eth_subscription",
                                    "params": { "subscription": id, "error": f.to_json() },
                                });
                                if sink.send(Message::text(note.to_string())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        start = end + 1;
                    }
                }
            }
            _ = tick.tick() => {
                if stop.load(Ordering::Relaxed) {
                    let _ = sink.send(Message::Close(None)).await;
                    break;
                }
            }
        }
    }
}

/// Serves on `listener` until `stop` is set, then stops accepting and waits (at most
/// `drain`) for the connections in progress.
pub async fn serve(
    listener: TcpListener,
    server: Arc<Server>,
    stop: &'static AtomicBool,
    drain: Duration,
) {
    let max = server.limits.max_connections;
    let permits = Arc::clone(&server.connections);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = tokio::time::sleep(Duration::from_millis(100)) => {
                if stop.load(Ordering::Relaxed) { break; }
                continue;
            }
        };
        let Ok((stream, _)) = accepted else { continue };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // Over the bound: closed at once, before anything is read.
            log::event(
                "connection_refused",
                &[("reason", json!("too many connections"))],
            );
            continue;
        };
        let _ = stream.set_nodelay(true);
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            let service = service_fn(move |request| route(Arc::clone(&server), stop, request));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
            drop(permit);
        });
    }
    let deadline = Instant::now() + drain;
    while permits.available_permits() < max && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
