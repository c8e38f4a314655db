#![no_main]
//! Fuzz target `certified_block`: see `tempo_light_fuzz::checks::certified_block`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::certified_block(data));
