//! What a client reads back or proves from state: saved trust state, and `eth_getProof`
//! answers checked as TIP-20 balances.

use std::sync::OnceLock;

use alloy_primitives::{Address, B256};
use serde_json::Value;
use tempo_light::{
    client::TrustState, state::state_proof::AccountProof, state::tip20::BalanceQuery, LightClient,
};
use tempo_light_devnet::state;

use super::*;

// ---- saved state ------------------------------------------------------------------------------

/// Saved state: restoring never panics; a restored state saves and restores to itself; a
/// restored client answers `next_request` and refuses or accepts a real devnet block without
/// panicking, a refusal leaving its state unchanged.
pub fn saved_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(state) = TrustState::from_json(text) {
        let saved = state.to_json();
        let restored = TrustState::from_json(&saved).expect("a saved state restores");
        assert_eq!(restored, state, "saved state does not round-trip");
        assert_eq!(restored.to_json(), saved);
        for epoch in [0, 1, 7, 51, 1747, u64::MAX] {
            let _ = state.identity_for(epoch);
        }
    }
    let Ok(mut client) = LightClient::from_json(text) else {
        return;
    };
    let _ = client.next_request();
    let d = devnet();
    for height in [9, DEVNET_BLOCKS] {
        let before = client.to_json();
        let was_frozen = client.is_frozen();
        if client.on_finalization(d.certified(height)).is_err() {
            assert_eq!(client.to_json(), before, "a refusal changed the state");
        }
        assert!(!was_frozen || client.is_frozen(), "a frozen client thawed");
        let _ = client.next_request();
    }
}

// ---- state proofs ---------------------------------------------------------------------------------

/// The devnet height whose state root the proofs are checked against.
pub const PROOF_HEIGHT: u64 = 40;

/// The devnet's state at [`PROOF_HEIGHT`] and a balance query per [`proof_subjects`] pair.
pub(super) struct ProofFixture {
    pub(super) world: state::World,
    pub(super) queries: Vec<BalanceQuery>,
}

/// The proof fixture, built once per process.
pub(super) fn proof_fixture() -> &'static ProofFixture {
    static FIXTURE: OnceLock<ProofFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let world = state::World::at(PROOF_HEIGHT);
        let root = world.root();
        let queries = proof_subjects()
            .iter()
            .map(|&(token, account)| {
                BalanceQuery::new(token, account, PROOF_HEIGHT, B256::ZERO, root)
                    .expect("a TIP-20 token")
            })
            .collect();
        ProofFixture { world, queries }
    })
}

/// The (token, account) pairs whose balances the `account_proof` target checks: a holder with
/// a balance, an empty holder, and a token with no account in the state.
pub fn proof_subjects() -> [(Address, Address); 3] {
    let no_such_token = alloy_primitives::address!("20c00000000000000000000000000000000000ff");
    [
        (state::TOKENS[0], state::holder(1)),
        (state::TOKENS[1], state::holder(state::HOLDERS - 1)),
        (no_such_token, state::holder(0)),
    ]
}

/// An `eth_getProof` answer (with or without its envelope): parsing never panics; checking it
/// as a TIP-20 balance against a fixed devnet state root never panics, and a balance it
/// proves is the true one (as are the supply and the token's strings).
pub fn account_proof(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(proof) = AccountProof::from_value(value) else {
        return;
    };
    let _ = proof.to_json();
    let fixture = proof_fixture();
    for query in &fixture.queries {
        if let Ok(proven) = query.verify(&proof) {
            let b = &proven.balance;
            let truth = |slot: B256| fixture.world.storage(query.token, slot);
            assert_eq!(
                b.balance,
                truth(tempo_light::state::tip20::balance_slot(query.account)),
                "a forged balance was proven"
            );
            assert!(
                state::TOKENS.contains(&query.token),
                "a token with no account in the state was proven"
            );
            assert_eq!(
                b.total_supply,
                truth(tempo_light::state::tip20::field_slot(
                    tempo_light::state::tip20::slot::TOTAL_SUPPLY
                )),
                "a forged supply was proven"
            );
            assert_eq!(b.state_root, query.state_root);
        }
    }
}
