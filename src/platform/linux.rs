//! Linux platform readers (sysfs).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::types::{FirmwareType, MAX_FIRMWARE_TABLE, MachineFacts, SmbiosRaw};
use crate::error::{Error, Result};

const TABLES: &str = "/sys/firmware/acpi/tables";
const DMI_ID: &str = "/sys/class/dmi/id";
const EFI: &str = "/sys/firmware/efi";
const SECURE_BOOT_VAR: &str = "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const ROOT_HINT: &str = "permission denied (run as root)";

/// Read at most `limit` bytes; `Ok(None)` when the file does not exist.
fn read_bounded(path: &Path, limit: usize) -> Result<Option<Vec<u8>>> {
    let shown = path.display().to_string();
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(Error::PermissionDenied { what: shown, hint: ROOT_HINT });
        }
        Err(e) => return Err(Error::io(shown, &e)),
    };
    let mut buf = Vec::new();
    f.take(limit as u64 + 1).read_to_end(&mut buf).map_err(|e| Error::io(shown.clone(), &e))?;
    if buf.len() > limit {
        return Err(Error::TooLarge {
            structure: "sysfs file",
            offset: 0,
            size: buf.len() as u64,
            limit: limit as u64,
        }
        .in_file(shown));
    }
    Ok(Some(buf))
}

fn table_path(sig: &[u8; 4]) -> PathBuf {
    Path::new(TABLES).join(String::from_utf8_lossy(sig).as_ref())
}

pub fn read_acpi_table(sig: &[u8; 4]) -> Result<Option<Vec<u8>>> {
    read_bounded(&table_path(sig), MAX_FIRMWARE_TABLE)
}

pub fn acpi_table_evidence(sig: &[u8; 4]) -> String {
    table_path(sig).display().to_string()
}

fn dmi_bytes(name: &str) -> Result<Option<Vec<u8>>> {
    read_bounded(&Path::new(DMI_ID).join(name), 4096)
}

pub fn smbios_raw() -> Result<Option<SmbiosRaw>> {
    if !Path::new(DMI_ID).is_dir() {
        return Ok(None);
    }
    let (vendor, product) = (dmi_bytes("sys_vendor")?, dmi_bytes("product_name")?);
    // product_serial is root-only: its absence of permission is not an error.
    let (serial, table) = match dmi_bytes("product_serial") {
        Ok(s) => (s, None),
        // Fall back to the raw table (also root-only); else the serial stays unknown.
        Err(Error::PermissionDenied { .. }) => {
            (None, read_bounded(Path::new("/sys/firmware/dmi/tables/DMI"), MAX_FIRMWARE_TABLE).ok().flatten())
        }
        Err(e) => return Err(e),
    };
    Ok(Some(SmbiosRaw::DmiStrings { vendor, product, serial, table }))
}

const TPM_VERSION_MAJOR: &str = "/sys/class/tpm/tpm0/tpm_version_major";

/// `/sys/class/tpm/tpm0/tpm_version_major` ("2" or "1"), trimmed, with its path.
pub fn tpm_version_major() -> Option<(String, String)> {
    read_trimmed(TPM_VERSION_MAJOR).map(|v| (v, TPM_VERSION_MAJOR.to_string()))
}

fn read_trimmed(path: &str) -> Option<String> {
    let b = read_bounded(Path::new(path), 4096).ok()??;
    let s = String::from_utf8_lossy(&b).trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn cpu_arch() -> Option<String> {
    // The kernel's machine name (uname -m); the binary's own arch may differ (a 32-bit
    // binary on a 64-bit kernel).
    let kernel = read_trimmed("/proc/sys/kernel/arch");
    let arch = super::types::normalize_arch(kernel.as_deref().unwrap_or(std::env::consts::ARCH));
    if arch.as_deref() == Some("x86") {
        // A 32-bit kernel on a 64-bit capable CPU: the "lm" (long mode) flag says x64.
        if let Some(info) = read_trimmed("/proc/cpuinfo")
            && info.lines().any(|l| l.starts_with("flags") && l.split_whitespace().any(|w| w == "lm"))
        {
            return Some("x64".into());
        }
    }
    arch
}

pub fn machine() -> MachineFacts {
    let mut m = MachineFacts { cpu_arch: cpu_arch(), ..Default::default() };
    if let Err(Error::PermissionDenied { .. }) = read_bounded(&Path::new(DMI_ID).join("product_serial"), 4096) {
        m.notes.push("SMBIOS serial number: readable only by root (run as root)".into());
    }
    if Path::new(EFI).is_dir() {
        m.firmware_type = FirmwareType::Uefi;
        m.uefi_bitness = read_trimmed("/sys/firmware/efi/fw_platform_size").and_then(|s| s.parse().ok());
        if m.uefi_bitness.is_none() {
            m.notes.push("UEFI bitness: /sys/firmware/efi/fw_platform_size not readable".into());
        }
        let var = Path::new(EFI).join("efivars").join(SECURE_BOOT_VAR);
        let legacy = Path::new(EFI).join("vars").join(SECURE_BOOT_VAR).join("data");
        match read_bounded(&var, 64) {
            // 4 attribute bytes, then the value.
            Ok(Some(b)) if b.len() == 5 => m.secure_boot = Some(b[4] == 1),
            Ok(Some(b)) => m.notes.push(format!("Secure Boot: unexpected efivar size {}", b.len())),
            Ok(None) => match read_bounded(&legacy, 64) {
                Ok(Some(b)) if b.len() == 1 => m.secure_boot = Some(b[0] == 1),
                _ if !Path::new(EFI).join("efivars").join(".").exists()
                    || std::fs::read_dir(Path::new(EFI).join("efivars"))
                        .map(|mut d| d.next().is_none())
                        .unwrap_or(true) =>
                {
                    m.notes.push(
                        "Secure Boot: efivarfs not mounted (mount -t efivarfs none /sys/firmware/efi/efivars)".into(),
                    )
                }
                _ => {
                    // efivarfs is there but the firmware has no SecureBoot variable:
                    // firmware without Secure Boot support.
                    m.secure_boot = Some(false);
                    m.notes.push("Secure Boot: the firmware has no SecureBoot variable (not supported)".into());
                }
            },
            Err(e) => m.notes.push(format!("Secure Boot: {e}")),
        }
    } else if Path::new("/sys/firmware/acpi").is_dir() && matches!(m.cpu_arch.as_deref(), Some("x64") | Some("x86")) {
        m.firmware_type = FirmwareType::Bios;
        m.secure_boot = Some(false);
    } else {
        m.notes.push("firmware type: neither /sys/firmware/efi nor ACPI on x86".into());
    }
    m
}

/// The kernel log's records (/dev/kmsg, root only), read without blocking, bounded. The
/// boot log names the RSDT/XSDT OEM ids, which sysfs does not expose.
pub fn kernel_log_lines() -> Vec<String> {
    use std::os::unix::fs::OpenOptionsExt;
    const O_NONBLOCK: i32 = 0o4000;
    /// Keep only records that can name a root table (bounded memory).
    const KEEP: &[&str] = &["ACPI: RSDT ", "ACPI: XSDT "];
    let Ok(mut f) = std::fs::OpenOptions::new().read(true).custom_flags(O_NONBLOCK).open("/dev/kmsg") else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut buf = vec![0u8; 8192];
    // One record per read; stop at the end of the buffer (EAGAIN) or after a bound.
    for _ in 0..200_000 {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let line = String::from_utf8_lossy(buf.get(..n).unwrap_or_default());
                if KEEP.iter().any(|k| line.contains(k)) && lines.len() < 64 {
                    lines.push(line.into_owned());
                }
            }
            // EPIPE: a record was overwritten while reading; carry on.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(_) => break,
        }
    }
    lines
}
