//! A block's raw transactions and receipts over the follower's connection, fetched as the
//! core's [`BlockQuery`] says (its fallback where the debug namespace is off included): shared
//! by `confirm` and `watch`, so the fallback is driven once.

use super::{rpc::RpcError, DriverError, Follower};
use tempo_light::payment::{BlockContents, BlockQuery};

impl Follower<'_> {
    /// Block `height`'s contents, as served (the core checks them against the final header).
    /// One call at a time; a server's refusal is handed back to the query by its JSON-RPC code.
    pub fn block_contents(&mut self, height: u64) -> Result<BlockContents, DriverError> {
        let mut query = BlockQuery::new(height);
        while let Some(call) = query.calls().into_iter().next() {
            match self.call(call.method, call.params) {
                Ok(answer) => query
                    .answer(std::slice::from_ref(&answer))
                    .map_err(|e| DriverError::Malformed(format!("{}: {e}", call.method)))?,
                Err(DriverError::Rpc {
                    error: RpcError::Server { code, .. },
                    ..
                }) if query.refused(code) => {}
                Err(e) => return Err(e),
            }
        }
        query
            .into_contents()
            .ok_or_else(|| DriverError::Malformed("block contents: incomplete".into()))
    }
}
