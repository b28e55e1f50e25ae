//! Fleet scale (issue 14): evidence records written by many `check` runs at once into
//! one folder, `summarize` over them (its CSV read back with Python's csv module, a
//! reader we did not write), a truncated record, and `evidence_required`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::{TempDir, fixture, oemgate};

const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

/// (firmware dump, multi.wim index, extra flags, expected verdict, expected blocking rules).
const CASES: [(&str, &str, &[&str], &str, &str); 3] = [
    ("pro", "1", &["--licensed-version", "11", "--licensed-language", "en-US"], "allowed", ""),
    ("core", "8", &["--licensed-language", "ja-JP"], "blocked", "edition"),
    ("pro", "1", &["--licensed-language", "ja-JP", "--show-key"], "blocked", "language"),
];

fn check_args(case: usize, evidence: &Path) -> Vec<String> {
    let (fw, index, extra, _, _) = CASES[case];
    let mut a: Vec<String> = vec![
        "check".into(),
        "--image".into(),
        fixture("images/multi.wim").display().to_string(),
        "--index".into(),
        index.into(),
        "--acpi-dir".into(),
        fixture(&format!("firmware/{fw}")).display().to_string(),
        "--no-offline-os".into(),
        "--evidence".into(),
        evidence.display().to_string(),
    ];
    a.extend(MACHINE.iter().chain(extra.iter()).map(|s| s.to_string()));
    a
}

/// The full OA3 key of a firmware dump, from `firmware --show-key --json`.
fn full_key(fw: &str) -> String {
    let r = oemgate([
        "firmware",
        "--acpi-dir",
        &fixture(&format!("firmware/{fw}")).display().to_string(),
        "--show-key",
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let k = j["oa3"]["key"].as_str().unwrap().to_string();
    assert_eq!(k.len(), 29, "{k}");
    k
}

/// The CSV's rows as maps, read by Python's csv module.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let script = "import csv, json, sys\nprint(json.dumps(list(csv.DictReader(open(sys.argv[1], newline='')))))";
    let out = Command::new("python3").args(["-c", script]).arg(path).output().expect("python3 is needed by this test");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn forty_concurrent_runs_give_forty_records_and_summarize_reads_them() {
    let dir = TempDir::new("fleet");
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    // 40 runs, 4 threads at once, each spawning the binary: cases cycle allow/block.
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let records = records.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        let case = (t * 10 + i) % CASES.len();
                        let r = oemgate(check_args(case, &records));
                        (case, r.code, r.stderr)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut expected: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for t in threads {
        for (case, code, stderr) in t.join().unwrap() {
            let (_, _, _, verdict, rules) = CASES[case];
            let want = if verdict == "allowed" { 0 } else { 1 };
            assert_eq!(code, want, "case {case}: {stderr}");
            assert!(!stderr.contains("evidence"), "case {case}: {stderr}");
            *expected.entry((verdict.into(), want.to_string(), rules.into())).or_default() += 1;
        }
    }
    let files = json_files(&records);
    assert_eq!(files.len(), 40, "one record per run, no temporary file left: {files:?}");
    assert!(files.iter().all(|f| f.extension().is_some_and(|e| e == "json")));

    // No full key anywhere, even from the runs with --show-key.
    let keys = [full_key("pro"), full_key("core")];
    let msdm_sha = {
        let out = Command::new("sha256sum").arg(fixture("firmware/pro/MSDM")).output().expect("sha256sum");
        String::from_utf8(out.stdout).unwrap().split_whitespace().next().unwrap().to_string()
    };
    let mut pro_records = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for k in &keys {
            assert!(!text.contains(k.as_str()), "{}: holds the full key", f.display());
            assert!(!text.contains(&k.replace('-', "")), "{}: holds the full key", f.display());
        }
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(j["record"], "oemgate-evidence");
        assert_eq!(j["schema"], 1);
        assert!(j["firmware"]["key"].as_str().unwrap().starts_with("XXXXX-XXXXX-XXXXX-XXXXX-"), "{text}");
        if j["firmware"]["source"].as_str().unwrap().ends_with("firmware/pro") {
            pro_records += 1;
            // The table's SHA-256 as sha256sum computes it over the dump.
            assert_eq!(j["firmware"]["tables"][0]["signature"], "MSDM");
            assert_eq!(j["firmware"]["tables"][0]["sha256"], msdm_sha.as_str());
            assert_eq!(j["machine"]["serial"], "FX-0001", "the dump's SMBIOS serial");
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with("oemgate-") && name.contains("-FX-0001-"), "{name}");
        }
    }
    assert!(pro_records >= 20, "{pro_records}");

    // summarize: 40 CSV rows with the verdicts the runs had.
    let csv = dir.path().join("all.csv");
    let r = oemgate(["summarize".as_ref(), records.as_os_str(), "--csv".as_ref(), csv.as_os_str()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("40 record(s), 0 unreadable"), "{}", r.stdout);
    assert!(r.stdout.contains("Professional x Core"), "{}", r.stdout);
    let rows = read_csv(&csv);
    assert_eq!(rows.len(), 40);
    let mut got: BTreeMap<(String, String, String), u32> = BTreeMap::new();
    for row in &rows {
        for col in [
            "time",
            "maker",
            "model",
            "serial",
            "image",
            "index",
            "image_edition",
            "licensed_edition",
            "edition_source",
            "verdict",
            "exit_code",
            "blocking_rules",
            "reason",
        ] {
            assert!(row.contains_key(col), "{col}: {row:?}");
        }
        assert_eq!(row["image_edition"], "Professional");
        *got.entry((row["verdict"].clone(), row["exit_code"].clone(), row["blocking_rules"].clone())).or_default() += 1;
    }
    assert_eq!(got, expected);
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(keys.iter().all(|k| !csv_text.contains(k.as_str())));

    // --json: the same counts for scripts.
    let r = oemgate(["summarize".as_ref(), records.as_os_str(), "--json".as_ref()]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["records"], 40);
    let allowed = expected.iter().filter(|((v, _, _), _)| v == "allowed").map(|(_, n)| *n).sum::<u32>();
    assert_eq!(j["verdicts"]["allowed"], allowed);

    // A truncated record: named, counted, exit 4; the other 39 rows still written.
    let victim = &files[7];
    let bytes = std::fs::read(victim).unwrap();
    std::fs::write(victim, &bytes[..bytes.len() / 2]).unwrap();
    let r = oemgate(["summarize".as_ref(), records.as_os_str(), "--csv".as_ref(), csv.as_os_str()]);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(&victim.display().to_string()), "{}", r.stderr);
    assert!(r.stdout.contains("39 record(s), 1 unreadable"), "{}", r.stdout);
    assert_eq!(read_csv(&csv).len(), 39);
}

#[test]
fn an_unwritable_record_warns_unless_the_policy_requires_it() {
    let dir = TempDir::new("fleet-required");
    let missing = dir.path().join("no-such-folder");
    let log = dir.path().join("oemgate.log");
    let mut args = check_args(0, &missing);
    args.extend(["--log".to_string(), log.display().to_string()]);
    let r = oemgate(&args);
    assert_eq!(r.code, 0, "a warning only: {}", r.stderr);
    assert!(r.stderr.contains("warning: evidence record not written"), "{}", r.stderr);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("evidence record not written") && text.contains("type=\"2\""), "{text}");

    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, format!("evidence_required = true\nevidence_dir = '{}'\n", missing.display())).unwrap();
    let mut args = check_args(0, &missing);
    // The policy's folder is used without --evidence.
    let at = args.iter().position(|a| a == "--evidence").unwrap();
    args.drain(at..at + 2);
    args.extend(["--policy".to_string(), policy.display().to_string()]);
    let r = oemgate(&args);
    assert_eq!(r.code, 4, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("error: evidence record not written (the policy requires it)"), "{}", r.stderr);

    // The same policy with a folder that exists: a record, exit 0.
    std::fs::create_dir(&missing).unwrap();
    let r = oemgate(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json_files(&missing).len(), 1);
}

/// A run that ends before a verdict still leaves its record: verdict `error`, exit 4
/// (an image that is not there, a truncated image) or 2 (several indexes and no --index),
/// the machine from the dumped SMBIOS table, the error as the reason, the CMTrace log
/// says so; `summarize` counts them under `error`. A policy that cannot be read leaves
/// a record only where `--evidence` names the folder.
#[test]
fn a_run_that_fails_before_a_verdict_leaves_an_error_record() {
    let dir = TempDir::new("fleet-error");
    let records = dir.path().join("records");
    std::fs::create_dir(&records).unwrap();
    let log = dir.path().join("oemgate.log");
    let truncated = dir.path().join("truncated.wim");
    let whole = std::fs::read(fixture("images/multi.wim")).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let set = |args: &mut Vec<String>, flag: &str, value: &str| {
        let at = args.iter().position(|a| a == flag).unwrap();
        args[at + 1] = value.to_string();
    };
    let mut cases: Vec<(Vec<String>, i32)> = Vec::new();
    let mut a = check_args(0, &records);
    set(&mut a, "--image", &dir.path().join("missing.wim").display().to_string());
    cases.push((a, 4));
    let mut a = check_args(1, &records);
    set(&mut a, "--image", &truncated.display().to_string());
    cases.push((a, 4));
    let mut a = check_args(0, &records);
    let at = a.iter().position(|x| x == "--index").unwrap();
    a.drain(at..at + 2);
    cases.push((a, 2));
    let mut a = check_args(0, &records);
    a[0] = "match".into();
    let at = a.iter().position(|x| x == "--index").unwrap();
    a.drain(at..at + 2);
    set(&mut a, "--image", &dir.path().join("missing.wim").display().to_string());
    a.retain(|x| x != "--image"); // match takes the image as its argument
    cases.push((a, 4));
    for (mut args, code) in cases {
        args.extend(["--log".to_string(), log.display().to_string()]);
        let r = oemgate(&args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("oemgate: error:"), "{}", r.stderr);
    }
    let files = json_files(&records);
    assert_eq!(files.len(), 4, "one record per failed run: {files:?}");
    let mut seen = Vec::new();
    for f in &files {
        let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        assert_eq!(j["verdict"], "error", "{j}");
        assert!(j["indexes"].as_array().unwrap().is_empty(), "{j}");
        assert!(!j["reason"].as_str().unwrap().is_empty(), "{j}");
        assert!(j["firmware"]["key"].is_null(), "{j}");
        // who: the dumped SMBIOS table of the firmware folder (the "core" dump has none)
        let has_dmi = j["firmware"]["source"].as_str().unwrap().ends_with("pro");
        assert_eq!(j["machine"]["serial"].as_str(), has_dmi.then_some("FX-0001"), "{j}");
        seen.push((j["command"].as_str().unwrap().to_string(), j["exit_code"].as_u64().unwrap()));
    }
    seen.sort();
    assert_eq!(
        seen,
        [("check".to_string(), 2), ("check".to_string(), 4), ("check".to_string(), 4), ("match".to_string(), 4)]
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("evidence record written").count(), 4, "{text}");
    assert!(text.contains("check: error:") && text.contains("type=\"3\""), "{text}");

    let r = oemgate(["summarize".as_ref(), records.as_os_str(), "--json".as_ref()]);
    assert_eq!(r.code, 0, "error records are readable records: {}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["verdicts"], serde_json::json!({"error": 4}), "{j}");

    // The policy itself unreadable: only --evidence names the folder.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "evidence_dir = [").unwrap();
    let mut a = check_args(0, &records);
    a.extend(["--policy".to_string(), bad.display().to_string()]);
    let r = oemgate(&a);
    assert_eq!(r.code, 4, "a policy file that does not parse is corrupt input: {}", r.stderr);
    assert_eq!(json_files(&records).len(), 5);
}

#[test]
fn summarize_counts_a_missing_folder_and_a_stray_file() {
    let dir = TempDir::new("fleet-stray");
    std::fs::write(dir.path().join("notes.json"), "{\"hello\": 1}").unwrap();
    std::fs::write(dir.path().join(".oemgate-0123.tmp"), "half").unwrap();
    // Larger than a record may be: refused after 1 MiB + 1 byte, not read whole.
    std::fs::write(dir.path().join("sub-big.json"), vec![b' '; 3 << 20]).unwrap();
    let r = oemgate(["summarize".as_ref(), dir.path().as_os_str(), dir.path().join("gone").as_os_str()]);
    assert_eq!(r.code, 4);
    assert!(r.stderr.contains("notes.json") && r.stderr.contains("gone"), "{}", r.stderr);
    assert!(
        r.stderr.contains("sub-big.json") && r.stderr.contains("exceeds the limit of 1048576 bytes"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("0 record(s), 3 unreadable"), "{}", r.stdout);
    let r = oemgate(["summarize"]);
    assert_eq!(r.code, 2, "a folder is required");
}

/// Media Creation Tool layout, written by genisoimage: `setup.exe` at the root,
/// `x64/sources/install.wim` (pro.wim: one x64 index) and `x86/sources/install.wim`
/// (multi.wim, whose index 3 is x86 Home).
fn dual_arch_iso(dir: &Path) -> std::path::PathBuf {
    let tree = dir.join("tree");
    for (arch, wim) in [("x64", "pro.wim"), ("x86", "multi.wim")] {
        std::fs::create_dir_all(tree.join(arch).join("sources")).unwrap();
        std::fs::copy(fixture(&format!("images/{wim}")), tree.join(arch).join("sources/install.wim")).unwrap();
    }
    std::fs::write(tree.join("setup.exe"), b"MZ").unwrap();
    // Only the x86 image's folder says VL media.
    std::fs::write(tree.join("x86/sources/ei.cfg"), b"[Channel]\r\nVolume\r\n").unwrap();
    let iso = dir.join("dual.iso");
    let out = Command::new("genisoimage")
        .args(["-quiet", "-J", "-R", "-V", "DUAL", "-o"])
        .arg(&iso)
        .arg(&tree)
        .output()
        .expect("genisoimage is needed by this test (tests/setup.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    iso
}

#[test]
fn dual_architecture_media_judge_the_machines_image() {
    let dir = TempDir::new("fleet-dual");
    let iso = dual_arch_iso(dir.path());
    let iso_s = iso.display().to_string();
    let json = |args: &[&str]| -> (i32, serde_json::Value) {
        let r = oemgate(args);
        (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr)))
    };
    // inspect lists both images with their architectures.
    let (code, j) = json(&["inspect", &iso_s, "--json"]);
    assert_eq!(code, 0);
    let all = &j["media"]["install_images"];
    assert_eq!(all[0]["path"], "x64/sources/install.wim", "{j}");
    assert_eq!(all[0]["arch"], "x64");
    assert_eq!(all[1]["path"], "x86/sources/install.wim");
    assert_eq!(all[1]["arch"], "x86");
    let (code, j) = json(&["inspect", &iso_s, "--json", "--media-arch", "x86"]);
    assert_eq!(code, 0);
    assert_eq!(j["media"]["image"], "x86/sources/install.wim");
    assert!(j["images"].as_array().unwrap().len() > 1, "multi.wim's indexes: {j}");
    assert_eq!(j["media"]["ei_cfg"]["channel"], "volume", "the x86 folder's ei.cfg: {j}");
    let r = oemgate(["inspect", &iso_s]);
    assert!(r.stdout.contains("x64/sources/install.wim (x64), x86/sources/install.wim (x86)"), "{}", r.stdout);

    let pro = fixture("firmware/pro").display().to_string();
    let core = fixture("firmware/core").display().to_string();
    // An x64 machine: the x64 image (pro.wim, one index).
    let base = ["check", "--image", &iso_s, "--no-offline-os", "--json", "--licensed-language", "en-US"];
    let mut a = base.to_vec();
    a.extend(["--acpi-dir", &pro, "--machine-arch", "x64", "--machine-firmware", "uefi64", "--licensed-version", "11"]);
    let (code, j) = json(&a);
    assert_eq!(j["image"]["path_in_media"], "x64/sources/install.wim", "{j}");
    assert_eq!(j["image"]["arch"], "x64");
    assert_eq!((code, j["verdict"].as_str()), (0, Some("allowed")), "{j}");
    assert!(j["image"]["media"].is_null(), "no ei.cfg beside the x64 image: {j}");
    // An x86 machine: the x86 image (multi.wim), index 3 (x86 Home ja-JP).
    let x86 = [
        "check",
        "--image",
        &iso_s,
        "--no-offline-os",
        "--json",
        "--index",
        "3",
        "--acpi-dir",
        &core,
        "--machine-arch",
        "x86",
        "--machine-firmware",
        "bios",
        "--licensed-language",
        "ja-JP",
    ];
    let (code, j) = json(&x86);
    assert_eq!(j["image"]["path_in_media"], "x86/sources/install.wim", "{j}");
    assert_eq!(j["image"]["arch"], "x86");
    assert_eq!((code, j["verdict"].as_str()), (0, Some("allowed")), "{j}");
    assert_eq!(j["image"]["media"]["value"], "volume", "x86/sources/ei.cfg is the x86 image's: {j}");
    // --media-arch chooses explicitly; an architecture the media lack is exit 2.
    let mut a = base.to_vec();
    a.extend(["--acpi-dir", &pro, "--machine-arch", "x64", "--media-arch", "x86", "--index", "1"]);
    let (_, j) = json(&a);
    assert_eq!(j["image"]["path_in_media"], "x86/sources/install.wim", "{j}");
    let r = oemgate(["check", "--image", &iso_s, "--acpi-dir", &pro, "--no-offline-os", "--media-arch", "arm64"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no arm64 image") && r.stderr.contains("x86/sources/install.wim"), "{}", r.stderr);
    // match --select on the x86 machine judges the x86 image's indexes.
    let (_, j) = json(&[
        "match",
        &iso_s,
        "--select",
        "--json",
        "--no-offline-os",
        "--acpi-dir",
        &core,
        "--machine-arch",
        "x86",
        "--machine-firmware",
        "bios",
        "--licensed-language",
        "ja-JP",
    ]);
    assert_eq!(j["path_in_media"], "x86/sources/install.wim", "{j}");
    assert!(j["indexes"].as_array().unwrap().len() > 1, "multi.wim's indexes: {j}");
    if let Some(n) = j["selection"]["index"].as_u64() {
        let chosen = j["indexes"].as_array().unwrap().iter().find(|i| i["index"] == n).unwrap();
        assert_eq!(chosen["arch"], "x86", "{j}");
    }
    // The evidence record names the path judged.
    let ev = dir.path().join("ev");
    std::fs::create_dir(&ev).unwrap();
    let mut a = x86.to_vec();
    let ev_s = ev.display().to_string();
    a.extend(["--evidence", &ev_s]);
    assert_eq!(oemgate(&a).code, 0);
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_files(&ev)[0]).unwrap()).unwrap();
    assert_eq!(rec["image"]["path_in_media"], "x86/sources/install.wim");
}
