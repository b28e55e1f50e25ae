//! The WIM XML data parser alone (UTF-16LE XML), seeded with the XML resources of
//! the WIM fixtures (see seed.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::wim;

fuzz_target!(|data: &[u8]| {
    let _ = wim::xml::parse(data, 0);
});
