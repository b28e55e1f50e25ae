//! Everything that differs between operating systems lives here, behind plain
//! functions; the rest of the crate is portable. Readers here return raw bytes or
//! simple values; the parsers elsewhere interpret them.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(windows)]
mod windows;

/// Whether standard output/error should carry ANSI colour.
pub fn stdout_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal() && enable_vt_colors()
}

// --- windows integration ---
// Functions the Windows exe needs; each exists on every OS so callers need no cfg.

/// Make the console interpret ANSI colour sequences. True when colour may be written: on
/// Windows only when stdout is a console that accepts ENABLE_VIRTUAL_TERMINAL_PROCESSING
/// (Windows 10 and WinPE 10 and later); elsewhere the terminal decides, so always true.
/// Idempotent and cheap; `stdout_color()` calls it.
pub fn enable_vt_colors() -> bool {
    #[cfg(windows)]
    {
        static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ENABLED.get_or_init(windows::console::enable_vt_colors)
    }
    #[cfg(not(windows))]
    {
        true
    }
}

/// Set task sequence variables (`OEMGATE_VERDICT`, ...) through the
/// `Microsoft.SMS.TSEnvironment` COM object. `Ok(false)`, with nothing set, when this is
/// not a task sequence (the object is not registered, and always on non-Windows systems);
/// `Err` when the object exists but refused a value.
pub fn set_task_sequence_variables(vars: &[(&str, &str)]) -> crate::Result<bool> {
    #[cfg(windows)]
    {
        windows::tsenv::set_variables(vars).map_err(|message| crate::Error::Io {
            what: "task sequence variables".into(),
            message,
        })
    }
    #[cfg(not(windows))]
    {
        let _ = vars;
        Ok(false)
    }
}

/// Read one task sequence variable; `Ok(None)` when this is not a task sequence.
pub fn task_sequence_variable(name: &str) -> crate::Result<Option<String>> {
    #[cfg(windows)]
    {
        windows::tsenv::get_variable(name)
            .map_err(|message| crate::Error::Io { what: "task sequence variables".into(), message })
    }
    #[cfg(not(windows))]
    {
        let _ = name;
        Ok(None)
    }
}

/// Directory for the CMTrace log inside a task sequence: `%_SMSTSLogPath%` from the
/// environment (the engine exports its variables to the commands it runs), else from the
/// task sequence object. `None` outside a task sequence.
pub fn task_sequence_log_dir() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("_SMSTSLogPath").filter(|d| !d.is_empty()) {
        return Some(dir.into());
    }
    match task_sequence_variable("_SMSTSLogPath") {
        Ok(Some(dir)) if !dir.is_empty() => Some(dir.into()),
        _ => None,
    }
}

/// Roots (`C:\`, `D:\`...) of the drives that hold an offline Windows
/// (`Windows\System32\config\SOFTWARE`), skipping X: and the running system's drive.
/// Empty on other systems: there the operator names the mounted volume.
pub fn offline_os_candidates() -> Vec<std::path::PathBuf> {
    #[cfg(windows)]
    {
        windows::drives::offline_os_candidates()
    }
    #[cfg(not(windows))]
    {
        Vec::new()
    }
}
// --- end windows integration ---
