#![no_main]
//! Fuzz target `saved_state`: see `tempo_light_fuzz::checks::saved_state`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::saved_state(data));
