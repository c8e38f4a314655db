//! `tempo-light`: the native command line. A thin shell over the `no_std` core: it reads
//! files and sockets, parses arguments and prints; every decision is the library's.
//!
//! Two layers: the commands (one file each: `verify`, `follow`, `balance`, `confirm` with
//! `verify-payment`, `devnet`, `demo`) read their flags and call the shared layer, which never
//! imports a command: [`args`] (flag groups flattened into the commands), [`driver`] (the
//! follower, the RPC transport, header fetching, the state file), [`report`] (what is printed),
//! [`hint`] (the network hint beside a refusal) and [`exit`] (every exit code, derived from the
//! core's error kinds).

// The shared layer.
mod args;
mod driver;
mod exit;
mod hint;
mod report;

// The commands.
mod balance;
mod confirm;
mod demo;
mod devnet;
mod follow;
mod proxy;
mod verify;
mod watch;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// jemalloc, as reth runs with: the proxy serves hundreds of connections from several threads
/// for days, and glibc's per-thread arenas keep what they free (its resident memory crept up
/// by megabytes a minute in the soak with every cache at its bound; RELIABILITY.md).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Verify Tempo finality without trusting the RPC.
#[derive(Parser)]
#[command(name = "tempo-light", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a `consensus_getFinalization` result (a CertifiedBlock, or the whole JSON-RPC
    /// response around it) and print what it proves.
    Verify(verify::Args),
    /// Follow a chain's finality from an RPC, printing each newly proven block, epoch
    /// transition and identity rotation (Ctrl-C stops; --state resumes).
    Follow(follow::Args),
    /// Prove an account's TIP-20 balance at the newest final block (eth_getProof, checked
    /// against the block's verified state root).
    Balance(balance::Args),
    /// Prove a transaction final, included and executed, with the TIP-20 transfers it made
    /// (checked against --from/--to/--amount/--memo of --token, or of --any-token, when
    /// given; --amount in tokens, --amount-units in base units); --proof-out writes a proof
    /// anyone can re-check offline. Exit 7: still pending.
    Confirm(confirm::Args),
    /// Re-check a payment proof written by `confirm --proof-out`, offline (held to --tx and
    /// the expectations `confirm` takes, when given).
    VerifyPayment(confirm::VerifyArgs),
    /// Serve a simulated Tempo chain on 127.0.0.1 (real certificates, epochs, rotations and
    /// faults on demand), for tests and development.
    Devnet(devnet::Args),
    /// The main job on an embedded default, no network needed: start a devnet in-process and
    /// follow it across epoch boundaries and an identity rotation, then exit.
    Demo(demo::Args),
    /// Serve a verified JSON-RPC endpoint (HTTP and WebSocket on one port) for any wallet,
    /// language or tool: it follows finality from --rpc and answers only what it proves at
    /// final blocks (the rest refused, or forwarded marked unverified with --policy
    /// passthrough).
    Proxy(proxy::Args),
    /// Report every TIP-20 payment to an address in final blocks, with none missed: each
    /// block's verified bloom rules it out, or its receipts are proven and every transfer to
    /// the address reported (--json lines; --state resumes; --proof-out writes proofs).
    Watch(watch::Args),
}

/// The process-wide stop flag, set by Ctrl-C (SIGINT) and SIGTERM.
pub fn stop_flag() -> &'static std::sync::atomic::AtomicBool {
    static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    &STOP
}

/// A closed standard output (`tempo-light follow | head -1`) ends the program as it ends any
/// Unix tool: by SIGPIPE, quietly. Rust ignores SIGPIPE by default, which turns the next
/// `println!` into a panic (exit 101) and makes `follow`, which ignores write errors to keep
/// following, run forever. Sockets are unaffected: std writes to them with `MSG_NOSIGNAL`.
#[cfg(unix)]
fn end_quietly_on_closed_stdout() {
    // SAFETY: restoring a signal's default disposition, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    #[cfg(unix)]
    end_quietly_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let exit = if e.use_stderr() {
                exit::Exit::Usage
            } else {
                exit::Exit::Success
            };
            let _ = e.print();
            return exit.into();
        }
    };
    // Ctrl-C and SIGTERM ask the running command to stop cleanly.
    let _ = ctrlc::set_handler(|| stop_flag().store(true, std::sync::atomic::Ordering::Relaxed));
    match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Follow(args) => follow::run(args, stop_flag()),
        Command::Balance(args) => balance::run(args, stop_flag()),
        Command::Confirm(args) => confirm::run(args, stop_flag()),
        Command::VerifyPayment(args) => confirm::run_verify(args),
        Command::Devnet(args) => devnet::run(args, stop_flag()),
        Command::Demo(args) => demo::run(args, stop_flag()),
        Command::Proxy(args) => proxy::run(args, stop_flag()),
        Command::Watch(args) => watch::run(args, stop_flag()),
    }
}
