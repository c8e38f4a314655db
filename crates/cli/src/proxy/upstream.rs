//! The nodes the proxy asks (`--rpc`, repeated): a call goes to the first healthy one, a failed or
//! refused call is tried on the next, and a node whose answer failed verification is demoted
//! for a while. Calls are the CLI's blocking HTTP calls (with its time and size bounds), run
//! on tokio's blocking pool so that a slow node holds no server task.

use crate::driver::rpc::{Http, RpcError};
use serde_json::Value;
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How long a node whose answer failed verification is asked only when no other will do.
pub const DEMOTION: Duration = Duration::from_secs(30);

/// One upstream node.
pub struct Upstream {
    /// Its URL (as given).
    pub url: String,
    http: Http,
    demoted_until: Mutex<Option<Instant>>,
}

/// The upstream nodes, in the order given.
pub struct Upstreams {
    nodes: Vec<Upstream>,
}

/// An answer and the node that gave it (to demote it if the answer does not verify).
pub struct Answered {
    /// The answer's `result`.
    pub value: Value,
    /// Which node answered (an index into [`Upstreams::url`]).
    pub node: usize,
}

impl Upstreams {
    /// Nodes for `urls`, each call bounded by `timeout`.
    pub fn new(urls: &[String], timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            nodes: urls
                .iter()
                .map(|url| Upstream {
                    url: url.clone(),
                    http: Http::new(url, timeout),
                    demoted_until: Mutex::new(None),
                })
                .collect(),
        })
    }

    /// The URL of node `node`.
    pub fn url(&self, node: usize) -> &str {
        self.nodes.get(node).map_or("?", |n| n.url.as_str())
    }

    /// How many nodes there are.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Demotes `node` (its answer failed verification).
    pub fn demote(&self, node: usize) {
        if let Some(n) = self.nodes.get(node) {
            if let Ok(mut until) = n.demoted_until.lock() {
                *until = Some(Instant::now() + DEMOTION);
            }
        }
    }

    fn demoted(&self, node: usize) -> bool {
        self.nodes[node]
            .demoted_until
            .lock()
            .ok()
            .and_then(|u| *u)
            .is_some_and(|until| until > Instant::now())
    }

    /// The order to ask the nodes in for one call, skipping `tried`: healthy ones first, in
    /// the order given (the first is the primary, the others its fallbacks), then demoted ones.
    pub fn order(&self, tried: &[usize]) -> Vec<usize> {
        let all: Vec<usize> = (0..self.nodes.len())
            .filter(|i| !tried.contains(i))
            .collect();
        let (healthy, demoted): (Vec<usize>, Vec<usize>) =
            all.into_iter().partition(|i| !self.demoted(*i));
        healthy.into_iter().chain(demoted).collect()
    }

    /// Calls `method` on node `node` only.
    pub async fn call_node(
        self: &Arc<Self>,
        node: usize,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcError> {
        if node >= self.nodes.len() {
            return Err(RpcError::Transport("no such upstream".into()));
        }
        let this = Arc::clone(self);
        let method = method.to_string();
        tokio::task::spawn_blocking(move || this.nodes[node].http.call(&method, params))
            .await
            .unwrap_or_else(|e| Err(RpcError::Transport(format!("call task failed: {e}"))))
    }

    /// Calls `method` on one node after another (those in `tried` excepted) until one
    /// answers; the last failure if none does.
    pub async fn call(
        self: &Arc<Self>,
        method: &str,
        params: Value,
        tried: &[usize],
    ) -> Result<Answered, RpcError> {
        let mut last = RpcError::Transport("no upstream left to ask".into());
        for node in self.order(tried) {
            match self.call_node(node, method, params.clone()).await {
                Ok(value) => return Ok(Answered { value, node }),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}
