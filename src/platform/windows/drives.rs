//! Find offline Windows installations on the drive letters of this PC (WinPE mounts the
//! internal disk's partitions as C:, D:, ... and runs itself from X:).

use std::path::PathBuf;

use windows::Win32::Storage::FileSystem::{GetDriveTypeW, GetLogicalDrives};
use windows::Win32::System::SystemInformation::GetSystemWindowsDirectoryW;
use windows::core::{HSTRING, w};

use super::{from_wide, system_proc};

/// The file whose presence marks a drive as holding an installed Windows.
pub(crate) const SOFTWARE_HIVE: &str = r"Windows\System32\config\SOFTWARE";

// GetDriveTypeW result (WinBase.h).
const DRIVE_FIXED: u32 = 3;

/// Roots (`C:\`, `D:\`, ...) of fixed drives other than X: and the running system's
/// drive that hold `Windows\System32\config\SOFTWARE`, in drive-letter order. The
/// internal disk is a fixed drive; removable, network, optical and RAM drives are not
/// looked at (a USB stick with a Windows tree on it is not this PC's installation).
pub(crate) fn offline_os_candidates() -> Vec<PathBuf> {
    let running = running_system_drive();
    // SAFETY: no arguments; returns a bit mask of the existing drive letters.
    let mask = unsafe { GetLogicalDrives() };
    let _quiet = QuietCriticalErrors::enter();
    let mut found = Vec::new();
    for (bit, letter) in (b'A'..=b'Z').enumerate() {
        let letter = char::from(letter);
        if mask & (1 << bit) == 0 || letter == 'X' || Some(letter) == running {
            continue;
        }
        let root = format!("{letter}:\\");
        // SAFETY: `root` is converted to a NUL-terminated wide string that outlives the call.
        let kind = unsafe { GetDriveTypeW(&HSTRING::from(root.as_str())) };
        if kind != DRIVE_FIXED {
            continue;
        }
        let root = PathBuf::from(root);
        if root.join(SOFTWARE_HIVE).is_file() {
            found.push(root);
        }
    }
    found
}

/// Drive letter of the running Windows (X: in WinPE), upper case.
fn running_system_drive() -> Option<char> {
    let mut buf = [0u16; 512];
    // SAFETY: the buffer is valid for its length; the return value is the length written.
    let len = unsafe { GetSystemWindowsDirectoryW(Some(&mut buf)) } as usize;
    if len == 0 || len >= buf.len() {
        return None;
    }
    let dir = from_wide(&buf, len);
    let mut chars = dir.chars();
    match (chars.next(), chars.next()) {
        (Some(l), Some(':')) if l.is_ascii_alphabetic() => Some(l.to_ascii_uppercase()),
        _ => None,
    }
}

/// Suppress "There is no disk in the drive" dialogs while probing card readers and empty
/// removable drives (SetThreadErrorMode, Windows 7 and later; resolved at run time).
struct QuietCriticalErrors {
    set: Option<SetThreadErrorModeFn>,
    old: u32,
}

type SetThreadErrorModeFn = unsafe extern "system" fn(new: u32, old: *mut u32) -> i32;
const SEM_FAILCRITICALERRORS: u32 = 0x0001;

impl QuietCriticalErrors {
    fn enter() -> Self {
        let set = system_proc(w!("kernel32.dll"), b"SetThreadErrorMode\0").map(|p| {
            // SAFETY: SetThreadErrorMode has exactly this signature (errhandlingapi.h).
            unsafe { std::mem::transmute::<super::RawProc, SetThreadErrorModeFn>(p) }
        });
        let mut old = 0u32;
        if let Some(f) = set {
            // SAFETY: `old` is a valid out-pointer.
            if unsafe { f(SEM_FAILCRITICALERRORS, &mut old) } == 0 {
                return QuietCriticalErrors { set: None, old: 0 };
            }
        }
        QuietCriticalErrors { set, old }
    }
}

impl Drop for QuietCriticalErrors {
    fn drop(&mut self) {
        if let Some(f) = self.set {
            // SAFETY: restores the mode saved in `enter`; a null old-pointer is allowed.
            unsafe { f(self.old, std::ptr::null_mut()) };
        }
    }
}
