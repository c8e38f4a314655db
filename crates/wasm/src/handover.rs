//! What the main module hands to the payments module: the identity this client verifies one
//! epoch under, asked for the epoch of the block being proven, instead of the client's whole
//! trust state. Apart from `lib.rs` because it is the one export that exists for the other
//! module.

use super::{hex, refusal, u64_of, WasmClient};
use tempo_light::Error as CoreError;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_class = TempoLightClient)]
impl WasmClient {
    /// The identity this client verifies `epoch`'s certificates under (hex), as `verify`
    /// picks it: what the payments module is handed for its block's epoch, instead of this
    /// client's state. Throws `Frozen` once frozen, `IdentityUnavailable` or
    /// `IdentityNotBridged` when it trusts none.
    #[wasm_bindgen(js_name = verifyingIdentity)]
    pub fn verifying_identity(&self, epoch: JsValue) -> Result<JsValue, JsValue> {
        let epoch = u64_of(&epoch, "epoch")?;
        self.inner
            .verifying_identity(epoch)
            .map(|id| hex(id.to_bytes()))
            .map_err(|e| refusal(&CoreError::Verify(e)))
    }
}
