//! The shared layer under the commands that talk to a node: the native driver of the sans-IO
//! light client, and the calls, header fetching and state file it needs.
//!
//! It answers the client's requests over JSON-RPC (HTTP polling, or a WebSocket
//! subscription that falls back to polling), retries what is merely unavailable with
//! backoff, and stops at the first answer that fails verification: a lying server is not
//! retried into acceptance. With a state file it saves after every advance (a sibling file
//! written and synced, renamed over the old one, the directory synced) and resumes from it.
//! `follow` runs it to the end; `balance`, `confirm` and `demo` run it to the newest final
//! block ([`Options::to_head`]) and then make their own calls over it ([`Follower::call`]).

pub mod balance;
mod call;
mod contents;
mod error;
mod headers;
pub mod rpc;
pub mod state_file;

pub use call::{backoff, default_rpc};
pub use error::DriverError;
pub use headers::note_unknown_fields;

use crate::args::RpcArgs;
use call::Conn;
use headers::parse_header;
use rpc::{RpcError, Ws};
use serde_json::{json, Value};
use std::{
    collections::BTreeSet,
    path::PathBuf,
    sync::atomic::AtomicBool,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tempo_light::{
    client::{LightClient, Request},
    CertifiedBlock, ClientError, Error, Event, Network, VerifyError,
};

/// How the follower runs, beyond where it connects ([`RpcArgs`]).
#[derive(Clone, Debug)]
pub struct Options {
    /// Retries of an unavailable answer before giving up.
    pub retries: u32,
    /// Polling interval when no new block is final yet, in milliseconds.
    pub poll_ms: u64,
    /// Most header requests in flight at once.
    pub concurrency: usize,
    /// Resume from, and save after every advance, the trust state in this file.
    pub state: Option<PathBuf>,
    /// Start from this trusted block hash (when there is no state to resume from).
    pub from_block: Option<String>,
    /// Fetch and authenticate every header, not only new heads.
    pub every_header: bool,
    /// Stop once a block at or above this height is final.
    pub until: Option<u64>,
    /// Stop as soon as the head is the newest final block.
    pub once: bool,
    /// Start from this client (a server resuming on another upstream), before any state file.
    pub start: Option<LightClient>,
}

impl Options {
    /// Following to the newest final block and stopping there, for a command that then asks
    /// its own questions (`balance`, `confirm`).
    pub fn to_head(retries: u32, state: Option<PathBuf>) -> Self {
        Self {
            retries,
            poll_ms: 200,
            concurrency: 8,
            state,
            from_block: None,
            every_header: false,
            until: None,
            once: true,
            start: None,
        }
    }
}

/// Milliseconds since the Unix epoch, by this machine's clock.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Follows a chain, printing (or handing to `sink`) what is proven.
pub struct Follower<'a> {
    client: LightClient,
    conn: Conn,
    options: Options,
    /// Timeout of each call.
    timeout: Duration,
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
    /// The client after an advance (once the state is saved): what a server answers from.
    Trusted(&'a LightClient),
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
        rpc: &RpcArgs,
        options: Options,
        sink: &'a mut dyn FnMut(&Output),
        stop: &'a AtomicBool,
    ) -> Result<Self, DriverError> {
        let timeout = Duration::from_millis(rpc.timeout_ms.max(1));
        let (conn, subscribe) = Conn::open(rpc, &network, timeout)?;
        let mut follower = Self {
            client: LightClient::new(network.clone()),
            conn,
            options,
            timeout,
            sink,
            stop,
            subscribe,
            stats: Stats::default(),
            unknown_header_fields: BTreeSet::new(),
        };
        follower.client = follower.initial_client(network)?;
        follower
            .client
            .set_every_header(follower.options.every_header);
        Ok(follower)
    }

    /// The client to start from: the saved state, a trusted block, or the network's presets.
    fn initial_client(&mut self, network: Network) -> Result<LightClient, DriverError> {
        if let Some(client) = self.options.start.take() {
            return Ok(client);
        }
        if let Some(path) = &self.options.state {
            if let Some(client) = state_file::load(path, &network)? {
                return Ok(client);
            }
        }
        if let Some(hash) = self.options.from_block.clone() {
            return self.client_from_block(network, &hash);
        }
        Ok(LightClient::new(network))
    }

    fn client_from_block(
        &mut self,
        network: Network,
        hash: &str,
    ) -> Result<LightClient, DriverError> {
        let trusted: alloy_primitives::B256 = hash.parse().map_err(|_| {
            DriverError::Usage(format!("--from-block {hash} is not a 32-byte hash"))
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
        .map_err(|e| DriverError::Rejected(ClientError::from(e)))?;
        let mut headers = if top.number() > boundary {
            self.fetch_headers(boundary, top.number() - 1)?
        } else {
            Vec::new()
        };
        self.unknown_header_fields.append(&mut unknown);
        headers.push(top);
        let (client, events) = LightClient::from_trusted_block(network, trusted, &headers)
            .map_err(|e| self.name_unknown_fields(DriverError::Rejected(e)))?;
        for event in &events {
            (self.sink)(&Output::Event(event, &self.stats));
        }
        Ok(client)
    }

    /// The light client.
    pub fn client(&self) -> &LightClient {
        &self.client
    }
    /// The next finalization for [`Request::LatestFinalization`]: a subscription event, or a poll.
    fn latest(&mut self) -> Result<Option<Value>, DriverError> {
        if self.subscribe {
            if let Conn::Ws { ws, url, .. } = &mut self.conn {
                if ws.is_none() {
                    match Ws::connect(url, self.timeout) {
                        Ok(socket) => *ws = Some(Box::new(socket)),
                        // Polling retries (and reconnects) with backoff.
                        Err(RpcError::Malformed(m)) => return Err(DriverError::Malformed(m)),
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
                            Err(RpcError::Malformed(m)) => return Err(DriverError::Malformed(m)),
                            Err(_) => {
                                *ws = None;
                                return self.poll_latest().map(Some);
                            }
                        }
                    }
                    // One wait for a finalization, not one per event: a stream of other
                    // events (10^5 a second from a hostile server) must not hold off polling.
                    let wait = Duration::from_millis(self.options.poll_ms.max(1) * 4);
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
                            Err(RpcError::Malformed(m)) => return Err(DriverError::Malformed(m)),
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

    fn poll_latest(&mut self) -> Result<Value, DriverError> {
        self.call("consensus_getFinalization", json!(["latest"]))
    }

    /// Feeds one finalization; returns whether it advanced.
    fn feed(&mut self, value: Value) -> Result<bool, DriverError> {
        let block =
            CertifiedBlock::from_value(value).map_err(|e| DriverError::Malformed(e.to_string()))?;
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
    fn bridge(&mut self, wanted: &[u64]) -> Result<(), DriverError> {
        let mut run = Vec::with_capacity(wanted.len());
        let mut bytes = 0;
        for &height in wanted {
            let value = self.call("consensus_getFinalization", json!([{ "height": height }]))?;
            let block = CertifiedBlock::from_value(value)
                .map_err(|e| DriverError::Malformed(e.to_string()))?;
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
                None => DriverError::Rejected(e),
            }),
        }
    }

    /// The error a refused answer ends `follow` with; a refused signature also gets a hint
    /// when `block` looks like it comes from another network.
    fn refusal(&mut self, e: ClientError, block: &CertifiedBlock) -> DriverError {
        match e {
            ClientError::Block(Error::Decode(e)) => DriverError::Malformed(e.to_string()),
            e => {
                if let ClientError::Block(Error::Verify(_)) = e {
                    let network = self.client.state().network().clone();
                    if let Some(hint) = crate::hint::network_hint(&network, block) {
                        (self.sink)(&Output::Note(format!("hint: {hint}")));
                    }
                }
                DriverError::Rejected(e)
            }
        }
    }

    fn emit(&mut self, events: &[Event]) -> Result<(), DriverError> {
        for event in events {
            if let Event::Finalized { timestamp_ms, .. } = event {
                self.stats.finalized += 1;
                self.stats.lag_ms = i64::try_from(now_ms()).unwrap_or(i64::MAX)
                    - i64::try_from(*timestamp_ms).unwrap_or(i64::MAX);
            }
            (self.sink)(&Output::Event(event, &self.stats));
            if let Event::Equivocation(e) = event {
                self.save()?;
                return Err(DriverError::Equivocation(e.clone()));
            }
        }
        if !events.is_empty() {
            self.save()?;
            (self.sink)(&Output::Trusted(&self.client));
        }
        Ok(())
    }

    /// Saves the state atomically: write a sibling file, then rename it over the old one.
    fn save(&self) -> Result<(), DriverError> {
        let Some(path) = &self.options.state else {
            return Ok(());
        };
        state_file::save_atomically(path, &self.client.to_json()).map_err(|e| {
            DriverError::Usage(format!("cannot save state to {}: {e}", path.display()))
        })
    }

    /// Runs until stopped, `--until` is reached, or an error.
    pub fn run(&mut self) -> Result<(), DriverError> {
        self.follow_requests()
            .map_err(|e| self.name_unknown_fields(e))
    }

    /// A run of headers (or the `--from-block` anchor) refused because its hashes do not link,
    /// when the headers carry fields this version does not know: a later fork's hashed
    /// fields, which this version cannot hash. Says so ([`VerifyError::UnsupportedHeader`],
    /// exit 6), after a note with the refusal itself.
    fn name_unknown_fields(&mut self, e: DriverError) -> DriverError {
        let links = matches!(
            e,
            DriverError::Rejected(
                ClientError::BrokenParentLink { .. } | ClientError::TipHashMismatch { .. }
            )
        );
        if !links || self.unknown_header_fields.is_empty() {
            return e;
        }
        (self.sink)(&Output::Note(format!("header run refused: {e}")));
        let fields = self.unknown_header_fields.iter().cloned().collect();
        DriverError::Rejected(ClientError::Block(Error::Verify(
            VerifyError::UnsupportedHeader { fields },
        )))
    }

    /// Answers the client's requests until stopped, `--until` is reached, or an error.
    fn follow_requests(&mut self) -> Result<(), DriverError> {
        self.stats.started = Some(Instant::now());
        // With `once`: whether a newest finalization was fetched in this run. Once the client
        // has reached it (idle, bridging done), the run ends there, even if the chain moved on
        // meanwhile: a chain faster than the catch-up would otherwise never let it end.
        let mut fetched_latest = false;
        loop {
            if self.stopped() {
                return Ok(());
            }
            if self.options.once
                && fetched_latest
                && self.client.is_idle()
                && self.client.head().is_some()
            {
                return Ok(());
            }
            if let (Some(until), Some(head)) = (self.options.until, self.client.head()) {
                if head.height >= until && self.client.is_idle() {
                    return Ok(());
                }
            }
            let Some(request) = self.client.next_request() else {
                let evidence = self.client.state().frozen().cloned();
                return Err(evidence.map_or(
                    DriverError::Usage("client is frozen".into()),
                    DriverError::Equivocation,
                ));
            };
            match request {
                Request::LatestFinalization => {
                    let Some(value) = self.latest()? else {
                        continue;
                    };
                    let advanced = self.feed(value)?;
                    fetched_latest = true;
                    if self.options.once && self.client.is_idle() && self.client.head().is_some() {
                        return Ok(());
                    }
                    if !advanced
                        && !self.subscribe
                        && self.sleep(Duration::from_millis(self.options.poll_ms))
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
                            return Err(DriverError::Malformed(e.to_string()))
                        }
                        Err(e) => return Err(DriverError::Rejected(e)),
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
