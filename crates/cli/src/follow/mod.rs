//! `tempo-light follow`: the native driver of the sans-IO light client.
//!
//! It answers the client's requests over JSON-RPC (HTTP polling, or a WebSocket
//! subscription that falls back to polling), retries what is merely unavailable with
//! backoff, and stops at the first answer that fails verification: a lying server is not
//! retried into acceptance. With `--state` it saves after every advance (a sibling file
//! written and synced, renamed over the old one, the directory synced) and resumes from it.

pub mod rpc;

use super::{trust::TrustArgs, verify::hex};
use rpc::{Http, RpcError, Ws};
use serde_json::{json, Value};
use std::{
    collections::BTreeSet,
    io::{IsTerminal, Write},
    path::{Path, PathBuf},
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tempo_light::{
    client::{Equivocation, LightClient, Request},
    CertifiedBlock, ClientError, Error, Event, Network, NetworkKind, StateError, TempoHeader,
    VerifyError,
};

/// Arguments of `tempo-light follow`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    #[command(flatten)]
    pub trust: TrustArgs,
    /// JSON-RPC endpoint: `http(s)://` to poll, `ws(s)://` to subscribe and make every call
    /// over that WebSocket (defaults to the network's public endpoint).
    #[arg(long)]
    pub rpc: Option<String>,
    /// With a `ws(s)://` --rpc: an HTTP endpoint of the same node for the calls (headers,
    /// finalizations, proofs), the WebSocket then only carrying the subscription. A node
    /// serves HTTP and WebSocket on separate ports, so this is never guessed from --rpc.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// Start from this trusted block hash (its epoch's boundary is fetched and authenticated).
    #[arg(long)]
    pub from_block: Option<String>,
    /// Save the trust state here after every advance, and resume from it.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Fetch, authenticate and print every header, not only new heads.
    #[arg(long)]
    pub every_header: bool,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 once a block at or above this height is final.
    #[arg(long)]
    pub until: Option<u64>,
    /// Timeout of each RPC call, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Retries of an unavailable answer (204, 503, `null` for a block not executed yet,
    /// timeouts, lost connections) before giving up; backoff from 100 ms doubling to 1 s, so
    /// the default 8 gives up on a dead endpoint in about 6 s.
    #[arg(long, default_value_t = 8)]
    pub retries: u32,
    /// Polling interval when no new block is final yet, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub poll_ms: u64,
    /// Most header requests in flight at once (with --every-header).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Stop as soon as the head is the newest final block (for one-shot commands).
    #[arg(skip)]
    pub once: bool,
}

/// How following ended badly; each has its own exit code.
#[derive(Debug)]
pub enum FollowError {
    /// An answer failed verification (exit 1; 6 for a header this version cannot hash).
    Rejected(ClientError),
    /// An answer was malformed (exit 2).
    Malformed(String),
    /// Usage, file or state error (exit 3).
    Usage(String),
    /// Two valid finalizations at one height (exit 4).
    Equivocation(Equivocation),
    /// The RPC stayed unavailable through every retry (exit 5).
    Unavailable(String),
}

impl FollowError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Rejected(ClientError::Block(Error::Verify(VerifyError::UnsupportedHeader {
                ..
            }))) => crate::EXIT_UNSUPPORTED_HEADER,
            Self::Rejected(_) => 1,
            Self::Malformed(_) => 2,
            Self::Usage(_) => 3,
            Self::Equivocation(_) => 4,
            Self::Unavailable(_) => 5,
        }
    }

    /// A stable name.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rejected(e) => e.code(),
            Self::Malformed(_) => "Malformed",
            Self::Usage(_) => "Usage",
            Self::Equivocation(_) => "Equivocation",
            Self::Unavailable(_) => "Unavailable",
        }
    }
}

impl std::fmt::Display for FollowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected(e) => write!(f, "not verified: {e}"),
            Self::Malformed(e) => write!(f, "malformed answer: {e}"),
            Self::Usage(e) => write!(f, "{e}"),
            Self::Equivocation(e) => write!(
                f,
                "equivocation: blocks {:#x} and {:#x} are both final at height {}",
                e.known_hash, e.conflicting_hash, e.height
            ),
            Self::Unavailable(e) => write!(f, "RPC unavailable: {e}"),
        }
    }
}

/// The error after the last of `attempts` attempts failed with `e`.
fn gave_up(e: &RpcError, attempts: u32) -> FollowError {
    FollowError::Unavailable(format!("{e} (gave up after {attempts} attempts)"))
}

fn classify(e: RpcError) -> FollowError {
    match e {
        RpcError::Malformed(m) => FollowError::Malformed(m),
        other => FollowError::Unavailable(other.to_string()),
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

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The connection: HTTP, or a WebSocket (with, if the user gave one, an HTTP endpoint beside
/// it for the calls).
enum Conn {
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
fn not_there_yet(method: &str) -> RpcError {
    RpcError::NotThereYet(format!(
        "{method} answered null (the block is not executed yet)"
    ))
}

/// Follows a chain, printing (or handing to `sink`) what is proven.
pub struct Follower<'a> {
    client: LightClient,
    conn: Conn,
    args: Args,
    sink: &'a mut dyn FnMut(&Output),
    stop: &'a AtomicBool,
    subscribe: bool,
    stats: Stats,
    /// The header fields this version does not know in the last headers fetched by
    /// `eth_getBlockBy*` (named if those headers are refused).
    unknown_header_fields: BTreeSet<String>,
}

/// What the follower reports.
pub enum Output<'a> {
    /// Something the client proved or learnt.
    Event(&'a Event, &'a Stats),
    /// A warning (a fallback, a retry).
    Note(String),
}

/// Running numbers for the status line.
#[derive(Default, Clone, Debug)]
pub struct Stats {
    /// When following started.
    pub started: Option<Instant>,
    /// Heads proven.
    pub finalized: u64,
    /// Time of the last verification, in ms.
    pub verify_ms: f64,
    /// Now minus the head's timestamp, in ms.
    pub lag_ms: i64,
}

impl<'a> Follower<'a> {
    /// Sets up the client (from state, a trusted block, or the network's presets) and the connection.
    pub fn new(
        network: Network,
        args: Args,
        sink: &'a mut dyn FnMut(&Output),
        stop: &'a AtomicBool,
    ) -> Result<Self, FollowError> {
        let url = match &args.rpc {
            Some(url) => url.clone(),
            None => default_rpc(&network)
                .ok_or_else(|| FollowError::Usage("--rpc is required with --identity".into()))?
                .to_string(),
        };
        let timeout = Duration::from_millis(args.timeout_ms.max(1));
        let is_http = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        let (conn, subscribe) = if url.starts_with("ws://") || url.starts_with("wss://") {
            let http = match &args.http {
                Some(h) if is_http(h) => Some(Http::new(h, timeout)),
                Some(h) => {
                    return Err(FollowError::Usage(format!(
                        "--http must be an http(s):// URL, not {h}"
                    )))
                }
                None => None,
            };
            (
                Conn::Ws {
                    ws: None,
                    url: url.clone(),
                    http,
                },
                true,
            )
        } else if is_http(&url) {
            if args.http.is_some() {
                return Err(FollowError::Usage(
                    "--http goes with a ws(s):// --rpc (the calls already go over HTTP)".into(),
                ));
            }
            (Conn::Http(Http::new(&url, timeout)), false)
        } else {
            return Err(FollowError::Usage(format!(
                "--rpc must be an http(s):// or ws(s):// URL, not {url}"
            )));
        };
        let mut follower = Self {
            client: LightClient::new(network.clone()),
            conn,
            args,
            sink,
            stop,
            subscribe,
            stats: Stats::default(),
            unknown_header_fields: BTreeSet::new(),
        };
        follower.client = follower.initial_client(network)?;
        follower.client.set_every_header(follower.args.every_header);
        Ok(follower)
    }

    fn initial_client(&mut self, network: Network) -> Result<LightClient, FollowError> {
        if let Some(path) = self.args.state.clone() {
            if path.exists() {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    FollowError::Usage(format!("cannot read state file {}: {e}", path.display()))
                })?;
                // The core checks the state's shape, bounds and network (one rule for every
                // loader: the CLI, the wasm and the npm package's storage).
                let client = LightClient::from_json_for(&network, &text).map_err(|e| match e {
                    ClientError::State(mismatch @ StateError::NetworkMismatch { .. }) => {
                        FollowError::Usage(format!(
                            "state file {} belongs to another network than {} chain {}: {mismatch}",
                            path.display(),
                            network.name(),
                            network.chain_id()
                        ))
                    }
                    e => {
                        FollowError::Usage(format!("state file {} is corrupt: {e}", path.display()))
                    }
                })?;
                if let Some(e) = client.state().frozen() {
                    return Err(FollowError::Equivocation(e.clone()));
                }
                return Ok(client);
            }
        }
        if let Some(hash) = self.args.from_block.clone() {
            return self.client_from_block(network, &hash);
        }
        Ok(LightClient::new(network))
    }

    fn client_from_block(
        &mut self,
        network: Network,
        hash: &str,
    ) -> Result<LightClient, FollowError> {
        let trusted: alloy_primitives::B256 = hash.parse().map_err(|_| {
            FollowError::Usage(format!("--from-block {hash} is not a 32-byte hash"))
        })?;
        let value = self.call_present(
            "eth_getBlockByHash",
            json!([format!("{trusted:#x}"), false]),
        )?;
        let mut unknown = BTreeSet::new();
        note_unknown_fields(&value, &mut unknown);
        let top = parse_header(value)?;
        let boundary = tempo_light::client::latest_boundary_at_or_before(
            network.epoch_length().get(),
            top.number(),
        )
        .map_err(|e| FollowError::Rejected(ClientError::from(e)))?;
        let mut headers = if top.number() > boundary {
            self.fetch_headers(boundary, top.number() - 1)?
        } else {
            Vec::new()
        };
        self.unknown_header_fields.append(&mut unknown);
        headers.push(top);
        let (client, events) = LightClient::from_trusted_block(network, trusted, &headers)
            .map_err(|e| self.name_unknown_fields(FollowError::Rejected(e)))?;
        for event in &events {
            (self.sink)(&Output::Event(event, &self.stats));
        }
        Ok(client)
    }

    /// The light client.
    pub fn client(&self) -> &LightClient {
        &self.client
    }

    /// One call, retried with backoff while the answer is merely unavailable.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, FollowError> {
        self.call_retrying(method, params, false)
    }

    /// As [`Self::call`], but a `null` answer (a block the node has not executed yet) is
    /// retried like 204/503 too.
    pub fn call_present(&mut self, method: &str, params: Value) -> Result<Value, FollowError> {
        self.call_retrying(method, params, true)
    }

    /// One attempt of a call over the connection (connecting the WebSocket if needed).
    pub fn call_once(&mut self, method: &str, params: Value) -> Result<Value, RpcError> {
        let timeout = Duration::from_millis(self.args.timeout_ms.max(1));
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
    ) -> Result<Value, FollowError> {
        let mut attempt = 0;
        loop {
            let result = match self.call_once(method, params.clone()) {
                Ok(Value::Null) if null_is_transient => Err(not_there_yet(method)),
                other => other,
            };
            match result {
                Ok(value) => return Ok(value),
                Err(e) if e.retryable() && attempt < self.args.retries => {
                    attempt += 1;
                    let pause = backoff(attempt);
                    (self.sink)(&Output::Note(format!(
                        "{e}; retry {attempt} in {} ms",
                        pause.as_millis()
                    )));
                    if self.sleep(pause) {
                        return Err(FollowError::Unavailable("stopped".into()));
                    }
                }
                Err(e) if e.retryable() => return Err(gave_up(&e, attempt + 1)),
                Err(e) => return Err(classify(e)),
            }
        }
    }

    /// Sleeps unless asked to stop; returns whether to stop.
    fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        while Instant::now() < until {
            if self.stop.load(Ordering::Relaxed) {
                return true;
            }
            std::thread::sleep(
                Duration::from_millis(20).min(until.saturating_duration_since(Instant::now())),
            );
        }
        self.stop.load(Ordering::Relaxed)
    }

    /// Headers `from..=to`, ascending: fetched concurrently (bounded) over HTTP, or pipelined
    /// over the WebSocket when there is no HTTP endpoint.
    fn fetch_headers(&mut self, from: u64, to: u64) -> Result<Vec<TempoHeader>, FollowError> {
        let http = match &self.conn {
            Conn::Http(http)
            | Conn::Ws {
                http: Some(http), ..
            } => http.clone(),
            Conn::Ws { http: None, .. } => return self.fetch_headers_ws(from, to),
        };
        let heights: Vec<u64> = (from..=to).collect();
        let workers = self.args.concurrency.clamp(1, 64);
        let per = heights.len().div_ceil(workers).max(1);
        let retries = self.args.retries;
        let stop = self.stop;
        let unknown = std::sync::Mutex::new(BTreeSet::new());
        let unknown = &unknown;
        let results: Vec<Result<Vec<TempoHeader>, FollowError>> = std::thread::scope(|scope| {
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
                                                return Err(FollowError::Unavailable(
                                                    "stopped".into(),
                                                ));
                                            }
                                            std::thread::sleep(backoff(attempt));
                                        }
                                        Err(e) if e.retryable() => {
                                            return Err(gave_up(&e, attempt + 1))
                                        }
                                        Err(e) => return Err(classify(e)),
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
                        Err(FollowError::Unavailable("a fetch thread failed".into()))
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
    fn fetch_headers_ws(&mut self, from: u64, to: u64) -> Result<Vec<TempoHeader>, FollowError> {
        let window = u64::try_from(self.args.concurrency.clamp(1, 64)).unwrap_or(8);
        let timeout = Duration::from_millis(self.args.timeout_ms.max(1));
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
                    Err(e) => return Err(classify(e)),
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
                        Err(e) => return Err(classify(e)),
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

    /// After a retryable failure: sleeps and counts the attempt, or gives up once the
    /// retries are spent.
    fn retry_or_fail(&mut self, e: &RpcError, attempt: &mut u32) -> Result<(), FollowError> {
        if *attempt >= self.args.retries {
            return Err(gave_up(e, *attempt + 1));
        }
        *attempt += 1;
        let pause = backoff(*attempt);
        (self.sink)(&Output::Note(format!(
            "{e}; retry {attempt} in {} ms",
            pause.as_millis()
        )));
        if self.sleep(pause) {
            return Err(FollowError::Unavailable("stopped".into()));
        }
        Ok(())
    }

    /// The next finalization for [`Request::LatestFinalization`]: a subscription event, or a poll.
    fn latest(&mut self) -> Result<Option<Value>, FollowError> {
        if self.subscribe {
            if let Conn::Ws { ws, url, .. } = &mut self.conn {
                if ws.is_none() {
                    let timeout = Duration::from_millis(self.args.timeout_ms.max(1));
                    match Ws::connect(url, timeout) {
                        Ok(socket) => *ws = Some(Box::new(socket)),
                        // Polling retries (and reconnects) with backoff.
                        Err(RpcError::Malformed(m)) => return Err(FollowError::Malformed(m)),
                        Err(_) => return self.poll_latest().map(Some),
                    }
                }
                if let Some(socket) = ws.as_mut() {
                    if !socket.subscribed() {
                        match socket.subscribe() {
                            Ok(()) => {}
                            Err(RpcError::Server { code, message }) => {
                                self.subscribe = false;
                                (self.sink)(&Output::Note(format!(
                                    "subscription refused ({code}: {message}); polling instead"
                                )));
                                return self.poll_latest().map(Some);
                            }
                            Err(RpcError::Malformed(m)) => return Err(FollowError::Malformed(m)),
                            Err(_) => {
                                *ws = None;
                                return self.poll_latest().map(Some);
                            }
                        }
                    }
                    // One wait for a finalization, not one per event: a stream of other
                    // events (10^5 a second from a hostile server) must not hold off polling.
                    let wait = Duration::from_millis(self.args.poll_ms.max(1) * 4);
                    let deadline = Instant::now() + wait;
                    loop {
                        match socket.next_event(deadline.saturating_duration_since(Instant::now()))
                        {
                            Ok(Some(event)) => {
                                if event.get("type").and_then(Value::as_str) == Some("finalized") {
                                    return Ok(Some(event));
                                }
                            }
                            // Quiet subscription: poll once, so a silent server cannot stall us.
                            Ok(None) => return self.poll_latest().map(Some),
                            Err(RpcError::Malformed(m)) => return Err(FollowError::Malformed(m)),
                            Err(_) => {
                                *ws = None;
                                return self.poll_latest().map(Some);
                            }
                        }
                    }
                }
            }
        }
        self.poll_latest().map(Some)
    }

    fn poll_latest(&mut self) -> Result<Value, FollowError> {
        self.call("consensus_getFinalization", json!(["latest"]))
    }

    /// Feeds one finalization; returns whether it advanced.
    fn feed(&mut self, value: Value) -> Result<bool, FollowError> {
        let block =
            CertifiedBlock::from_value(value).map_err(|e| FollowError::Malformed(e.to_string()))?;
        let started = Instant::now();
        let kept = block.clone();
        match self.client.on_finalization(block) {
            Ok(events) => {
                self.stats.verify_ms = started.elapsed().as_secs_f64() * 1000.0;
                self.emit(&events)?;
                Ok(!events.is_empty())
            }
            Err(ClientError::NotNewer { .. }) => Ok(false),
            Err(e) => Err(self.refusal(e, &kept)),
        }
    }

    /// Catching up: fetches the boundaries the client wants next (`wanted`, ascending) and
    /// hands them over as one run, whose certificates the client verifies in one
    /// multi-pairing per identity. The run is cut short once its headers hold
    /// [`BOUNDARY_RUN_BYTES`], so a server's large answers cannot pile up.
    fn bridge(&mut self, wanted: &[u64]) -> Result<(), FollowError> {
        let mut run = Vec::with_capacity(wanted.len());
        let mut bytes = 0;
        for &height in wanted {
            let value = self.call("consensus_getFinalization", json!([{ "height": height }]))?;
            let block = CertifiedBlock::from_value(value)
                .map_err(|e| FollowError::Malformed(e.to_string()))?;
            bytes += block.header.extra_data().len();
            run.push(block);
            if bytes > BOUNDARY_RUN_BYTES {
                break;
            }
        }
        let started = Instant::now();
        // For the refusal's network hint: the run's first names the network as well as any.
        let first = run.first().cloned();
        match self.client.on_boundaries(run) {
            Ok(events) => {
                self.stats.verify_ms = started.elapsed().as_secs_f64() * 1000.0;
                self.emit(&events)
            }
            Err(e) => Err(match first {
                Some(block) => self.refusal(e, &block),
                None => FollowError::Rejected(e),
            }),
        }
    }

    /// The error a refused answer ends `follow` with; a refused signature also gets a hint
    /// when `block` looks like it comes from another network.
    fn refusal(&mut self, e: ClientError, block: &CertifiedBlock) -> FollowError {
        match e {
            ClientError::Block(Error::Decode(e)) => FollowError::Malformed(e.to_string()),
            e => {
                if let ClientError::Block(Error::Verify(_)) = e {
                    let network = self.client.state().network().clone();
                    if let Some(hint) = super::verify::network_hint(&network, block) {
                        (self.sink)(&Output::Note(format!("hint: {hint}")));
                    }
                }
                FollowError::Rejected(e)
            }
        }
    }

    fn emit(&mut self, events: &[Event]) -> Result<(), FollowError> {
        for event in events {
            if let Event::Finalized { timestamp_ms, .. } = event {
                self.stats.finalized += 1;
                self.stats.lag_ms = i64::try_from(now_ms()).unwrap_or(i64::MAX)
                    - i64::try_from(*timestamp_ms).unwrap_or(i64::MAX);
            }
            (self.sink)(&Output::Event(event, &self.stats));
            if let Event::Equivocation(e) = event {
                self.save()?;
                return Err(FollowError::Equivocation(e.clone()));
            }
        }
        if !events.is_empty() {
            self.save()?;
        }
        Ok(())
    }

    /// Saves the state atomically: write a sibling file, then rename it over the old one.
    fn save(&self) -> Result<(), FollowError> {
        let Some(path) = &self.args.state else {
            return Ok(());
        };
        save_atomically(path, &self.client.to_json()).map_err(|e| {
            FollowError::Usage(format!("cannot save state to {}: {e}", path.display()))
        })
    }

    /// Runs until stopped, `--until` is reached, or an error.
    pub fn run(&mut self) -> Result<(), FollowError> {
        self.follow_requests()
            .map_err(|e| self.name_unknown_fields(e))
    }

    /// A run of headers (or the `--from-block` anchor) refused because its hashes do not link,
    /// when the headers carry fields this version does not know: a later fork's hashed
    /// fields, which this version cannot hash. Says so ([`VerifyError::UnsupportedHeader`],
    /// exit 6), after a note with the refusal itself.
    fn name_unknown_fields(&mut self, e: FollowError) -> FollowError {
        let links = matches!(
            e,
            FollowError::Rejected(
                ClientError::BrokenParentLink { .. } | ClientError::TipHashMismatch { .. }
            )
        );
        if !links || self.unknown_header_fields.is_empty() {
            return e;
        }
        (self.sink)(&Output::Note(format!("header run refused: {e}")));
        let fields = self.unknown_header_fields.iter().cloned().collect();
        FollowError::Rejected(ClientError::Block(Error::Verify(
            VerifyError::UnsupportedHeader { fields },
        )))
    }

    /// Answers the client's requests until stopped, `--until` is reached, or an error.
    fn follow_requests(&mut self) -> Result<(), FollowError> {
        self.stats.started = Some(Instant::now());
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if let (Some(until), Some(head)) = (self.args.until, self.client.head()) {
                if head.height >= until && self.client.is_idle() {
                    return Ok(());
                }
            }
            let Some(request) = self.client.next_request() else {
                let evidence = self.client.state().frozen().cloned();
                return Err(evidence.map_or(
                    FollowError::Usage("client is frozen".into()),
                    FollowError::Equivocation,
                ));
            };
            match request {
                Request::LatestFinalization => {
                    let Some(value) = self.latest()? else {
                        continue;
                    };
                    let advanced = self.feed(value)?;
                    if self.args.once && self.client.is_idle() && self.client.head().is_some() {
                        return Ok(());
                    }
                    if !advanced
                        && !self.subscribe
                        && self.sleep(Duration::from_millis(self.args.poll_ms))
                    {
                        return Ok(());
                    }
                }
                Request::Finalization { height } => {
                    let wanted = self.client.boundaries_wanted(BOUNDARY_RUN);
                    if wanted.len() > 1 {
                        self.bridge(&wanted)?;
                    } else {
                        let value =
                            self.call("consensus_getFinalization", json!([{"height": height}]))?;
                        self.feed(value)?;
                    }
                }
                Request::Headers { from, to } => {
                    let headers = self.fetch_headers(from, to)?;
                    match self.client.on_headers(headers) {
                        Ok(events) => self.emit(&events)?,
                        Err(ClientError::Block(Error::Decode(e))) => {
                            return Err(FollowError::Malformed(e.to_string()))
                        }
                        Err(e) => return Err(FollowError::Rejected(e)),
                    }
                }
            }
        }
    }
}

/// Boundaries fetched and verified as one run while catching up.
const BOUNDARY_RUN: usize = 64;
/// Bytes of boundary headers (`extraData`) a run holds before it is handed over, whatever its
/// length: real DKG outcomes are a few KB.
const BOUNDARY_RUN_BYTES: usize = 1 << 20;

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

fn parse_header(value: Value) -> Result<TempoHeader, FollowError> {
    if value.is_null() {
        return Err(FollowError::Unavailable(
            "the server does not have that block".into(),
        ));
    }
    TempoHeader::from_value(value).map_err(|e| FollowError::Malformed(e.to_string()))
}

/// Writes `text` to `path` atomically: the whole text to a sibling `.tmp` file, flushed to
/// the disk, then renamed over `path`, and the directory flushed so the rename is durable
/// too. A process killed at any point leaves the old file or the new one, never a mix (a
/// half-written `.tmp` at worst, which the next save overwrites); the flushes carry this
/// over a power loss.
pub fn save_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    // The rename is done (and atomic) whatever this says: some file systems cannot sync a
    // directory, so this is best effort.
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// Formats an event as a text line.
pub fn event_line(event: &Event) -> String {
    match event {
        Event::Finalized { height, hash, epoch, view, timestamp_ms, seen_ms } => {
            let since = now_ms().saturating_sub(seen_ms.unwrap_or(*timestamp_ms));
            format!("final   #{height}  {hash:#x}  epoch {epoch}  view {view}  ({since} ms ago)")
        }
        Event::Headers(run) => {
            let (first, last) = (run.first().map_or(0, |h| h.header.number()), run.last().map_or(0, |h| h.header.number()));
            format!("headers #{first}..#{last} authenticated ({} headers)", run.len())
        }
        Event::EpochTransition { epoch, identity, rotated, next_full_dkg, players } => format!(
            "epoch   {epoch} begins: {} identity {}  ({players} players; next DKG {})",
            if *rotated { "NEW" } else { "same" },
            short(&hex(identity.to_bytes())),
            if *next_full_dkg { "full: the identity will rotate" } else { "reshare" }
        ),
        Event::PresetIdentityDiffers { epoch, preset, onchain } => format!(
            "warning: the on-chain identity for epoch {epoch} ({}) differs from the built-in one ({}): update tempo-light",
            short(&hex(onchain.to_bytes())),
            short(&hex(preset.to_bytes()))
        ),
        Event::Equivocation(e) => format!(
            "EQUIVOCATION at height {}: {:#x} and {:#x} are both final",
            e.height, e.known_hash, e.conflicting_hash
        ),
    }
}

fn short(hex: &str) -> String {
    if hex.len() > 20 {
        format!("{}…{}", &hex[..12], &hex[hex.len() - 6..])
    } else {
        hex.to_string()
    }
}

/// Formats an event as a JSON line (the core's one event shape).
pub fn event_json(event: &Event) -> Value {
    serde_json::to_value(event).unwrap_or(Value::Null)
}

/// What a `follow` run verified, for a summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Blocks proven final (each by its own certificate).
    pub blocks: u64,
    /// The first and the last of them.
    pub heights: Option<(u64, u64)>,
    /// Epochs entered (each learnt from a boundary block verified under the previous one).
    pub epochs: u64,
    /// Of those, the ones with a new network identity.
    pub rotations: u64,
}

impl Tally {
    fn count(&mut self, event: &Event) {
        match event {
            Event::Finalized { height, .. } => {
                self.blocks += 1;
                let first = self.heights.map_or(*height, |(first, _)| first);
                self.heights = Some((first, *height));
            }
            Event::EpochTransition { rotated, .. } => {
                self.epochs += 1;
                self.rotations += u64::from(*rotated);
            }
            _ => {}
        }
    }
}

/// `tempo-light follow`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    run_tallied(args, stop).0
}

/// `tempo-light follow`, and what it verified.
pub fn run_tallied(args: Args, stop: &AtomicBool) -> (ExitCode, Tally) {
    let json = args.json;
    let mut tally = Tally::default();
    let network = match args.trust.network() {
        Ok(network) => network,
        Err(message) => return (fail(json, &FollowError::Usage(message)), tally),
    };
    let terminal = !json && std::io::stdout().is_terminal();
    let custom = network.kind() == NetworkKind::Custom;
    let mut sink = |output: &Output| {
        let mut stdout = std::io::stdout().lock();
        match output {
            Output::Event(event, stats) => {
                tally.count(event);
                // A custom network's "preset" is the identity the user gave: rotations away from
                // it are expected, not a stale build.
                if !json && custom && matches!(event, Event::PresetIdentityDiffers { .. }) {
                    return;
                }
                if json {
                    let _ = writeln!(stdout, "{}", event_json(event));
                } else {
                    if terminal {
                        let _ = write!(stdout, "\r\x1b[2K");
                    }
                    let _ = writeln!(stdout, "{}", event_line(event));
                    if terminal {
                        let rate = stats.started.map_or(0.0, |s| {
                            stats.finalized as f64 / s.elapsed().as_secs_f64().max(1e-3)
                        });
                        let _ = write!(
                            stdout,
                            "head #{}  lag {:.1} s  {rate:.1} blocks/s  verify {:.2} ms",
                            match event {
                                Event::Finalized { height, .. } => height.to_string(),
                                _ => "…".into(),
                            },
                            stats.lag_ms as f64 / 1000.0,
                            stats.verify_ms
                        );
                    }
                }
                let _ = stdout.flush();
            }
            Output::Note(note) => {
                if json {
                    let _ = writeln!(stdout, "{}", json!({"type": "note", "message": note}));
                } else {
                    eprintln!("note: {note}");
                }
            }
        }
    };
    let result = Follower::new(network, args, &mut sink, stop).and_then(|mut f| f.run());
    if terminal {
        println!();
    }
    let code = match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(json, &e),
    };
    (code, tally)
}

/// The one line that says why a command that follows (`follow`, `balance`, `confirm`) ended:
/// `error: …` for usage, else the message, which names the kind of failure itself (`not
/// verified: …`, `malformed answer: …`, `RPC unavailable: …`, `equivocation: …`).
pub fn refusal_line(error: &FollowError) -> String {
    match error {
        FollowError::Usage(_) => format!("error: {error}"),
        _ => error.to_string(),
    }
}

fn fail(json: bool, error: &FollowError) -> ExitCode {
    if json {
        println!(
            "{}",
            json!({"type": "error", "code": error.code(), "error": error.to_string()})
        );
    } else {
        eprintln!("{}", refusal_line(error));
    }
    ExitCode::from(error.exit_code())
}
