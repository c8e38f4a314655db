//! Every-header mode: the run of headers from the head up to a verified target,
//! authenticated by parent hashes from the certified tip down (a certificate for a block
//! vouches for all its ancestors).

use super::*;

/// Checks that `headers` are exactly heights `from..=to`, each the parent of the next, and
/// that the last one hashes to `tip`. Authenticates the whole run if `tip` is trusted;
/// returns the headers' hashes, each computed once.
pub(super) fn authenticate_run(
    headers: &[TempoHeader],
    from: u64,
    to: u64,
    tip: B256,
) -> Result<Vec<B256>, ClientError> {
    let count = to
        .checked_sub(from)
        .and_then(|d| d.checked_add(1))
        .ok_or(ClientError::Unexpected(Unexpected::EmptyRange))?;
    if headers.len() as u64 != count {
        // The run must end at `to`; report where it actually ends.
        return Err(ClientError::HeaderNumberMismatch {
            expected: to,
            actual: from.saturating_add(headers.len() as u64).saturating_sub(1),
        });
    }
    let mut hashes: Vec<B256> = Vec::with_capacity(headers.len());
    for (offset, header) in headers.iter().enumerate() {
        let expected = from + offset as u64;
        if header.number() != expected {
            return Err(ClientError::HeaderNumberMismatch {
                expected,
                actual: header.number(),
            });
        }
        if let Some(&parent) = hashes.last() {
            if header.parent_hash() != parent {
                return Err(ClientError::BrokenParentLink {
                    height: expected,
                    expected: parent,
                    actual: header.parent_hash(),
                });
            }
        }
        hashes.push(header.hash());
    }
    let last = *hashes
        .last()
        .ok_or(ClientError::Unexpected(Unexpected::EmptyRange))?;
    if last != tip {
        return Err(ClientError::TipHashMismatch {
            expected: tip,
            actual: last,
        });
    }
    Ok(hashes)
}

impl LightClient {
    /// Accepts headers `from..=to` answering [`Request::Headers`], ascending.
    ///
    /// All-or-nothing without copying what was received before: a chunk that does not reach
    /// the head is checked and then appended (which cannot fail); the chunk that completes
    /// the run is applied to a copy of the trust state, since registering a boundary inside
    /// the run can still fail.
    pub fn on_headers(&mut self, headers: Vec<TempoHeader>) -> Result<Vec<Event>, ClientError> {
        let (done, hashes) = self.check_headers(&headers)?;
        let headers: Vec<AuthenticatedHeader> = headers
            .into_iter()
            .zip(hashes)
            .map(|(header, hash)| AuthenticatedHeader { header, hash })
            .collect();
        let Sync::Filling {
            target,
            resume,
            chunks,
        } = &mut self.sync
        else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        if !done {
            chunks.push(headers);
            return Ok(Vec::new());
        }
        // Ascending: this chunk, then the earlier ones (received highest first).
        let run: Vec<AuthenticatedHeader> = headers
            .into_iter()
            .chain(chunks.iter().rev().flatten().cloned())
            .collect();
        let (target, resume) = (target.clone(), resume.clone());
        let mut next = Self {
            state: self.state.clone(),
            every_header: self.every_header,
            sync: Sync::Idle,
        };
        let events = next.complete_run(run, target, resume)?;
        *self = next;
        Ok(events)
    }

    /// Checks a chunk of headers against the request it answers; returns whether it
    /// completes the run (reaches down to the head), and the headers' hashes. Changes nothing.
    pub(super) fn check_headers(
        &self,
        headers: &[TempoHeader],
    ) -> Result<(bool, Vec<B256>), ClientError> {
        self.frozen_error()?;
        let Some(Request::Headers { from, to }) = self.next_request() else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        let Sync::Filling { target, chunks, .. } = &self.sync else {
            return Err(ClientError::Unexpected(Unexpected::HeadersNotRequested));
        };
        let expected_tip = chunks
            .last()
            .and_then(|c| c.first())
            .map_or(target.hash, |h| h.header.parent_hash());
        let hashes = authenticate_run(headers, from, to, expected_tip)?;
        let head = self
            .state
            .head
            .ok_or(ClientError::Unexpected(Unexpected::NoHead))?;
        let done = from == head.height + 1;
        if let (true, Some(first)) = (done, headers.first()) {
            if first.parent_hash() != head.hash {
                return Err(ClientError::BrokenParentLink {
                    height: from,
                    expected: head.hash,
                    actual: first.parent_hash(),
                });
            }
        }
        Ok((done, hashes))
    }

    /// Registers the boundaries inside a whole authenticated run (ascending), yields it, and
    /// moves the head to the run's target.
    pub(super) fn complete_run(
        &mut self,
        run: Vec<AuthenticatedHeader>,
        target: VerifiedBlock,
        resume: Option<Tip>,
    ) -> Result<Vec<Event>, ClientError> {
        let mut events = Vec::new();
        let length = self.state.network.epoch_length().get();
        for AuthenticatedHeader { header, .. } in &run {
            let h = header.number();
            let e = epoch::epoch_of(length, h)?;
            if epoch::is_boundary(length, h)
                && self.state.registered_through.is_none_or(|k| k < e + 1)
            {
                let outcome =
                    crate::wire::dkg::DkgOutcome::from_extra_data(header.extra_data(), None)
                        .map_err(Error::from)?;
                check_outcome_epoch(h, e + 1, outcome.epoch)?;
                let identity = self.state.identity_for(e)?;
                register_outcome(&mut self.state, &outcome, Some((e, identity)), &mut events)?;
            }
        }
        events.push(Event::Headers(run));
        self.finish(target, resume, None, events)
    }
}
