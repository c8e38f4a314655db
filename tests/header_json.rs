//! The header JSON reader against alloy's serde: on the real mainnet header, devnet headers
//! and thousands of altered copies of them, `TempoHeader::from_value` must accept exactly
//! what the serde derive of Tempo's header accepts (alloy's `Header` flattened beside
//! Tempo's fields, as `tempo_primitives::TempoHeader` declares it) and read the same values.
#![cfg(not(target_arch = "wasm32"))]

use alloy_primitives::B256;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use tempo_light::wire::header::{ConsensusContext, TempoHeader};
use tempo_light_devnet::{Chain, DevnetConfig};

const BLOCK: &str = include_str!("fixtures/mainnet-block-32724390.json");

/// The reference: the serde derive with the attributes of Tempo's header type.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceContext {
    epoch: u64,
    view: u64,
    parent_view: u64,
    #[serde(deserialize_with = "ed25519_key")]
    proposer: B256,
}

fn ed25519_key<'de, D: Deserializer<'de>>(deserializer: D) -> Result<B256, D::Error> {
    let key = B256::deserialize(deserializer)?;
    ed25519_consensus::VerificationKey::try_from(key.0)
        .map_err(|_| serde::de::Error::custom("not an ed25519 key"))?;
    Ok(key)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceHeader {
    #[serde(with = "alloy_serde::quantity", rename = "mainBlockGeneralGasLimit")]
    general_gas_limit: u64,
    #[serde(with = "alloy_serde::quantity")]
    shared_gas_limit: u64,
    #[serde(with = "alloy_serde::quantity")]
    timestamp_millis_part: u64,
    #[serde(flatten)]
    inner: alloy_consensus::Header,
    #[serde(default)]
    consensus_context: Option<ReferenceContext>,
}

impl From<ReferenceHeader> for TempoHeader {
    fn from(r: ReferenceHeader) -> Self {
        TempoHeader {
            general_gas_limit: r.general_gas_limit,
            shared_gas_limit: r.shared_gas_limit,
            timestamp_millis_part: r.timestamp_millis_part,
            inner: r.inner,
            consensus_context: r.consensus_context.map(|c| ConsensusContext {
                epoch: c.epoch,
                view: c.view,
                parent_view: c.parent_view,
                proposer: c.proposer,
            }),
        }
    }
}

fn base_headers() -> Vec<Value> {
    let block: Value = serde_json::from_str(BLOCK).unwrap();
    let mut headers = vec![block["header"].clone()];
    let mut chain = Chain::new(DevnetConfig {
        epoch_length: 4,
        ..Default::default()
    });
    for _ in 0..9 {
        chain.produce();
    }
    // Heights 3 and 4 hold a boundary (a DKG outcome in extraData); all carry a context.
    for h in [1, 3, 4, 9] {
        headers.push(serde_json::to_value(&chain.block(h).unwrap().header).unwrap());
    }
    headers
}

/// Values to put in a field: every JSON type, hex and decimal forms of every width the
/// fields have, and the edges of each rule (odd length, no prefix, upper case, overflow,
/// bytes as arrays, out-of-range bytes).
fn replacements(original: &Value) -> Vec<Value> {
    let hex_of = |n: usize, c: char| format!("0x{}", c.to_string().repeat(n));
    let mut values = vec![
        Value::Null,
        json!(true),
        json!({}),
        json!([]),
        json!(0),
        json!(1),
        json!(-1),
        json!(1.5),
        json!(1.0),
        json!(255),
        json!(256),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("0x"),
        json!("0x0"),
        json!("0x00"),
        json!("0x01"),
        json!("0X1"),
        json!("0xF"),
        json!("1"),
        json!("10"),
        json!("00"),
        json!("-1"),
        json!("+1"),
        json!(" 0x1"),
        json!("0x1 "),
        json!("0x_1"),
        json!("1_000"),
        json!("0b101"),
        json!("0o17"),
        json!("0xg"),
        json!("0xffffffffffffffff"),
        json!("0x10000000000000000"),
        json!("18446744073709551615"),
        json!("18446744073709551616"),
        json!(hex_of(64, 'f')),
        json!(hex_of(65, '1')),
        json!(hex_of(63, '1')),
        json!(hex_of(62, 'a')),
        json!(hex_of(66, '0')),
        json!(hex_of(64, 'A')),
        json!("a".repeat(64)),
        json!(hex_of(40, 'b')),
        json!(hex_of(16, 'c')),
        json!(hex_of(512, '0')),
        json!(hex_of(511, '0')),
        json!(vec![7u8; 8]),
        json!(vec![7u8; 20]),
        json!(vec![7u8; 32]),
        json!(vec![7u8; 33]),
        json!(vec![7u8; 256]),
        json!([1, 2, 300]),
        json!([1, 2, -3]),
        json!([1, 2, 3.0]),
        json!([1, 2, "3"]),
        json!([[1]]),
    ];
    let mut thirty_two: Vec<Value> = vec![json!(1); 32];
    thirty_two[31] = json!(256);
    values.push(Value::Array(thirty_two.clone()));
    thirty_two[31] = json!(-1);
    values.push(Value::Array(thirty_two));
    // The original in other forms: upper case, without prefix, as an array of bytes.
    if let Some(s) = original.as_str() {
        values.push(json!(s.to_uppercase()));
        values.push(json!(s.trim_start_matches("0x")));
        values.push(json!(format!("0x0{}", s.trim_start_matches("0x"))));
        if let Ok(bytes) = alloy_primitives::hex::decode(s) {
            values.push(json!(bytes));
        }
    }
    values
}

fn compare(case: &Value, stats: &mut (usize, usize, usize), failures: &mut Vec<String>) {
    let reference = serde_json::from_value::<ReferenceHeader>(case.clone()).map(TempoHeader::from);
    let ours = TempoHeader::from_value(case.clone());
    stats.0 += 1;
    match (&reference, &ours) {
        (Ok(r), Ok(o)) if r == o && r.hash() == o.hash() => stats.1 += 1,
        (Err(_), Err(_)) => stats.2 += 1,
        _ => failures.push(format!(
            "reference {:?} vs ours {:?} on {}",
            reference
                .as_ref()
                .map(|_| "accepted")
                .map_err(ToString::to_string),
            ours.as_ref()
                .map(|_| "accepted")
                .map_err(ToString::to_string),
            serde_json::to_string(case)
                .unwrap()
                .chars()
                .take(400)
                .collect::<String>()
        )),
    }
}

#[test]
fn header_reader_decides_as_alloys_serde() {
    let mut stats = (0, 0, 0);
    let mut failures = Vec::new();
    let context_fields = ["epoch", "view", "parentView", "proposer"];
    for base in base_headers() {
        compare(&base, &mut stats, &mut failures);
        let object = base.as_object().unwrap().clone();
        let mut keys: Vec<String> = object.keys().cloned().collect();
        // Fields the base may lack, and the aliases alloy accepts.
        for extra in [
            "ommersHash",
            "beneficiary",
            "baseFeePerGas",
            "withdrawalsRoot",
            "blobGasUsed",
            "excessBlobGas",
            "parentBeaconBlockRoot",
            "requestsHash",
            "blockAccessListHash",
            "slotNumber",
            "consensusContext",
        ] {
            if !keys.iter().any(|k| k == extra) {
                keys.push(extra.to_string());
            }
        }
        for key in &keys {
            // Without the field.
            let mut removed = object.clone();
            removed.remove(key);
            compare(&Value::Object(removed), &mut stats, &mut failures);
            // With every replacement.
            let original = object.get(key).cloned().unwrap_or(Value::Null);
            for value in replacements(&original) {
                let mut changed = object.clone();
                changed.insert(key.clone(), value);
                compare(&Value::Object(changed), &mut stats, &mut failures);
            }
        }
        // Both names of an aliased field, and the alias alone.
        for (name, alias) in [("sha3Uncles", "ommersHash"), ("miner", "beneficiary")] {
            let value = object[name].clone();
            let mut both = object.clone();
            both.insert(alias.to_string(), value.clone());
            compare(&Value::Object(both), &mut stats, &mut failures);
            let mut alone = object.clone();
            alone.remove(name);
            alone.insert(alias.to_string(), value);
            compare(&Value::Object(alone), &mut stats, &mut failures);
        }
        // The consensus context: each of its fields removed or replaced, as an array, extra.
        if let Some(context) = object.get("consensusContext").and_then(Value::as_object) {
            for field in context_fields {
                let mut without = context.clone();
                without.remove(field);
                let mut header = object.clone();
                header.insert("consensusContext".into(), Value::Object(without));
                compare(&Value::Object(header), &mut stats, &mut failures);
                for value in replacements(&context[field]) {
                    let mut changed = context.clone();
                    changed.insert(field.to_string(), value);
                    let mut header = object.clone();
                    header.insert("consensusContext".into(), Value::Object(changed));
                    compare(&Value::Object(header), &mut stats, &mut failures);
                }
            }
            let in_order: Vec<Value> = context_fields.iter().map(|f| context[*f].clone()).collect();
            for n in 0..=5 {
                let mut items = in_order.clone();
                items.resize(n, json!(0));
                let mut header = object.clone();
                header.insert("consensusContext".into(), Value::Array(items));
                compare(&Value::Object(header), &mut stats, &mut failures);
            }
            let mut extra = context.clone();
            extra.insert("round".into(), json!(7));
            let mut header = object.clone();
            header.insert("consensusContext".into(), Value::Object(extra));
            compare(&Value::Object(header), &mut stats, &mut failures);
        }
        // An unknown field is ignored by both.
        let mut unknown = object.clone();
        unknown.insert("somethingNew".into(), json!([1, {"a": null}]));
        compare(&Value::Object(unknown), &mut stats, &mut failures);
    }
    for not_object in [Value::Null, json!([]), json!("0x"), json!(1)] {
        compare(&not_object, &mut stats, &mut failures);
    }
    println!(
        "differential: header JSON: compared {} cases ({} accepted, {} rejected) with alloy's serde, {} mismatches",
        stats.0,
        stats.1,
        stats.2,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches, first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}
