#![no_main]
//! Fuzz target `wasm_inputs`: see `tempo_light_fuzz::checks::wasm_inputs`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::wasm_inputs(data));
