//! Built-in tables checked against references we did not write, not against a hand copy
//! of themselves:
//! - architecture codes: mingw-w64's `winnt.h` (PROCESSOR_ARCHITECTURE_*,
//!   IMAGE_FILE_MACHINE_*), installed with the Windows cross toolchain (tests/setup.sh);
//! - LCIDs: Python's `locale.windows_locale` (CPython's table of Windows LCIDs).

use std::collections::BTreeMap;

use oemgate::arch::Arch;

const WINNT_H: &str = "/usr/share/mingw-w64/include/winnt.h";

/// `#define NAME VALUE` lines of winnt.h whose name starts with `prefix`.
fn defines(prefix: &str) -> BTreeMap<String, u32> {
    let text = std::fs::read_to_string(WINNT_H)
        .unwrap_or_else(|e| panic!("{WINNT_H}: {e} (tests/setup.sh installs gcc-mingw-w64-x86-64)"));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value)) = (w.next(), w.next(), w.next()) {
            if let Some(rest) = name.strip_prefix(prefix) {
                let v = value.trim_start_matches("0x");
                let radix = if value.starts_with("0x") { 16 } else { 10 };
                if let Ok(n) = u32::from_str_radix(v, radix) {
                    out.insert(rest.to_string(), n);
                }
            }
        }
    }
    out
}

#[test]
fn processor_architecture_codes_match_winnt_h() {
    let d = defines("PROCESSOR_ARCHITECTURE_");
    for (name, ours) in [("INTEL", "x86"), ("ARM", "arm"), ("IA64", "ia64"), ("AMD64", "x64"), ("ARM64", "arm64")] {
        let code = *d.get(name).unwrap_or_else(|| panic!("winnt.h has no PROCESSOR_ARCHITECTURE_{name}"));
        assert_eq!(
            Arch::from_processor_architecture(code).map(Arch::name),
            Some(ours),
            "PROCESSOR_ARCHITECTURE_{name}"
        );
        // the WIM XML reader says the same
        assert_eq!(oemgate::image::wim::xml::Arch::from_code(code).name, ours);
    }
    // every other code winnt.h defines is not one we claim to know
    let known: Vec<u32> = ["INTEL", "ARM", "IA64", "AMD64", "ARM64"].iter().map(|n| d[*n]).collect();
    for (name, code) in &d {
        if !known.contains(code) {
            assert_eq!(Arch::from_processor_architecture(*code), None, "PROCESSOR_ARCHITECTURE_{name} = {code}");
        }
    }
}

#[test]
fn coff_machine_types_match_winnt_h() {
    let d = defines("IMAGE_FILE_MACHINE_");
    for (name, ours) in [
        ("I386", "x86"),
        ("AMD64", "x64"),
        ("ARM64", "arm64"),
        ("ARM", "arm"),
        ("ARMNT", "arm"),
        ("THUMB", "arm"),
        ("IA64", "ia64"),
    ] {
        let code = *d.get(name).unwrap_or_else(|| panic!("winnt.h has no IMAGE_FILE_MACHINE_{name}"));
        let code = u16::try_from(code).unwrap();
        assert_eq!(Arch::from_coff_machine(code).map(Arch::name), Some(ours), "IMAGE_FILE_MACHINE_{name}");
        assert_eq!(oemgate::image::iso::pe::machine_name(code), ours);
    }
    // and goblin, which the PE reader parses with, agrees on the numbers
    assert_eq!(u32::from(goblin::pe::header::COFF_MACHINE_X86_64), d["AMD64"]);
    assert_eq!(u32::from(goblin::pe::header::COFF_MACHINE_ARM64), d["ARM64"]);
}

#[test]
fn lcids_match_pythons_windows_locale() {
    let out = std::process::Command::new("python3")
        .args(["-c", "import locale\nfor k, v in sorted(locale.windows_locale.items()): print(f'{k:#06x} {v}')"])
        .output()
        .expect("python3 (tests/setup.sh)");
    assert!(out.status.success());
    let python: BTreeMap<u32, String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((u32::from_str_radix(k.trim_start_matches("0x"), 16).ok()?, v.replace('_', "-")))
        })
        .collect();
    assert!(python.len() > 100, "{} LCIDs from Python", python.len());
    // Python keeps older names for a few: the same languages under today's tags.
    let renamed = [("sr-SP", "sr-Latn-RS")];
    for (lcid, tag) in oemgate::offline_os::lcid::entries() {
        let theirs = python.get(lcid).unwrap_or_else(|| panic!("Python has no LCID {lcid:#06x} ({tag})"));
        let theirs = renamed.iter().find(|(old, _)| old == theirs).map_or(theirs.as_str(), |(_, new)| new);
        assert_eq!(theirs, *tag, "LCID {lcid:#06x}");
    }
}
