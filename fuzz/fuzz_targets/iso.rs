//! ISO media (UDF, ISO 9660 + Joliet): what `inspect` does with an ISO (find the
//! install image, read it in place, collect the media facts), plus opening the file
//! system and listing the whole tree.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use oemgate::image::iso::{self, Filesystem, Iso};
use oemgate::source::{MemSource, ReadAt};

fuzz_target!(|data: &[u8]| {
    let src: Arc<dyn ReadAt> = Arc::new(MemSource::new("fuzz.iso", data.to_vec()));
    if !iso::is_iso(&*src) {
        return;
    }
    let _ = oemgate::image::read_iso(src.clone(), "fuzz.iso");
    let _ = Filesystem::open(&*src);
    if let Ok(iso) = Iso::open(src) {
        let _ = iso.list();
        let _ = iso.lookup("sources/ei.cfg");
    }
});
