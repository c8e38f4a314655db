//! What is final never changes: a bounded cache of verified values, and one fetch shared by
//! every concurrent ask for the same key (the others wait for its outcome, failures included,
//! which are not kept). Bounded twice: by a count of values and by a budget of bytes (each
//! value's [`Weigh::weight`]), so memory levels off however large the values a node serves.

use super::{answer::Failure, metrics::Metrics};
use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    hash::Hash,
    sync::{Arc, Mutex},
};
use tokio::sync::OnceCell;

type Cell<V> = Arc<OnceCell<Result<V, Failure>>>;

/// About how many bytes a cached value holds in memory (its own size and what it owns), for
/// the caches' byte budgets. An estimate that errs high, never a count of allocations.
pub trait Weigh {
    /// The estimate.
    fn weight(&self) -> usize;
}

/// The values kept, with their weights and the sum of them.
struct Kept<K, V> {
    values: BTreeMap<K, (V, usize)>,
    bytes: usize,
}

/// Verified values by key, at most `capacity` of them and about `budget` bytes (the smallest
/// keys go first: for heights, the oldest blocks).
pub struct Coalescing<K, V> {
    done: Mutex<Kept<K, V>>,
    inflight: Mutex<HashMap<K, Cell<V>>>,
    capacity: usize,
    budget: usize,
    /// Its name in the metrics.
    name: &'static str,
    /// Where hits and sizes are counted.
    metrics: Arc<Metrics>,
}

impl<K: Ord + Hash + Clone, V: Clone + Weigh> Coalescing<K, V> {
    /// An empty cache, `name` in the metrics, holding at most `capacity` values weighing
    /// about `budget` bytes in all, counting its hits and size in `metrics`.
    pub fn new(name: &'static str, capacity: usize, budget: usize, metrics: &Arc<Metrics>) -> Self {
        Self {
            done: Mutex::new(Kept {
                values: BTreeMap::new(),
                bytes: 0,
            }),
            inflight: Mutex::new(HashMap::new()),
            capacity,
            budget,
            name,
            metrics: Arc::clone(metrics),
        }
    }

    /// The value kept for `key`.
    pub fn get(&self, key: &K) -> Option<V> {
        self.done
            .lock()
            .ok()
            .and_then(|d| d.values.get(key).map(|(v, _)| v.clone()))
    }

    /// How many values are kept and about how many bytes they hold.
    #[cfg(test)]
    pub fn size(&self) -> (usize, usize) {
        self.done
            .lock()
            .map_or((0, 0), |d| (d.values.len(), d.bytes))
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
        // Leaves the in-flight map when done, or when this ask is dropped before (its client
        // went away): an entry no one awaits would otherwise stay for good.
        let leave = Leave {
            inflight: &self.inflight,
            key: &key,
            cell: &cell,
        };
        let result = cell.get_or_init(fetch).await.clone();
        drop(leave);
        let value = result?;
        let weight = value.weight();
        // A value over the whole budget is served, never kept.
        if keep(&value) && weight <= self.budget {
            if let Ok(mut done) = self.done.lock() {
                if let Some((_, old)) = done.values.insert(key, (value.clone(), weight)) {
                    done.bytes -= old;
                }
                done.bytes += weight;
                while done.values.len() > self.capacity || done.bytes > self.budget {
                    let Some((_, (_, gone))) = done.values.pop_first() else {
                        break;
                    };
                    done.bytes -= gone;
                }
                self.metrics
                    .cache_size(self.name, done.values.len(), done.bytes);
            }
        }
        Ok(value)
    }
}

/// Removes `key`'s in-flight entry when dropped, if it is still `cell` (a later ask may have
/// started a new one since).
struct Leave<'a, K: Hash + Eq, V> {
    inflight: &'a Mutex<HashMap<K, Cell<V>>>,
    key: &'a K,
    cell: &'a Cell<V>,
}

impl<K: Hash + Eq, V> Drop for Leave<'_, K, V> {
    fn drop(&mut self) {
        if let Ok(mut inflight) = self.inflight.lock() {
            if inflight
                .get(self.key)
                .is_some_and(|c| Arc::ptr_eq(c, self.cell))
            {
                inflight.remove(self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for Vec<u8> {
        fn weight(&self) -> usize {
            self.len()
        }
    }

    /// Asks `cache` for `key`, fetching a value of `bytes` bytes if it is not kept.
    async fn put(cache: &Coalescing<u64, Vec<u8>>, key: u64, bytes: usize) -> usize {
        let value = cache.get_or_fetch(key, |_| true, || async { Ok(vec![0; bytes]) });
        value.await.map(|v| v.len()).unwrap_or_default()
    }

    #[tokio::test]
    async fn keeps_values_within_the_count_and_the_byte_budget_oldest_out_first() {
        let cache = Coalescing::new("test", 4, 1000, &Arc::new(Metrics::default()));
        for key in 0..4 {
            put(&cache, key, 300).await;
        }
        // Four of 300 bytes: over the budget, so the oldest went.
        assert_eq!(cache.size(), (3, 900));
        assert!(cache.get(&0).is_none() && cache.get(&3).is_some());
        // One larger than the whole budget is answered and not kept.
        assert_eq!(put(&cache, 9, 2000).await, 2000);
        assert_eq!(cache.size(), (3, 900));
        // Small ones: the count bounds them.
        for key in 10..20 {
            put(&cache, key, 1).await;
        }
        assert_eq!(cache.size(), (4, 4));
        // A kept key is a hit: nothing is added twice.
        assert_eq!(put(&cache, 19, 1).await, 1);
        assert_eq!(cache.size(), (4, 4));
    }

    #[tokio::test]
    async fn an_ask_dropped_before_its_fetch_ends_leaves_nothing_in_flight() {
        let cache: Coalescing<u64, Vec<u8>> =
            Coalescing::new("test", 4, 1000, &Arc::new(Metrics::default()));
        for key in 0..100 {
            // The client goes away while the upstream has not answered.
            let ask = cache.get_or_fetch(key, |_| true, std::future::pending);
            let gone = tokio::time::timeout(std::time::Duration::from_millis(1), ask).await;
            assert!(gone.is_err(), "a pending fetch answered");
        }
        assert_eq!(cache.inflight.lock().map(|m| m.len()).ok(), Some(0));
        // And a later ask for one of them fetches afresh.
        assert_eq!(put(&cache, 7, 10).await, 10);
        assert_eq!(cache.size(), (1, 10));
    }
}
