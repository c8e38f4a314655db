#![no_main]
//! Fuzz target `payment_block`: see `tempo_light_fuzz::checks::payment_block`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tempo_light_fuzz::checks::payment_block(data));
