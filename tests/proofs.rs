#![cfg(not(target_arch = "wasm32"))]
//! State proofs (`eth_getProof`) against final state roots, and TIP-20 balances on top: the
//! devnet's real state trie proves, and every tampering is rejected with its own error.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use tempo_light::{
    state::state_proof::{
        verify_account_proof, AccountProof, ProofError, ProofTarget, MAX_PROOF_NODES,
    },
    state::tip20,
    DecodeError,
};
use tempo_light_devnet::state::{self, World};

fn all_slots(account: Address) -> Vec<B256> {
    tip20::balance_query_slots(account).to_vec()
}

#[test]
fn devnet_proofs_verify_for_every_holder_token_and_height() {
    let mut checked = 0;
    for height in [1u64, 2, 57, 1_000] {
        let world = World::at(height);
        let root = world.root();
        for (t, token) in state::TOKENS.iter().enumerate() {
            let mut supply = U256::ZERO;
            for i in 0..state::HOLDERS {
                let holder = state::holder(i);
                let proof = world.proof(*token, &all_slots(holder));
                let b = tip20::verify_tip20_balance(root, *token, holder, &proof).unwrap();
                assert_eq!(b.balance, state::balance(t, i, height));
                assert_eq!(b.decimals, 6);
                assert_eq!(b.currency, "USD");
                assert_eq!(b.name, ["pathUSD", "AlphaUSD"][t]);
                supply += b.balance;
                checked += 1;
                // Holder accounts themselves: existence, nonce, no code, empty storage.
                let account = verify_account_proof(root, &world.proof(holder, &[])).unwrap();
                let fields = account.account.expect("holders exist");
                assert_eq!(fields.nonce, height / (i as u64 + 2));
                assert_eq!(fields.storage_root, alloy_trie::EMPTY_ROOT_HASH);
            }
            let b = tip20::verify_tip20_balance(
                root,
                *token,
                state::holder(0),
                &world.proof(*token, &all_slots(state::holder(0))),
            )
            .unwrap();
            assert_eq!(
                b.total_supply, supply,
                "total supply is the sum of balances"
            );
        }
    }
    println!("{checked} devnet TIP-20 balance proofs verified");
}

#[test]
fn balances_move_with_every_block() {
    let roots: Vec<B256> = (1..20).map(|h| World::at(h).root()).collect();
    for pair in roots.windows(2) {
        assert_ne!(pair[0], pair[1]);
    }
    assert_ne!(state::balance(0, 0, 5), state::balance(0, 0, 6));
}

#[test]
fn proves_account_absence() {
    let world = World::at(9);
    let proof = world.proof(state::ABSENT, &[tip20::balance_slot(state::holder(0))]);
    let verified = verify_account_proof(world.root(), &proof).unwrap();
    assert_eq!(verified.account, None);
    assert_eq!(
        verified.slot(tip20::balance_slot(state::holder(0))),
        Some(U256::ZERO)
    );
    // Claiming the absent account exists (with a balance) is refused.
    let mut lie = proof.clone();
    lie.balance = U256::from(1);
    assert!(matches!(
        verify_account_proof(world.root(), &lie),
        Err(ProofError::ValueMismatch {
            target: ProofTarget::Account(_)
        })
    ));
}

#[test]
fn proves_an_empty_balance_slot() {
    let world = World::at(12);
    let empty_holder = state::holder(state::HOLDERS - 1);
    let proof = world.proof(tip20::PATH_USD, &all_slots(empty_holder));
    let b =
        tip20::verify_tip20_balance(world.root(), tip20::PATH_USD, empty_holder, &proof).unwrap();
    assert_eq!(b.balance, U256::ZERO);
    // Claiming a balance in an empty slot is refused.
    let mut lie = proof.clone();
    lie.storage_proof[0].value = U256::from(5);
    assert!(matches!(
        tip20::verify_tip20_balance(world.root(), tip20::PATH_USD, empty_holder, &lie),
        Err(ProofError::ValueMismatch {
            target: ProofTarget::Storage(..)
        })
    ));
}

#[test]
fn proves_allowances_and_the_paused_flag_where_the_devnet_wrote_them() {
    use tip20::Tip20Word;
    let world = World::at(40);
    let root = world.root();
    let (owner, spender) = (state::holder(0), state::holder(1));
    let mut checked = 0;
    for (t, token) in state::TOKENS.iter().enumerate() {
        let granted = Tip20Word::Allowance { owner, spender };
        let proof = world.proof(*token, &[granted.slot()]);
        assert_eq!(
            tip20::verify_tip20_word(root, *token, granted, &proof),
            Ok(state::allowance(t))
        );
        // The other way round nothing was granted: proven absent, so zero.
        let none = Tip20Word::Allowance {
            owner: spender,
            spender: owner,
        };
        let proof = world.proof(*token, &[none.slot()]);
        assert_eq!(
            tip20::verify_tip20_word(root, *token, none, &proof),
            Ok(U256::ZERO)
        );
        // pathUSD runs; the devnet pauses AlphaUSD.
        let proof = world.proof(*token, &[Tip20Word::Paused.slot()]);
        assert_eq!(
            tip20::verify_tip20_word(root, *token, Tip20Word::Paused, &proof),
            Ok(U256::from(t))
        );
        // A larger allowance claimed beside the honest proof is refused.
        let mut lie = world.proof(*token, &[granted.slot()]);
        lie.storage_proof[0].value += U256::from(1);
        assert!(matches!(
            tip20::verify_tip20_word(root, *token, granted, &lie),
            Err(ProofError::ValueMismatch { .. })
        ));
        checked += 4;
    }
    // A token the state does not hold.
    let missing = Address::from_slice(&[
        0x20, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9,
    ]);
    let proof = world.proof(missing, &[Tip20Word::Paused.slot()]);
    assert_eq!(
        tip20::verify_tip20_word(root, missing, Tip20Word::Paused, &proof),
        Err(ProofError::NoSuchToken(missing))
    );
    println!("allowance and paused words: {checked} proofs checked against the devnet's state");
}

#[test]
fn rejects_a_forged_balance() {
    let world = World::at(30);
    let holder = state::holder(1);
    let honest = world.proof(tip20::PATH_USD, &all_slots(holder));
    for forged in [
        U256::ZERO,
        U256::from(1),
        honest.storage_proof[0].value + U256::from(1),
    ] {
        let mut lie = honest.clone();
        lie.storage_proof[0].value = forged;
        assert_eq!(
            tip20::verify_tip20_balance(world.root(), tip20::PATH_USD, holder, &lie),
            Err(ProofError::ValueMismatch {
                target: ProofTarget::Storage(tip20::PATH_USD, tip20::balance_slot(holder))
            })
        );
    }
    // Forged account fields are refused too.
    let mut lie = honest.clone();
    lie.nonce += 1;
    assert!(matches!(
        verify_account_proof(world.root(), &lie),
        Err(ProofError::ValueMismatch {
            target: ProofTarget::Account(_)
        })
    ));
    let mut lie = honest.clone();
    lie.storage_hash = World::at(31).proof(tip20::PATH_USD, &[]).storage_hash;
    assert!(matches!(
        verify_account_proof(world.root(), &lie),
        Err(ProofError::ValueMismatch {
            target: ProofTarget::Account(_)
        })
    ));
}

#[test]
fn rejects_a_proof_for_another_block() {
    let holder = state::holder(2);
    let older = World::at(40).proof(tip20::PATH_USD, &all_slots(holder));
    let root = World::at(41).root();
    assert_eq!(
        tip20::verify_tip20_balance(root, tip20::PATH_USD, holder, &older),
        Err(ProofError::RootMismatch {
            target: ProofTarget::Account(tip20::PATH_USD),
            root
        })
    );
}

/// Every single-byte change of every node, in the account proof and in each storage proof.
#[test]
fn rejects_every_single_byte_mutation_of_every_node() {
    let world = World::at(77);
    let root = world.root();
    let holder = state::holder(0);
    let honest = world.proof(tip20::PATH_USD, &all_slots(holder));
    let mut cases = 0usize;
    let check = |proof: &AccountProof, target: ProofTarget, index: usize| {
        let result = verify_account_proof(root, proof);
        let expected = if index == 0 {
            let root = match target {
                ProofTarget::Account(_) => root,
                ProofTarget::Storage(..) => honest.storage_hash,
            };
            ProofError::RootMismatch { target, root }
        } else {
            ProofError::NodeMismatch { target, index }
        };
        assert_eq!(result, Err(expected));
    };
    for index in 0..honest.account_proof.len() {
        for at in 0..honest.account_proof[index].len() {
            for delta in [1u8, 0x80] {
                let mut proof = honest.clone();
                let mut node = proof.account_proof[index].to_vec();
                node[at] ^= delta;
                proof.account_proof[index] = Bytes::from(node);
                check(&proof, ProofTarget::Account(tip20::PATH_USD), index);
                cases += 1;
            }
        }
    }
    for s in 0..honest.storage_proof.len() {
        let target = ProofTarget::Storage(tip20::PATH_USD, honest.storage_proof[s].key);
        for index in 0..honest.storage_proof[s].proof.len() {
            for at in 0..honest.storage_proof[s].proof[index].len() {
                let mut proof = honest.clone();
                let mut node = proof.storage_proof[s].proof[index].to_vec();
                node[at] = node[at].wrapping_add(1);
                proof.storage_proof[s].proof[index] = Bytes::from(node);
                check(&proof, target, index);
                cases += 1;
            }
        }
    }
    assert!(cases > 1_000);
    println!("{cases} single-byte mutations of proof nodes, all rejected with the node's index");
}

#[test]
fn rejects_missing_and_extra_nodes() {
    let world = World::at(5);
    let root = world.root();
    let holder = state::holder(1);
    let honest = world.proof(tip20::PATH_USD, &all_slots(holder));
    let n = honest.account_proof.len();
    assert!(n >= 2, "the devnet's state trie has branches");
    let target = ProofTarget::Account(tip20::PATH_USD);
    // The last node missing: the walk stops at a reference.
    let mut proof = honest.clone();
    proof.account_proof.pop();
    assert_eq!(
        verify_account_proof(root, &proof),
        Err(ProofError::Incomplete { target })
    );
    // A middle (or the first) node missing: the next node is not the one committed to.
    for gap in 0..n - 1 {
        let mut proof = honest.clone();
        proof.account_proof.remove(gap);
        let expected = if gap == 0 {
            ProofError::RootMismatch { target, root }
        } else {
            ProofError::NodeMismatch { target, index: gap }
        };
        assert_eq!(verify_account_proof(root, &proof), Err(expected));
    }
    // An empty proof for a non-empty state.
    let mut proof = honest.clone();
    proof.account_proof.clear();
    assert_eq!(
        verify_account_proof(root, &proof),
        Err(ProofError::RootMismatch { target, root })
    );
    // A node appended after the leaf.
    let mut proof = honest.clone();
    proof.account_proof.push(honest.account_proof[0].clone());
    assert_eq!(
        verify_account_proof(root, &proof),
        Err(ProofError::NodeMismatch { target, index: n })
    );
    // A storage proof with its last node missing.
    let mut proof = honest.clone();
    proof.storage_proof[0].proof.pop();
    assert_eq!(
        verify_account_proof(root, &proof),
        Err(ProofError::Incomplete {
            target: ProofTarget::Storage(tip20::PATH_USD, tip20::balance_slot(holder))
        })
    );
}

#[test]
fn rejects_answers_about_something_else() {
    let world = World::at(8);
    let root = world.root();
    let holder = state::holder(0);
    // Another token's answer.
    let other = world.proof(state::TOKENS[1], &all_slots(holder));
    assert_eq!(
        tip20::verify_tip20_balance(root, tip20::PATH_USD, holder, &other),
        Err(ProofError::AddressMismatch {
            expected: tip20::PATH_USD,
            actual: state::TOKENS[1]
        })
    );
    // Another holder's slots.
    let wrong = world.proof(tip20::PATH_USD, &all_slots(state::holder(1)));
    assert_eq!(
        tip20::verify_tip20_balance(root, tip20::PATH_USD, holder, &wrong),
        Err(ProofError::MissingSlot {
            address: tip20::PATH_USD,
            slot: tip20::balance_slot(holder)
        })
    );
    // Not a TIP-20 address, and a TIP-20 address with no token.
    assert_eq!(
        tip20::verify_tip20_balance(
            root,
            holder,
            holder,
            &world.proof(holder, &all_slots(holder))
        ),
        Err(ProofError::NotTip20(holder))
    );
    let missing: Address = "0x20c0000000000000000000000000000000000abc"
        .parse()
        .unwrap();
    assert_eq!(
        tip20::verify_tip20_balance(
            root,
            missing,
            holder,
            &world.proof(missing, &all_slots(holder))
        ),
        Err(ProofError::NoSuchToken(missing))
    );
}

#[test]
fn proof_json_round_trips_and_hostile_json_is_typed() {
    let world = World::at(3);
    let proof = world.proof(tip20::PATH_USD, &all_slots(state::holder(0)));
    let json = proof.to_json();
    let envelope = serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": json.clone()});
    assert_eq!(AccountProof::from_value(json.clone()).unwrap(), proof);
    assert_eq!(
        AccountProof::from_json(&envelope.to_string()).unwrap(),
        proof
    );
    // Short storage keys (quantities) are the same words.
    let mut short = json.clone();
    short["storageProof"][1]["key"] = serde_json::json!("0x8");
    let parsed = AccountProof::from_value(short).unwrap();
    assert_eq!(
        parsed.storage_proof[1].key,
        tip20::field_slot(tip20::slot::TOTAL_SUPPLY)
    );

    let code = |v: serde_json::Value| AccountProof::from_value(v).unwrap_err().code();
    let mut missing = json.clone();
    missing.as_object_mut().unwrap().remove("accountProof");
    assert_eq!(code(missing), "InvalidJson");
    let mut bad_hex = json.clone();
    bad_hex["accountProof"][0] = serde_json::json!("0xzz");
    assert_eq!(code(bad_hex), "InvalidHex");
    let mut bad_key = json.clone();
    bad_key["storageProof"][0]["key"] = serde_json::json!("0xgg");
    assert_eq!(code(bad_key), "InvalidHex");
    let mut long_key = json.clone();
    long_key["storageProof"][0]["key"] = serde_json::json!(format!("0x{}", "1".repeat(65)));
    assert_eq!(code(long_key), "InvalidJson");
    let mut too_many = json.clone();
    too_many["accountProof"] = serde_json::json!(vec!["0x80"; MAX_PROOF_NODES + 1]);
    assert_eq!(code(too_many), "LengthOutOfRange");
    let mut huge = json.clone();
    huge["accountProof"][0] = serde_json::json!(format!("0x{}", "00".repeat(700)));
    assert_eq!(code(huge), "LengthOutOfRange");
    let error = serde_json::json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32001, "message": "header not found"}});
    assert_eq!(
        AccountProof::from_value(error).unwrap_err(),
        DecodeError::Rpc {
            code: -32001,
            message: "header not found".into()
        }
    );
    assert_eq!(code(serde_json::json!(null)), "InvalidJson");
    let mut big_nonce = json.clone();
    big_nonce["nonce"] = serde_json::json!("0x10000000000000000");
    assert_eq!(code(big_nonce), "InvalidJson");
    let mut numeric = json.clone();
    numeric["balance"] = serde_json::json!(5);
    assert_eq!(code(numeric), "InvalidJson");
    let mut storage = json.clone();
    storage["storageProof"] = serde_json::json!({});
    assert_eq!(code(storage), "InvalidJson");
    assert_eq!(code(serde_json::json!({"result": null})), "InvalidJson");
}

#[test]
fn refuses_quantities_that_are_not_canonical() {
    let world = World::at(3);
    let proof = world.proof(tip20::PATH_USD, &all_slots(state::holder(0)));
    let json = proof.to_json();
    let refused = |path: &[&str], text: &str| {
        let mut changed = json.clone();
        let mut at = &mut changed;
        for step in path {
            at = match step.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[*step],
            };
        }
        *at = serde_json::json!(text);
        let error = AccountProof::from_value(changed).unwrap_err();
        assert_eq!(error.code(), "InvalidJson", "{path:?} = {text}: {error}");
    };
    let mut cases = 0;
    // A decimal read as hex by one client and as decimal by another, leading zeros, no 0x,
    // more than 256 bits: real nodes send none of them.
    for bad in [
        "1000000",
        "0x01",
        "0x00",
        "0x",
        "ff",
        &format!("0x1{}", "0".repeat(64)),
    ] {
        for path in [
            &["balance"][..],
            &["nonce"],
            &["storageProof", "0", "value"],
        ] {
            refused(path, bad);
            cases += 1;
        }
    }
    // Hashes are 0x and 32 bytes, always.
    for bad in [&"ab".repeat(32), "0x1", &format!("0x0{}", "ab".repeat(32))] {
        for path in [&["codeHash"][..], &["storageHash"]] {
            refused(path, bad);
            cases += 1;
        }
    }
    // A storage key without 0x.
    refused(&["storageProof", "0", "key"], &"11".repeat(32));
    cases += 1;
    // The canonical forms of zero and of the values themselves still read.
    let mut zero = json.clone();
    zero["storageProof"][0]["value"] = serde_json::json!("0x0");
    assert!(AccountProof::from_value(zero).is_ok());
    assert_eq!(AccountProof::from_value(json).unwrap(), proof);
    println!("non-canonical quantities: {cases} refused");
}

/// Garbage nodes never panic and never verify.
#[test]
fn garbage_proofs_are_rejected_without_panicking() {
    let world = World::at(4);
    let root = world.root();
    let honest = world.proof(tip20::PATH_USD, &all_slots(state::holder(0)));
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..2_000 {
        let mut proof = honest.clone();
        let len = usize::from(next().to_le_bytes()[0] % 80);
        let node: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        let which = usize::from(next().to_le_bytes()[1]) % proof.account_proof.len();
        proof.account_proof[which] = Bytes::from(node);
        assert!(verify_account_proof(root, &proof).is_err());
    }
    // A root node that hashes right but is not a trie node is impossible to build, so check
    // the empty-trie rules instead: an empty proof proves absence only under the empty root.
    let empty = AccountProof {
        account_proof: vec![],
        storage_proof: vec![],
        ..honest.clone()
    };
    let absent = AccountProof {
        nonce: 0,
        balance: U256::ZERO,
        code_hash: B256::ZERO,
        storage_hash: B256::ZERO,
        ..empty.clone()
    };
    assert!(verify_account_proof(alloy_trie::EMPTY_ROOT_HASH, &absent)
        .unwrap()
        .account
        .is_none());
    assert!(verify_account_proof(alloy_trie::EMPTY_ROOT_HASH, &empty).is_err());
}

/// The slot rule, derived a second way: Solidity's storage layout rule applied to the field
/// list of `TIP20Token` (sizes in bytes; a mapping or string takes a whole slot), then
/// `keccak256(abi.encode(key, slot))` built from 32-byte words.
#[test]
fn balance_slot_matches_the_solidity_mapping_rule() {
    // (field, bytes) in declaration order, from `crates/precompiles/src/tip20/mod.rs`.
    let fields: [(&str, usize); 18] = [
        ("roles", 32),
        ("role_admins", 32),
        ("name", 32),
        ("symbol", 32),
        ("currency", 32),
        ("logo_uri", 32),
        ("quote_token", 20),
        ("next_quote_token", 20),
        ("transfer_policy_id", 8),
        ("total_supply", 32),
        ("balances", 32),
        ("allowances", 32),
        ("permit_nonces", 32),
        ("paused", 1),
        ("supply_cap", 32),
        ("_salts", 32),
        ("global_reward_per_token", 32),
        ("opted_in_supply", 16),
    ];
    let mut layout = std::collections::HashMap::new();
    let (mut slot, mut offset) = (0u64, 0usize);
    for (i, (name, size)) in fields.iter().enumerate() {
        if i > 0 {
            if offset + size <= 32 && *size < 32 && fields[i - 1].1 < 32 {
                // packs beside the previous field
            } else {
                slot += 1;
                offset = 0;
            }
        }
        layout.insert(*name, (slot, offset));
        offset += size;
    }
    assert_eq!(layout["name"], (tip20::slot::NAME, 0));
    assert_eq!(layout["symbol"], (tip20::slot::SYMBOL, 0));
    assert_eq!(layout["currency"], (tip20::slot::CURRENCY, 0));
    assert_eq!(layout["transfer_policy_id"], (7, 20));
    assert_eq!(layout["total_supply"], (tip20::slot::TOTAL_SUPPLY, 0));
    assert_eq!(layout["balances"], (tip20::slot::BALANCES, 0));
    assert_eq!(layout["supply_cap"], (13, 0));

    let solidity = |key: Address, slot: u64| {
        let mut words = Vec::with_capacity(64);
        words.extend_from_slice(B256::left_padding_from(key.as_slice()).as_slice());
        words.extend_from_slice(&U256::from(slot).to_be_bytes::<32>());
        keccak256(words)
    };
    for i in 0..200u64 {
        let account = Address::from_word(keccak256(i.to_be_bytes()));
        assert_eq!(
            tip20::balance_slot(account),
            solidity(account, layout["balances"].0)
        );
    }
    // Tempo's testnet genesis (tempoxyz/tempo crates/chainspec/src/genesis/moderato.json):
    // pathUSD's storage holds 0x2540be400 (10,000 pathUSD) for the fee manager 0xfeec…0000 at
    // this key.
    let fee_manager: Address = "0xfeec000000000000000000000000000000000000"
        .parse()
        .unwrap();
    assert_eq!(
        tip20::balance_slot(fee_manager),
        "0x4c8556900ad40fae55749518b5b88c44400dc2f4321bd01b14de194851914bff"
            .parse::<B256>()
            .unwrap()
    );
}

#[test]
fn formats_amounts_with_six_decimals() {
    assert_eq!(tip20::format_amount(U256::from(0)), "0");
    assert_eq!(tip20::format_amount(U256::from(1_234_500)), "1.2345");
    assert_eq!(tip20::format_amount(U256::from(10_000_000_000u64)), "10000");
    assert_eq!(tip20::format_amount(U256::from(1)), "0.000001");
    assert_eq!(
        tip20::format_amount(U256::MAX),
        "115792089237316195423570985008687907853269984665640564039457584007913129.639935"
    );
}

#[test]
fn decimal_matches_ruint() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..2_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = U256::from(x).pow(U256::from(i % 5)) + U256::from(i);
        assert_eq!(tip20::decimal(n), n.to_string());
    }
    assert_eq!(tip20::decimal(U256::MAX), U256::MAX.to_string());
    assert_eq!(tip20::decimal(U256::ZERO), "0");
}

#[test]
fn a_kept_verified_query_answers_as_verifying_it_again_and_nothing_else() {
    use tempo_light::state::state_proof::verify_account_query;
    use tempo_light::state::tip20::Tip20Word;
    let world = World::at(57);
    let root = world.root();
    let mut compared = 0;
    for token in state::TOKENS {
        for i in 0..state::HOLDERS {
            let holder = state::holder(i);
            let proof = world.proof(token, &all_slots(holder));
            let kept = verify_account_query(root, token, &all_slots(holder), &proof).unwrap();
            assert_eq!(
                tip20::tip20_balance_in(&kept, token, holder),
                tip20::verify_tip20_balance(root, token, holder, &proof)
            );
            compared += 1;
            // Another holder's balance was not proven by this query.
            let other = state::holder((i + 1) % state::HOLDERS);
            assert!(matches!(
                tip20::tip20_balance_in(&kept, token, other),
                Err(ProofError::MissingSlot { .. })
            ));
            // Nor is it another token's.
            let elsewhere = state::TOKENS
                .iter()
                .find(|t| **t != token)
                .copied()
                .unwrap();
            assert!(matches!(
                tip20::tip20_balance_in(&kept, elsewhere, holder),
                Err(ProofError::AddressMismatch { .. })
            ));
        }
        let word = Tip20Word::Paused;
        let proof = world.proof(token, &[word.slot()]);
        let kept = verify_account_query(root, token, &[word.slot()], &proof).unwrap();
        assert_eq!(
            tip20::tip20_word_in(&kept, token, word),
            tip20::verify_tip20_word(root, token, word, &proof)
        );
        compared += 1;
    }
    println!("kept queries: {compared} answers equal to verifying again");
}
