#![no_main]
//! Fuzz target `certificate_differential`: see `tempo_light_fuzz::checks::certificate_differential`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::certificate_differential(data));
