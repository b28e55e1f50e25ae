//! WIM / ESD / SWM: the whole image reader over bytes in memory, plus the header
//! and XML parsers on the raw input. When the header announces a small split set,
//! the input is read again with every other part being the input itself, so the
//! part checks run on real headers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::{self, wim};
use oemgate::source::{MemSource, ReadAt};

fuzz_target!(|data: &[u8]| {
    let src = MemSource::new("fuzz", data.to_vec());
    let _ = image::read_image(&src, "fuzz", &mut |_| Ok(None));
    let _ = image::is_wim(&src);
    let header = wim::header::Header::parse(data);
    let _ = wim::xml::parse(data, 0);
    if let Ok(h) = header
        && (2..=8).contains(&h.total_parts)
    {
        let mut same = |_: u16| -> oemgate::Result<Option<Box<dyn ReadAt>>> {
            Ok(Some(Box::new(MemSource::new("fuzz-part", data.to_vec()))))
        };
        let _ = image::read_image(&src, "fuzz", &mut same);
    }
});
