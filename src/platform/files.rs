//! Creating files and directories inside an extraction destination without ever
//! following a link and without replacing anything by accident.
//!
//! - New files are created exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW` on Unix,
//!   `CREATE_NEW` on Windows): an existing file or link at the name makes it fail.
//! - A directory that already exists is reused only when it is a real directory, not a
//!   link to one (checked with `symlink_metadata`, which does not follow).
//! - A finished file is published under its final name without replacing one that
//!   appeared meanwhile: on Unix with `link(2)` (fails when the name exists) and the
//!   temporary name removed; elsewhere after a check, with `rename`.
//!
//! What is not defended against: another process with write access to the destination
//! that swaps a directory for a link between the check and the use (the destination is
//! the operator's own directory).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Create a new file for writing; fails when anything (a file, a directory, a link,
/// even a dangling one) exists at `path`.
pub fn create_new_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NOFOLLOW: with O_EXCL a link is already refused; kept for clarity.
        o.custom_flags(O_NOFOLLOW);
        o.mode(0o644);
    }
    o.open(path)
}

#[cfg(all(unix, any(target_os = "linux", target_os = "android")))]
const O_NOFOLLOW: i32 = 0o400000;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const O_NOFOLLOW: i32 = 0x100;

/// What is at `path`, without following a link there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Nothing,
    Directory,
    File,
    /// A symbolic link, junction or other reparse point.
    Link,
    Other,
}

pub fn existing(path: &Path) -> io::Result<Existing> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => {
            let t = m.file_type();
            Ok(if t.is_symlink() || is_reparse(&m) {
                Existing::Link
            } else if t.is_dir() {
                Existing::Directory
            } else if t.is_file() {
                Existing::File
            } else {
                Existing::Other
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Existing::Nothing),
        Err(e) => Err(e),
    }
}

#[cfg(windows)]
fn is_reparse(m: &std::fs::Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    m.file_attributes() & 0x400 != 0
}
#[cfg(not(windows))]
fn is_reparse(_m: &std::fs::Metadata) -> bool {
    false
}

/// Make directory `path` (its parent exists): created, or reused when a real directory
/// is already there. A link or a file there is an error (`AlreadyExists`).
pub fn ensure_dir(path: &Path) -> io::Result<()> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match existing(path)? {
            Existing::Directory => Ok(()),
            what => {
                Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("exists and is not a directory ({what:?})")))
            }
        },
        Err(e) => Err(e),
    }
}

/// Give the finished file `tmp` its final name `to`, failing with `AlreadyExists`
/// when something is there. `tmp` is gone afterwards on success.
pub fn publish_no_replace(tmp: &Path, to: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        match std::fs::hard_link(tmp, to) {
            Ok(()) => return std::fs::remove_file(tmp),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
            // A file system without hard links: fall through to check-and-rename.
            Err(_) => {}
        }
    }
    if existing(to)? != Existing::Nothing {
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, "exists"));
    }
    std::fs::rename(tmp, to)
}

/// Why `name` (already free of `/`, `\`, `:`, NUL, `.` and `..`) cannot be a file
/// name on this system, or `None`. Windows also refuses `<>"|?*`, control characters,
/// a trailing dot or space, and the device names (CON, NUL, COM1...) that would open a
/// device instead of a file.
pub fn bad_os_name(name: &str) -> Option<&'static str> {
    if cfg!(windows) {
        if name.chars().any(|c| (c as u32) < 32 || "<>\"|?*".contains(c)) {
            return Some("a character Windows does not allow in file names");
        }
        if name.ends_with('.') || name.ends_with(' ') {
            return Some("a trailing dot or space, which Windows strips");
        }
        let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
        let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
            || ((stem.starts_with("COM") || stem.starts_with("LPT"))
                && stem.len() == 4
                && stem.as_bytes()[3].is_ascii_digit());
        if device {
            return Some("a Windows device name");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_follows_or_replaces() {
        let dir = std::env::temp_dir().join(format!("oemgate-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("f");
        create_new_file(&f).unwrap();
        assert!(create_new_file(&f).is_err());
        ensure_dir(&dir.join("d")).unwrap();
        ensure_dir(&dir.join("d")).unwrap();
        assert!(ensure_dir(&f).is_err());
        #[cfg(unix)]
        {
            let outside = dir.join("outside");
            std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
            assert!(create_new_file(&dir.join("link")).is_err());
            assert!(!outside.exists());
            std::fs::create_dir(&outside).unwrap();
            assert!(ensure_dir(&dir.join("link")).is_err());
            assert_eq!(existing(&dir.join("link")).unwrap(), Existing::Link);
            let tmp = dir.join("tmp");
            create_new_file(&tmp).unwrap();
            assert!(publish_no_replace(&tmp, &dir.join("link")).is_err());
            publish_no_replace(&tmp, &dir.join("new")).unwrap();
            assert!(!tmp.exists());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
