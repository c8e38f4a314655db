//! The proxy's numbers, served as Prometheus text on `--metrics`: the verified head and its
//! lag, answers per method and outcome, refused upstream answers per upstream, cache hits
//! and a latency histogram per method. Method labels are bounded: a name outside the set
//! the proxy knows is counted as `other`, so a client cannot grow the table.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        atomic::{AtomicI64, AtomicU64, Ordering},
        Mutex,
    },
};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Methods counted under their own name.
const KNOWN: [&str; 20] = [
    "eth_chainId",
    "net_version",
    "eth_blockNumber",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getProof",
    "eth_getBalance",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_call",
    "eth_sendRawTransaction",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getBlockReceipts",
    "eth_getLogs",
    "eth_subscribe",
    "eth_unsubscribe",
    "eth_estimateGas",
    "eth_gasPrice",
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

/// Counters shared by every connection.
#[derive(Default)]
pub struct Metrics {
    answers: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    lies: Mutex<BTreeMap<String, u64>>,
    cache_hits: AtomicU64,
    head: AtomicU64,
    lag_ms: AtomicI64,
    caches: Mutex<BTreeMap<&'static str, (usize, usize)>>,
}

fn label(method: &str) -> &'static str {
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

impl Metrics {
    /// One answered request: `outcome` is `verified`, `unverified` (passed through),
    /// `refused` (strict) or `error`.
    pub fn answer(&self, method: &str, outcome: &'static str, seconds: f64) {
        let method = label(method);
        if let Ok(mut answers) = self.answers.lock() {
            *answers.entry((method, outcome)).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            let h = latency.entry(method).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// An upstream's answer failed verification.
    pub fn lie(&self, upstream: &str) {
        if let Ok(mut lies) = self.lies.lock() {
            *lies.entry(upstream.to_string()).or_default() += 1;
        }
    }

    /// A final block answered from the cache.
    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    /// The cache `name` now keeps `values` values of about `bytes` bytes.
    pub fn cache_size(&self, name: &'static str, values: usize, bytes: usize) {
        if let Ok(mut caches) = self.caches.lock() {
            caches.insert(name, (values, bytes));
        }
    }

    /// The follower proved a new head.
    pub fn head(&self, height: u64, lag_ms: i64) {
        self.head.store(height, Ordering::Relaxed);
        self.lag_ms.store(lag_ms, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP tempo_light_verified_head Height of the verified final head.\n# TYPE tempo_light_verified_head gauge\ntempo_light_verified_head {}", self.head.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP tempo_light_head_lag_seconds Now minus the verified head's timestamp.\n# TYPE tempo_light_head_lag_seconds gauge\ntempo_light_head_lag_seconds {}", self.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0);
        let _ = writeln!(out, "# HELP tempo_light_cache_hits_total Final blocks answered from the cache.\n# TYPE tempo_light_cache_hits_total counter\ntempo_light_cache_hits_total {}", self.cache_hits.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP tempo_light_cache_bytes Bytes the verified values kept hold (estimated), by cache.\n# TYPE tempo_light_cache_bytes gauge");
        if let Ok(caches) = self.caches.lock() {
            for (name, (values, bytes)) in caches.iter() {
                let _ = writeln!(out, "tempo_light_cache_bytes{{cache=\"{name}\"}} {bytes}");
                let _ = writeln!(out, "tempo_light_cache_values{{cache=\"{name}\"}} {values}");
            }
        }
        #[cfg(unix)]
        if let Some((allocated, resident)) = heap() {
            let _ = writeln!(out, "# HELP tempo_light_heap_allocated_bytes Bytes the process has allocated and not freed (jemalloc).\n# TYPE tempo_light_heap_allocated_bytes gauge\ntempo_light_heap_allocated_bytes {allocated}");
            let _ = writeln!(out, "# HELP tempo_light_heap_resident_bytes Bytes of the allocator's pages resident in memory (jemalloc).\n# TYPE tempo_light_heap_resident_bytes gauge\ntempo_light_heap_resident_bytes {resident}");
        }
        let _ = writeln!(out, "# HELP tempo_light_answers_total Requests answered, by method and outcome.\n# TYPE tempo_light_answers_total counter");
        if let Ok(answers) = self.answers.lock() {
            for ((method, outcome), n) in answers.iter() {
                let _ = writeln!(
                    out,
                    "tempo_light_answers_total{{method=\"{method}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        let _ = writeln!(out, "# HELP tempo_light_upstream_refused_total Upstream answers that failed verification.\n# TYPE tempo_light_upstream_refused_total counter");
        if let Ok(lies) = self.lies.lock() {
            for (upstream, n) in lies.iter() {
                let upstream = upstream.replace(['"', '\\', '\n'], "_");
                let _ = writeln!(
                    out,
                    "tempo_light_upstream_refused_total{{upstream=\"{upstream}\"}} {n}"
                );
            }
        }
        let _ = writeln!(out, "# HELP tempo_light_request_seconds Time to answer, by method.\n# TYPE tempo_light_request_seconds histogram");
        if let Ok(latency) = self.latency.lock() {
            for (method, h) in latency.iter() {
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(out, "tempo_light_request_seconds_bucket{{method=\"{method}\",le=\"{bound}\"}} {}", h.counts[i]);
                }
                let _ = writeln!(
                    out,
                    "tempo_light_request_seconds_bucket{{method=\"{method}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "tempo_light_request_seconds_sum{{method=\"{method}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "tempo_light_request_seconds_count{{method=\"{method}\"}} {}",
                    h.count
                );
            }
        }
        out
    }
}

/// The allocator's own count of bytes allocated and of its pages resident, refreshed now: what
/// tells a leak (allocated grows) from memory the allocator keeps (resident grows alone).
#[cfg(unix)]
fn heap() -> Option<(usize, usize)> {
    use tikv_jemalloc_ctl::{epoch, stats};
    epoch::advance().ok()?;
    Some((
        stats::allocated::read().ok()?,
        stats::resident::read().ok()?,
    ))
}
