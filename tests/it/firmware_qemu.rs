//! The firmware reader against real firmware: boots a Linux guest under qemu (SeaBIOS and
//! OVMF) whose ACPI carries fixtures/firmware/pro/MSDM and fixtures/firmware/qemu/SLIC
//! and whose SMBIOS type 1 names a maker and model, runs `oemgate firmware --json`
//! inside it (tests/qemu/run.sh) and checks what the guest saw; then the gate runs in
//! the guest on the live firmware (`check`, `match --select` on fixture images).
//!
//! A third boot (SeaBIOS) carries a placeholder SLIC (body all 0xFF) beside the valid
//! MSDM: the key is still read and the gate still allows.
//!
//! Windows 11 hardware: a fourth boot (OVMF) carries a TPM2 table
//! (fixtures/firmware/qemu/TPM2 through `-acpitable`): the `hardware` rule of the Windows
//! 11 Pro image passes there, and fails on the SeaBIOS and OVMF boots without one (with
//! `hardware = "block"` in the guest's policy: exit 1 there, 0 with the TPM2 table).
//!
//! `#[ignore]`d: tests/run.sh runs it with `--include-ignored` and OEMGATE_QEMU_TESTS=1.
//! Run without that variable it fails (a test that cannot run never passes).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn enabled() -> bool {
    std::env::var("OEMGATE_QEMU_TESTS").as_deref() == Ok("1")
}

struct Boot {
    json: Value,
    serial: String,
    dump: Value,
}

fn boot(which: &str, work: &Path) -> Boot {
    let status = Command::new("bash")
        .arg(root().join("tests/qemu/run.sh"))
        .arg(which)
        .env("OEMGATE_QEMU_WORK", work)
        .status()
        .expect("run tests/qemu/run.sh");
    assert!(status.success(), "tests/qemu/run.sh {which} failed: {status}");
    let json = std::fs::read_to_string(work.join(format!("{which}.json"))).unwrap();
    let serial = String::from_utf8_lossy(&std::fs::read(work.join(format!("{which}.serial"))).unwrap()).into_owned();
    let dump = std::fs::read_to_string(work.join(format!("{which}.dump.json"))).unwrap();
    Boot {
        json: serde_json::from_str(&json).unwrap_or_else(|e| panic!("{which}: bad JSON ({e}): {json}")),
        serial,
        dump: serde_json::from_str(&dump).unwrap_or_else(|e| panic!("{which}: bad dump JSON ({e}): {dump}")),
    }
}

fn check_common(which: &str, b: &Boot) {
    let (v, serial) = (&b.json, b.serial.as_str());
    let msdm = std::fs::read(root().join("fixtures/firmware/pro/MSDM")).unwrap();
    let key = String::from_utf8(msdm[56..85].to_vec()).unwrap();
    assert_eq!(v["source"], "live firmware", "{which}");
    let oa3 = &v["oa3"];
    assert_eq!(oa3["evidence"], "/sys/firmware/acpi/tables/MSDM", "{which}");
    assert_eq!(oa3["group_id"], 3305, "{which}");
    assert_eq!(oa3["edition_id"], "Professional", "{which}");
    assert_eq!(oa3["key_type"], "OEM:DM", "{which}");
    // qemu recomputes the table checksum; the key's own checksum is the fixture's.
    assert_eq!(oa3["table_checksum_ok"], true, "{which}");
    assert_eq!(oa3["key_checksum_ok"], true, "{which}");
    assert_eq!(oa3["key_masked"], format!("XXXXX-XXXXX-XXXXX-XXXXX-{}", &key[24..]), "{which}");
    assert!(oa3.get("key").is_none(), "{which}");
    assert!(!serial.contains(&key), "{which}: the full key appears in the guest's output");
    assert_eq!(oa3["oem_id"], "OEMGAT", "{which}: qemu kept the table's OEM id");
    let slic = &v["slic"];
    assert_eq!(slic["version_major"], 2, "{which}");
    assert_eq!(slic["version_minor"], 1, "{which}");
    assert_eq!(slic["activates"], "2.1 Windows 7/Server 2008 R2", "{which}");
    assert_eq!(slic["oem_id"], "BOCHS", "{which}");
    assert_eq!(slic["oem_table_id"], "BXPC", "{which}");
    assert_eq!(slic["table_checksum_ok"], true, "{which}");
    // Linux hides RSDT/XSDT from sysfs; their OEM ids come from the kernel's boot log,
    // and qemu's are BOCHS/BXPC like the fixture marker's.
    assert_eq!(slic["oem_ids_match"], true, "{which}: {slic}");
    let compared = slic["compared_with"].to_string();
    assert!(compared.contains("(BOCHS/BXPC) from kernel boot log"), "{which}: {compared}");
    let smbios = &v["smbios"];
    assert_eq!(smbios["manufacturer"], "Oemgate Test Maker", "{which}");
    assert_eq!(smbios["product"], "QEMU OA3 Fixture", "{which}");
    assert_eq!(smbios["serial"], "OG-QEMU-0001", "{which}");
    assert_eq!(v["cpu_arch"], "x64", "{which}");
    // The guest's own tables dumped to files and read back with --acpi-dir (DMI is the
    // firmware's raw SMBIOS table, parsed by the SMBIOS structure parser).
    let d = &b.dump;
    assert_eq!(d["smbios"], v["smbios"], "{which}: raw SMBIOS table vs /sys/class/dmi/id");
    assert_eq!(d["oa3"]["group_id"], 3305, "{which}");
    assert_eq!(d["oa3"]["table_checksum_ok"], true, "{which}");
    assert_eq!(d["slic"]["version_minor"], 1, "{which}");
    assert_eq!(d["firmware_type"], "unknown", "{which}: dumps never claim a firmware type");
    // Run as an ordinary user: the MSDM exists but is root-only: exit 4, one line, no stdout.
    let clean: String = serial.replace('\r', "");
    for line in [
        "OEMGATE-NONROOT-EXIT: 4",
        "OEMGATE-NONROOT-STDOUT-BYTES: 0",
        "OEMGATE-NONROOT-STDERR: oemgate: error: /sys/firmware/acpi/tables/MSDM: permission denied (run as root)",
        "OEMGATE-NONROOT-STDERR-LINES: 1",
    ] {
        assert!(clean.lines().any(|l| l == line), "{which}: guest output lacks {line:?}");
    }
    // The human table printed after the JSON shows the same facts, masked.
    assert!(serial.contains("Professional (OEM:DM"), "{which}: text report missing");
}

/// The text the guest printed between `OEMGATE-{name}-BEGIN` and `-END`, and the exit code.
fn gate_block(which: &str, serial: &str, name: &str) -> (String, i32) {
    let clean = serial.replace('\r', "");
    let begin = format!("OEMGATE-{name}-BEGIN\n");
    let end = format!("OEMGATE-{name}-END\n");
    let start =
        clean.find(&begin).unwrap_or_else(|| panic!("{which}: no {name} block in the guest output")) + begin.len();
    let stop = start + clean[start..].find(&end).unwrap_or_else(|| panic!("{which}: {name} block not closed"));
    let exit_tag = format!("OEMGATE-{name}-EXIT: ");
    let code = clean
        .lines()
        .find_map(|l| l.strip_prefix(exit_tag.as_str()))
        .unwrap_or_else(|| panic!("{which}: no exit code for {name}"))
        .trim()
        .parse()
        .unwrap();
    (clean[start..stop].to_string(), code)
}

fn gate_json(which: &str, serial: &str, name: &str) -> (Value, i32) {
    let (text, code) = gate_block(which, serial, name);
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{which}: {name}: bad JSON ({e}): {text}"));
    (v, code)
}

fn outcome<'a>(v: &'a Value, id: &str) -> &'a str {
    v["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["outcome"].as_str().unwrap()
}

/// The gate on live firmware: the OA3 key, CPU and firmware type come from the machine.
fn check_gate(which: &str, b: &Boot, firmware_type: &str) {
    let serial = b.serial.as_str();
    let msdm = std::fs::read(root().join("fixtures/firmware/pro/MSDM")).unwrap();
    let key = String::from_utf8(msdm[56..85].to_vec()).unwrap();

    // Windows 11 Pro x64 en-US on a Professional OEM:DM PC whose COA says 11, en-US: allowed.
    let (v, code) = gate_json(which, serial, "CHECK-PRO");
    assert_eq!((code, v["verdict"].as_str()), (0, Some("allowed")), "{which}: {v}");
    let l = &v["licensed"];
    assert_eq!(l["edition"]["value"], "Professional", "{which}");
    assert_eq!(l["edition"]["source"], "firmware", "{which}");
    assert!(l["edition"]["evidence"].as_str().unwrap().contains("/sys/firmware/acpi/tables/MSDM"), "{which}: {l}");
    assert_eq!(l["machine"]["cpu_arch"], "x64", "{which}");
    assert_eq!(l["machine"]["firmware_type"], firmware_type, "{which}");
    assert_eq!(l["firmware_key"]["key"], format!("XXXXX-XXXXX-XXXXX-XXXXX-{}", &key[24..]), "{which}");
    for id in ["key-integrity", "edition", "version", "language", "arch"] {
        assert_eq!(outcome(&v, id), "pass", "{which}: rule {id}: {v}");
    }
    assert!(!serial.contains(&key), "{which}: the full key appears in the guest's output");

    // A Home image on the Professional PC: blocked by edition.
    let (v, code) = gate_json(which, serial, "CHECK-HOME");
    assert_eq!((code, v["verdict"].as_str()), (1, Some("blocked")), "{which}: {v}");
    assert_eq!(v["reasons"], serde_json::json!(["edition"]), "{which}");

    // An x86 image: wrong edition everywhere; it boots under BIOS, not under 64-bit UEFI.
    let (v, code) = gate_json(which, serial, "CHECK-X86");
    assert_eq!(code, 1, "{which}: {v}");
    match firmware_type {
        "bios" => {
            assert_eq!(outcome(&v, "arch"), "pass", "{which}: x86 boots under BIOS: {v}");
            assert_eq!(v["reasons"], serde_json::json!(["edition"]), "{which}");
        }
        _ => {
            assert_eq!(outcome(&v, "arch"), "fail", "{which}: 64-bit UEFI cannot boot x86: {v}");
            assert_eq!(v["reasons"], serde_json::json!(["edition", "arch"]), "{which}");
        }
    }

    // match --select picks the one index this PC may receive: 1 (Windows 11 Pro en-US).
    let (text, code) = gate_block(which, serial, "SELECT");
    assert_eq!((code, text.trim()), (0, "1"), "{which}");
}

/// The `hardware` rule inside the guest: TPM facts read live, pass only with TPM 2.0 + UEFI.
fn check_hardware(which: &str, b: &Boot, tpm2: bool, uefi: bool) {
    let t = &b.json["tpm"];
    let (v, code) = gate_json(which, &b.serial, "CHECK-PRO");
    assert_eq!(code, 0, "{which}: hardware warns by default: {v}");
    let hw = v["rules"].as_array().unwrap().iter().find(|r| r["id"] == "hardware").unwrap();
    let (blocked, block_code) = gate_json(which, &b.serial, "HW-BLOCK");
    if tpm2 {
        assert_eq!((t["present"].as_bool(), t["version"].as_str()), (Some(true), Some("2.0")), "{which}: {t}");
        let table = &t["tpm2_table"];
        assert_eq!(table["evidence"], "/sys/firmware/acpi/tables/TPM2", "{which}: {t}");
        assert_eq!((table["start_method"].as_u64(), table["control_area"].as_str()), (Some(7), Some("0xFED40040")));
        assert_eq!(b.dump["tpm"]["version"], "2.0", "{which}: the dumped TPM2 reads alike: {}", b.dump["tpm"]);
        assert!(b.serial.contains("TPM              TPM 2.0"), "{which}: text report lacks the TPM");
    } else {
        assert_eq!(t["present"], false, "{which}: no TPM2/TCPA table, no /sys/class/tpm: {t}");
        assert!(t["tpm2_table"].is_null(), "{which}");
    }
    if tpm2 && uefi {
        assert_eq!(hw["outcome"], "pass", "{which}: {hw}");
        assert_eq!((block_code, blocked["verdict"].as_str()), (0, Some("allowed")), "{which}: {blocked}");
    } else {
        assert_eq!((hw["outcome"].as_str(), hw["effect"].as_str()), (Some("fail"), Some("warn")), "{which}: {hw}");
        let m = hw["message"].as_str().unwrap();
        assert_eq!(m.contains("no TPM"), !tpm2, "{which}: {m}");
        assert_eq!(m.contains("BIOS/CSM"), !uefi, "{which}: {m}");
        assert_eq!(
            (block_code, blocked["reasons"].clone()),
            (1, serde_json::json!(["hardware"])),
            "{which}: {blocked}"
        );
    }
}

#[test]
#[ignore = "boots qemu: tests/run.sh runs it with --include-ignored"]
fn qemu_seabios_and_ovmf_firmware_seen_from_inside_the_guest() {
    assert!(enabled(), "set OEMGATE_QEMU_TESTS=1 to boot qemu (tests/run.sh does)");
    let work = root().join("target/qemu-test");
    std::fs::create_dir_all(&work).unwrap();

    let b = boot("seabios", &work);
    check_common("seabios", &b);
    check_gate("seabios", &b, "bios");
    check_hardware("seabios", &b, false, false);
    let v = &b.json;
    assert_eq!(v["firmware_type"], "bios");
    assert!(v["uefi_bitness"].is_null());
    assert_eq!(v["secure_boot"], false);

    let b = boot("ovmf", &work);
    check_common("ovmf", &b);
    check_gate("ovmf", &b, "uefi");
    check_hardware("ovmf", &b, false, true);
    let v = &b.json;
    assert_eq!(v["firmware_type"], "uefi");
    assert_eq!(v["uefi_bitness"], 64);
    // Debian's OVMF.fd supports Secure Boot but enrolls no keys: the SecureBoot
    // variable exists and is 0.
    assert_eq!(v["secure_boot"], false);
}

#[test]
fn qemu_placeholder_slic_beside_a_valid_msdm() {
    if !enabled() {
        return;
    }
    let work = root().join("target/qemu-test");
    std::fs::create_dir_all(&work).unwrap();
    let b = boot("placeholder", &work);
    let v = &b.json;
    assert_eq!(v["source"], "live firmware");
    // The SLIC is there but holds no marker: no SLIC facts, a placeholder and its note.
    assert!(v["slic"].is_null(), "{v}");
    let p = &v["placeholders"][0];
    assert_eq!((p["table"].as_str(), p["kind"].as_str()), (Some("SLIC"), Some("all-ff")), "{v}");
    assert_eq!(p["evidence"], "/sys/firmware/acpi/tables/SLIC");
    assert!(v["notes"].to_string().contains("placeholder SLIC in firmware: no Windows marker"), "{}", v["notes"]);
    // The MSDM beside it is read as on any other machine.
    let oa3 = &v["oa3"];
    assert_eq!((oa3["group_id"].as_i64(), oa3["edition_id"].as_str()), (Some(3305), Some("Professional")), "{v}");
    assert_eq!(oa3["key_checksum_ok"], true);
    assert_eq!(b.dump["placeholders"][0]["kind"], "all-ff", "the dumped tables read alike: {}", b.dump);
    // And the gate on this live firmware allows the Pro image.
    let (g, code) = gate_json("placeholder", &b.serial, "CHECK-PRO");
    assert_eq!((code, g["verdict"].as_str()), (0, Some("allowed")), "{g}");
    assert_eq!(g["licensed"]["edition"]["value"], "Professional");
}

#[test]
fn qemu_tpm2_table_passes_the_windows_11_hardware_rule() {
    if !enabled() {
        return;
    }
    let work = root().join("target/qemu-test");
    std::fs::create_dir_all(&work).unwrap();
    let b = boot("tpm", &work);
    check_common("tpm", &b);
    check_gate("tpm", &b, "uefi");
    check_hardware("tpm", &b, true, true);
}
