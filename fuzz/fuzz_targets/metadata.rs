//! A WIM metadata resource (uncompressed): the security data, the root dentry and the
//! whole directory tree walked, some paths looked up, dentries read at odd offsets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::image::wim::dentry::Dentry;
use oemgate::image::wim::security;
use oemgate::image::wim::tree::{Found, Tree};
use oemgate::source::MemSource;

fuzz_target!(|data: &[u8]| {
    let src = MemSource::new("fuzz", data.to_vec());
    let _ = security::read(&src);
    for off in [0u64, 8, 16, data.len() as u64 / 2, data.len().saturating_sub(8) as u64] {
        if let Ok(Some(d)) = Dentry::read(&src, off) {
            let _ = (d.data_hash(), d.reparse_hash(), d.named_streams().count());
        }
    }
    let Ok(tree) = Tree::open(&src) else { return };
    let _ = tree.lookup("/Windows/System32/config/SOFTWARE");
    let _ = tree.lookup("\\a\\B\\c");
    let root = Found { path: "/".into(), dentry: tree.root.clone() };
    let mut paths = 0usize;
    let _ = tree.walk(&root, &mut |p, d, _| {
        paths += p.len();
        let _ = (d.data_hash(), d.reparse_hash(), d.named_streams().count());
        Ok(())
    });
});
