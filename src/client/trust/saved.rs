//! The trust state's saved form: the versioned JSON document it writes, and the reader that
//! takes one back (checked field by field, counts capped before any key is decoded).

use super::*;

impl TrustState {
    /// Serializes to the versioned JSON document.
    pub fn to_json(&self) -> String {
        let saved = Saved {
            version: STATE_VERSION,
            network: NetworkState {
                name: String::from(self.network.name()),
                chain_id: self.network.chain_id(),
                epoch_length: self.network.epoch_length().get(),
                builtin: self
                    .network
                    .identities()
                    .iter()
                    .map(|a| IdentityRun {
                        from_epoch: a.from_epoch,
                        identity: a.identity.clone(),
                    })
                    .collect(),
            },
            identities: self.runs.clone(),
            registered_through: self.registered_through,
            announced: self.announced,
            head: self.head,
            recent: self.recent.iter().copied().collect(),
            frozen: self.frozen.clone(),
        };
        // `Saved` holds only numbers, strings, booleans and arrays of them, with string keys:
        // serde_json fails only on non-string map keys or a failing custom `Serialize`, and
        // there are neither. (No fallback: an empty string would save an empty state.)
        serde_json::to_string(&saved).expect("serializing the plain `Saved` data cannot fail")
    }

    /// Restores from [`Self::to_json`]'s output, checking it is well-formed and coherent.
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| StateError::Malformed(DecodeError::Json(e.to_string())))?;
        let saved = read_saved(&value).map_err(StateError::Malformed)?;
        Self::restore(saved)
    }

    /// [`Self::from_json`] for the network it is loaded for: the saved network's name,
    /// chain id, epoch length and built-in identities must be `network`'s
    /// ([`StateError::NetworkMismatch`] names the first that differs).
    ///
    /// The identities learnt are taken as saved (the state is not self-certifying: it holds no
    /// boundary certificates to verify them again). Saved state is the user's own storage,
    /// as trusted as the code that reads it; what a loader can check without that evidence
    /// is checked: shape, order, bounds and the network it belongs to.
    pub fn from_json_for(network: &Network, text: &str) -> Result<Self, ClientError> {
        let state = Self::from_json(text)?;
        let saved = &state.network;
        let differs = |field, saved: String, expected: String| {
            Err(StateError::NetworkMismatch {
                field,
                saved,
                expected,
            }
            .into())
        };
        if saved.name() != network.name() {
            return differs("name", saved.name().into(), network.name().into());
        }
        if saved.chain_id() != network.chain_id() {
            return differs(
                "chainId",
                saved.chain_id().to_string(),
                network.chain_id().to_string(),
            );
        }
        if saved.epoch_length() != network.epoch_length() {
            return differs(
                "epochLength",
                saved.epoch_length().to_string(),
                network.epoch_length().to_string(),
            );
        }
        if saved.identities() != network.identities() {
            let list = |n: &Network| {
                n.identities()
                    .iter()
                    .map(|a| {
                        format!(
                            "{} from epoch {}",
                            alloy_primitives::hex::encode_prefixed(a.identity.to_bytes()),
                            a.from_epoch
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return differs("builtin identities", list(saved), list(network));
        }
        Ok(state)
    }

    /// Checks a read state for coherence and builds the trust state from it.
    fn restore(saved: Saved) -> Result<Self, ClientError> {
        if saved.version != STATE_VERSION {
            return Err(StateError::UnsupportedVersion(saved.version).into());
        }
        let n = saved.network;
        let Some(epoch_length) = NonZeroU64::new(n.epoch_length) else {
            return Err(StateError::ZeroEpochLength.into());
        };
        let ascending =
            |runs: &[IdentityRun]| runs.windows(2).all(|w| w[0].from_epoch < w[1].from_epoch);
        if !ascending(&n.builtin) || !ascending(&saved.identities) {
            return Err(StateError::IdentitiesOutOfOrder.into());
        }
        if saved.identities.len() > MAX_IDENTITY_RUNS {
            return Err(StateError::TooManyIdentities {
                count: saved.identities.len(),
                max: MAX_IDENTITY_RUNS,
            }
            .into());
        }
        if saved.recent.windows(2).any(|w| w[0].0 >= w[1].0) || saved.recent.len() > RECENT_WINDOW {
            return Err(StateError::MalformedRecentWindow.into());
        }
        if let Some(head) = saved.head {
            if crate::finality::epoch::epoch_of(epoch_length.get(), head.height) != Ok(head.epoch) {
                return Err(StateError::HeadEpochMismatch {
                    height: head.height,
                    epoch: head.epoch,
                }
                .into());
            }
        }
        let builtin = n
            .builtin
            .iter()
            .map(|r| AnchoredIdentity {
                from_epoch: r.from_epoch,
                identity: r.identity.clone(),
            })
            .collect();
        // Ascending was checked above; an empty list is the one way left to be invalid.
        let network = Network::restore(
            NetworkKind::from_name(&n.name),
            n.chain_id,
            epoch_length,
            builtin,
        )
        .ok_or(StateError::NoIdentity)?;
        Ok(Self {
            network,
            runs: saved.identities,
            registered_through: saved.registered_through,
            announced: saved.announced,
            head: saved.head,
            recent: saved.recent.into_iter().collect(),
            frozen: saved.frozen,
        })
    }
}

// Reading a saved state. The rules are those of the serde derive on the types above
// (unknown fields refused at the top level and ignored inside, a missing or `null` `Option`
// is `None`), written out so that the wasm module carries no derive-generated deserializer;
// a test below compares the two on altered states.

fn read_run(value: &Value) -> Result<IdentityRun, DecodeError> {
    let o = object("identity run", value)?;
    let identity = json::member(o, "identity", json::string)?;
    let bytes =
        alloy_primitives::hex::decode(identity).map_err(|_| invalid("identity", "not hex"))?;
    Ok(IdentityRun {
        from_epoch: json::member(o, "fromEpoch", json::plain_u64)?,
        identity: PublicKey::from_slice(&bytes)
            .map_err(|e| invalid("identity", &format!("invalid identity: {e}")))?,
    })
}

/// Most built-in identities a saved network lists (the presets have one or two).
const MAX_BUILTIN_IDENTITIES: usize = 16;

/// A list of identity runs, its count checked before any key is decoded (each costs a point
/// check): at most `max`.
fn read_runs_at_most(
    field: &str,
    value: &Value,
    max: usize,
) -> Result<Vec<IdentityRun>, DecodeError> {
    let items = array(field, value)?;
    if items.len() > max {
        return Err(invalid(field, &format!("more than {max} identities")));
    }
    items.iter().map(read_run).collect()
}

fn read_head(field: &str, value: &Value) -> Result<Head, DecodeError> {
    let o = object(field, value)?;
    Ok(Head {
        height: json::member(o, "height", json::plain_u64)?,
        hash: json::member(o, "hash", json::fixed)?,
        epoch: json::member(o, "epoch", json::plain_u64)?,
        state_root: json::optional_member(o, "stateRoot", json::fixed)?,
    })
}

fn read_announcement(field: &str, value: &Value) -> Result<Announcement, DecodeError> {
    let o = object(field, value)?;
    Ok(Announcement {
        epoch: json::member(o, "epoch", json::plain_u64)?,
        next_full_dkg: json::required(o, "nextFullDkg")?
            .as_bool()
            .ok_or_else(|| invalid("nextFullDkg", "expected a boolean"))?,
    })
}

fn read_equivocation(field: &str, value: &Value) -> Result<Equivocation, DecodeError> {
    let o = object(field, value)?;
    Ok(Equivocation {
        height: json::member(o, "height", json::plain_u64)?,
        epoch: json::member(o, "epoch", json::plain_u64)?,
        known_hash: json::member(o, "knownHash", json::fixed)?,
        conflicting_hash: json::member(o, "conflictingHash", json::fixed)?,
        conflicting_certificate: json::member(o, "conflictingCertificate", json::string)?.into(),
    })
}

fn read_recent(field: &str, value: &Value) -> Result<Vec<(u64, B256)>, DecodeError> {
    let items = array(field, value)?;
    if items.len() > RECENT_WINDOW {
        return Err(invalid(field, "longer than the window"));
    }
    items
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([height, hash]) => Ok((
                json::plain_u64("recent height", height)?,
                json::fixed("recent hash", hash)?,
            )),
            _ => Err(invalid(field, "expected [height, hash] pairs")),
        })
        .collect()
}

const SAVED_FIELDS: [&str; 8] = [
    "version",
    "network",
    "identities",
    "registeredThrough",
    "announced",
    "head",
    "recent",
    "frozen",
];

fn read_saved(value: &Value) -> Result<Saved, DecodeError> {
    let o = object("state", value)?;
    if let Some(unknown) = o.keys().find(|k| !SAVED_FIELDS.contains(&k.as_str())) {
        return Err(invalid(unknown, "unknown field"));
    }
    let version = u32::try_from(json::member(o, "version", json::plain_u64)?)
        .map_err(|_| invalid("version", "out of range"))?;
    let n = json::member(o, "network", object)?;
    Ok(Saved {
        version,
        network: NetworkState {
            name: json::member(n, "name", json::string)?.into(),
            chain_id: json::member(n, "chainId", json::plain_u64)?,
            epoch_length: json::member(n, "epochLength", json::plain_u64)?,
            builtin: json::member(n, "builtin", |f, v| {
                read_runs_at_most(f, v, MAX_BUILTIN_IDENTITIES)
            })?,
        },
        identities: json::member(o, "identities", |f, v| {
            read_runs_at_most(f, v, MAX_IDENTITY_RUNS)
        })?,
        registered_through: json::optional_member(o, "registeredThrough", json::plain_u64)?,
        announced: json::optional_member(o, "announced", read_announcement)?,
        head: json::optional_member(o, "head", read_head)?,
        recent: json::member(o, "recent", read_recent)?,
        frozen: json::optional_member(o, "frozen", read_equivocation)?,
    })
}

// The comparison prints its count, so it needs std (wasm test builds have none).
#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde_json::json;

    fn rich_state() -> TrustState {
        let network = Network::mainnet();
        let identity = network.identities()[0].identity.clone();
        let word = |b: u8| B256::repeat_byte(b);
        TrustState {
            runs: alloc::vec![IdentityRun {
                from_epoch: 3,
                identity,
            }],
            registered_through: Some(4),
            announced: Some(Announcement {
                epoch: 4,
                next_full_dkg: true,
            }),
            head: Some(Head {
                height: 5 * network.epoch_length().get(),
                hash: word(1),
                epoch: 5,
                state_root: Some(word(2)),
            }),
            recent: [(7, word(3)), (9, word(4))].into_iter().collect(),
            frozen: Some(Equivocation {
                height: 9,
                epoch: 0,
                known_hash: word(4),
                conflicting_hash: word(5),
                conflicting_certificate: "0x00".into(),
            }),
            network,
        }
    }

    fn replacements() -> Vec<Value> {
        let hex64 = alloc::format!("0x{}", "ab".repeat(32));
        alloc::vec![
            Value::Null,
            json!(true),
            json!(false),
            json!(0),
            json!(1),
            json!(-1),
            json!(1.5),
            json!(u64::MAX),
            json!(u64::from(u32::MAX) + 1),
            json!(""),
            json!("0x"),
            json!("mainnet"),
            json!(hex64),
            json!([]),
            json!([[1, hex64]]),
            json!([[1, hex64], [1, hex64]]),
            json!([[1]]),
            json!([{"fromEpoch": 1, "identity": "0x00"}]),
            json!({}),
            json!({"epoch": 1}),
        ]
    }

    /// Every path to a field in the saved document (nested objects and arrays included).
    fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match value {
            Value::Object(o) => {
                for (k, v) in o {
                    prefix.push(json!(k));
                    out.push(prefix.clone());
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    prefix.push(json!(i));
                    out.push(prefix.clone());
                    paths(v, prefix, out);
                    prefix.pop();
                }
            }
            _ => {}
        }
    }

    fn at<'a>(root: &'a mut Value, path: &[Value]) -> &'a mut Value {
        path.iter().fold(root, |v, step| match step {
            Value::String(k) => &mut v[k.as_str()],
            _ => {
                &mut v[step
                    .as_u64()
                    .and_then(|i| usize::try_from(i).ok())
                    .unwrap_or(0)]
            }
        })
    }

    #[test]
    fn loading_for_a_network_refuses_state_saved_for_another() {
        let saved = rich_state().to_json();
        assert!(TrustState::from_json_for(&Network::mainnet(), &saved).is_ok());
        let mismatch = |network: &Network| match TrustState::from_json_for(network, &saved) {
            Err(ClientError::State(StateError::NetworkMismatch { field, .. })) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(mismatch(&Network::testnet()), "name");
        let mainnet = Network::mainnet();
        let identity = mainnet.identities()[0].identity.clone();
        let custom = |chain_id, length, from| {
            Network::custom(chain_id, length, identity.clone(), from).unwrap()
        };
        let mut as_custom: Value = serde_json::from_str(&saved).unwrap();
        as_custom["network"]["name"] = json!("custom");
        let as_custom = as_custom.to_string();
        let field = |network: &Network| match TrustState::from_json_for(network, &as_custom) {
            Err(ClientError::State(StateError::NetworkMismatch { field, .. })) => field,
            other => panic!("{other:?}"),
        };
        let length = mainnet.epoch_length().get();
        assert_eq!(field(&custom(1, length, 0)), "chainId");
        assert_eq!(
            field(&custom(mainnet.chain_id(), length + 1, 0)),
            "epochLength"
        );
        assert_eq!(
            field(&custom(mainnet.chain_id(), length, 1)),
            "builtin identities"
        );
        assert!(
            TrustState::from_json_for(&custom(mainnet.chain_id(), length, 0), &as_custom).is_ok()
        );
        // A blob carrying another identity does not become mainnet.
        let mut other: Value = serde_json::from_str(&saved).unwrap();
        other["network"]["builtin"][0]["identity"] = json!(alloy_primitives::hex::encode_prefixed(
            Network::testnet().identities()[0].identity.to_bytes()
        ));
        assert!(matches!(
            TrustState::from_json_for(&Network::mainnet(), &other.to_string()),
            Err(ClientError::State(StateError::NetworkMismatch {
                field: "builtin identities",
                ..
            }))
        ));
    }

    #[test]
    fn counts_are_capped_before_any_identity_is_decoded() {
        let mut saved: Value = serde_json::from_str(&rich_state().to_json()).unwrap();
        // Garbage keys past the cap: refused for the count, not after decoding each.
        saved["identities"] = json!(alloc::vec![
            json!({"fromEpoch": 1, "identity": "0x00"});
            MAX_IDENTITY_RUNS + 1
        ]);
        let error = TrustState::from_json(&saved.to_string()).unwrap_err();
        assert!(error.to_string().contains("more than"), "{error}");
    }

    #[test]
    fn state_reader_decides_as_the_serde_derive() -> Result<(), serde_json::Error> {
        let original: Value = serde_json::from_str(&rich_state().to_json())?;
        let mut all = Vec::new();
        paths(&original, &mut Vec::new(), &mut all);
        let mut cases = alloc::vec![original.clone()];
        for path in &all {
            let Some((last, parent)) = path.split_last() else {
                continue;
            };
            if let (Value::String(key), Some(Value::Object(o))) =
                (last, Some(at(&mut original.clone(), parent).clone()))
            {
                let mut removed = original.clone();
                let mut without = o.clone();
                without.remove(key);
                *at(&mut removed, parent) = Value::Object(without);
                cases.push(removed);
                let mut unknown = original.clone();
                at(&mut unknown, parent)["somethingNew"] = json!(1);
                cases.push(unknown);
            }
            for replacement in replacements() {
                let mut changed = original.clone();
                *at(&mut changed, path) = replacement;
                cases.push(changed);
            }
        }
        let (mut accepted, mut rejected, mut mismatches) = (0, 0, Vec::new());
        for case in &cases {
            let text = case.to_string();
            let ours = TrustState::from_json(&text);
            let reference = serde_json::from_str::<Saved>(&text)
                .map_err(|e| {
                    ClientError::from(StateError::Malformed(DecodeError::Json(e.to_string())))
                })
                .and_then(TrustState::restore);
            match (&ours, &reference) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{text}");
                    accepted += 1;
                }
                (Err(_), Err(_)) => rejected += 1,
                _ => mismatches.push(format!("reader {ours:?} vs derive {reference:?} on {text}")),
            }
        }
        assert!(mismatches.is_empty(), "{mismatches:#?}");
        std::println!(
            "differential: saved state: compared {} cases ({accepted} accepted, {rejected} rejected) with the serde derive, 0 mismatches",
            cases.len()
        );
        assert!(accepted > 10 && rejected > 100, "{accepted} {rejected}");
        Ok(())
    }
}
