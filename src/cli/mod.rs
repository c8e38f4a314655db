//! Argument parsing and dispatch for the `tempo-light` binary.
//!
//! Exit codes: 0 success; 1 the input does not prove finality (a [`tempo_light::VerifyError`]);
//! 2 the input is malformed (a [`tempo_light::DecodeError`]); 3 usage or I/O error.

mod follow;
mod trust;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
}

/// Exit code: the input does not prove finality.
pub const EXIT_NOT_VERIFIED: u8 = 1;
/// Exit code: the input is malformed.
pub const EXIT_MALFORMED: u8 = 2;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 3;

/// The process-wide stop flag, set by Ctrl-C (SIGINT) and SIGTERM.
pub fn stop_flag() -> &'static std::sync::atomic::AtomicBool {
    static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    &STOP
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Follow(args) => follow::run(args, stop_flag()),
    }
}
