//! Real firmware as it is: placeholder MSDM/SLIC tables, Windows 8/8.1 and Windows 10 S
//! key groups, a KMS client key in the MSDM, and SLIC markers compared with XSDT/RSDT,
//! through `oemgate firmware` and `oemgate check` on the fixtures of
//! fixtures/firmware/generate.py.

use serde_json::Value;

use crate::common::{fixture, oemgate};

const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

fn expected() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("firmware/expected.json")).unwrap()).unwrap()
}

fn firmware_json(dir: &str) -> Value {
    let d = fixture("firmware").join(dir);
    let r = oemgate(["firmware", "--json", "--acpi-dir", d.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{dir}: {}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

/// `check --json` of multi.wim index `index` against firmware dump `dir`.
fn check(dir: &str, index: &str, extra: &[&str]) -> (i32, Value, String) {
    let (d, i) = (fixture("firmware").join(dir), fixture("images/multi.wim"));
    let mut args: Vec<&str> = vec![
        "check",
        "--image",
        i.to_str().unwrap(),
        "--index",
        index,
        "--acpi-dir",
        d.to_str().unwrap(),
        "--no-offline-os",
        "--json",
    ];
    args.extend_from_slice(&MACHINE);
    args.extend_from_slice(extra);
    let r = oemgate(&args);
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{dir}: {e}: {} {}", r.stdout, r.stderr));
    (r.code, v, r.stdout)
}

fn rule<'a>(j: &'a Value, id: &str) -> &'a Value {
    j["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()
}

fn placeholder_fixtures() -> Vec<(String, Value)> {
    let exp = expected();
    let v: Vec<(String, Value)> = exp
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, e)| e.get("placeholders").is_some())
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect();
    assert!(v.len() >= 10, "one fixture per placeholder kind: {}", v.len());
    v
}

#[test]
fn placeholders_are_no_key_or_no_marker_with_a_note_never_exit_4() {
    let mut kinds = std::collections::BTreeSet::new();
    for (name, e) in placeholder_fixtures() {
        let v = firmware_json(&name);
        let want = &e["placeholders"][0];
        let got = &v["placeholders"][0];
        assert_eq!(got["table"], want["table"], "{name}: {v}");
        assert_eq!(got["kind"], want["kind"], "{name}: {v}");
        kinds.insert(format!("{}/{}", want["table"], want["kind"]));
        let table = want["table"].as_str().unwrap();
        let note = format!("placeholder {table} in firmware");
        assert!(v["notes"].to_string().contains(&note), "{name}: {}", v["notes"]);
        if table == "SLIC" {
            assert!(v["slic"].is_null(), "{name}");
            // The MSDM beside a placeholder SLIC is still read.
            assert_eq!(v["oa3"]["edition_id"], "Professional", "{name}");
            assert_eq!(v["oa3"]["group_id"], 3305, "{name}");
        } else {
            assert!(v["oa3"].is_null(), "{name}");
            assert!(v["notes"].to_string().contains("no OA3 key"), "{name}");
        }
        // The text output says it too.
        let d = fixture("firmware").join(&name);
        let t = oemgate(["firmware", "--acpi-dir", d.to_str().unwrap()]);
        assert_eq!(t.code, 0, "{name}: {}", t.stderr);
        assert!(t.stdout.contains(&note), "{name}: {}", t.stdout);
    }
    for k in ["all-ff", "all-zero", "header-only"] {
        for t in ["MSDM", "SLIC"] {
            assert!(kinds.contains(&format!("\"{t}\"/\"{k}\"")), "{t} {k} missing: {kinds:?}");
        }
    }
    assert!(kinds.contains("\"SLIC\"/\"no-public-key\"") && kinds.contains("\"SLIC\"/\"no-marker\""));
}

#[test]
fn check_reads_the_msdm_beside_a_placeholder_slic_and_fails_closed_without_a_key() {
    for (name, e) in placeholder_fixtures() {
        let args = ["--licensed-version", "11", "--licensed-language", "en-US"];
        let (code, j, out) = check(&name, "1", &args);
        if e["placeholders"][0]["table"] == "SLIC" {
            assert_eq!(code, 0, "{name}: {out}");
            assert_eq!(rule(&j, "edition")["outcome"], "pass", "{name}");
        } else {
            // Fail closed: no key, so the edition comes from the declaration or stays unknown.
            assert_eq!(code, 3, "{name}: {out}");
            let msg = rule(&j, "edition")["message"].as_str().unwrap().to_string();
            assert!(msg.contains("placeholder"), "{name}: {msg}");
            let mut with = args.to_vec();
            with.extend(["--licensed-edition", "Professional"]);
            let (code, j, out) = check(&name, "1", &with);
            assert_eq!(code, 0, "{name}: {out}");
            assert_eq!(j["licensed"]["edition"]["source"], "operator");
        }
    }
}

#[test]
fn windows_8_and_8_1_keys_entitle_their_windows_10_11_edition() {
    // (fixture, EditionId in the key's group, edition entitled, multi.wim index of that edition)
    for (dir, raw, entitled, index) in [
        ("win8-core", "Core", "Core", "13"),
        ("win8-pro", "Professional", "Professional", "1"),
        ("win81-core", "Core", "Core", "13"),
        ("win81-pro", "Professional", "Professional", "1"),
        ("win81-core-connected", "CoreConnected", "Core", "13"),
        ("win81-pro-student", "ProfessionalStudent", "Professional", "1"),
    ] {
        let v = firmware_json(dir);
        assert_eq!(v["oa3"]["edition_id"], raw, "{dir}");
        assert_eq!(v["oa3"]["key_type"], "OEM:DM", "{dir}");
        let product = v["oa3"]["product"].as_str().unwrap();
        let entitles = if raw == entitled { Value::Null } else { Value::from(entitled) };
        assert_eq!(v["oa3"]["entitles"], entitles, "{dir}");
        assert!(product.starts_with("Windows 8"), "{dir}: the key's release: {product}");
        let (code, j, out) = check(dir, index, &["--licensed-version", "11", "--licensed-language", "en-US"]);
        assert_eq!(code, 0, "{dir}: {out}");
        assert_eq!(j["licensed"]["edition"]["value"], entitled, "{dir}");
        let ev = j["licensed"]["edition"]["evidence"].as_str().unwrap();
        assert!(ev.contains(product), "{dir}: evidence names the key's release: {ev}");
        if raw != entitled {
            assert!(ev.contains(raw), "{dir}: the original EditionId stays in the evidence: {ev}");
        }
    }
    // A CoreConnectedSingleLanguage key entitles CoreSingleLanguage: not a Home image.
    let (code, j, _) = check("win81-core-connected-sl", "13", &[]);
    assert_eq!(code, 1);
    assert_eq!(j["licensed"]["edition"]["value"], "CoreSingleLanguage");
}

#[test]
fn a_windows_10_s_key_is_unknown_with_a_clear_message() {
    let v = firmware_json("win10s");
    assert_eq!(v["oa3"]["edition_id"], "Cloud");
    let (code, j, out) = check("win10s", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    assert_eq!(code, 3, "{out}");
    let msg = rule(&j, "edition")["message"].as_str().unwrap();
    assert!(msg.contains("Windows 10 S") && msg.contains("--licensed-edition"), "{msg}");
}

#[test]
fn a_kms_client_key_in_the_msdm_blocks_key_integrity() {
    let v = firmware_json("gvlk-in-msdm");
    assert_eq!(v["oa3"]["key_type"], "Volume:GVLK");
    let (code, j, out) = check("gvlk-in-msdm", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    assert_eq!(code, 1, "{out}");
    let r = rule(&j, "key-integrity");
    assert_eq!(r["outcome"], "fail");
    assert!(r["message"].as_str().unwrap().contains("Volume:GVLK"), "{r}");
    // A real OEM:DM key passes the same rule.
    let (_, j, _) = check("pro", "1", &[]);
    assert_eq!(rule(&j, "key-integrity")["outcome"], "pass");
}

#[test]
fn slic_markers_follow_the_xsdt_and_templates_are_not_the_makers() {
    let v = firmware_json("slic21-xsdt");
    let s = &v["slic"];
    assert_eq!((s["xsdt_match"].clone(), s["rsdt_match"].clone()), (Value::Bool(true), Value::Bool(false)));
    assert_eq!(s["oem_ids_match"], true);
    assert_eq!(s["decided_by"], "XSDT");
    assert_eq!(s["marker_version"], 0x0002_0000);
    assert!(
        !s["warnings"].to_string().contains("marker version"),
        "the constant marker dword is no finding: {}",
        s["warnings"]
    );
    // Windows 7 image (multi.wim index 11): the marker counts for KMS.
    let win7 = ["--licensed-edition", "Professional", "--licensed-version", "7"];
    let (_, j, _) = check("slic21-xsdt", "11", &win7);
    assert_eq!(rule(&j, "kms-marker")["outcome"], "pass");
    let (_, j, _) = check("slic-template", "11", &win7);
    let r = rule(&j, "kms-marker");
    assert_eq!(r["outcome"], "fail");
    assert!(r["message"].as_str().unwrap().contains("INSYDE"), "{r}");
    assert_eq!(firmware_json("slic-template")["slic"]["template_vendor"], "INSYDE");
    let (_, j, _) = check("placeholder-slic-ff", "11", &win7);
    assert!(rule(&j, "kms-marker")["message"].as_str().unwrap().contains("placeholder"));
    for (dir, name) in [("slic22", "2.2 Windows Server 2012"), ("slic23", "2.3 Windows Server 2012 R2")] {
        let v = firmware_json(dir);
        assert!(v["slic"]["activates"].as_str().unwrap().starts_with(name), "{dir}: {}", v["slic"]);
    }
    let v = firmware_json("slic-facp");
    assert_eq!(v["slic"]["decided_by"], "FACP");
    assert!(v["slic"]["compared_with"].to_string().contains("stand-in"));
}
