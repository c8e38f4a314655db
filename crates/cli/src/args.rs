//! The flags several commands take, each group declared once and flattened into the commands
//! that need it (`#[command(flatten)]`): what to trust, which node to ask, where the trust
//! state is kept. A command declares only the flags that are its own.

use alloy_primitives::Address;
use std::path::PathBuf;
use tempo_light::{Network, PublicKey};

/// What the user tells the CLI to trust: a network preset, or an explicit identity (every
/// command that verifies).
#[derive(clap::Args, Clone, Debug)]
pub struct TrustArgs {
    /// Network preset whose built-in identities to trust.
    #[arg(long, default_value = "mainnet", value_parser = ["mainnet", "testnet", "presto", "moderato"])]
    pub network: String,
    /// Trust this network identity instead (96-byte compressed G2 point, hex).
    #[arg(long, requires = "epoch_length")]
    pub identity: Option<String>,
    /// Blocks per epoch (with --identity).
    #[arg(long)]
    pub epoch_length: Option<u64>,
    /// First epoch the --identity signs (earlier epochs are refused).
    #[arg(long, default_value_t = 0)]
    pub from_epoch: u64,
    /// Chain id of the --identity's network (informational).
    #[arg(long, default_value_t = 0)]
    pub chain_id: u64,
}

impl TrustArgs {
    /// Resolves to a network: the preset, or a custom one with the explicit identity.
    pub fn network(&self) -> Result<Network, String> {
        match (&self.identity, self.epoch_length) {
            (Some(hex), Some(epoch_length)) => {
                let bytes = alloy_primitives::hex::decode(hex.trim())
                    .map_err(|_| "--identity is not valid hex".to_string())?;
                let identity = PublicKey::from_slice(&bytes)
                    .map_err(|e| format!("--identity is not a valid 96-byte G2 public key: {e}"))?;
                Network::custom(self.chain_id, epoch_length, identity, self.from_epoch)
                    .ok_or_else(|| "--epoch-length must be positive".to_string())
            }
            (None, None) => Network::by_name(&self.network)
                .ok_or_else(|| format!("unknown network {}", self.network)),
            _ => Err("--identity and --epoch-length go together".to_string()),
        }
    }
}

/// Which node to ask, and how long to wait for it (every command that talks to an RPC).
#[derive(clap::Args, Clone, Debug)]
pub struct RpcArgs {
    /// JSON-RPC endpoint: `http(s)://` to poll, `ws(s)://` to subscribe and make every call
    /// over that WebSocket (defaults to the network's public endpoint).
    #[arg(long)]
    pub rpc: Option<String>,
    /// With a `ws(s)://` --rpc: an HTTP endpoint of the same node for the calls (headers,
    /// finalizations, proofs), the WebSocket then only carrying the subscription. A node
    /// serves HTTP and WebSocket on separate ports, so this is never guessed from --rpc.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,
    /// Timeout of each RPC call, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
}

/// Where the trust state is kept between runs (every command that follows the chain).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct StateArgs {
    /// Save the trust state here after every advance (atomically), and resume from it.
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// An address flag or argument (`what` names it in the refusal, a usage error).
pub fn address(text: &str, what: &str) -> Result<Address, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("{what} {text} is not a 20-byte hex address"))
}
