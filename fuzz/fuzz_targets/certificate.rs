#![no_main]
//! Fuzz target `certificate`: see `tempo_light_fuzz::checks::certificate`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::certificate(data));
