//! Calls over the follower's connection: one attempt, or retried with backoff while the answer
//! is merely unavailable (the transport's [`RpcError::retryable`]); whatever else fails is
//! carried up typed, as [`DriverError::Rpc`].

use super::{
    rpc::{Http, RpcError, Ws},
    DriverError, Follower, Output,
};
use crate::args::RpcArgs;
use serde_json::Value;
use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};
use tempo_light::{Network, NetworkKind};

/// The connection: HTTP, or a WebSocket (with, if the user gave one, an HTTP endpoint beside
/// it for the calls).
pub(super) enum Conn {
    Http(Http),
    Ws {
        ws: Option<Box<Ws>>,
        url: String,
        http: Option<Http>,
    },
}

/// The pause before retry number `attempt` (1-based): 100 ms doubling to at most 1 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.saturating_sub(1).min(4)).min(1_000))
}

/// A transient `null`: a node that has published a block's finalization but not executed it
/// yet answers `null` for its header.
pub(super) fn not_there_yet(method: &str) -> RpcError {
    RpcError::NotThereYet(format!(
        "{method} answered null (the block is not executed yet)"
    ))
}

impl Conn {
    /// The connection `rpc` names (the network's public endpoint by default), and whether
    /// finalizations come by subscription. Nothing is connected yet.
    pub(super) fn open(
        rpc: &RpcArgs,
        network: &Network,
        timeout: Duration,
    ) -> Result<(Self, bool), DriverError> {
        let url = match &rpc.rpc {
            Some(url) => url.clone(),
            None => default_rpc(network)
                .ok_or_else(|| DriverError::Usage("--rpc is required with --identity".into()))?
                .to_string(),
        };
        let is_http = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if url.starts_with("ws://") || url.starts_with("wss://") {
            let http = match &rpc.http {
                Some(h) if is_http(h) => Some(Http::new(h, timeout)),
                Some(h) => {
                    return Err(DriverError::Usage(format!(
                        "--http must be an http(s):// URL, not {h}"
                    )))
                }
                None => None,
            };
            Ok((
                Self::Ws {
                    ws: None,
                    url,
                    http,
                },
                true,
            ))
        } else if is_http(&url) {
            if rpc.http.is_some() {
                return Err(DriverError::Usage(
                    "--http goes with a ws(s):// --rpc (the calls already go over HTTP)".into(),
                ));
            }
            Ok((Self::Http(Http::new(&url, timeout)), false))
        } else {
            Err(DriverError::Usage(format!(
                "--rpc must be an http(s):// or ws(s):// URL, not {url}"
            )))
        }
    }
}

/// The network's public endpoint.
pub fn default_rpc(network: &Network) -> Option<&'static str> {
    match network.kind() {
        NetworkKind::Mainnet => Some("https://rpc.presto.tempo.xyz"),
        NetworkKind::Testnet => Some("https://rpc.moderato.tempo.xyz"),
        NetworkKind::Custom => None,
    }
}

impl Follower<'_> {
    /// One call, retried with backoff while the answer is merely unavailable.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, DriverError> {
        self.call_retrying(method, params, false)
    }

    /// As [`Self::call`], but a `null` answer (a block the node has not executed yet) is
    /// retried like 204/503 too.
    pub fn call_present(&mut self, method: &str, params: Value) -> Result<Value, DriverError> {
        self.call_retrying(method, params, true)
    }

    /// One attempt of a call over the connection (connecting the WebSocket if needed).
    pub fn call_once(&mut self, method: &str, params: Value) -> Result<Value, RpcError> {
        let timeout = self.timeout;
        match &mut self.conn {
            Conn::Http(http)
            | Conn::Ws {
                http: Some(http), ..
            } => http.call(method, params),
            Conn::Ws { ws, url, .. } => {
                if ws.is_none() {
                    *ws = Some(Box::new(Ws::connect(url, timeout)?));
                }
                let result = ws.as_mut().map_or_else(
                    || Err(RpcError::Transport("not connected".into())),
                    |ws| ws.call(method, params),
                );
                if matches!(result, Err(RpcError::Transport(_))) {
                    *ws = None; // reconnect (and resubscribe) next time
                }
                result
            }
        }
    }

    fn call_retrying(
        &mut self,
        method: &str,
        params: Value,
        null_is_transient: bool,
    ) -> Result<Value, DriverError> {
        let mut attempt = 0;
        loop {
            let result = match self.call_once(method, params.clone()) {
                Ok(Value::Null) if null_is_transient => Err(not_there_yet(method)),
                other => other,
            };
            match result {
                Ok(value) => return Ok(value),
                Err(e) if e.retryable() => self.retry_or_fail(&e, &mut attempt)?,
                Err(e) => return Err(DriverError::rpc(e)),
            }
        }
    }

    /// Sleeps unless asked to stop; returns whether to stop.
    pub(super) fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            if self.stopped() {
                return true;
            }
            std::thread::sleep(
                Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())),
            );
        }
        self.stopped()
    }

    /// Whether the user asked to stop (Ctrl-C, SIGTERM).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// After a retryable failure: sleeps and counts the attempt, or gives up once the
    /// retries are spent.
    pub(super) fn retry_or_fail(
        &mut self,
        e: &RpcError,
        attempt: &mut u32,
    ) -> Result<(), DriverError> {
        if *attempt >= self.options.retries {
            return Err(DriverError::gave_up(e.clone(), *attempt + 1));
        }
        *attempt += 1;
        let pause = backoff(*attempt);
        (self.sink)(&Output::Note(format!(
            "{e}; retry {attempt} in {} ms",
            pause.as_millis()
        )));
        if self.sleep(pause) {
            return Err(DriverError::Unavailable("stopped".into()));
        }
        Ok(())
    }
}
