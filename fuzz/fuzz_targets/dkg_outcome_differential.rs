#![no_main]
//! Fuzz target `dkg_outcome_differential`: see `tempo_light_fuzz::checks::dkg_outcome_differential`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::dkg_outcome_differential(data));
