//! Everything that differs between operating systems lives here, behind plain
//! functions; the rest of the crate is portable. Readers here return raw bytes or
//! simple values; the parsers elsewhere interpret them.

pub mod files;
#[cfg(target_os = "linux")]
mod linux;
mod positional;
pub mod types;
#[cfg(windows)]
mod windows;

/// Whether standard output/error should carry ANSI colour.
pub fn stdout_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal() && enable_vt_colors()
}

// --- firmware ---

use crate::error::Result;
pub use types::{FirmwareType, MAX_FIRMWARE_TABLE, MachineFacts, SmbiosRaw, normalize_arch};

#[cfg(target_os = "linux")]
use linux as os;
#[cfg(windows)]
use windows as os;
#[cfg(not(any(target_os = "linux", windows)))]
/// Fallback for systems without a firmware reader: nothing is known.
mod other {
    use super::{MachineFacts, SmbiosRaw};
    use crate::error::Result;

    pub fn read_acpi_table(_sig: &[u8; 4]) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    pub fn acpi_table_evidence(sig: &[u8; 4]) -> String {
        format!("ACPI table {}", String::from_utf8_lossy(sig))
    }

    pub fn smbios_raw() -> Result<Option<SmbiosRaw>> {
        Ok(None)
    }

    pub fn machine() -> MachineFacts {
        MachineFacts {
            cpu_arch: super::normalize_arch(std::env::consts::ARCH),
            notes: vec!["no firmware reader for this operating system".into()],
            ..Default::default()
        }
    }

    pub fn kernel_log_lines() -> Vec<String> {
        Vec::new()
    }
}
#[cfg(not(any(target_os = "linux", windows)))]
use other as os;

/// The raw bytes of ACPI table `sig` from the running firmware; `Ok(None)` when the
/// firmware has no such table; `Err` when it exists but cannot be read (permission).
pub fn read_acpi_table(sig: &[u8; 4]) -> Result<Option<Vec<u8>>> {
    os::read_acpi_table(sig)
}

/// Where a live table is read from, for evidence ("/sys/firmware/acpi/tables/MSDM").
pub fn acpi_table_evidence(sig: &[u8; 4]) -> String {
    os::acpi_table_evidence(sig)
}

/// The kernel's log records (Linux: `/dev/kmsg`, root only; bounded), where the boot
/// log names the RSDT/XSDT OEM ids that sysfs does not expose. Empty elsewhere.
pub fn kernel_log_lines() -> Vec<String> {
    os::kernel_log_lines()
}

/// The kernel's TPM device version as a plain value ("2" or "1", Linux
/// `/sys/class/tpm/tpm0/tpm_version_major`) with the path it was read from; `None` where
/// the OS does not expose one or there is no TPM device.
pub fn tpm_version_major() -> Option<(String, String)> {
    #[cfg(target_os = "linux")]
    {
        linux::tpm_version_major()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// SMBIOS as the OS exposes it, unparsed; `Ok(None)` when the OS exposes none.
pub fn smbios_raw() -> Result<Option<SmbiosRaw>> {
    os::smbios_raw()
}

/// UEFI or BIOS.
pub fn firmware_type() -> FirmwareType {
    machine().firmware_type
}

/// 32 or 64 under UEFI.
pub fn uefi_bitness() -> Option<u32> {
    machine().uefi_bitness
}

/// Secure Boot enabled; `Some(false)` under BIOS; `None` when unknown.
pub fn secure_boot() -> Option<bool> {
    machine().secure_boot
}

/// The CPU's architecture ("x64", "x86", "arm64", "arm"), not the binary's.
pub fn cpu_arch() -> Option<String> {
    machine().cpu_arch
}

/// Firmware type, UEFI bitness, Secure Boot and CPU in one go, with notes.
pub fn machine() -> MachineFacts {
    os::machine()
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
        windows::tsenv::set_variables(vars)
            .map_err(|message| crate::Error::Io { what: "task sequence variables".into(), message })
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

/// Volume roots that hold an installed Windows to read as the offline OS. Only in WinPE
/// (system drive X:), where the internal disk's Windows is offline: on a running Windows
/// its own hives are in use and are not the licence of some other installation.
/// Elsewhere there are none.
pub fn offline_os_roots() -> Vec<std::path::PathBuf> {
    if !in_winpe() {
        return Vec::new();
    }
    offline_os_candidates()
}

/// Running in WinPE: Windows with the system drive X:. Never on other systems.
pub fn in_winpe() -> bool {
    cfg!(windows) && std::env::var("SystemDrive").is_ok_and(|d| d.eq_ignore_ascii_case("X:"))
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
