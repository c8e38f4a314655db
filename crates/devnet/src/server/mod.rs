//! The devnet's JSON-RPC server: a simulated Tempo chain served on loopback, with the RPC
//! shapes of a Tempo node, real BLS certificates, real DKG outcomes, and faults on demand.
//! The chain itself is [`crate::Chain`]; this module produces its blocks on a clock and
//! serves them (`tempo-light devnet` is a thin command over [`start`]).

mod connection;
pub mod faults;
mod payments;
mod rpc;
mod shared;

use crate::{Chain, ChainFaults, DevnetConfig};
pub use faults::{Fault, FaultKind, Faults};
use shared::{now_ms, Shared};
use std::{
    collections::BTreeMap,
    net::{SocketAddr, TcpListener},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};
use tempo_light::PublicKey;

/// How a devnet is set up: its chain, its port and its faults.
#[derive(Clone, Debug)]
pub struct Config {
    /// Port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// Blocks per epoch.
    pub epoch_length: u64,
    /// Milliseconds between blocks.
    pub block_time_ms: u64,
    /// Seed of every key and choice (same seed, same chain).
    pub seed: u64,
    /// A full DKG (new network identity) every K epochs; 0 for never.
    pub full_dkg_every: u64,
    /// Validators per committee.
    pub validators: usize,
    /// Most blocks kept (older ones answer 503; boundaries are always kept).
    pub retain: usize,
    /// Chain id.
    pub chain_id: u64,
    /// Genesis timestamp in ms since the Unix epoch (default: now; fix it for byte-identical chains).
    pub genesis_timestamp_ms: Option<u64>,
    /// A separate WebSocket port, as reth serves one (0 picks a free one): then the main port
    /// serves HTTP only and refuses upgrades, and this one refuses plain HTTP. `None`: both
    /// on the main port.
    pub ws_port: Option<u16>,
    /// `eth_getProof` refuses blocks more than this many behind the execution head with
    /// reth's -32602 "distance to target block exceeds maximum proof window" (`Some(0)` is
    /// reth's default `--rpc.eth-proof-window`: the head only). `None`: any block.
    pub proof_window: Option<u64>,
    /// A finalization is published this many ms before its block is executed: until then
    /// `eth_getBlockBy*` answer `null` for it and `eth_getProof` at it answers -32001, as on a
    /// follower node. 0: executed at once.
    pub execution_lag_ms: u64,
    /// Faults to inject (see [`FaultKind`]): block faults apply to block N or, without a
    /// height, to every block; chain faults at the epoch or height given; connection faults
    /// to consensus requests for height N or all of them; proof faults to `eth_getProof` at
    /// block N or at every block.
    pub faults: Vec<Fault>,
}

impl Config {
    /// Defaults for an in-process devnet (the demo, tests).
    pub fn quick(epoch_length: u64, block_time_ms: u64) -> Self {
        Self {
            port: 0,
            epoch_length,
            block_time_ms,
            seed: 0,
            full_dkg_every: 3,
            validators: 4,
            retain: 100_000,
            chain_id: 1337,
            genesis_timestamp_ms: None,
            ws_port: None,
            proof_window: None,
            execution_lag_ms: 0,
            faults: Vec::new(),
        }
    }
}

/// A running devnet.
pub struct Handle {
    /// Where it listens (HTTP, and WebSocket unless `ws_addr` is set).
    pub addr: SocketAddr,
    /// Where it serves WebSocket, when on its own port.
    pub ws_addr: Option<SocketAddr>,
    /// The chain id.
    pub chain_id: u64,
    /// Blocks per epoch.
    pub epoch_length: u64,
    /// The identity of epoch 0.
    pub genesis_identity: PublicKey,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Handle {
    /// The HTTP URL.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The WebSocket URL (its own port, or the main one).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr.unwrap_or(self.addr))
    }

    /// Stops serving and producing, and waits for the threads.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Binds, then starts the producer and the server.
pub fn start(args: &Config) -> std::io::Result<Handle> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    let addr = listener.local_addr()?;
    let ws_listener = match args.ws_port {
        Some(port) => Some(TcpListener::bind(("127.0.0.1", port))?),
        None => None,
    };
    let ws_addr = match &ws_listener {
        Some(l) => Some(l.local_addr()?),
        None => None,
    };
    let f = Faults(args.faults.clone());
    let config = DevnetConfig {
        chain_id: args.chain_id,
        epoch_length: args.epoch_length.max(2),
        block_time_ms: args.block_time_ms.max(1),
        seed: args.seed,
        full_dkg_every: args.full_dkg_every,
        validators: args.validators.clamp(1, 100),
        retain: args.retain.max(16),
        genesis_timestamp_ms: args
            .genesis_timestamp_ms
            .unwrap_or_else(|| now_ms() / 1000 * 1000),
        faults: ChainFaults {
            unannounced_rotation_at_epoch: f.at(FaultKind::UnannouncedRotation),
            equivocation_at: f.at(FaultKind::Equivocation),
        },
    };
    let block_time = Duration::from_millis(config.block_time_ms);
    let chain = Chain::new(config);
    let genesis_identity = chain.genesis_identity();
    let (chain_id, epoch_length) = (chain.config().chain_id, chain.config().epoch_length);
    let shared = Arc::new(Shared {
        chain: Mutex::new(chain),
        faults: f,
        subscribers: Mutex::new(Vec::new()),
        seen: Mutex::new(BTreeMap::new()),
        alternate: AtomicU64::new(0),
        next_subscription: AtomicU64::new(0),
        execution_lag_ms: args.execution_lag_ms,
        proof_window: args.proof_window,
    });
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || produce(&shared, &stop, block_time))
    };
    let main_mode = if ws_listener.is_some() {
        connection::Mode::HttpOnly
    } else {
        connection::Mode::Both
    };
    let server = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || connection::serve(listener, main_mode, shared, stop))
    };
    let mut threads = vec![producer, server];
    if let Some(listener) = ws_listener {
        let (shared, stop) = (shared.clone(), stop.clone());
        threads.push(std::thread::spawn(move || {
            connection::serve(listener, connection::Mode::WsOnly, shared, stop)
        }));
    }
    Ok(Handle {
        addr,
        ws_addr,
        chain_id,
        epoch_length,
        genesis_identity,
        stop,
        threads,
    })
}

/// Finalizes a block every `block_time` and tells the subscribers.
fn produce(shared: &Shared, stop: &AtomicBool, block_time: Duration) {
    let mut next = Instant::now() + block_time;
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now < next {
            std::thread::sleep((next - now).min(Duration::from_millis(20)));
            continue;
        }
        next += block_time;
        let Ok(mut chain) = shared.chain.lock() else {
            return;
        };
        let height = chain.produce().height();
        if let Ok(mut seen) = shared.seen.lock() {
            seen.insert(height, now_ms());
            while seen.len() > 4096 {
                seen.pop_first();
            }
        }
        // A node's feed emits only `"type": "finalized"` events
        // (`crates/node/src/rpc/consensus/mod.rs`).
        let mut events = Vec::new();
        if let Some(event) = shared.event(&chain, height, "finalized") {
            events.push(event);
        }
        if chain.equivocation(height).is_some() {
            // Serve the twin too (lookup alternates between the two).
            if let Some(event) = shared.event(&chain, height, "finalized") {
                events.push(event);
            }
        }
        drop(chain);
        for event in &events {
            shared.broadcast(event);
        }
    }
}
