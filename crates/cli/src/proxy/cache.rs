//! What is final never changes: a bounded cache of verified values, and one fetch shared by
//! every concurrent ask for the same key (the others wait for its outcome, failures included,
//! which are not kept).

use super::{answer::Failure, metrics::Metrics};
use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    hash::Hash,
    sync::{Arc, Mutex},
};
use tokio::sync::OnceCell;

type Cell<V> = Arc<OnceCell<Result<V, Failure>>>;

/// Verified values by key, at most `capacity` of them (the smallest keys go first: for
/// heights, the oldest blocks).
pub struct Coalescing<K, V> {
    done: Mutex<BTreeMap<K, V>>,
    inflight: Mutex<HashMap<K, Cell<V>>>,
    capacity: usize,
    /// Where hits are counted.
    metrics: Arc<Metrics>,
}

impl<K: Ord + Hash + Clone, V: Clone> Coalescing<K, V> {
    /// An empty cache holding at most `capacity` values, counting its hits in `metrics`.
    pub fn new(capacity: usize, metrics: &Arc<Metrics>) -> Self {
        Self {
            done: Mutex::new(BTreeMap::new()),
            inflight: Mutex::new(HashMap::new()),
            capacity,
            metrics: Arc::clone(metrics),
        }
    }

    /// The value kept for `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        self.done.lock().ok().and_then(|d| d.get(key).cloned())
    }

    /// The value for `key`: kept (a cache hit, counted), or fetched by `fetch` (once for
    /// every concurrent ask) and kept when `keep` says so.
    pub async fn get_or_fetch<F: Future<Output = Result<V, Failure>>>(
        &self,
        key: K,
        keep: impl Fn(&V) -> bool,
        fetch: impl FnOnce() -> F,
    ) -> Result<V, Failure> {
        if let Some(found) = self.get(&key) {
            self.metrics.cache_hit();
            return Ok(found);
        }
        let cell = match self.inflight.lock() {
            Ok(mut inflight) => Arc::clone(inflight.entry(key.clone()).or_default()),
            Err(_) => Arc::default(),
        };
        let result = cell.get_or_init(fetch).await.clone();
        if let Ok(mut inflight) = self.inflight.lock() {
            inflight.remove(&key);
        }
        let value = result?;
        if keep(&value) {
            if let Ok(mut done) = self.done.lock() {
                done.insert(key, value.clone());
                while done.len() > self.capacity {
                    done.pop_first();
                }
            }
        }
        Ok(value)
    }
}
