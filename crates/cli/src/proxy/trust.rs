//! What the proxy's answers are proven under: the light client as the follower last left it
//! (a snapshot after every advance), and why nothing is answered when following failed for
//! good (an equivocation froze it).

use super::answer::Failure;
use std::sync::{Arc, Mutex, RwLock};
use tempo_light::{client::trust::Head, ErrorKind, LightClient};
use tokio::sync::watch;

/// The follower's latest client, shared with every request.
pub struct Trust {
    client: RwLock<Option<Arc<LightClient>>>,
    heads: watch::Sender<u64>,
    fatal: Mutex<Option<Failure>>,
}

impl Trust {
    /// Nothing verified yet.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            client: RwLock::new(None),
            heads: watch::channel(0).0,
            fatal: Mutex::new(None),
        })
    }

    /// The follower advanced: answers are now proven under `client`.
    pub fn publish(&self, client: &LightClient) {
        let height = client.head().map_or(0, |h| h.height);
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(Arc::new(client.clone()));
        }
        self.heads.send_replace(height);
    }

    /// Following ended for good: every later request gets `failure`.
    pub fn fail(&self, failure: Failure) {
        if let Ok(mut fatal) = self.fatal.lock() {
            *fatal = Some(failure);
        }
    }

    /// The client to verify under: none before the first verified head, and none once
    /// frozen (no answer is final to a client that saw an equivocation).
    pub fn client(&self) -> Result<Arc<LightClient>, Failure> {
        if let Some(failure) = self.fatal.lock().ok().and_then(|f| f.clone()) {
            return Err(failure);
        }
        let client = self
            .client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(Failure::no_head)?;
        if client.is_frozen() {
            return Err(Failure::frozen());
        }
        Ok(client)
    }

    /// The verified head.
    pub fn head(&self) -> Result<Head, Failure> {
        self.client()?.head().ok_or_else(Failure::no_head)
    }

    /// The verified head's height, announced on every advance (for `newHeads`).
    pub fn heads(&self) -> watch::Receiver<u64> {
        self.heads.subscribe()
    }

    /// The snapshot, for saving on the way out.
    pub fn snapshot(&self) -> Option<Arc<LightClient>> {
        self.client.read().ok().and_then(|c| c.clone())
    }
}

impl Failure {
    /// Nothing is final yet: the follower has not proven a head (retry shortly).
    fn no_head() -> Self {
        Self::new(
            4900,
            "NoStateRoot",
            ErrorKind::Unavailable,
            "no block has been proven final yet: the proxy is still catching up".into(),
        )
    }

    /// No answer is final to a client that saw an equivocation.
    pub fn frozen() -> Self {
        Self::new(
            -32099,
            "Frozen",
            ErrorKind::Frozen,
            "frozen: two valid finalizations at one height; nothing is final until the trust state is reset".into(),
        )
    }
}
