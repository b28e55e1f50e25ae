//! Windows platform readers (windows crate).
//!
//! Every API that older Windows releases or Wine may lack is resolved at run time with
//! [`system_proc`], never imported statically: a missing static import stops the process
//! before `main`, and Wine aborts when a stub is called.

pub(crate) mod console;
pub(crate) mod drives;
pub(crate) mod tsenv;
// Firmware tables, firmware type, Secure Boot.
mod firmware;
pub use firmware::*;

use windows::Win32::Foundation::HMODULE;
use windows::Win32::System::LibraryLoader::{
    GetModuleHandleW, GetProcAddress, LOAD_LIBRARY_SEARCH_SYSTEM32, LoadLibraryExW,
};
use windows::core::{PCSTR, PCWSTR};

/// An exported function's address, still to be cast to its real signature.
pub(crate) type RawProc = unsafe extern "system" fn() -> isize;

/// Look up `name` (NUL-terminated) in the system DLL `dll` (NUL-terminated UTF-16, e.g.
/// `windows::core::w!("kernel32.dll")`). The DLL is taken from the loaded modules or
/// else loaded from System32 only (never from the current directory). `None` when the DLL
/// or the export does not exist on this system.
pub(crate) fn system_proc(dll: PCWSTR, name: &'static [u8]) -> Option<RawProc> {
    if name.last() != Some(&0) {
        return None;
    }
    // SAFETY: `dll` and `name` are NUL-terminated; the returned module handle stays valid
    // for the life of the process (loaded modules are never freed here).
    unsafe {
        let module: HMODULE = match GetModuleHandleW(dll) {
            Ok(m) => m,
            Err(_) => LoadLibraryExW(dll, None, LOAD_LIBRARY_SEARCH_SYSTEM32).ok()?,
        };
        GetProcAddress(module, PCSTR(name.as_ptr()))
    }
}

/// Turn a UTF-16 buffer filled by the OS (`len` units valid) into a `String`.
pub(crate) fn from_wide(buf: &[u16], len: usize) -> String {
    String::from_utf16_lossy(&buf[..len.min(buf.len())])
}
