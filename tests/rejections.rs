//! Every malformed-input class and every failed rule gets its own typed error.
#![cfg(not(target_arch = "wasm32"))]

use tempo_light_testkit as common;

use common::{fixture, header_at, mainnet_certified_block, Signer};
use serde_json::json;
use tempo_light::{
    verify_block, verify_with_network, wire::certificate::Certificate, CertifiedBlock, DecodeError,
    DkgOutcome, Error, Network, PointError, VerifyError,
};

fn real_certificate_bytes() -> Vec<u8> {
    let hex = fixture()["finalization"]["certificate"]
        .as_str()
        .unwrap()
        .to_string();
    alloy_primitives::hex::decode(hex).unwrap()
}

fn block_with_certificate(bytes: &[u8]) -> CertifiedBlock {
    let mut v = mainnet_certified_block();
    v["certificate"] = json!(alloy_primitives::hex::encode_prefixed(bytes));
    CertifiedBlock::from_value(v).unwrap()
}

fn verify_mainnet(block: &CertifiedBlock) -> Result<tempo_light::VerifiedBlock, Error> {
    verify_with_network(&Network::mainnet(), block)
}

#[test]
fn rejects_bad_hex() {
    let err = Certificate::from_hex("0xeb0bzz").unwrap_err();
    assert_eq!(
        err,
        DecodeError::InvalidHex {
            field: "certificate"
        }
    );
    let mut v = mainnet_certified_block();
    v["certificate"] = json!("0x123");
    assert!(matches!(
        CertifiedBlock::from_value(v),
        Err(DecodeError::InvalidHex { .. })
    ));
}

#[test]
fn rejects_short_certificate() {
    let bytes = real_certificate_bytes();
    for len in 0..bytes.len() {
        let err = Certificate::decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(err, DecodeError::Truncated { .. }),
            "len {len}: {err:?}"
        );
    }
}

#[test]
fn rejects_long_certificate_with_trailing_bytes() {
    let mut bytes = real_certificate_bytes();
    bytes.push(0);
    assert_eq!(
        Certificate::decode(&bytes).unwrap_err(),
        DecodeError::TrailingBytes {
            field: "certificate",
            count: 1
        }
    );
}

#[test]
fn rejects_non_canonical_and_overflowing_varints() {
    let real = real_certificate_bytes();
    // 1515 = 0xeb 0x0b; an over-long form appends a zero continuation: 0xeb 0x8b 0x00.
    let mut overlong = vec![0xeb, 0x8b, 0x00];
    overlong.extend_from_slice(&real[2..]);
    assert_eq!(
        Certificate::decode(&overlong).unwrap_err(),
        DecodeError::InvalidVarint {
            field: "certificate.epoch"
        }
    );
    // Zero encoded in two bytes.
    let mut zero = vec![0x80, 0x00];
    zero.extend_from_slice(&real[2..]);
    assert!(matches!(
        Certificate::decode(&zero),
        Err(DecodeError::InvalidVarint { .. })
    ));
    // 2^64: ten bytes whose last carries a bit beyond 64.
    let mut overflow = vec![0x80; 9];
    overflow.push(0x02);
    overflow.extend_from_slice(&real[2..]);
    assert!(matches!(
        Certificate::decode(&overflow),
        Err(DecodeError::InvalidVarint { .. })
    ));
    // u64::MAX itself is fine.
    let mut max = vec![0xff; 9];
    max.push(0x01);
    max.extend_from_slice(&real[2..]);
    assert_eq!(Certificate::decode(&max).unwrap().epoch, u64::MAX);
}

#[test]
fn malformed_signature_is_a_verification_failure_not_a_decode_error() {
    let real = real_certificate_bytes();
    let vote_at = real.len() - 96;
    let mut bytes = real.clone();
    bytes[vote_at] ^= 0x20; // flips the compression sign bit: another point, or none
    let block = block_with_certificate(&bytes);
    let err = verify_mainnet(&block).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Verify(VerifyError::SignaturePoint { which: "vote", .. })
                | Error::Verify(VerifyError::BadSignature { .. })
        ),
        "{err:?}"
    );
    // Not a compressed encoding at all (compression flag cleared).
    let mut bytes = real.clone();
    bytes[vote_at] &= 0x7f;
    let err = verify_mainnet(&block_with_certificate(&bytes)).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::SignaturePoint {
            which: "vote",
            reason: PointError::BadEncoding
        })
    );
}

#[test]
fn rejects_infinity_signature() {
    let real = real_certificate_bytes();
    let mut bytes = real.clone();
    let seed_at = real.len() - 48;
    bytes[seed_at] = 0xc0;
    bytes[seed_at + 1..].fill(0);
    let err = verify_mainnet(&block_with_certificate(&bytes)).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::SignaturePoint {
            which: "seed",
            reason: PointError::Infinity
        })
    );
}

/// A compressed G1 point on the curve but outside the prime-order subgroup (the cofactor
/// is about 2^126, so almost every curve point qualifies).
fn off_subgroup_g1() -> [u8; 48] {
    for x in 1u8..=255 {
        let mut bytes = [0u8; 48];
        bytes[0] = 0x80;
        bytes[47] = x;
        if tempo_light::bls::Signature::from_bytes(&bytes) == Err(PointError::NotInSubgroup) {
            return bytes;
        }
    }
    panic!("no off-subgroup point among the first 255 x");
}

#[test]
fn rejects_off_subgroup_signature() {
    let real = real_certificate_bytes();
    let mut bytes = real.clone();
    let vote_at = real.len() - 96;
    bytes[vote_at..vote_at + 48].copy_from_slice(&off_subgroup_g1());
    let err = verify_mainnet(&block_with_certificate(&bytes)).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::SignaturePoint {
            which: "vote",
            reason: PointError::NotInSubgroup
        })
    );
}

#[test]
fn rejects_swapped_signatures() {
    let real = real_certificate_bytes();
    let n = real.len();
    let mut bytes = real.clone();
    bytes[n - 96..n - 48].copy_from_slice(&real[n - 48..]);
    bytes[n - 48..].copy_from_slice(&real[n - 96..n - 48]);
    assert_eq!(
        verify_mainnet(&block_with_certificate(&bytes)).unwrap_err(),
        Error::Verify(VerifyError::BadSignature { epoch: 1515 })
    );
}

#[test]
fn rejects_header_that_is_not_the_certified_block() {
    let mut v = mainnet_certified_block();
    v["block"]["header"]["stateRoot"] =
        json!("0x0000000000000000000000000000000000000000000000000000000000000001");
    let block = CertifiedBlock::from_value(v).unwrap();
    let err = verify_mainnet(&block).unwrap_err();
    assert!(
        matches!(err, Error::Verify(VerifyError::DigestMismatch { .. })),
        "{err:?}"
    );
}

#[test]
fn rejects_certificate_for_the_wrong_epoch_even_when_signed() {
    // A real signature over a proposal whose epoch is not the block's epoch.
    let signer = Signer::new(7);
    let header = header_at(100, "0x");
    let block = CertifiedBlock::from_value(signer.certified_block(&header, 1, 5)).unwrap();
    let err = verify_block(&signer.identity(), 20, &block).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::EpochMismatch {
            height: 100,
            expected: 5,
            actual: 1
        })
    );
    // The same block certified at its own epoch verifies.
    let block = CertifiedBlock::from_value(signer.certified_block(&header, 5, 5)).unwrap();
    assert_eq!(
        verify_block(&signer.identity(), 20, &block).unwrap().epoch,
        5
    );
}

#[test]
fn rejects_epoch_without_a_known_identity() {
    // Testnet's first built-in identity serves from epoch 51: epoch 50 has none.
    let signer = Signer::new(8);
    let header = header_at(50 * 21_600 + 7, "0x");
    let block = CertifiedBlock::from_value(signer.certified_block(&header, 50, 3)).unwrap();
    assert_eq!(
        verify_with_network(&Network::testnet(), &block).unwrap_err(),
        Error::Verify(VerifyError::IdentityUnavailable {
            epoch: 50,
            from_epoch: 51
        })
    );
}

#[test]
fn rejects_certificate_signed_by_another_key() {
    let signer = Signer::new(9);
    let other = Signer::new(10);
    let header = header_at(33, "0x");
    let block = CertifiedBlock::from_value(signer.certified_block(&header, 1, 2)).unwrap();
    assert_eq!(
        verify_block(&other.identity(), 20, &block).unwrap_err(),
        Error::Verify(VerifyError::BadSignature { epoch: 1 })
    );
}

#[test]
fn rejects_heights_beyond_the_last_epoch_without_panicking() {
    let signer = Signer::new(11);
    // The first height whose epoch's last block does not fit in a u64.
    let first_out = (u64::MAX / 21_600) * 21_600;
    assert!(first_out.checked_add(21_599).is_none());
    for height in [u64::MAX, u64::MAX - 1, first_out] {
        let header = header_at(height, "0x");
        let epoch = height / 21_600;
        let block = CertifiedBlock::from_value(signer.certified_block(&header, epoch, 1)).unwrap();
        let err = verify_with_network(&Network::mainnet(), &block).unwrap_err();
        assert_eq!(err, Error::Verify(VerifyError::HeightOutOfRange { height }));
    }
    // The block before it is in a representable epoch: the rules get as far as the signature.
    let header = header_at(first_out - 1, "0x");
    let block =
        CertifiedBlock::from_value(signer.certified_block(&header, first_out / 21_600 - 1, 1))
            .unwrap();
    assert!(matches!(
        verify_with_network(&Network::mainnet(), &block),
        Err(Error::Verify(VerifyError::BadSignature { .. }))
    ));
}

#[test]
fn unauthenticated_rpc_fields_are_ignored() {
    let mut v = mainnet_certified_block();
    v["epoch"] = json!(1);
    v["view"] = json!(2);
    v["digest"] = json!("0x0000000000000000000000000000000000000000000000000000000000000000");
    let block = CertifiedBlock::from_value(v).unwrap();
    let verified = verify_mainnet(&block).unwrap();
    assert_eq!((verified.epoch, verified.view), (1515, 391));
}

#[test]
fn rejects_header_with_invalid_proposer_key() {
    let mut v = mainnet_certified_block();
    // y = 2 is not the y-coordinate of any point on edwards25519.
    let mut bad = [0u8; 32];
    bad[0] = 2;
    v["block"]["header"]["consensusContext"]["proposer"] =
        json!(alloy_primitives::hex::encode_prefixed(bad));
    let err = CertifiedBlock::from_value(v).unwrap_err();
    assert!(
        matches!(err, DecodeError::Json(ref m) if m.contains("ed25519")),
        "{err:?}"
    );
}

#[test]
fn rejects_json_rpc_errors_and_missing_fields() {
    let err = CertifiedBlock::from_json(
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":204,"message":"not ready"}}"#,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DecodeError::Rpc {
            code: 204,
            message: "not ready".into()
        }
    );
    assert!(matches!(
        CertifiedBlock::from_json(r#"{"jsonrpc":"2.0","id":1,"result":null}"#),
        Err(DecodeError::Json(_))
    ));
    let mut v = mainnet_certified_block();
    v.as_object_mut().unwrap().remove("certificate");
    assert!(matches!(
        CertifiedBlock::from_value(v),
        Err(DecodeError::Json(_))
    ));
    assert!(matches!(
        CertifiedBlock::from_json("{"),
        Err(DecodeError::Json(_))
    ));
    assert!(matches!(
        CertifiedBlock::from_json("[]"),
        Err(DecodeError::Json(_))
    ));
}

// ----- DKG outcomes -----

fn genesis_bytes() -> Vec<u8> {
    let f: serde_json::Value = serde_json::from_str(common::MAINNET_GENESIS).unwrap();
    alloy_primitives::hex::decode(f["genesisExtraData"].as_str().unwrap()).unwrap()
}

#[test]
fn dkg_outcome_accepts_trailing_bytes_like_the_reference() {
    let mut bytes = genesis_bytes();
    let outcome = DkgOutcome::decode(&bytes).unwrap();
    bytes.extend_from_slice(&[1, 2, 3]);
    assert_eq!(DkgOutcome::decode(&bytes).unwrap(), outcome);
}

#[test]
fn dkg_outcome_rejects_every_truncation() {
    let bytes = genesis_bytes();
    for len in 0..bytes.len() {
        assert!(
            matches!(
                DkgOutcome::decode(&bytes[..len]),
                Err(DecodeError::Truncated { .. })
            ),
            "len {len}"
        );
    }
}

#[test]
fn dkg_outcome_does_not_allocate_for_a_claimed_length_it_cannot_hold() {
    // epoch 0, summary, mode 0, total 1, then 65535 coefficients claimed (varint 0xff 0xff 0x03)
    let mut bytes = vec![0u8; 33];
    bytes.push(0);
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(&[0xff, 0xff, 0x03]);
    let err = DkgOutcome::decode(&bytes).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Truncated {
            field: "dkg.sharing.coefficients",
            needed: 65535 * 96,
            remaining: 0
        }
    );
    // A set claiming 65535 members in a ten-byte input.
    let genesis = genesis_bytes();
    let coeffs_at = 1 + 32 + 1 + 4;
    let dealers_at = coeffs_at + 1 + usize::from(genesis[coeffs_at]) * 96;
    let mut bytes = genesis[..dealers_at].to_vec();
    bytes.extend_from_slice(&[0xff, 0xff, 0x03, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(
        DkgOutcome::decode(&bytes),
        Err(DecodeError::Truncated {
            field: "dkg.dealers",
            ..
        })
    ));
}

#[test]
fn dkg_outcome_rejects_each_malformed_field() {
    let genesis = genesis_bytes();
    let mode_at = 1 + 32;
    let total_at = mode_at + 1;
    let coeffs_at = total_at + 4;
    let dealers_at = coeffs_at + 1 + usize::from(genesis[coeffs_at]) * 96;

    let mut b = genesis.clone();
    b[mode_at] = 1;
    assert_eq!(
        DkgOutcome::decode(&b).unwrap_err(),
        DecodeError::UnsupportedSharingMode { tag: 1 }
    );
    b[mode_at] = 2;
    assert_eq!(
        DkgOutcome::decode(&b).unwrap_err(),
        DecodeError::UnsupportedSharingMode { tag: 2 }
    );

    for total in [0u32, 65_536, u32::MAX] {
        let mut b = genesis.clone();
        b[total_at..total_at + 4].copy_from_slice(&total.to_be_bytes());
        assert!(matches!(
            DkgOutcome::decode(&b),
            Err(DecodeError::LengthOutOfRange {
                field: "dkg.sharing.total",
                ..
            })
        ));
    }
    // total is not cross-checked against the polynomial: 7 with one coefficient is accepted.
    let mut b = genesis.clone();
    b[total_at..total_at + 4].copy_from_slice(&7u32.to_be_bytes());
    assert_eq!(DkgOutcome::decode(&b).unwrap().sharing.total(), 7);

    let mut b = genesis.clone();
    b[coeffs_at] = 0;
    assert!(matches!(
        DkgOutcome::decode(&b),
        Err(DecodeError::LengthOutOfRange {
            field: "dkg.sharing.coefficients",
            ..
        })
    ));

    let mut b = genesis.clone();
    b[coeffs_at + 1] = 0xc0;
    b[coeffs_at + 2..coeffs_at + 97].fill(0);
    assert_eq!(
        DkgOutcome::decode(&b).unwrap_err(),
        DecodeError::InvalidPoint {
            field: "dkg.sharing.coefficients",
            index: 0,
            reason: PointError::Infinity
        }
    );

    let mut b = genesis.clone();
    b[dealers_at] = 0;
    assert!(matches!(
        DkgOutcome::decode(&b),
        Err(DecodeError::LengthOutOfRange {
            field: "dkg.dealers",
            ..
        })
    ));

    let mut b = genesis.clone();
    b[dealers_at + 1..dealers_at + 33].fill(0);
    b[dealers_at + 1] = 2; // y = 2: not a point
    assert_eq!(
        DkgOutcome::decode(&b).unwrap_err(),
        DecodeError::InvalidEd25519Key {
            field: "dkg.dealers",
            index: 0
        }
    );

    let mut b = genesis.clone();
    let last = b.len() - 1;
    b[last] = 2;
    assert_eq!(
        DkgOutcome::decode(&b).unwrap_err(),
        DecodeError::InvalidBool {
            field: "dkg.is_next_full_dkg",
            byte: 2
        }
    );
}

#[test]
fn dkg_outcome_rejects_unsorted_and_duplicate_sets() {
    // Re-encode the genesis outcome with its one player duplicated.
    let genesis = DkgOutcome::decode(&genesis_bytes()).unwrap();
    let mut dup = genesis.clone();
    dup.players = vec![genesis.players[0], genesis.players[0]];
    assert_eq!(
        DkgOutcome::decode(&dup.encode()).unwrap_err(),
        DecodeError::UnsortedSet {
            field: "dkg.players",
            index: 1
        }
    );
    let mut unsorted = genesis.clone();
    let mut other = genesis.players[0];
    other[0] = other[0].wrapping_sub(1);
    if ed25519_consensus::VerificationKey::try_from(other).is_ok() {
        unsorted.players = vec![genesis.players[0], other];
        assert_eq!(
            DkgOutcome::decode(&unsorted.encode()).unwrap_err(),
            DecodeError::UnsortedSet {
                field: "dkg.players",
                index: 1
            }
        );
    }
}

#[test]
fn forged_certificate_fails_under_every_code_path() {
    // Signatures that are valid points but sign nothing: the G1 generator in both slots, and
    // the real vote signature with the generator as seed. (An all-zero batch scalar would
    // accept the first; ours are hashed from the whole batch and never zero.)
    let real = real_certificate_bytes();
    let n = real.len();
    let mut g1 = [0u8; 48];
    g1.copy_from_slice(&alloy_primitives::hex::decode("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb").unwrap());
    let mut both = real.clone();
    both[n - 96..n - 48].copy_from_slice(&g1);
    both[n - 48..].copy_from_slice(&g1);
    let mut seed_only = real.clone();
    seed_only[n - 48..].copy_from_slice(&g1);
    for forged in [both, seed_only] {
        let block = block_with_certificate(&forged);
        let expected = Error::Verify(VerifyError::BadSignature { epoch: 1515 });
        assert_eq!(verify_mainnet(&block).unwrap_err(), expected);
        let identity = Network::mainnet().identities()[0].identity.clone();
        assert!(tempo_light::wire::certificate::verify_batch(
            &identity,
            std::slice::from_ref(&block.certificate)
        )
        .is_err());
        let genuine = block_with_certificate(&real);
        assert!(tempo_light::wire::certificate::verify_batch(
            &identity,
            &[genuine.certificate.clone(), block.certificate.clone()]
        )
        .is_err());
        let client = tempo_light::LightClient::new(Network::mainnet());
        let results = client.verify_batch(&[genuine, block.clone()]);
        assert!(results[0].is_ok() && results[1].is_err());
        // A fresh client cannot tell a forgery from a rotated key yet: it accepts nothing and
        // walks back to the previous boundary to find out.
        let mut client = tempo_light::LightClient::new(Network::mainnet());
        assert_eq!(client.on_finalization(block), Ok(vec![]));
        assert_eq!(client.head(), None);
        assert_eq!(
            client.next_request(),
            Some(tempo_light::Request::Finalization {
                height: 1515 * 21_600 - 1
            })
        );
    }
}

#[test]
fn provenance_of_a_height_no_epoch_length_can_reach_is_none_not_an_overflow() {
    // Found by the fuzz campaign of 2026-11-25 (certified_block): a certificate of epoch 0
    // for block u64::MAX; the smallest epoch length that would place it there is 2^64.
    let input =
        include_str!("../fuzz/regressions/certified_block/provenance-epoch-0-height-u64-max.json");
    let value: serde_json::Value = serde_json::from_str(input).unwrap();
    let block = CertifiedBlock::from_value(value).unwrap();
    assert_eq!(block.header.number(), u64::MAX);
    assert_eq!(block.certificate.epoch, 0);
    assert!(verify_mainnet(&block).is_err());
    assert_eq!(tempo_light::provenance(&Network::mainnet(), &block), None);
}
