//! The hint printed beside a refusal when the network the user passed, not the block, is the
//! likely culprit (the block verifies under another preset, or its certificate's epoch implies
//! another epoch length). Below both the driver, which notes it while following, and the
//! report, which prints it under `verify`'s refusal.

use tempo_light::{provenance, CertifiedBlock, Network, Provenance};

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
