//! WIM / ESD / SWM: the whole image reader over bytes in memory, plus the header
//! and XML parsers on the raw input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::{self, wim};
use oemgate::source::MemSource;

fuzz_target!(|data: &[u8]| {
    let src = MemSource::new("fuzz", data.to_vec());
    let _ = image::read_image(&src, "fuzz", &mut |_| Ok(None));
    let _ = image::is_wim(&src);
    let _ = wim::header::Header::parse(data);
    let _ = wim::xml::parse(data, 0);
});
