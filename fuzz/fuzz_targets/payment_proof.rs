#![no_main]
//! Fuzz target `payment_proof`: see `tempo_light_fuzz::checks::payment_proof`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::payment_proof(data));
