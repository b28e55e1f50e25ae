//! `oemgate check` and `oemgate match` end to end through the binary: every worked
//! case of the licensing rules with dumped ACPI tables (fixtures/firmware/<name>),
//! the image fixtures, operator flags and offline hives; each exit code; JSON shape;
//! CMTrace log lines; `match --select` for several machines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// Dumped tables carry no CPU or firmware type: the tests declare the machine.
const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fw(name: &str) -> String {
    root().join("fixtures/firmware").join(name).display().to_string()
}

fn img(name: &str) -> String {
    root().join("fixtures/images").join(name).display().to_string()
}

fn hives(name: &str) -> String {
    root().join("fixtures/hives").join(name).display().to_string()
}

fn policy(name: &str) -> String {
    root().join("fixtures/policy").join(name).display().to_string()
}

fn tmp(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d =
        std::env::temp_dir().join(format!("oemgate-gate-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn oemgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args(args)
        .env_remove("_SMSTSLogPath")
        .env("NO_COLOR", "1")
        .output()
        .expect("run oemgate")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let o = oemgate(args);
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into(),
        stderr: String::from_utf8_lossy(&o.stderr).into(),
    }
}

/// `check --json` on multi.wim index `index` with firmware dump `firmware` and extra args.
fn check(firmware: &str, index: &str, extra: &[&str]) -> (Run, serde_json::Value) {
    let (f, i) = (fw(firmware), img("multi.wim"));
    let mut args = vec!["check", "--image", &i, "--index", index, "--acpi-dir", &f, "--no-offline-os", "--json"];
    args.extend_from_slice(&MACHINE);
    args.extend_from_slice(extra);
    let r = run(&args);
    let json = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r, json)
}

fn reasons(j: &serde_json::Value) -> Vec<String> {
    j["reasons"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn rule<'a>(j: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    j["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no rule {id}"))
}

fn expect(r: &Run, j: &serde_json::Value, code: i32, verdict: &str, why: &[&str]) {
    assert_eq!(r.code, code, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!(j["exit_code"], code);
    assert_eq!(j["verdict"], verdict);
    assert_eq!(reasons(j), why, "{}", r.stdout);
}

// ---- the worked cases (multi.wim: see fixtures/images/generate.sh) ----

#[test]
fn case_professional_oem_dm_en_us_windows_11_allow() {
    let (r, j) = check("pro", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
    for id in ["edition", "version", "language", "arch", "key-integrity"] {
        assert_eq!(rule(&j, id)["outcome"], "pass", "{id}: {}", r.stdout);
    }
    assert_eq!(j["licensed"]["edition"]["value"], "Professional");
    assert_eq!(j["licensed"]["edition"]["source"], "firmware");
    assert_eq!(j["activation"]["kms_client_key"], "W269N-WFGWX-YVC9B-4J6C9-T83GX");
    // The single-index image needs no --index.
    let p = img("pro.wim");
    let f = fw("pro");
    let mut args = vec![
        "check",
        "--image",
        &p,
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-version",
        "11",
        "--licensed-language",
        "en-US",
    ];
    args.extend_from_slice(&MACHINE);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ALLOWED"), "{}", r.stdout);
}

#[test]
fn case_core_ja_jp_vs_professional_ja_jp_blocks_edition() {
    let (r, j) = check("core", "8", &["--licensed-language", "ja-JP"]);
    expect(&r, &j, 1, "blocked", &["edition"]);
    let m = rule(&j, "edition")["message"].as_str().unwrap();
    assert!(m.starts_with("image is Professional, firmware OA3 key is Core (group "), "{m}");
}

#[test]
fn case_professional_ja_jp_vs_professional_en_us_blocks_language() {
    let (r, j) = check("pro", "1", &["--licensed-language", "ja-JP"]);
    expect(&r, &j, 1, "blocked", &["language"]);
}

#[test]
fn case_professional_x86_windows_10_vs_professional_x64_windows_10_allows() {
    let (f, i, h) = (fw("pro"), img("multi.wim"), hives("pro10-x86-en"));
    let mut args = vec!["check", "--image", &i, "--index", "10", "--acpi-dir", &f, "--offline-os", &h, "--json"];
    args.extend_from_slice(&MACHINE);
    let r = run(&args);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    expect(&r, &j, 0, "allowed", &[]);
    assert_eq!(rule(&j, "arch")["outcome"], "pass");
    assert_eq!(j["licensed"]["arch"]["value"], "x86");
    assert_eq!(j["licensed"]["version"]["source"], "offline-os");
    assert_eq!(j["licensed"]["language"]["value"], "en-US");
}

#[test]
fn case_professional_without_sa_vs_enterprise_blocks_enterprise_upgrade() {
    let (r, j) = check("pro", "9", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["enterprise-upgrade"]);
}

#[test]
fn case_professional_with_sa_vs_enterprise_allows() {
    let (r, j) =
        check("pro", "9", &["--licensed-version", "11", "--licensed-language", "en-US", "--software-assurance"]);
    expect(&r, &j, 0, "allowed", &[]);
    assert_eq!(j["activation"]["kms_client_key"], "NPPR9-FWDCX-D2C8J-H872K-2YT43");
    let p = policy("sa.toml");
    let (r, j) = check("pro", "9", &["--licensed-version", "11", "--licensed-language", "en-US", "--policy", &p]);
    expect(&r, &j, 0, "allowed", &[]);
}

#[test]
fn case_core_with_sa_vs_enterprise_blocks() {
    let (r, j) =
        check("core", "9", &["--licensed-version", "11", "--licensed-language", "en-US", "--software-assurance"]);
    expect(&r, &j, 1, "blocked", &["enterprise-upgrade"]);
}

#[test]
fn case_server_standard_vs_datacenter_blocks_edition() {
    let (r, j) = check("server-std", "7", &["--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["edition"]);
    let (r, j) = check("server-std", "6", &["--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
}

#[test]
fn case_professional_windows_8_vs_windows_7_allows_only_via_downgrade_rights() {
    let (r, j) = check("pro", "11", &["--licensed-version", "8", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
    assert!(rule(&j, "version")["message"].as_str().unwrap().contains("downgrade rights"));
    let p = policy("no-downgrade.toml");
    let (r, j) = check("pro", "11", &["--licensed-version", "8", "--licensed-language", "en-US", "--policy", &p]);
    expect(&r, &j, 1, "blocked", &["version"]);
}

#[test]
fn case_core_windows_11_vs_core_windows_10_blocks_version() {
    let (r, j) = check("core", "12", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["version"]);
    // The same licence read from the installed Windows 11 Home.
    let (f, i, h) = (fw("core"), img("multi.wim"), hives("core11-en"));
    let r = run(&["check", "--image", &i, "--index", "12", "--acpi-dir", &f, "--offline-os", &h]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("blocked by version"), "{}", r.stdout);
}

#[test]
fn case_professional_vs_professional_n_blocks_edition() {
    let (r, j) = check("pro", "4", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["edition"]);
}

#[test]
fn case_no_msdm_no_declaration_cannot_decide() {
    let (r, j) = check("no-msdm", "1", &[]);
    expect(&r, &j, 3, "cannot-decide", &["edition"]);
    assert!(rule(&j, "edition")["message"].as_str().unwrap().starts_with("licensed edition unknown"));
    let (f, i) = (fw("no-msdm"), img("multi.wim"));
    let r = run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--no-offline-os"]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("licensed edition unknown"), "{}", r.stdout);
}

#[test]
fn case_broken_msdm_checksum_blocks_key_integrity() {
    for dump in ["bad-table-checksum", "bad-key-checksum"] {
        let (r, j) = check(dump, "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
        assert_eq!(r.code, 1, "{dump}: {}{}", r.stdout, r.stderr);
        assert!(reasons(&j).contains(&"key-integrity".to_string()), "{dump}: {}", r.stdout);
    }
}

// ---- more firmware dumps ----

#[test]
fn other_oem_editions_pass_only_their_own_image() {
    let (r, j) = check("pro-n", "4", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
    let (r, j) = check("core-sl", "5", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
    let (r, j) = check("core-sl", "13", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["edition"]);
    let (r, j) = check("pro-ws", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["edition"]);
    let (r, j) = check("education", "9", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked", &["enterprise-upgrade"]);
    let (r, j) = check("enterprise", "9", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed", &[]);
}

#[test]
fn unknown_key_group_cannot_decide_until_declared() {
    let (r, j) = check("unknown-group", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 3, "cannot-decide", &["edition"]);
    let (r, j) = check(
        "unknown-group",
        "1",
        &["--licensed-version", "11", "--licensed-language", "en-US", "--licensed-edition", "Professional"],
    );
    expect(&r, &j, 0, "allowed", &[]);
    assert!(rule(&j, "edition")["message"].as_str().unwrap().contains("maps to no known edition"), "{}", r.stdout);
}

#[test]
fn a_single_dumped_msdm_file_works_like_a_directory() {
    let (i, m) = (img("multi.wim"), root().join("fixtures/firmware/core/MSDM").display().to_string());
    let mut args = vec![
        "check",
        "--image",
        &i,
        "--index",
        "8",
        "--from-file",
        &m,
        "--no-offline-os",
        "--licensed-language",
        "ja-JP",
        "--json",
    ];
    args.extend_from_slice(&MACHINE);
    let r = run(&args);
    let j: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    expect(&r, &j, 1, "blocked", &["edition"]);
}

#[test]
fn operator_declaration_conflicting_with_firmware_blocks_edition() {
    let (r, j) = check(
        "core",
        "1",
        &["--licensed-edition", "Professional", "--licensed-version", "11", "--licensed-language", "en-US"],
    );
    expect(&r, &j, 1, "blocked", &["edition"]);
    let m = rule(&j, "edition")["message"].as_str().unwrap();
    assert!(m.contains("operator declares Professional") && m.contains("Core"), "{m}");
}

#[test]
fn windows_7_kms_marker() {
    let args = ["--licensed-edition", "Professional", "--licensed-version", "7", "--licensed-language", "en-US"];
    let (r, j) = check("slic21", "11", &args);
    expect(&r, &j, 0, "allowed", &[]);
    assert_eq!(rule(&j, "kms-marker")["outcome"], "pass", "{}", r.stdout);
    let (r, j) = check("slic20-mismatch", "11", &args);
    expect(&r, &j, 0, "allowed", &[]);
    assert_eq!(rule(&j, "kms-marker")["outcome"], "fail");
    assert_eq!(j["warnings"], serde_json::json!(["kms-marker"]));
}

#[test]
fn the_key_is_masked_unless_show_key() {
    let (_, j) = check("pro", "1", &[]);
    let k = j["licensed"]["firmware_key"]["key"].as_str().unwrap();
    assert!(k.starts_with("XXXXX-XXXXX-XXXXX-XXXXX-"), "{k}");
    let (r, j) = check("pro", "1", &["--show-key"]);
    let full = j["licensed"]["firmware_key"]["key"].as_str().unwrap();
    assert!(!full.starts_with("XXXXX") && full.len() == 29 && full.ends_with(&k[24..]), "{full}");
    let (f, i) = (fw("pro"), img("multi.wim"));
    let plain = run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--no-offline-os", "--verbose"]);
    assert!(!plain.stdout.contains(full) && !r.stderr.contains(full), "the full key leaked");
}

#[test]
fn dumps_say_nothing_of_the_machine_so_arch_is_unknown_until_declared() {
    let (f, i) = (fw("pro"), img("multi.wim"));
    let base = [
        "check",
        "--image",
        &i,
        "--index",
        "1",
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-version",
        "11",
        "--licensed-language",
        "en-US",
        "--json",
    ];
    let r = run(&base);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    expect(&r, &j, 3, "cannot-decide", &["arch"]);
    // x86 on 64-bit UEFI cannot boot; x86 on BIOS can; arm64 cannot run on x64.
    let i = img("multi.wim");
    let on = |firmware: &str, index: &str, version: &str, language: &str, arch: &str, fw_type: &str| {
        let f = fw(firmware);
        run(&[
            "check",
            "--image",
            &i,
            "--index",
            index,
            "--acpi-dir",
            &f,
            "--no-offline-os",
            "--licensed-version",
            version,
            "--licensed-language",
            language,
            "--machine-arch",
            arch,
            "--machine-firmware",
            fw_type,
        ])
    };
    let x86 = |fw_type: &str| on("core", "3", "10", "ja-JP", "x64", fw_type).code;
    assert_eq!(x86("uefi64"), 1);
    assert_eq!(x86("bios"), 0);
    assert_eq!(x86("uefi32"), 0);
    let r = on("enterprise", "2", "11", "en-US", "x64", "uefi64");
    assert_eq!(r.code, 1, "arm64 image on x64: {}", r.stdout);
    let r = on("enterprise", "2", "11", "en-US", "arm64", "uefi64");
    assert_eq!(r.code, 0, "arm64 image on arm64: {}", r.stdout);
    let f = fw("enterprise");
    let r = run(&["check", "--image", &i, "--index", "2", "--acpi-dir", &f, "--machine-arch", "sparc"]);
    assert_eq!(r.code, 2);
}

// ---- exit codes ----

#[test]
fn exit_2_for_usage_errors() {
    let (i, f) = (img("multi.wim"), fw("pro"));
    let r = run(&["check", "--image", &i, "--acpi-dir", &f]);
    assert_eq!(r.code, 2, "several indexes, no --index: {}", r.stderr);
    assert!(r.stderr.contains("--index"), "{}", r.stderr);
    assert_eq!(run(&["check", "--image", &i, "--index", "99", "--acpi-dir", &f]).code, 2);
    assert_eq!(run(&["check", "--image", &i, "--index", "1", "--no-such-flag"]).code, 2);
    assert_eq!(run(&["check", "--index", "1"]).code, 2, "no --image");
    let r = run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--licensed-edition", "Pro-ish"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--licensed-version", "12"]).code, 2);
    assert_eq!(run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--from-file", &f]).code, 2);
}

#[test]
fn exit_4_for_unreadable_input() {
    let (i, f) = (img("multi.wim"), fw("pro"));
    let r = run(&["check", "--image", "/nonexistent/install.wim", "--index", "1", "--acpi-dir", &f]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    // A truncated image.
    let bytes = std::fs::read(&i).unwrap();
    let cut = tmp("cut.wim");
    std::fs::write(&cut, &bytes[..100]).unwrap();
    assert_eq!(run(&["check", "--image", cut.to_str().unwrap(), "--index", "1", "--acpi-dir", &f]).code, 4);
    // A damaged hive of the installed Windows.
    for bad in ["bad-checksum", "not-a-hive"] {
        let h = hives(bad);
        let r = run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--offline-os", &h]);
        assert_eq!(r.code, 4, "{bad}: {}", r.stderr);
    }
    // A directory that holds no Windows.
    let empty = tmp("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(
        run(&["check", "--image", &i, "--index", "1", "--acpi-dir", &f, "--offline-os", empty.to_str().unwrap()]).code,
        4
    );
    // A missing firmware dump directory.
    assert_eq!(run(&["check", "--image", &i, "--index", "1", "--acpi-dir", "/nonexistent/acpi"]).code, 4);
}

// ---- output ----

#[test]
fn json_shape_is_stable() {
    let (_, j) = check("pro", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    for key in [
        "oemgate",
        "command",
        "verdict",
        "exit_code",
        "reasons",
        "warnings",
        "rules",
        "licensed",
        "image",
        "activation",
    ] {
        assert!(j.get(key).is_some(), "missing {key}");
    }
    assert_eq!(j["command"], "check");
    let ids: Vec<&str> = j["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "key-integrity",
            "image-metadata",
            "image-key",
            "edition",
            "enterprise-upgrade",
            "version",
            "language",
            "arch",
            "media",
            "kms-marker",
            "approved-image",
            "hardware"
        ]
    );
    for r in j["rules"].as_array().unwrap() {
        for key in ["id", "outcome", "effect", "message", "evidence"] {
            assert!(r.get(key).is_some(), "rule lacks {key}");
        }
        assert!(["pass", "fail", "unknown", "skip"].contains(&r["outcome"].as_str().unwrap()));
    }
    assert!(
        rule(&j, "edition")["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("MSDM") || e.as_str().unwrap().contains("firmware"))
    );
    assert_eq!(j["image"]["index"], 1);
    assert_eq!(j["image"]["edition_id"], "Professional");
    assert_eq!(j["image"]["arch"], "x64");
    assert_eq!(j["image"]["default_language"], "en-US");
    assert_eq!(j["image"]["generation"]["name"], "Windows 11");
    for key in [
        "edition",
        "firmware_edition",
        "declared_edition",
        "version",
        "language",
        "software_assurance",
        "machine",
        "firmware_key",
    ] {
        assert!(j["licensed"].get(key).is_some(), "licensed lacks {key}");
    }
    assert_eq!(j["licensed"]["version"]["source"], "operator");
    assert_eq!(j["licensed"]["version"]["evidence"], "operator flag --licensed-version");
}

fn cmtrace_ok(line: &str) -> bool {
    // <![LOG[msg]LOG]!><time="HH:MM:SS.mmm+000" date="MM-DD-YYYY" component="oemgate" context="" type="1|2|3" thread="PID" file="">
    let Some(rest) = line.strip_prefix("<![LOG[") else { return false };
    let Some((msg, attrs)) = rest.split_once("]LOG]!>") else { return false };
    if msg.is_empty() || msg.contains('\n') {
        return false;
    }
    let d = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let Some(a) = attrs.strip_prefix("<time=\"") else { return false };
    let (t, a) = a.split_at(16.min(a.len()));
    let time_ok = t.len() == 16
        && d(&t[0..2])
        && &t[2..3] == ":"
        && d(&t[3..5])
        && &t[5..6] == ":"
        && d(&t[6..8])
        && &t[8..9] == "."
        && d(&t[9..12])
        && &t[12..] == "+000";
    let Some(a) = a.strip_prefix("\" date=\"") else { return false };
    let (dt, a) = a.split_at(10.min(a.len()));
    let date_ok = d(&dt[0..2]) && &dt[2..3] == "-" && d(&dt[3..5]) && &dt[5..6] == "-" && d(&dt[6..10]);
    let Some(a) = a.strip_prefix("\" component=\"oemgate\" context=\"\" type=\"") else { return false };
    let (ty, a) = a.split_at(1.min(a.len()));
    let Some(a) = a.strip_prefix("\" thread=\"") else { return false };
    let Some((pid, tail)) = a.split_once('"') else { return false };
    time_ok && date_ok && ["1", "2", "3"].contains(&ty) && !pid.is_empty() && d(pid) && tail == " file=\"\">"
}

#[test]
fn cmtrace_log_lines() {
    assert!(cmtrace_ok(
        "<![LOG[x]LOG]!><time=\"05:06:07.089+000\" date=\"03-04-2026\" component=\"oemgate\" context=\"\" type=\"3\" thread=\"42\" file=\"\">"
    ));
    assert!(!cmtrace_ok(
        "<![LOG[x]LOG]!><time=\"5:06:07.089+000\" date=\"03-04-2026\" component=\"oemgate\" context=\"\" type=\"3\" thread=\"42\" file=\"\">"
    ));
    let log = tmp("oemgate.log");
    let (i, f) = (img("multi.wim"), fw("core"));
    let l = log.to_str().unwrap();
    let r = run(&[
        "check",
        "--image",
        &i,
        "--index",
        "8",
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-language",
        "ja-JP",
        "--log",
        l,
    ]);
    assert_eq!(r.code, 1);
    let r2 = run(&[
        "check",
        "--image",
        &i,
        "--index",
        "8",
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-language",
        "ja-JP",
        "--log",
        l,
    ]);
    assert_eq!(r2.code, 1);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines.len() >= 20, "appended twice: {text}");
    for line in &lines {
        assert!(cmtrace_ok(line), "not a CMTrace line: {line}");
    }
    assert!(lines[0].contains("blocked (exit 1)") && lines[0].contains("type=\"3\""), "{}", lines[0]);
    assert!(
        lines.iter().any(|l| l.starts_with("<![LOG[edition: image is Professional, firmware OA3 key is Core (group ")
            && l.contains("type=\"3\""))
    );
    // Inside a task sequence: %_SMSTSLogPath%\oemgate.log.
    let dir = tmp("smsts");
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args([
            "check",
            "--image",
            &i,
            "--index",
            "8",
            "--acpi-dir",
            &f,
            "--no-offline-os",
            "--licensed-language",
            "ja-JP",
        ])
        .env("_SMSTSLogPath", &dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let ts = std::fs::read_to_string(dir.join("oemgate.log")).unwrap();
    assert!(ts.split("\r\n").filter(|l| !l.is_empty()).all(cmtrace_ok) && ts.contains("edition:"), "{ts}");
}

#[test]
fn a_log_that_cannot_be_written_warns_and_keeps_the_verdict() {
    let (f, i) = (fw("core"), img("multi.wim"));
    let r = run(&[
        "check",
        "--image",
        &i,
        "--index",
        "8",
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-language",
        "ja-JP",
        "--log",
        "/nonexistent/dir/oemgate.log",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("warning") && r.stderr.contains("/nonexistent/dir/oemgate.log"), "{}", r.stderr);
}

#[test]
fn human_table_is_plain_when_piped() {
    let (i, f) = (img("multi.wim"), fw("core"));
    let o = Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args([
            "check",
            "--image",
            &i,
            "--index",
            "8",
            "--acpi-dir",
            &f,
            "--no-offline-os",
            "--licensed-language",
            "ja-JP",
        ])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(!out.contains('\x1b'), "{out}");
    assert!(
        out.contains("BLOCKED")
            && out.contains("blocked by edition: image is Professional, firmware OA3 key is Core (group "),
        "{out}"
    );
}

#[test]
fn approved_image_hashes() {
    let p = img("pro.wim");
    let sum = Command::new("sha256sum").arg(&p).output().expect("sha256sum");
    let digest = String::from_utf8(sum.stdout).unwrap().split_whitespace().next().unwrap().to_string();
    let good = tmp("good.toml");
    std::fs::write(&good, format!("approved_images = [\"{}\"]\n", digest.to_uppercase())).unwrap();
    let bad = tmp("bad.toml");
    std::fs::write(&bad, format!("approved_images = [\"{}\"]\n", "0".repeat(64))).unwrap();
    let f = fw("pro");
    let base = [
        "check",
        "--image",
        &p,
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-version",
        "11",
        "--licensed-language",
        "en-US",
        "--json",
        "--machine-arch",
        "x64",
        "--machine-firmware",
        "bios",
        "--policy",
    ];
    let mut a = base.to_vec();
    a.push(good.to_str().unwrap());
    let r = run(&a);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    expect(&r, &j, 0, "allowed", &[]);
    assert_eq!(j["image"]["sha256"][0]["sha256"], digest);
    let mut a = base.to_vec();
    a.push(bad.to_str().unwrap());
    let r = run(&a);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    expect(&r, &j, 1, "blocked", &["approved-image"]);
}

// ---- match ----

fn select(firmware: &str, extra: &[&str]) -> Run {
    let (i, f) = (img("multi.wim"), fw(firmware));
    let mut args = vec!["match", &i, "--acpi-dir", &f, "--no-offline-os", "--select"];
    args.extend_from_slice(&MACHINE);
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn match_select_picks_the_one_index_for_each_machine() {
    let en11 = ["--licensed-language", "en-US", "--licensed-version", "11"];
    for (firmware, index) in [("pro", "1"), ("core", "13"), ("pro-n", "4"), ("core-sl", "5"), ("enterprise", "9")] {
        let r = select(firmware, &en11);
        assert_eq!((r.code, r.stdout.trim()), (0, index), "{firmware}: {}", r.stderr);
    }
    let r = select("server-std", &["--licensed-language", "en-US"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "6"), "{}", r.stderr);
    // Windows 10 licence: index 10 exactly; index 11 (Windows 7) only by downgrade rights.
    let r = select("pro", &["--licensed-language", "en-US", "--licensed-version", "10"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "10"), "{}", r.stderr);
}

#[test]
fn match_select_none_several_undecided() {
    let r = select("pro", &["--licensed-language", "fr-FR"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let r = select("pro", &[]);
    assert_eq!(r.code, 3, "several Professional indexes fit equally: {}", r.stderr);
    assert!(r.stderr.contains("several indexes fit equally"), "{}", r.stderr);
    let r = select("no-msdm", &[]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("licensed edition unknown"), "{}", r.stderr);
}

#[test]
fn match_lists_every_index() {
    let (i, f) = (img("multi.wim"), fw("pro"));
    let mut args = vec![
        "match",
        &i,
        "--acpi-dir",
        &f,
        "--no-offline-os",
        "--licensed-language",
        "en-US",
        "--licensed-version",
        "11",
    ];
    args.extend_from_slice(&MACHINE);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.matches("index ").count(), 13, "{}", r.stdout);
    args.extend_from_slice(&["--json", "--select"]);
    let r = run(&args);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["command"], "match");
    assert_eq!(j["indexes"].as_array().unwrap().len(), 13);
    assert_eq!(j["selection"]["index"], 1);
    assert_eq!(j["selection"]["exit_code"], 0);
    let verdicts: Vec<&str> = j["indexes"].as_array().unwrap().iter().map(|x| x["verdict"].as_str().unwrap()).collect();
    assert_eq!(
        verdicts.iter().filter(|v| **v == "allowed").count(),
        3,
        "1 exactly, 10 and 11 by downgrade rights: {verdicts:?}"
    );
    assert_eq!(j["indexes"][3]["reasons"], serde_json::json!(["edition"]), "index 4 is ProfessionalN");
}

fn sha256sum(path: &str) -> String {
    let sum = Command::new("sha256sum").arg(path).output().expect("sha256sum");
    String::from_utf8(sum.stdout).unwrap().split_whitespace().next().unwrap().to_string()
}

/// A split set is approved only when every part is; an ISO is approved as a whole (here
/// one holding a split set, which used to fail: its parts are inside the ISO).
#[test]
fn approved_image_hashes_split_sets_and_isos() {
    let f = fw("pro");
    let parts: Vec<String> = ["install.swm", "install2.swm", "install3.swm"].iter().map(|p| img(p)).collect();
    let digests: Vec<String> = parts.iter().map(|p| sha256sum(p)).collect();
    let run_with = |image: &str, approved: &[String], name: &str| {
        let pol = tmp(name);
        let list: Vec<String> = approved.iter().map(|d| format!("\"{d}\"")).collect();
        std::fs::write(&pol, format!("approved_images = [{}]\n", list.join(", "))).unwrap();
        let args = [
            "check",
            "--image",
            image,
            "--index",
            "1",
            "--acpi-dir",
            &f,
            "--no-offline-os",
            "--licensed-version",
            "11",
            "--licensed-language",
            "en-US",
            "--json",
            "--machine-arch",
            "x64",
            "--machine-firmware",
            "bios",
            "--policy",
            pol.to_str().unwrap(),
        ];
        let r = run(&args);
        let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
        (r, j)
    };
    let (r, j) = run_with(&parts[0], &digests, "swm-all.toml");
    expect(&r, &j, 0, "allowed", &[]);
    let got: Vec<&str> =
        j["image"]["sha256"].as_array().unwrap().iter().map(|h| h["sha256"].as_str().unwrap()).collect();
    assert_eq!(got, digests.iter().map(String::as_str).collect::<Vec<_>>(), "every part hashed, in order");
    let (r, j) = run_with(&parts[0], &digests[..2], "swm-two.toml");
    expect(&r, &j, 1, "blocked", &["approved-image"]);

    let iso = root().join("fixtures/iso/udf-only.iso");
    let iso = iso.to_str().unwrap();
    let (r, j) = run_with(iso, &[sha256sum(iso)], "iso.toml");
    assert_ne!(r.code, 4, "{}", r.stderr);
    let rule = j["rules"].as_array().unwrap().iter().find(|x| x["id"] == "approved-image").unwrap();
    assert_eq!(rule["outcome"], "pass", "{rule}");
    assert_eq!(j["image"]["sha256"].as_array().unwrap().len(), 1, "the ISO itself is hashed");
}

/// `check` takes the image as its argument, like `match` and `inspect`, or with `--image`
/// (0.1's spelling): the same output either way; both, or neither, is a usage error.
#[test]
fn check_takes_the_image_as_argument_or_option() {
    let (f, i) = (fw("pro"), img("multi.wim"));
    let rest = ["--index", "1", "--acpi-dir", &f, "--no-offline-os", "--json", "--licensed-version", "11"];
    let with = |image: &[&str]| {
        let mut a = vec!["check"];
        a.extend_from_slice(image);
        a.extend_from_slice(&rest);
        a.extend_from_slice(&MACHINE);
        run(&a)
    };
    let positional = with(&[&i]);
    let option = with(&["--image", &i]);
    assert_eq!(positional.code, 0, "{}", positional.stderr);
    assert_eq!((positional.code, &positional.stdout), (option.code, &option.stdout));
    let both = with(&[&i, "--image", &i]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(both.stderr.contains("cannot be used with"), "{}", both.stderr);
    let neither = with(&[]);
    assert_eq!(neither.code, 2, "{}", neither.stderr);
    assert!(neither.stderr.contains("<IMAGE>"), "{}", neither.stderr);
}
