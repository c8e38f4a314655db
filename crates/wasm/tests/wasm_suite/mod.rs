//! The core's verification inside WebAssembly: the real mainnet block, generated
//! multi-epoch chains through the light client, and the JS-facing class. Shared by
//! `wasm_node.rs` (Node) and `wasm_browser.rs` (headless Chromium).

use tempo_light::{
    client::{LightClient, Request},
    CertifiedBlock, ClientError, Error, Network, VerifyError,
};
use tempo_light_devnet::{Chain, DevnetConfig};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const MAINNET_BLOCK: &str = include_str!("../../../../tests/fixtures/mainnet-block-32724390.json");

#[wasm_bindgen_test]
fn real_mainnet_block_verifies_in_wasm() {
    let block = CertifiedBlock::from_json(MAINNET_BLOCK).unwrap();
    let verified = tempo_light::verify_with_network(&Network::mainnet(), &block).unwrap();
    assert_eq!(verified.height, 32_724_390);
    assert_eq!(verified.epoch, 1515);
    let err = tempo_light::verify_with_network(&Network::testnet(), &block).unwrap_err();
    assert_eq!(
        err,
        Error::Verify(VerifyError::BadSignature { epoch: 1515 })
    );
}

#[wasm_bindgen_test]
fn usize_is_32_bits_here_and_lengths_still_check() {
    assert_eq!(core::mem::size_of::<usize>(), 4);
    // A set claiming 65535 members in a short input is refused before allocating.
    let mut bytes = vec![0u8; 33];
    bytes.push(0);
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(&[0xff, 0xff, 0x03]);
    assert!(tempo_light::DkgOutcome::decode(&bytes).is_err());
}

fn certified(block: &tempo_light_devnet::DevBlock) -> CertifiedBlock {
    block.certified().expect("not genesis")
}

#[wasm_bindgen_test]
fn follows_a_generated_chain_across_rotations_in_wasm() {
    let config = DevnetConfig {
        epoch_length: 5,
        full_dkg_every: 2,
        seed: 3,
        ..Default::default()
    };
    let mut chain = Chain::new(config);
    for _ in 0..28 {
        chain.produce();
    }
    let network = Network::custom(1337, 5, chain.genesis_identity(), 0).unwrap();
    let mut client = LightClient::new(network);
    let mut steps = 0;
    loop {
        let result = match client.next_request().unwrap() {
            Request::LatestFinalization => {
                if client
                    .head()
                    .is_some_and(|h| h.height == chain.tip().height())
                {
                    break;
                }
                client.on_finalization(certified(chain.tip()))
            }
            Request::Finalization { height } => {
                client.on_finalization(certified(chain.block(height).unwrap()))
            }
            Request::Headers { .. } => unreachable!("not in every-header mode"),
        };
        result.unwrap();
        steps += 1;
        assert!(steps < 100);
    }
    assert_eq!(client.head().unwrap().hash, chain.tip().hash);
    for e in 0..=5 {
        assert_eq!(
            client.state().identity_for(e).unwrap(),
            chain.identity(e).unwrap()
        );
    }
    // A replay is refused and changes nothing.
    let before = client.to_json();
    let err = client
        .on_finalization(certified(chain.block(3).unwrap()))
        .unwrap_err();
    assert!(matches!(err, ClientError::NotNewer { .. }));
    assert_eq!(client.to_json(), before);
}

#[wasm_bindgen_test]
fn js_class_verifies_and_throws_typed_errors() {
    use tempo_light_wasm::WasmClient;
    let client = WasmClient::mainnet();
    let block = js_sys::JSON::parse(MAINNET_BLOCK).unwrap();
    let verified = client.verify(block.clone()).unwrap();
    let height = js_sys::Reflect::get(&verified, &JsValue::from_str("height")).unwrap();
    assert_eq!(height, JsValue::from(js_sys::BigInt::from(32_724_390u64)));
    // Garbage in: a thrown error with a stable code, not a trap.
    let err = client
        .verify(JsValue::from_str(
            "{\"certificate\": \"0xzz\", \"header\": {}}",
        ))
        .unwrap_err();
    let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("InvalidHex"));
    let err = client.verify(JsValue::from(42)).unwrap_err();
    assert!(js_sys::Reflect::get(&err, &JsValue::from_str("code"))
        .unwrap()
        .is_string());
    let testnet = WasmClient::testnet();
    let err = testnet.verify(block).unwrap_err();
    let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
    assert_eq!(code.as_string().as_deref(), Some("BadSignature"));
}
