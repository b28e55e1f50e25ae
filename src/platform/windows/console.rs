//! Console colours: ANSI escape sequences need ENABLE_VIRTUAL_TERMINAL_PROCESSING
//! (Windows 10 1511 and later, WinPE 10 included). When it cannot be enabled (older
//! consoles, output redirected, Wine without a console) the caller prints without colour.

use windows::Win32::System::Console::{
    CONSOLE_MODE, ENABLE_VIRTUAL_TERMINAL_PROCESSING, GetConsoleMode, GetStdHandle, STD_ERROR_HANDLE, STD_HANDLE,
    STD_OUTPUT_HANDLE, SetConsoleMode,
};

/// Enable escape processing on stdout and stderr; true when stdout is a console that
/// now interprets ANSI colour sequences.
pub(crate) fn enable_vt_colors() -> bool {
    let out = enable_on(STD_OUTPUT_HANDLE);
    let _ = enable_on(STD_ERROR_HANDLE);
    out
}

fn enable_on(which: STD_HANDLE) -> bool {
    // SAFETY: plain Win32 calls on the process's own standard handles; `mode` is a valid
    // out-pointer for the duration of the call.
    unsafe {
        let Ok(handle) = GetStdHandle(which) else { return false };
        if handle.is_invalid() || handle.0.is_null() {
            return false;
        }
        let mut mode = CONSOLE_MODE(0);
        if GetConsoleMode(handle, &mut mode).is_err() {
            return false; // not a console (file, pipe)
        }
        if mode.contains(ENABLE_VIRTUAL_TERMINAL_PROCESSING) {
            return true;
        }
        SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING).is_ok()
    }
}
