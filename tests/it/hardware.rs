//! The `hardware` rule (Windows 11: TPM 2.0 and UEFI) end to end through the binary with
//! the TPM fixtures of fixtures/firmware/generate.py, the `firmware` command's TPM facts
//! (text and JSON), the policy's `hardware = "block"` and `[unknown] hardware`, and the
//! TPM2 fixtures read by an independent disassembler (iasl, ACPICA) when installed.

use super::common::{Run, TempDir, fixture, oemgate};

fn f(rel: &str) -> String {
    fixture(rel).display().to_string()
}

/// `check --json` of multi.wim index `index` (1: Windows 11 Pro, 10: Windows 10 Pro).
fn check(firmware: &str, index: &str, machine_fw: &str, extra: &[&str]) -> (Run, serde_json::Value) {
    let (fw, img) = (f(&format!("firmware/{firmware}")), f("images/multi.wim"));
    let mut args = vec!["check", "--image", &img, "--index", index, "--acpi-dir", &fw, "--no-offline-os", "--json"];
    args.extend(["--machine-arch", "x64", "--machine-firmware", machine_fw]);
    let v = if index == "10" { "10" } else { "11" };
    args.extend(["--licensed-version", v, "--licensed-language", "en-US"]);
    args.extend_from_slice(extra);
    let r = oemgate(&args);
    let j = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r, j)
}

fn hw(j: &serde_json::Value) -> &serde_json::Value {
    j["rules"].as_array().unwrap().iter().find(|r| r["id"] == "hardware").expect("a hardware rule")
}

fn msg(j: &serde_json::Value) -> String {
    hw(j)["message"].as_str().unwrap().to_string()
}

#[test]
fn tpm_2_0_and_uefi_pass() {
    for dump in ["tpm2-crb", "tpm2-tis"] {
        let (r, j) = check(dump, "1", "uefi64", &[]);
        assert_eq!(r.code, 0, "{dump}: {}{}", r.stdout, r.stderr);
        assert_eq!(hw(&j)["outcome"], "pass", "{dump}: {}", hw(&j));
        assert!(msg(&j).contains("TPM 2.0") && msg(&j).contains("UEFI"), "{}", msg(&j));
        let tpm = &j["licensed"]["machine"]["tpm"];
        assert_eq!((tpm["present"].as_bool(), tpm["version"].as_str()), (Some(true), Some("2.0")), "{tpm}");
        assert!(tpm["evidence"][0].as_str().unwrap().contains("TPM2"), "{tpm}");
        assert_eq!(j["warnings"], serde_json::json!([]));
    }
}

#[test]
fn tpm_1_2_only_or_bios_fails_and_warns_by_default() {
    let (r, j) = check("tpm12", "1", "uefi64", &[]);
    assert_eq!((r.code, j["verdict"].as_str()), (0, Some("allowed")), "{}", r.stdout);
    assert_eq!(hw(&j)["outcome"], "fail");
    assert_eq!(hw(&j)["effect"], "warn");
    assert!(msg(&j).contains("TPM 1.2 only"), "{}", msg(&j));
    assert_eq!(j["warnings"], serde_json::json!(["hardware"]));
    let (r, j) = check("tpm2-crb", "1", "bios", &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(hw(&j)["outcome"], "fail");
    assert!(msg(&j).contains("BIOS/CSM"), "{}", msg(&j));
}

#[test]
fn the_policy_can_make_a_failure_block() {
    let p = f("policy/hardware-block.toml");
    let (r, j) = check("tpm12", "1", "uefi64", &["--policy", &p]);
    assert_eq!((r.code, j["verdict"].as_str()), (1, Some("blocked")), "{}", r.stdout);
    assert_eq!(j["reasons"], serde_json::json!(["hardware"]));
    let (r, _) = check("tpm2-crb", "1", "bios", &["--policy", &p]);
    assert_eq!(r.code, 1);
    let (r, _) = check("tpm2-crb", "1", "uefi64", &["--policy", &p]);
    assert_eq!(r.code, 0, "TPM 2.0 + UEFI passes: {}", r.stdout);
    // A Windows 10 image has no such requirement.
    let (r, j) = check("tpm12", "10", "bios", &["--policy", &p]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(hw(&j)["outcome"], "skip");
}

#[test]
fn unreadable_or_missing_tpm_facts_are_unknown_never_a_crash() {
    for (dump, why) in [
        ("tpm2-truncated", "not readable"),
        ("tpm2-no-start-method", "start method 0"),
        ("tpm-none", "no TPM2 or TCPA table"),
    ] {
        let (r, j) = check(dump, "1", "uefi64", &[]);
        assert_eq!(r.code, 0, "{dump}: {}{}", r.stdout, r.stderr);
        assert_eq!(hw(&j)["outcome"], "unknown", "{dump}: {}", hw(&j));
        assert_eq!(hw(&j)["effect"], "note", "unknown is reported by default");
        assert!(msg(&j).contains(why), "{dump}: {}", msg(&j));
        assert!(j["licensed"]["machine"]["tpm"]["present"].is_null());
    }
    // [unknown] hardware = "block": cannot decide.
    let t = TempDir::new("hw-policy");
    let p = t.path().join("p.toml");
    std::fs::write(&p, "[unknown]\nhardware = \"block\"\n").unwrap();
    let p = p.display().to_string();
    let (r, j) = check("tpm2-truncated", "1", "uefi64", &["--policy", &p]);
    assert_eq!((r.code, j["reasons"].clone()), (3, serde_json::json!(["hardware"])), "{}", r.stdout);
}

#[test]
fn firmware_shows_the_tpm_facts() {
    let r = oemgate(["firmware", "--acpi-dir", &f("firmware/tpm2-crb"), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let t = &j["tpm"];
    assert_eq!((t["present"].as_bool(), t["version"].as_str()), (Some(true), Some("2.0")), "{t}");
    let table = &t["tpm2_table"];
    assert_eq!(table["start_method"], 7);
    assert_eq!(table["start_method_name"], "command response buffer (CRB)");
    assert_eq!(
        (table["platform_class"].as_str(), table["control_area"].as_str()),
        (Some("client"), Some("0xFED40040"))
    );
    assert_eq!(table["table_checksum_ok"], true);
    let r = oemgate(["firmware", "--acpi-dir", &f("firmware/tpm2-crb")]);
    assert!(r.stdout.contains("TPM              TPM 2.0"), "{}", r.stdout);
    assert!(r.stdout.contains("start method 7 (command response buffer (CRB))"), "{}", r.stdout);
    let r = oemgate(["firmware", "--acpi-dir", &f("firmware/tpm12"), "--json"]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["tpm"]["version"], "1.2");
    assert!(j["tpm"]["tpm2_table"].is_null());
    // A truncated TPM2 table is a fact about the TPM, not a reason to stop (exit 0).
    let r = oemgate(["firmware", "--acpi-dir", &f("firmware/tpm2-truncated"), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(j["tpm"]["unknown_reason"].as_str().unwrap().contains("TPM2"), "{}", j["tpm"]);
}

/// iasl (ACPICA) disassembles our TPM2 fixtures: it must read the start method and
/// control area we do (tests/setup.sh installs it).
#[test]
fn iasl_reads_the_tpm2_fixtures_as_we_do() {
    super::common::tool("iasl", &["-v"]);
    for (dump, sm, ca) in [("tpm2-crb", "07", "00000000FED40040"), ("tpm2-tis", "06", "0000000000000000")] {
        let t = TempDir::new("iasl");
        let src = t.path().join("tpm2.dat");
        std::fs::copy(fixture(&format!("firmware/{dump}/TPM2")), &src).unwrap();
        let out = std::process::Command::new("iasl").current_dir(t.path()).args(["-d", "tpm2.dat"]).output().unwrap();
        assert!(out.status.success(), "{dump}: {}", String::from_utf8_lossy(&out.stderr));
        let dsl = std::fs::read_to_string(t.path().join("tpm2.dsl")).unwrap();
        let field = |name: &str| {
            dsl.lines()
                .find(|l| l.contains(name))
                .and_then(|l| l.split_once(" : "))
                .and_then(|(_, v)| v.split_whitespace().next())
                .map(str::to_string)
                .unwrap_or_else(|| panic!("{dump}: no {name} in {dsl}"))
        };
        assert_eq!(field("Start Method"), sm, "{dump}");
        assert_eq!(field("Control Address").to_ascii_uppercase(), ca, "{dump}");
        let ours = oemgate(["firmware", "--acpi-dir", &f(&format!("firmware/{dump}")), "--json"]);
        let j: serde_json::Value = serde_json::from_str(&ours.stdout).unwrap();
        assert_eq!(j["tpm"]["tpm2_table"]["start_method"].as_u64(), u64::from_str_radix(sm, 16).ok());
    }
}

/// `match --select` on a PC whose Windows 11 hardware fails (TPM 1.2, BIOS): the licence
/// still decides the index (1, Windows 11 Pro), not an older index without the warning.
/// (The qemu SeaBIOS boot found this: indexes 10 and 11 tied by downgrade rights.)
#[test]
fn a_hardware_warning_does_not_change_the_selected_index() {
    let (img, fw) = (f("images/multi.wim"), f("firmware/tpm12"));
    for machine_fw in ["bios", "uefi64"] {
        let r = oemgate([
            "match",
            &img,
            "--acpi-dir",
            &fw,
            "--no-offline-os",
            "--select",
            "--machine-arch",
            "x64",
            "--machine-firmware",
            machine_fw,
            "--licensed-version",
            "11",
            "--licensed-language",
            "en-US",
        ]);
        assert_eq!((r.code, r.stdout.trim()), (0, "1"), "{machine_fw}: {}", r.stderr);
    }
}
