//! Header fetching: runs of `eth_getBlockByNumber` answered concurrently over HTTP or
//! pipelined over the WebSocket, with what is not there yet asked again; and the header
//! fields this version does not know, noted so that a refused run can name them.

use super::{
    call::{backoff, not_there_yet, Conn},
    rpc::{RpcError, Ws},
    DriverError, Follower,
};
use serde_json::{json, Value};
use std::{collections::BTreeSet, sync::atomic::Ordering};
use tempo_light::TempoHeader;

impl Follower<'_> {
    /// Headers `from..=to`, ascending: fetched concurrently (bounded) over HTTP, or pipelined
    /// over the WebSocket when there is no HTTP endpoint.
    pub(super) fn fetch_headers(
        &mut self,
        from: u64,
        to: u64,
    ) -> Result<Vec<TempoHeader>, DriverError> {
        let http = match &self.conn {
            Conn::Http(http)
            | Conn::Ws {
                http: Some(http), ..
            } => http.clone(),
            Conn::Ws { http: None, .. } => return self.fetch_headers_ws(from, to),
        };
        let heights: Vec<u64> = (from..=to).collect();
        let workers = self.options.concurrency.clamp(1, 64);
        let per = heights.len().div_ceil(workers).max(1);
        let retries = self.options.retries;
        let stop = self.stop;
        let unknown = std::sync::Mutex::new(BTreeSet::new());
        let unknown = &unknown;
        let results: Vec<Result<Vec<TempoHeader>, DriverError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = heights
                .chunks(per)
                .map(|chunk| {
                    let http = http.clone();
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|h| {
                                let mut attempt = 0;
                                loop {
                                    let method = "eth_getBlockByNumber";
                                    let params = json!([format!("{h:#x}"), false]);
                                    let result = match http.call(method, params) {
                                        Ok(Value::Null) => Err(not_there_yet(method)),
                                        other => other,
                                    };
                                    match result {
                                        Ok(v) => {
                                            if let Ok(mut unknown) = unknown.lock() {
                                                note_unknown_fields(&v, &mut unknown);
                                            }
                                            return parse_header(v);
                                        }
                                        Err(e) if e.retryable() && attempt < retries => {
                                            attempt += 1;
                                            if stop.load(Ordering::Relaxed) {
                                                return Err(DriverError::Unavailable(
                                                    "stopped".into(),
                                                ));
                                            }
                                            std::thread::sleep(backoff(attempt));
                                        }
                                        Err(e) if e.retryable() => {
                                            return Err(DriverError::gave_up(e, attempt + 1))
                                        }
                                        Err(e) => return Err(DriverError::rpc(e)),
                                    }
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(DriverError::Unavailable("a fetch thread failed".into()))
                    })
                })
                .collect()
        });
        self.unknown_header_fields = unknown.lock().map(|u| u.clone()).unwrap_or_default();
        let mut headers = Vec::with_capacity(heights.len());
        for part in results {
            headers.extend(part?);
        }
        Ok(headers)
    }

    /// Headers `from..=to` over the WebSocket, `--concurrency` requests in flight at a time;
    /// what is not there yet (`null`, 204, 503, a lost connection) is asked again with backoff.
    fn fetch_headers_ws(&mut self, from: u64, to: u64) -> Result<Vec<TempoHeader>, DriverError> {
        let window = u64::try_from(self.options.concurrency.clamp(1, 64)).unwrap_or(8);
        let timeout = self.timeout;
        let method = "eth_getBlockByNumber";
        let mut headers = Vec::new();
        self.unknown_header_fields.clear();
        let mut next = from;
        while next <= to {
            let last = to.min(next.saturating_add(window - 1));
            let mut pending: Vec<u64> = (next..=last).collect();
            let mut got: Vec<(u64, TempoHeader)> = Vec::with_capacity(pending.len());
            let mut attempt = 0;
            while !pending.is_empty() {
                let params: Vec<Value> = pending
                    .iter()
                    .map(|h| json!([format!("{h:#x}"), false]))
                    .collect();
                let outcome = match &mut self.conn {
                    Conn::Ws { ws, url, .. } => {
                        let mut refused = None;
                        if ws.is_none() {
                            match Ws::connect(url, timeout) {
                                Ok(socket) => *ws = Some(Box::new(socket)),
                                Err(e) => refused = Some(e),
                            }
                        }
                        let result = match (ws.as_mut(), refused) {
                            (Some(socket), _) => socket.call_many(method, &params),
                            (None, Some(e)) => Err(e),
                            (None, None) => Err(RpcError::Transport("not connected".into())),
                        };
                        if result.is_err() {
                            *ws = None;
                        }
                        result
                    }
                    Conn::Http(_) => Err(RpcError::Transport("not a WebSocket".into())),
                };
                let answers = match outcome {
                    Ok(answers) => answers,
                    Err(e) if e.retryable() => {
                        self.retry_or_fail(&e, &mut attempt)?;
                        continue;
                    }
                    Err(e) => return Err(DriverError::rpc(e)),
                };
                let mut still = Vec::new();
                let mut transient = None;
                for (height, answer) in pending.iter().zip(answers) {
                    match answer {
                        Ok(Value::Null) => {
                            still.push(*height);
                            transient = Some(not_there_yet(method));
                        }
                        Ok(v) => {
                            note_unknown_fields(&v, &mut self.unknown_header_fields);
                            got.push((*height, parse_header(v)?));
                        }
                        Err(e) if e.retryable() => {
                            still.push(*height);
                            transient = Some(e);
                        }
                        Err(e) => return Err(DriverError::rpc(e)),
                    }
                }
                pending = still;
                if let Some(e) = transient {
                    self.retry_or_fail(&e, &mut attempt)?;
                }
            }
            got.sort_by_key(|(h, _)| *h);
            headers.extend(got.into_iter().map(|(_, header)| header));
            next = last.saturating_add(1);
            if last == u64::MAX {
                break;
            }
        }
        Ok(headers)
    }
}

/// Most unknown header fields named in one refusal.
const MAX_NAMED_FIELDS: usize = 32;

/// Adds the fields of a fetched header's JSON that this version does not know (the core's
/// rule, as for a CertifiedBlock's header) to `into`, up to [`MAX_NAMED_FIELDS`].
pub fn note_unknown_fields(value: &Value, into: &mut BTreeSet<String>) {
    for field in tempo_light::wire::header::unknown_fields(value) {
        if into.len() >= MAX_NAMED_FIELDS {
            return;
        }
        into.insert(field);
    }
}

pub(super) fn parse_header(value: Value) -> Result<TempoHeader, DriverError> {
    if value.is_null() {
        return Err(DriverError::Unavailable(
            "the server does not have that block".into(),
        ));
    }
    TempoHeader::from_value(value).map_err(|e| DriverError::Malformed(e.to_string()))
}
