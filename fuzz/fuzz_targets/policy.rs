//! The TOML policy file parser (`--policy`), from text as `Policy::load` hands it over.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::operator::Policy;

fuzz_target!(|data: &[u8]| {
    // Policy::load refuses files above MAX_POLICY_BYTES before parsing.
    if data.len() as u64 > oemgate::operator::policy::MAX_POLICY_BYTES {
        return;
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Policy::parse(text, "fuzz.toml");
    }
});
