//! The identities a client learnt during one run, kept past the trust state's bound.
//!
//! The trust state keeps the newest [`super::trust::MAX_IDENTITY_RUNS`] identity runs, so a
//! client that has followed far ahead can no longer say which identity signed an old epoch. A
//! scan over old final blocks (`watch --from-block`) records every verified
//! [`Event::EpochTransition`] the client emits while it catches up, and verifies the old
//! blocks' certificates under the identity recorded for their epoch, else under the client's
//! own ([`LightClient::verifying_identity`]). Only identity changes are kept: one entry per
//! rotation, however many epochs pass.

use super::{Event, LightClient};
use crate::{
    finality::verify::{verify_batch, VerifiedBlock},
    CertifiedBlock, Error, PublicKey,
};
use alloc::{collections::BTreeMap, vec::Vec};

/// Identities by the first epoch they sign, as verified boundaries announced them.
#[derive(Clone, Debug, Default)]
pub struct IdentityHistory {
    runs: BTreeMap<u64, PublicKey>,
}

impl IdentityHistory {
    /// Records the identity of an [`Event::EpochTransition`] (other events are ignored).
    pub fn record(&mut self, event: &Event) {
        let Event::EpochTransition {
            epoch, identity, ..
        } = event
        else {
            return;
        };
        let before = self.runs.range(..*epoch).next_back().map(|(_, id)| id);
        if before != Some(identity) {
            self.runs.insert(*epoch, identity.clone());
        }
        // An identity the next run repeats is not a change.
        let next = self
            .runs
            .range(epoch + 1..)
            .next()
            .map(|(e, id)| (*e, id.clone()));
        if let Some((later, id)) = next {
            if &id == identity {
                self.runs.remove(&later);
            }
        }
    }

    /// The identity recorded for `epoch`, if a recorded transition reaches it.
    pub fn identity_for(&self, epoch: u64) -> Option<PublicKey> {
        self.runs
            .range(..=epoch)
            .next_back()
            .map(|(_, id)| id.clone())
    }

    /// Verifies many certified blocks in one multi-pairing, each under the identity recorded
    /// for its epoch, else the one `client` verifies it under (a frozen client refuses all).
    pub fn verify_batch(
        &self,
        client: &LightClient,
        blocks: &[CertifiedBlock],
    ) -> Vec<Result<VerifiedBlock, Error>> {
        if client.is_frozen() {
            // A frozen client verifies nothing: its own refusal, for each block.
            if let Err(frozen) = client.verifying_identity(0) {
                return blocks.iter().map(|_| Err(frozen.clone().into())).collect();
            }
        }
        verify_batch(
            client.state().network().epoch_length().get(),
            blocks,
            |epoch| match self.identity_for(epoch) {
                Some(identity) => Ok(identity),
                None => client.verifying_identity(epoch),
            },
        )
    }
}
