//! `tempo-light devnet`: serves a simulated Tempo chain on loopback (the chain and its server
//! are the `tempo-light-devnet` crate; this module parses the flags and prints where it is).

use crate::exit::Exit;
use std::{
    io::Write,
    process::ExitCode,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};
use tempo_light_devnet::server::{self, Config, Fault, Handle};

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
    /// Follower-node mode: serve WebSocket on this port of its own, as reth does (0 picks a
    /// free one). Then --port serves HTTP only and refuses WebSocket upgrades, and this port
    /// refuses plain HTTP.
    #[arg(long, value_name = "P")]
    pub ws_port: Option<u16>,
    /// Follower-node mode: eth_getProof refuses blocks more than N behind the execution head
    /// with reth's -32602 "distance to target block exceeds maximum proof window" (0 is reth's
    /// default --rpc.eth-proof-window: the execution head only). Default: any block.
    #[arg(long, value_name = "N")]
    pub proof_window: Option<u64>,
    /// Follower-node mode: publish each finalization M ms before its block is executed; until
    /// then eth_getBlockByNumber/eth_getBlockByHash answer null for it, eth_getProof at it
    /// answers -32001 "header not found", and eth_blockNumber (the execution head) trails.
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub execution_lag_ms: u64,
    /// Inject a fault: KIND[@N], repeatable. Block faults (corrupt-certificate,
    /// certificate-for-another-block, header-mismatch, wrong-epoch, withhold-boundary) apply to
    /// block N or, without @N, to every block. Chain faults: unannounced-rotation@EPOCH,
    /// equivocation@HEIGHT. Connection faults (stall, drop, malformed-json) apply to consensus
    /// requests for height N or, without @N, to all of them. Proof faults (forged-balance,
    /// proof-wrong-root) apply to `eth_getProof` at block N or, without @N, at every block;
    /// stale-execution claims only block 1 executed (`eth_blockNumber` 0x1, proofs only there).
    /// Payment faults (forged-receipt, receipt-from-other-block, missing-transaction,
    /// reordered-receipts, forged-log) apply to the receipts and raw transactions of block N;
    /// no-debug-namespace turns the `debug_` methods off.
    #[arg(long = "fault", value_name = "KIND[@N]")]
    pub faults: Vec<Fault>,
}

impl Args {
    /// The server's configuration from these flags.
    pub fn config(&self) -> Config {
        Config {
            port: self.port,
            epoch_length: self.epoch_length,
            block_time_ms: self.block_time_ms,
            seed: self.seed,
            full_dkg_every: self.full_dkg_every,
            validators: self.validators,
            retain: self.retain,
            chain_id: self.chain_id,
            genesis_timestamp_ms: self.genesis_timestamp_ms,
            ws_port: self.ws_port,
            proof_window: self.proof_window,
            execution_lag_ms: self.execution_lag_ms,
            faults: self.faults.clone(),
        }
    }
}

/// Starts a devnet with these flags.
pub fn start(args: &Args) -> std::io::Result<Handle> {
    server::start(&args.config())
}

/// `tempo-light devnet`.
pub fn run(args: Args, stop: &AtomicBool) -> ExitCode {
    let handle = match start(&args) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return Exit::Usage.into();
        }
    };
    let mut out = std::io::stdout().lock();
    match handle.ws_addr {
        Some(ws) => {
            let _ = writeln!(
                out,
                "tempo-light devnet listening on http://{} (HTTP only; WebSocket on ws://{ws})",
                handle.addr
            );
        }
        None => {
            let _ = writeln!(
                out,
                "tempo-light devnet listening on http://{0} (ws://{0})",
                handle.addr
            );
        }
    }
    if let Some(window) = args.proof_window {
        let _ = writeln!(
            out,
            "eth_getProof window: {window} blocks behind the execution head"
        );
    }
    if args.execution_lag_ms > 0 {
        let _ = writeln!(
            out,
            "execution lag: {} ms after each finalization",
            args.execution_lag_ms
        );
    }
    let _ = writeln!(out, "chain id: {}", handle.chain_id);
    let _ = writeln!(out, "epoch length: {}", handle.epoch_length);
    let _ = writeln!(
        out,
        "genesis identity: {}",
        alloy_primitives::hex::encode_prefixed(handle.genesis_identity.to_bytes())
    );
    {
        use tempo_light_devnet::state;
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
    Exit::Success.into()
}
