//! `tempo-light devnet`: a simulated Tempo chain served over JSON-RPC on loopback, with
//! the RPC shapes of a Tempo node, real BLS certificates, real DKG outcomes, and faults on
//! demand. The chain itself is `tempo_light::devnet`; this module serves it.

pub mod faults;
mod rpc;
mod server;

use faults::{FaultKind, Faults};
use rpc::{now_ms, Shared};
use std::{
    collections::BTreeMap,
    io::Write,
    net::{SocketAddr, TcpListener},
    process::ExitCode,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};
use tempo_light::{
    devnet::{Chain, ChainFaults, DevnetConfig},
    PublicKey,
};

/// Arguments of `tempo-light devnet`.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8545)]
    pub port: u16,
    /// Blocks per epoch.
    #[arg(long, default_value_t = 20)]
    pub epoch_length: u64,
    /// Milliseconds between blocks.
    #[arg(long, default_value_t = 200)]
    pub block_time_ms: u64,
    /// Seed of every key and choice (same seed, same chain).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A full DKG (new network identity) every K epochs; 0 for never.
    #[arg(long, default_value_t = 3)]
    pub full_dkg_every: u64,
    /// Validators per committee.
    #[arg(long, default_value_t = 4)]
    pub validators: usize,
    /// Most blocks kept (older ones answer 503; boundaries are always kept).
    #[arg(long, default_value_t = 100_000)]
    pub retain: usize,
    /// Chain id.
    #[arg(long, default_value_t = 1337)]
    pub chain_id: u64,
    /// Genesis timestamp in ms since the Unix epoch (default: now; fix it for byte-identical chains).
    #[arg(long)]
    pub genesis_timestamp_ms: Option<u64>,
    /// Inject a fault: KIND[@N], repeatable. Block faults (corrupt-certificate,
    /// certificate-for-another-block, header-mismatch, wrong-epoch, withhold-boundary) apply to
    /// block N or, without @N, to every block. Chain faults: unannounced-rotation@EPOCH,
    /// equivocation@HEIGHT. Connection faults (stall, drop, malformed-json) apply to consensus
    /// requests for height N or, without @N, to all of them. Proof faults (forged-balance,
    /// proof-wrong-root) apply to `eth_getProof` at block N or, without @N, at every block.
    #[arg(long = "fault", value_name = "KIND[@N]")]
    pub faults: Vec<faults::Fault>,
}

impl Args {
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
            faults: Vec::new(),
        }
    }
}

/// A running devnet.
pub struct Handle {
    /// Where it listens.
    pub addr: SocketAddr,
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

    /// Stops serving and producing, and waits for the threads.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Binds, then starts the producer and the server.
pub fn start(args: &Args) -> std::io::Result<Handle> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    let addr = listener.local_addr()?;
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
    });
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || produce(&shared, &stop, block_time))
    };
    let server = {
        let (shared, stop) = (shared.clone(), stop.clone());
        std::thread::spawn(move || server::serve(listener, shared, stop))
    };
    Ok(Handle {
        addr,
        chain_id,
        epoch_length,
        genesis_identity,
        stop,
        threads: vec![producer, server],
    })
}

/// Finalizes a block every `block_time` and tells the subscribers.
fn produce(shared: &Shared, stop: &AtomicBool, block_time: Duration) {
    let mut next = Instant::now() + block_time;
    let mut last_nullified: Option<(u64, u64)> = None;
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
        let mut events = Vec::new();
        // Views that timed out since the last report (the chain keeps a bounded list).
        let nullified = chain.nullified();
        let fresh_from = last_nullified
            .and_then(|last| nullified.iter().position(|n| *n == last))
            .map_or(0, |i| i + 1);
        for (epoch, view) in &nullified[fresh_from..] {
            events.push(serde_json::json!({"type": "nullified", "epoch": epoch, "view": view, "seen": now_ms()}));
        }
        last_nullified = nullified.last().copied().or(last_nullified);
        for kind in ["notarized", "finalized"] {
            if let Some(event) = shared.event(&chain, height, kind) {
                events.push(event);
            }
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

/// `tempo-light devnet`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let handle = match start(&args) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::from(3);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "tempo-light devnet listening on http://{0} (ws://{0})",
        handle.addr
    );
    let _ = writeln!(out, "chain id: {}", handle.chain_id);
    let _ = writeln!(out, "epoch length: {}", handle.epoch_length);
    let _ = writeln!(
        out,
        "genesis identity: {}",
        alloy_primitives::hex::encode_prefixed(handle.genesis_identity.to_bytes())
    );
    {
        use tempo_light::devnet::state;
        let _ = writeln!(
            out,
            "TIP-20 tokens: {} (pathUSD), {} (AlphaUSD)",
            state::TOKENS[0],
            state::TOKENS[1]
        );
        let holders: Vec<String> = (0..state::HOLDERS)
            .map(|i| state::holder(i).to_string())
            .collect();
        let _ = writeln!(out, "token holders: {}", holders.join(" "));
    }
    for fault in &args.faults {
        let _ = writeln!(out, "fault: {fault:?}");
    }
    let _ = out.flush();
    drop(out);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    handle.stop();
    println!("devnet stopped");
    ExitCode::SUCCESS
}
