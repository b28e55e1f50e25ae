//! `sources/ei.cfg` of installation media.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::iso::eicfg;

fuzz_target!(|data: &[u8]| {
    let _ = eicfg::parse(data);
});
