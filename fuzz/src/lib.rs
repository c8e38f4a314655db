//! Fuzz targets for tempo-light: the checks live in [`checks`], one function per target, so
//! `tests/fuzz_regressions.rs` in the main workspace replays inputs through the same code.

pub mod checks;
