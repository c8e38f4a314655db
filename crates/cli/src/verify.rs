//! `tempo-light verify`: one CertifiedBlock in, one verdict out.

use super::trust::TrustArgs;
use super::{EXIT_MALFORMED, EXIT_NOT_VERIFIED, EXIT_UNSUPPORTED_HEADER, EXIT_USAGE};
use serde_json::{json, Value};
use std::{io::Read, process::ExitCode};
use tempo_light::{
    provenance, verify_with_network, CertifiedBlock, DecodeError, Discrepancy, Error, Network,
    Provenance, VerifiedBlock, VerifyError,
};

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

fn read_input(file: &str) -> std::io::Result<Vec<u8>> {
    if file == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(file)
    }
}

/// The input as text; bytes that are not UTF-8 are malformed input, not a usage error.
fn decode_text(bytes: Vec<u8>) -> Result<String, DecodeError> {
    String::from_utf8(bytes).map_err(|e| {
        DecodeError::Json(format!(
            "input is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The one line that says why, with one prefix naming the kind of failure.
pub fn refusal_line(error: &Error) -> String {
    match error {
        Error::Decode(e) => format!("malformed: {e}"),
        Error::Verify(e) => format!("not verified: {e}"),
    }
}

/// The exit code for a refusal.
pub fn refusal_exit_code(error: &Error) -> u8 {
    match error {
        Error::Decode(_) => EXIT_MALFORMED,
        Error::Verify(VerifyError::UnsupportedHeader { .. }) => EXIT_UNSUPPORTED_HEADER,
        Error::Verify(_) => EXIT_NOT_VERIFIED,
    }
}

/// A hint when the network given, not the block, is the likely culprit.
pub fn network_hint(network: &Network, block: &CertifiedBlock) -> Option<String> {
    Some(match provenance(network, block)? {
        Provenance::Preset(name) => {
            format!("this block verifies under the {name} identity: pass --network {name}")
        }
        Provenance::EpochLength { min, max } => {
            let length = if min == max {
                format!("an epoch length of {min}")
            } else if max == u64::MAX {
                format!("an epoch length above {}", min - 1)
            } else {
                format!("an epoch length between {min} and {max}")
            };
            format!(
                "certificate epoch {} at block {} means {length}, not {}'s {}: this block is not from {}; for a devnet or another custom network pass --identity <its identity> --epoch-length <its epoch length>",
                block.certificate.epoch,
                block.header.number(),
                network.name(),
                network.epoch_length().get(),
                network.name()
            )
        }
    })
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
    let bytes = match read_input(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => return usage_error(args.json, format!("cannot read {}: {e}", args.file)),
    };
    let block = match decode_text(bytes).and_then(|text| CertifiedBlock::from_json(&text)) {
        Ok(block) => block,
        Err(e) => return refuse(args.json, &Error::Decode(e), None, &[]),
    };
    let discrepancies = block.discrepancies();
    match verify_with_network(&network, &block) {
        Ok(verified) => {
            if args.json {
                let mut out = verified_json(&network, &verified);
                if !discrepancies.is_empty() {
                    out["inconsistentFields"] = discrepancies_json(&discrepancies);
                }
                println!("{out}");
            } else {
                print_verified(&network, &verified);
                for d in &discrepancies {
                    eprintln!("{}", discrepancy_line(d));
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let hint = network_hint(&network, &block);
            refuse(args.json, &error, hint, &discrepancies)
        }
    }
}

fn refuse(json: bool, error: &Error, hint: Option<String>, found: &[Discrepancy]) -> ExitCode {
    if json {
        let mut out = json!({"verified": false, "code": error.code(), "error": error.to_string()});
        if let Some(hint) = &hint {
            out["hint"] = json!(hint);
        }
        if !found.is_empty() {
            out["inconsistentFields"] = discrepancies_json(found);
        }
        println!("{out}");
    } else {
        eprintln!("{}", refusal_line(error));
        if let Some(hint) = &hint {
            eprintln!("hint: {hint}");
        }
        for d in found {
            eprintln!("{}", discrepancy_line(d));
        }
    }
    ExitCode::from(refusal_exit_code(error))
}

pub fn hex(bytes: impl AsRef<[u8]>) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

fn verified_json(network: &Network, v: &VerifiedBlock) -> Value {
    let mut out = json!({
        "verified": true,
        "network": network.name(),
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
    println!("verified: {} block {} is final", network.name(), v.height);
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
