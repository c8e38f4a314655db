#![no_main]
//! Fuzz target `header_json`: see `tempo_light_fuzz::checks::header_json`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::header_json(data));
