//! Windows firmware readers: `GetSystemFirmwareTable` ('ACPI', 'RSMB'), the firmware
//! type (`GetFirmwareType`, resolved at run time), Secure Boot from the registry and
//! the native CPU architecture.

use windows::Win32::Foundation::ERROR_SUCCESS;
use windows::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_REG_DWORD, RegGetValueW};
use windows::Win32::System::SystemInformation::{
    ACPI, FIRMWARE_TABLE_PROVIDER, FIRMWARE_TYPE, GetNativeSystemInfo, GetSystemFirmwareTable, RSMB, SYSTEM_INFO,
};
use windows::core::w;

use crate::error::{Error, Result};
use crate::platform::types::{FirmwareType, MAX_FIRMWARE_TABLE, MachineFacts, SmbiosRaw};

const FIRMWARE_TYPE_BIOS: i32 = 1;
const FIRMWARE_TYPE_UEFI: i32 = 2;

/// Table id for GetSystemFirmwareTable('ACPI'): the signature's bytes little-endian.
fn table_id(sig: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*sig)
}

/// Call GetSystemFirmwareTable twice (size, then data). `Ok(None)` when absent.
fn firmware_table(provider: FIRMWARE_TABLE_PROVIDER, id: u32, what: &str, limit: usize) -> Result<Option<Vec<u8>>> {
    // SAFETY: a null buffer asks for the size only.
    let size = unsafe { GetSystemFirmwareTable(provider, id, None) } as usize;
    if size == 0 {
        let err = std::io::Error::last_os_error();
        // ERROR_NOT_FOUND (1168) or ERROR_INVALID_PARAMETER: the table is not there.
        return match err.raw_os_error() {
            Some(5) => Err(Error::PermissionDenied {
                what: what.to_string(),
                hint: "permission denied (run as Administrator)",
            }),
            _ => Ok(None),
        };
    }
    if size > limit {
        return Err(Error::TooLarge { structure: "firmware table", offset: 0, size: size as u64, limit: limit as u64 }
            .in_file(what.to_string()));
    }
    let mut buf = vec![0u8; size];
    // SAFETY: the buffer is valid for `size` bytes; the API writes at most that many.
    let got = unsafe { GetSystemFirmwareTable(provider, id, Some(&mut buf)) } as usize;
    if got == 0 {
        return Err(Error::io(what.to_string(), &std::io::Error::last_os_error()));
    }
    if got > size {
        return Err(Error::malformed(
            "firmware table",
            0,
            format!("{what} grew from {size} to {got} bytes while reading"),
        ));
    }
    buf.truncate(got);
    Ok(Some(buf))
}

pub fn read_acpi_table(sig: &[u8; 4]) -> Result<Option<Vec<u8>>> {
    firmware_table(ACPI, table_id(sig), &acpi_table_evidence(sig), MAX_FIRMWARE_TABLE)
}

pub fn acpi_table_evidence(sig: &[u8; 4]) -> String {
    format!("ACPI firmware table {}", String::from_utf8_lossy(sig))
}

/// The raw SMBIOS blob (`RSMB`: an 8-byte header, then the structure table).
pub fn smbios_raw() -> Result<Option<SmbiosRaw>> {
    Ok(firmware_table(RSMB, 0, "SMBIOS firmware table (RSMB)", MAX_FIRMWARE_TABLE + 8)?.map(SmbiosRaw::Rsmb))
}

/// GetFirmwareType, looked up at run time: Windows 7 and Wine lack it.
fn get_firmware_type() -> Option<i32> {
    let proc = super::system_proc(w!("kernel32.dll"), b"GetFirmwareType\0")?;
    type GetFirmwareTypeFn = unsafe extern "system" fn(*mut FIRMWARE_TYPE) -> windows::core::BOOL;
    // SAFETY: the export has this signature (BOOL GetFirmwareType(PFIRMWARE_TYPE)).
    let f: GetFirmwareTypeFn = unsafe { std::mem::transmute(proc) };
    let mut t = FIRMWARE_TYPE(0);
    // SAFETY: `t` is a valid out pointer.
    let ok = unsafe { f(&mut t) };
    ok.as_bool().then_some(t.0)
}

fn reg_dword(subkey: windows::core::PCWSTR, value: windows::core::PCWSTR) -> Option<u32> {
    let mut data: u32 = 0;
    let mut size = std::mem::size_of::<u32>() as u32;
    // SAFETY: data/size point to a u32 and its size; RRF_RT_REG_DWORD limits the type.
    let rc = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            subkey,
            value,
            RRF_RT_REG_DWORD,
            None,
            Some(&mut data as *mut u32 as *mut core::ffi::c_void),
            Some(&mut size),
        )
    };
    (rc == ERROR_SUCCESS).then_some(data)
}

fn native_arch() -> Option<String> {
    let mut info = SYSTEM_INFO::default();
    // SAFETY: `info` is a valid out pointer.
    unsafe { GetNativeSystemInfo(&mut info) };
    // SAFETY: the union's struct view is always initialised by GetNativeSystemInfo.
    let arch = unsafe { info.Anonymous.Anonymous.wProcessorArchitecture }.0;
    match arch {
        9 => Some("x64".into()),
        0 => Some("x86".into()),
        12 => Some("arm64".into()),
        5 => Some("arm".into()),
        6 => Some("ia64".into()),
        _ => None,
    }
}

pub fn machine() -> MachineFacts {
    let mut m = MachineFacts { cpu_arch: native_arch(), ..Default::default() };
    let ft = get_firmware_type().or_else(|| {
        // WinPE records the firmware it booted from here.
        reg_dword(w!("SYSTEM\\CurrentControlSet\\Control"), w!("PEFirmwareType")).map(|v| v as i32)
    });
    m.firmware_type = match ft {
        Some(FIRMWARE_TYPE_UEFI) => FirmwareType::Uefi,
        Some(FIRMWARE_TYPE_BIOS) => FirmwareType::Bios,
        _ => {
            m.notes.push("firmware type: GetFirmwareType unavailable and no PEFirmwareType value".into());
            FirmwareType::Unknown
        }
    };
    match m.firmware_type {
        FirmwareType::Uefi => {
            // Windows boots only from UEFI of its own bitness: the running Windows'
            // native architecture tells the firmware's.
            m.uefi_bitness = match m.cpu_arch.as_deref() {
                Some("x64") | Some("arm64") | Some("ia64") => Some(64),
                Some("x86") | Some("arm") => Some(32),
                _ => None,
            };
            m.secure_boot =
                reg_dword(w!("SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State"), w!("UEFISecureBootEnabled"))
                    .map(|v| v == 1);
            if m.secure_boot.is_none() {
                m.notes.push("Secure Boot: no UEFISecureBootEnabled registry value".into());
            }
        }
        FirmwareType::Bios => m.secure_boot = Some(false),
        FirmwareType::Unknown => {}
    }
    m
}

/// Windows returns RSDT/XSDT through GetSystemFirmwareTable when it can; there is no
/// kernel log to fall back on.
pub fn kernel_log_lines() -> Vec<String> {
    Vec::new()
}
