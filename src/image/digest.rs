//! SHA-256 of the files an image is made of, for the `approved-image` rule. Streams
//! the file in 1 MiB blocks (constant memory, any size) and reports progress.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ImageReport;
use crate::error::{Error, Result};

/// The files that make up the image as the user gave it: the ISO itself for media
/// (the approved artefact is the ISO), else the WIM/ESD, or every part of a split set.
pub fn image_files(rep: &ImageReport) -> Vec<PathBuf> {
    if rep.media.is_some() {
        return vec![PathBuf::from(&rep.path)];
    }
    rep.parts.iter().map(|p| PathBuf::from(&p.name)).collect()
}

/// SHA-256 of `path` as lowercase hex; `progress(done, total)` is called as it goes.
pub fn sha256_file(path: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<String> {
    let shown = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(format!("{shown}: cannot open"), &e))?;
    let total = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(format!("{shown}: read"), &e)),
        };
        h.update(&buf[..n]);
        done += n as u64;
        progress(done, total);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_known_vector_and_reports_progress() {
        let p = std::env::temp_dir().join(format!("oemgate-digest-{}", std::process::id()));
        std::fs::write(&p, b"abc").unwrap();
        let mut calls = Vec::new();
        let h = sha256_file(&p, &mut |d, t| calls.push((d, t))).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(calls, vec![(3, 3)]);
    }
}
