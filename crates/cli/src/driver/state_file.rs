//! The trust state on disk: loaded (the core checks its shape, bounds and network) and saved
//! atomically, so that a process killed at any point leaves the old state or the new one.

use super::DriverError;
use std::{
    io::Write,
    path::{Path, PathBuf},
};
use tempo_light::{ClientError, LightClient, Network, StateError};

/// The client saved in `path` for `network`, or `None` when there is no such file yet. A state
/// frozen by an equivocation is refused with its evidence.
pub fn load(path: &Path, network: &Network) -> Result<Option<LightClient>, DriverError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        DriverError::Usage(format!("cannot read state file {}: {e}", path.display()))
    })?;
    // The core checks the state's shape, bounds and network (one rule for every loader: the
    // CLI, the wasm and the npm package's storage).
    let client = LightClient::from_json_for(network, &text).map_err(|e| match e {
        ClientError::State(mismatch @ StateError::NetworkMismatch { .. }) => {
            DriverError::Usage(format!(
                "state file {} belongs to another network than {} chain {}: {mismatch}",
                path.display(),
                network.name(),
                network.chain_id()
            ))
        }
        e => DriverError::Usage(format!("state file {} is corrupt: {e}", path.display())),
    })?;
    if let Some(e) = client.state().frozen() {
        return Err(DriverError::Equivocation(e.clone()));
    }
    Ok(Some(client))
}

/// Writes `text` to `path` atomically: the whole text to a sibling `.tmp` file, flushed to
/// the disk, then renamed over `path`, and the directory flushed so the rename is durable
/// too. A process killed at any point leaves the old file or the new one, never a mix (a
/// half-written `.tmp` at worst, which the next save overwrites); the flushes carry this
/// over a power loss.
pub fn save_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    // The rename is done (and atomic) whatever this says: some file systems cannot sync a
    // directory, so this is best effort.
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}
