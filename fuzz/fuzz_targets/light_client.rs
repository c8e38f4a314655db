#![no_main]
//! Fuzz target `light_client`: see `tempo_light_fuzz::checks::light_client`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::light_client(data));
