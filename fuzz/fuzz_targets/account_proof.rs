#![no_main]
//! Fuzz target `account_proof`: see `tempo_light_fuzz::checks::account_proof`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::account_proof(data));
