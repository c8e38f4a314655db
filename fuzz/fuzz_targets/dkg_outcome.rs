#![no_main]
//! Fuzz target `dkg_outcome`: see `tempo_light_fuzz::checks::dkg_outcome`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::dkg_outcome(data));
