//! `tempo-light verify`: one CertifiedBlock in, one verdict out.

use super::trust::TrustArgs;
use super::{EXIT_MALFORMED, EXIT_NOT_VERIFIED, EXIT_USAGE};
use serde_json::{json, Value};
use std::{io::Read, process::ExitCode};
use tempo_light::{verify_with_network, CertifiedBlock, Error, Network, VerifiedBlock};

/// Arguments of `tempo-light verify`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    trust: TrustArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// File holding the JSON, or `-` for standard input.
    file: String,
}

fn read_input(file: &str) -> std::io::Result<String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file)
    }
}

fn usage_error(json: bool, message: String) -> ExitCode {
    if json {
        println!(
            "{}",
            json!({"verified": false, "error": message, "code": "Usage"})
        );
    } else {
        eprintln!("error: {message}");
    }
    ExitCode::from(EXIT_USAGE)
}

pub fn run(args: Args) -> ExitCode {
    let network = match args.trust.network() {
        Ok(network) => network,
        Err(message) => return usage_error(args.json, message),
    };
    let text = match read_input(&args.file) {
        Ok(text) => text,
        Err(e) => return usage_error(args.json, format!("cannot read {}: {e}", args.file)),
    };
    let result = CertifiedBlock::from_json(&text)
        .map_err(Error::from)
        .and_then(|block| verify_with_network(&network, &block));
    match result {
        Ok(verified) => {
            if args.json {
                println!("{}", verified_json(&network, &verified));
            } else {
                print_verified(&network, &verified);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let code = match error {
                Error::Decode(_) => EXIT_MALFORMED,
                Error::Verify(_) => EXIT_NOT_VERIFIED,
            };
            if args.json {
                println!(
                    "{}",
                    json!({"verified": false, "code": error.code(), "error": error.to_string()})
                );
            } else {
                eprintln!("not verified: {error}");
            }
            ExitCode::from(code)
        }
    }
}

pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

fn verified_json(network: &Network, v: &VerifiedBlock) -> Value {
    let mut out = json!({
        "verified": true,
        "network": network.name,
        "height": v.height,
        "hash": format!("{:#x}", v.hash),
        "epoch": v.epoch,
        "view": v.view,
        "parentView": v.parent_view,
        "stateRoot": format!("{:#x}", v.header.state_root()),
        "timestamp": v.header.inner.timestamp,
        "timestampMillis": v.header.timestamp_millis(),
        "identity": hex(v.identity.to_bytes()),
    });
    if let Some(next) = &v.next_epoch {
        out["nextEpoch"] = json!({
            "epoch": next.epoch,
            "identity": hex(next.identity().to_bytes()),
            "identityChanges": next.identity() != &v.identity,
            "players": next.players.iter().map(hex).collect::<Vec<_>>(),
            "nextPlayers": next.next_players.iter().map(hex).collect::<Vec<_>>(),
            "isNextFullDkg": next.is_next_full_dkg,
        });
    }
    out
}

fn print_verified(network: &Network, v: &VerifiedBlock) {
    println!("verified: {} block {} is final", network.name, v.height);
    println!("  hash         {:#x}", v.hash);
    println!(
        "  epoch        {} (view {}, parent view {})",
        v.epoch, v.view, v.parent_view
    );
    println!("  state root   {:#x}", v.header.state_root());
    println!(
        "  timestamp    {} ({} ms)",
        utc(v.header.timestamp_millis()),
        v.header.timestamp_millis()
    );
    println!("  identity     {}", hex(v.identity.to_bytes()));
    if let Some(next) = &v.next_epoch {
        println!(
            "  boundary of epoch {}: the DKG outcome for epoch {}",
            v.epoch, next.epoch
        );
        println!("    identity   {}", hex(next.identity().to_bytes()));
        if next.identity() != &v.identity {
            println!("    (a new identity: the network key rotates)");
        }
        println!("    players    {}", next.players.len());
        for player in &next.players {
            println!("      {}", hex(player));
        }
        println!(
            "    next DKG   {}",
            if next.is_next_full_dkg {
                "full (the identity will change)"
            } else {
                "reshare (the identity stays)"
            }
        );
    }
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
