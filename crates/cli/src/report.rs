//! How the commands show what was verified and why something was refused: the lines and JSON
//! objects shared by every command (hex, times, events, refusals, hints, balances), so that a
//! value or a failure reads the same whichever command met it.

use crate::{
    args::RpcArgs,
    driver::{self, balance::BalanceError, DriverError, Follower, Options, Output},
    exit::Exit,
};
use serde_json::{json, Value};
use std::{
    io::{IsTerminal, Write},
    sync::atomic::AtomicBool,
};
use tempo_light::{
    state::tip20::{self, FinalBalance},
    Classified, Discrepancy, Error, Event, Network, NetworkKind,
};

/// Bytes as `0x`-prefixed hex.
pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

/// Formats an event as a text line.
pub fn event_line(event: &Event) -> String {
    match event {
        Event::Finalized { height, hash, epoch, view, timestamp_ms, seen_ms } => {
            let since = driver::now_ms().saturating_sub(seen_ms.unwrap_or(*timestamp_ms));
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

/// A long hex string shortened to its first 12 and last 6 characters.
pub fn short(hex: &str) -> String {
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
    /// Counts what `event` proved.
    pub fn count(&mut self, event: &Event) {
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

/// The one line that says why, with one prefix naming the kind of failure.
pub fn block_refusal_line(error: &Error) -> String {
    match error {
        Error::Decode(e) => format!("malformed: {e}"),
        Error::Verify(e) => format!("not verified: {e}"),
    }
}

/// A warning for a field the RPC sent that contradicts the signed data (never trusted).
pub fn discrepancy_line(d: &Discrepancy) -> String {
    format!(
        "warning: the RPC's `{}` field says {}, but the signed data says {} (ignored: only signed values are trusted)",
        d.field(),
        d.claimed(),
        d.actual()
    )
}

/// Discrepancies as JSON.
pub fn discrepancies_json(found: &[Discrepancy]) -> Value {
    found
        .iter()
        .map(|d| json!({"field": d.field(), "claimed": d.claimed(), "actual": d.actual()}))
        .collect()
}

/// Follows with `options`, printing every event (text lines, with a status line on a terminal,
/// or JSON lines) and every note; returns how it ended and what it verified.
pub fn follow_printed(
    network: Network,
    rpc: &RpcArgs,
    options: Options,
    json: bool,
    stop: &AtomicBool,
) -> (Result<(), DriverError>, Tally) {
    let mut tally = Tally::default();
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
            Output::Trusted(_) => {}
            Output::Note(note) => {
                if json {
                    let _ = writeln!(stdout, "{}", json!({"type": "note", "message": note}));
                } else {
                    eprintln!("note: {note}");
                }
            }
        }
    };
    let result = Follower::new(network, rpc, options, &mut sink, stop).and_then(|mut f| f.run());
    if terminal {
        println!();
    }
    (result, tally)
}

/// Notes to standard error, events unprinted: the sink of a command that follows only to reach
/// the newest final block (`balance`, `confirm`).
pub fn notes_only(output: &Output) {
    if let Output::Note(note) = output {
        eprintln!("note: {note}");
    }
}

/// An error as the one JSON object a command prints with `--json`.
pub fn error_json(code: &str, message: &str) -> Value {
    json!({"type": "error", "code": code, "error": message})
}

/// The one line that says why a command that follows (`follow`, `balance`, `confirm`) ended:
/// `error: …` for usage, else the message, which names the kind of failure itself (`not
/// verified: …`, `malformed answer: …`, `RPC unavailable: …`, `equivocation: …`).
pub fn driver_refusal_line(error: &DriverError) -> String {
    match error {
        DriverError::Usage(_) => format!("error: {error}"),
        _ => error.to_string(),
    }
}

/// Prints how a run against an RPC ended badly (a JSON object, or the one line on standard
/// error); returns its exit code.
pub fn driver_failure(json: bool, error: &DriverError) -> Exit {
    if json {
        println!("{}", error_json(error.code(), &error.to_string()));
    } else {
        eprintln!("{}", driver_refusal_line(error));
    }
    Exit::of_driver(error)
}

/// Prints why a balance was not proven; returns its exit code.
pub fn balance_failure(json: bool, error: &BalanceError) -> Exit {
    let e = match error {
        BalanceError::Driver(e) => return driver_failure(json, e),
        BalanceError::Proof(e) => e,
    };
    let exit = Exit::of_proof_refusal(e);
    if json {
        println!("{}", error_json(e.code(), &e.to_string()));
    } else {
        // One prefix, as `verify` and `follow` print a refusal; a stale state is retryable:
        // the node proves only at a block too old to be `latest`.
        match exit {
            Exit::Usage => eprintln!("error: {e}"),
            Exit::Unavailable => eprintln!("RPC unavailable: {e}"),
            _ => eprintln!("not verified: {e}"),
        }
    }
    exit
}

/// A proven balance as printed with `--json`.
pub fn balance_json(proven: &FinalBalance) -> Value {
    let b = &proven.balance;
    json!({
        "type": "balance",
        "token": format!("{:#x}", b.token),
        "account": format!("{:#x}", b.account),
        "balance": b.balance.to_string(),
        "formatted": tip20::format_amount(b.balance),
        "decimals": b.decimals,
        "name": b.name,
        "symbol": b.symbol,
        "currency": b.currency,
        "totalSupply": b.total_supply.to_string(),
        "height": proven.height,
        "hash": format!("{:#x}", proven.hash),
        "stateRoot": format!("{:#x}", b.state_root),
    })
}

/// Prints a proven balance: one JSON object, or its lines.
pub fn print_balance(json: bool, proven: &FinalBalance) {
    let value = balance_json(proven);
    if json {
        println!("{value}");
        return;
    }
    let s = |k: &str| value[k].as_str().unwrap_or_default().to_string();
    println!("balance     {} {}", s("formatted"), s("symbol"));
    println!("account     {}", s("account"));
    println!(
        "token       {} ({}, {} decimals, {})",
        s("token"),
        s("name"),
        value["decimals"],
        s("currency")
    );
    println!("final at    #{} {}", value["height"], s("hash"));
    println!("state root  {} (proven by eth_getProof)", s("stateRoot"));
}

/// Milliseconds since the Unix epoch as an ISO-8601 UTC time (proleptic Gregorian calendar).
pub fn utc(millis: u64) -> String {
    let secs = millis / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm, for days since 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        millis % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn formats_utc_times() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc(1_785_582_410_837), "2026-08-01T11:06:50.837Z");
    }
}
