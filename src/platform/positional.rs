//! Positional reads of a file (at an offset, without a shared cursor), so one open file
//! serves reads from several threads at once. `crate::source::FileSource` reads through
//! the [`PositionalRead`] trait it defines; the per-OS implementation is here.
//!
//! On Windows `seek_read` also moves the file's cursor: nothing may rely on the cursor
//! of a file read this way (FileSource only ever reads at explicit offsets).

use std::fs::File;
use std::io;

use crate::source::PositionalRead;

impl PositionalRead for File {
    #[cfg(unix)]
    fn read_at_offset(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }

    #[cfg(windows)]
    fn read_at_offset(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }

    #[cfg(not(any(unix, windows)))]
    fn read_at_offset(&self, _buf: &mut [u8], _offset: u64) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "positional file reads are not available on this system"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_at_offsets_from_many_threads_without_a_shared_cursor() {
        let dir = std::env::temp_dir().join(format!("oemgate-positional-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data");
        let data: Vec<u8> = (0..65536u32).map(|i| (i * 7 + i / 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let file = File::open(&path).unwrap();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (file, data) = (&file, &data);
                s.spawn(move || {
                    for k in 0..500u64 {
                        let at = (t * 7919 + k * 104_729) % 65000;
                        let mut buf = [0u8; 100];
                        let n = file.read_at_offset(&mut buf, at).unwrap();
                        assert!(n > 0);
                        assert_eq!(&buf[..n], &data[at as usize..at as usize + n], "at {at}");
                    }
                });
            }
        });
        let mut buf = [0u8; 4];
        assert_eq!(file.read_at_offset(&mut buf, 65536).unwrap(), 0, "at the end");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
