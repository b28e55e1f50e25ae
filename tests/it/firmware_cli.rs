//! `oemgate firmware` through the binary, on every fixture in fixtures/firmware.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oemgate"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/firmware")
}

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("expected.json")).unwrap()).unwrap()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let o = bin().args(args).output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn json_for(dir: &Path, extra: &[&str]) -> (Value, Out) {
    let mut args = vec!["firmware", "--json", "--acpi-dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.code, 0, "{}: {}", dir.display(), out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out)
}

/// The full key stored in a fixture's MSDM (bytes 56..85).
fn full_key(dir: &Path) -> String {
    let b = std::fs::read(dir.join("MSDM")).unwrap();
    String::from_utf8(b[56..85].to_vec()).unwrap()
}

#[test]
fn every_fixture_directory_gives_its_expected_facts() {
    let exp = expected();
    let map = exp.as_object().unwrap();
    assert!(map.len() >= 14, "fixtures missing: {}", map.len());
    for (name, e) in map {
        let dir = fixtures().join(name);
        let (v, out) = json_for(&dir, &[]);
        assert_eq!(v["command"], "firmware");
        for field in
            ["source", "oa3", "slic", "smbios", "firmware_type", "uefi_bitness", "secure_boot", "cpu_arch", "notes"]
        {
            assert!(v.get(field).is_some(), "{name}: JSON lacks {field}");
        }
        assert_eq!(v["firmware_type"], "unknown", "{name}: dumps never claim a firmware type");
        if e["msdm"] == true {
            let oa3 = &v["oa3"];
            for f in ["group_id", "edition_id", "key_type", "table_checksum_ok", "key_checksum_ok", "serial"] {
                assert_eq!(oa3[f], e[f], "{name}: {f}");
            }
            let key = full_key(&dir);
            assert_eq!(oa3["key_masked"], format!("XXXXX-XXXXX-XXXXX-XXXXX-{}", e["key_last"].as_str().unwrap()));
            assert!(oa3.get("key").is_none(), "{name}: key without --show-key");
            assert!(!out.stdout.contains(&key) && !out.stderr.contains(&key), "{name}: full key leaked");
            // Any group of the key but the last must not appear either.
            for g in key.split('-').take(4) {
                assert!(!out.stdout.contains(g), "{name}: key group {g} leaked");
            }
            let (shown, _) = json_for(&dir, &["--show-key"]);
            assert_eq!(shown["oa3"]["key"], key.as_str(), "{name}");
            // Text output: masked, and evidence of checksums and edition.
            let t = run(&["firmware", "--acpi-dir", dir.to_str().unwrap()]);
            assert_eq!(t.code, 0);
            assert!(!t.stdout.contains(&key), "{name}: text leaks the key");
            assert!(t.stdout.contains(&oa3["key_masked"].as_str().unwrap().to_string()), "{name}");
            let edition = e["edition_id"].as_str().unwrap_or("unknown edition");
            assert!(t.stdout.contains(edition), "{name}: text lacks {edition}");
            let t = run(&["firmware", "--show-key", "--acpi-dir", dir.to_str().unwrap()]);
            assert!(t.stdout.contains(&key), "{name}: --show-key text");
        } else {
            assert!(v["oa3"].is_null(), "{name}");
        }
        match e.get("slic") {
            Some(s) => {
                for (k, val) in s.as_object().unwrap() {
                    assert_eq!(&v["slic"][k], val, "{name}: slic.{k}");
                }
            }
            None => assert!(v["slic"].is_null(), "{name}"),
        }
        match e.get("smbios") {
            Some(s) => assert_eq!(&v["smbios"], s, "{name}"),
            None => assert!(v["smbios"].is_null(), "{name}"),
        }
    }
}

#[test]
fn from_file_and_slic_file_read_single_tables() {
    let f = fixtures();
    let out = run(&[
        "firmware",
        "--json",
        "--from-file",
        f.join("server-std/MSDM").to_str().unwrap(),
        "--slic-file",
        f.join("slic21/SLIC").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["oa3"]["edition_id"], "ServerStandard");
    assert_eq!(v["oa3"]["group_id"], 4545);
    assert_eq!(v["slic"]["version_minor"], 1);
    // No RSDT named: the OEM id check was not possible.
    assert!(v["slic"]["oem_ids_match"].is_null());
}

#[test]
fn bad_checksums_are_facts_not_errors() {
    let (v, _) = json_for(&fixtures().join("bad-table-checksum"), &[]);
    assert_eq!(v["oa3"]["table_checksum_ok"], false);
    assert_eq!(v["oa3"]["key_checksum_ok"], true);
    let (v, _) = json_for(&fixtures().join("bad-key-checksum"), &[]);
    assert_eq!(v["oa3"]["table_checksum_ok"], true);
    assert_eq!(v["oa3"]["key_checksum_ok"], false);
    let t = run(&["firmware", "--acpi-dir", fixtures().join("bad-key-checksum").to_str().unwrap()]);
    assert!(t.stdout.contains("FAILED"), "{}", t.stdout);
}

#[test]
fn damaged_tables_exit_4_with_one_line_and_no_stdout() {
    let dir = fixtures().join("damaged");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let opt = if name.starts_with("slic-") { "--slic-file" } else { "--from-file" };
        for json in [false, true] {
            let mut args = vec!["firmware", opt, p.to_str().unwrap()];
            if json {
                args.push("--json");
            }
            let out = run(&args);
            assert_eq!(out.code, 4, "{name}: {}", out.stderr);
            assert!(out.stdout.is_empty(), "{name}: stdout {}", out.stdout);
            assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
            assert!(out.stderr.starts_with("oemgate: error: "), "{name}: {}", out.stderr);
            assert!(out.stderr.contains(&name), "{name}: error names the file: {}", out.stderr);
            assert!(!out.stderr.contains("panicked"), "{name}");
        }
        n += 1;
    }
    assert!(n >= 15, "damaged fixtures missing: {n}");
}

#[test]
fn damaged_table_inside_acpi_dir_exits_4() {
    let tmp = std::env::temp_dir().join(format!("oemgate-fw-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::copy(fixtures().join("damaged/key-two-n.bin"), tmp.join("msdm.dat")).unwrap();
    let out = run(&["firmware", "--acpi-dir", tmp.to_str().unwrap()]);
    std::fs::remove_dir_all(&tmp).unwrap();
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("exactly one 'N'"), "{}", out.stderr);
}

#[test]
fn missing_inputs_and_bad_usage() {
    let out = run(&["firmware", "--acpi-dir", "/nonexistent/oemgate-fixture"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1);
    let out = run(&["firmware", "--from-file", "/nonexistent/MSDM.bin"]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let out = run(&["firmware", "--no-such-option"]);
    assert_eq!(out.code, 2);
}

#[test]
fn live_firmware_reads_or_asks_for_root() {
    let out = run(&["firmware", "--json"]);
    match out.code {
        0 => {
            let v: Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(v["source"], "live firmware");
            assert!(v["cpu_arch"].is_string(), "CPU architecture always known on Linux: {}", out.stdout);
            if v["oa3"].is_null() {
                assert!(v["notes"].to_string().contains("no OA3 key in firmware"));
            }
        }
        4 => assert!(out.stderr.contains("run as root"), "{}", out.stderr),
        c => panic!("exit {c}: {}", out.stderr),
    }
}
