//! One log line per event on standard error: `proxy: <event> key=value …`, or with
//! `--log-format json` one JSON object per line (`{"type": <event>, …}`).

use serde_json::{Map, Value};
use std::sync::OnceLock;

static JSON: OnceLock<bool> = OnceLock::new();

/// Sets the format (once, at start).
pub fn set_json(json: bool) {
    let _ = JSON.set(json);
}

/// Logs one event with its fields.
pub fn event(kind: &str, fields: &[(&str, Value)]) {
    if JSON.get().copied().unwrap_or(false) {
        let mut line = Map::new();
        line.insert("type".into(), Value::String(kind.into()));
        for (k, v) in fields {
            line.insert((*k).into(), v.clone());
        }
        eprintln!("{}", Value::Object(line));
    } else {
        let rest: Vec<String> = fields
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}={s}"),
                v => format!("{k}={v}"),
            })
            .collect();
        eprintln!("proxy: {kind} {}", rest.join(" "));
    }
}
