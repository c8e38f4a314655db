//! `tempo-light verify`: one CertifiedBlock in, one verdict out.

use crate::{
    args::TrustArgs,
    exit::Exit,
    hint::network_hint,
    report::{block_refusal_line, discrepancies_json, discrepancy_line, hex, utc},
};
use serde_json::{json, Value};
use std::{io::Read, process::ExitCode};
use tempo_light::{
    verify_with_network, CertifiedBlock, DecodeError, Discrepancy, Error, Network, VerifiedBlock,
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

fn usage_error(json: bool, message: String) -> ExitCode {
    if json {
        println!(
            "{}",
            json!({"verified": false, "error": message, "code": "Usage"})
        );
    } else {
        eprintln!("error: {message}");
    }
    Exit::Usage.into()
}

/// `tempo-light verify`.
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
            Exit::Success.into()
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
        eprintln!("{}", block_refusal_line(error));
        if let Some(hint) = &hint {
            eprintln!("hint: {hint}");
        }
        for d in found {
            eprintln!("{}", discrepancy_line(d));
        }
    }
    Exit::of_block_refusal(error).into()
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
