//! Golden output: every command, with `--json` and as a table, on the fixtures, compared
//! byte for byte with the files committed under `tests/golden/`. Guards the JSON shapes
//! and the human output against unintended change (e.g. while code is moved around).
//!
//! Each case `NAME` has `NAME.json` (stdout with `--json`), `NAME.txt` (stdout without it)
//! and `NAME.exit` (both exit codes and both stderr texts). Run from the repository root
//! with relative fixture paths, so the paths in the output are the same on every machine.
//! Volatile parts are replaced before comparing: the tool version (`"oemgate": "x.y.z"`)
//! and the repository's absolute path, should one appear. Nothing else in the output may
//! vary: no times (the CMTrace log is not written here), no live firmware (dumped tables
//! and declared machine facts only), no offline OS found by itself (`--no-offline-os` or a
//! fixture hive).
//!
//! `OEMGATE_BLESS=1 cargo test --test it golden::` rewrites the files after an intended
//! change; review the diff before committing it.

use std::process::Command;

use super::common::root;

const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

struct Case {
    name: String,
    args: Vec<String>,
}

fn case(name: impl Into<String>, args: &[&str]) -> Case {
    Case { name: name.into(), args: args.iter().map(|s| s.to_string()).collect() }
}

fn sorted_files(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| keep(n))
        .collect();
    v.sort();
    v
}

fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    // inspect: every image fixture (first part of a split set only), every ISO fixture.
    for name in sorted_files("fixtures/images", |n| n.ends_with(".wim") || n.ends_with(".esd") || n == "install.swm") {
        let p = format!("fixtures/images/{name}");
        v.push(case(format!("inspect-{name}"), &["inspect", &p]));
    }
    for name in sorted_files("fixtures/iso", |n| n.ends_with(".iso")) {
        let p = format!("fixtures/iso/{name}");
        v.push(case(format!("inspect-{name}"), &["inspect", &p]));
    }
    v.push(case(
        "inspect-multi-index-3-verbose",
        &["inspect", "fixtures/images/multi.wim", "--index", "3", "--verbose"],
    ));
    v.push(case("inspect-multi-index-99", &["inspect", "fixtures/images/multi.wim", "--index", "99"]));
    v.push(case("inspect-missing-file", &["inspect", "fixtures/images/does-not-exist.wim"]));
    v.push(case("inspect-not-an-image", &["inspect", "fixtures/firmware/pro/MSDM"]));

    // firmware: every dumped-table fixture, and the single-file forms.
    for name in sorted_files("fixtures/firmware", |n| !n.contains('.')) {
        let d = format!("fixtures/firmware/{name}");
        v.push(case(format!("firmware-{name}"), &["firmware", "--acpi-dir", &d]));
    }
    v.push(case("firmware-pro-show-key", &["firmware", "--acpi-dir", "fixtures/firmware/pro", "--show-key"]));
    v.push(case("firmware-from-file", &["firmware", "--from-file", "fixtures/firmware/core/MSDM"]));
    v.push(case("firmware-slic-file", &["firmware", "--slic-file", "fixtures/firmware/slic21/SLIC"]));

    // check: the worked cases of the rules on multi.wim (see fixtures/images/generate.sh).
    let en11: &[&str] = &["--licensed-version", "11", "--licensed-language", "en-US"];
    let checks: &[(&str, &str, &str, &[&str])] = &[
        ("pro-1-en11", "pro", "1", en11),
        ("core-13-en11", "core", "13", en11),
        ("core-3-ja", "core", "3", &["--licensed-language", "ja-JP"]),
        ("pro-8-ja", "pro", "8", &["--licensed-version", "11", "--licensed-language", "en-US"]),
        ("pro-9-nosa", "pro", "9", en11),
        ("pro-9-sa", "pro", "9", &["--licensed-version", "11", "--licensed-language", "en-US", "--software-assurance"]),
        ("pro-9-sa-policy", "pro", "9", &["--licensed-language", "en-US", "--policy", "fixtures/policy/sa.toml"]),
        (
            "core-9-sa",
            "core",
            "9",
            &["--licensed-version", "11", "--licensed-language", "en-US", "--software-assurance"],
        ),
        ("server-std-7", "server-std", "7", &["--licensed-language", "en-US"]),
        ("server-std-6", "server-std", "6", &["--licensed-language", "en-US"]),
        ("pro-11-win8", "pro", "11", &["--licensed-version", "8", "--licensed-language", "en-US"]),
        (
            "pro-11-win8-no-downgrade",
            "pro",
            "11",
            &[
                "--licensed-version",
                "8",
                "--licensed-language",
                "en-US",
                "--policy",
                "fixtures/policy/no-downgrade.toml",
            ],
        ),
        ("core-12-win11", "core", "12", en11),
        ("pro-4", "pro", "4", en11),
        ("pro-n-4", "pro-n", "4", en11),
        ("core-sl-5", "core-sl", "5", en11),
        ("pro-ws-1", "pro-ws", "1", en11),
        ("education-1", "education", "1", en11),
        ("enterprise-9", "enterprise", "9", en11),
        ("no-msdm-1", "no-msdm", "1", &[]),
        ("no-msdm-1-declared", "no-msdm", "1", &["--licensed-edition", "Pro", "--licensed-version", "11"]),
        ("bad-table-checksum-1", "bad-table-checksum", "1", en11),
        ("bad-key-checksum-1", "bad-key-checksum", "1", en11),
        ("unknown-group-1", "unknown-group", "1", en11),
        ("unknown-group-1-declared", "unknown-group", "1", &["--licensed-edition", "Professional"]),
        ("pro-1-declared-core", "pro", "1", &["--licensed-edition", "Core"]),
        ("pro-1-strict", "pro", "1", &["--policy", "fixtures/policy/strict.toml"]),
        ("pro-1-example-policy", "pro", "1", &["--policy", "fixtures/policy/example.toml"]),
        ("pro-1-bad-policy", "pro", "1", &["--policy", "fixtures/policy/unknown-key.toml"]),
        ("slic21-11-win7", "slic21", "11", &["--licensed-version", "7", "--licensed-language", "en-US"]),
        ("slic20-mismatch-11", "slic20-mismatch", "11", &["--licensed-version", "7", "--licensed-language", "en-US"]),
        ("pro-2-arm64", "pro", "2", en11),
        ("damaged-1", "damaged", "1", en11),
        ("pro-99", "pro", "99", en11),
    ];
    for (name, fw, index, extra) in checks {
        let f = format!("fixtures/firmware/{fw}");
        let mut a = vec!["check", "--image", "fixtures/images/multi.wim", "--index", index, "--acpi-dir", &f];
        a.push("--no-offline-os");
        a.extend_from_slice(&MACHINE);
        a.extend_from_slice(extra);
        v.push(case(format!("check-{name}"), &a));
    }
    // check without declared machine facts (dumps say nothing of the machine), with offline
    // OS hives, on other images and on an ISO.
    v.push(case(
        "check-pro-1-no-machine",
        &["check", "--image", "fixtures/images/multi.wim", "--index", "1", "--acpi-dir", "fixtures/firmware/pro"],
    ));
    for (hive, index, fw) in
        [("pro10-x86-en", "10", "pro"), ("core11-en", "12", "core"), ("pro11-ja", "8", "pro"), ("pro8-en", "11", "pro")]
    {
        let f = format!("fixtures/firmware/{fw}");
        let h = format!("fixtures/hives/{hive}");
        let mut a = vec!["check", "--image", "fixtures/images/multi.wim", "--index", index, "--acpi-dir", &f];
        a.extend_from_slice(&["--offline-os", &h]);
        a.extend_from_slice(&MACHINE);
        v.push(case(format!("check-offline-{hive}"), &a));
    }
    v.push(case(
        "check-offline-not-a-hive",
        &[
            "check",
            "--image",
            "fixtures/images/multi.wim",
            "--index",
            "1",
            "--acpi-dir",
            "fixtures/firmware/pro",
            "--offline-os",
            "fixtures/hives/not-a-hive",
            "--machine-arch",
            "x64",
            "--machine-firmware",
            "uefi64",
        ],
    ));
    for image in ["pro.wim", "install.esd", "install.swm", "server-langs.wim"] {
        let p = format!("fixtures/images/{image}");
        let mut a =
            vec!["check", "--image", &p, "--index", "1", "--acpi-dir", "fixtures/firmware/pro", "--no-offline-os"];
        a.extend_from_slice(&MACHINE);
        a.extend_from_slice(en11);
        v.push(case(format!("check-pro-{image}"), &a));
    }
    for iso in ["udf-only.iso", "joliet.iso"] {
        let p = format!("fixtures/iso/{iso}");
        let mut a =
            vec!["check", "--image", &p, "--index", "1", "--acpi-dir", "fixtures/firmware/pro", "--no-offline-os"];
        a.extend_from_slice(&MACHINE);
        a.extend_from_slice(en11);
        v.push(case(format!("check-pro-{iso}"), &a));
    }
    v.push(case(
        "check-from-file",
        &[
            "check",
            "--image",
            "fixtures/images/pro.wim",
            "--from-file",
            "fixtures/firmware/pro/MSDM",
            "--no-offline-os",
            "--licensed-version",
            "11",
            "--licensed-language",
            "en-US",
            "--machine-arch",
            "x64",
            "--machine-firmware",
            "bios",
        ],
    ));

    // match: listing and --select for several machines.
    let matches: &[(&str, &str, &[&str])] = &[
        ("pro-en11", "pro", en11),
        ("pro-en11-select", "pro", &["--licensed-version", "11", "--licensed-language", "en-US", "--select"]),
        ("core-en11-select", "core", &["--licensed-version", "11", "--licensed-language", "en-US", "--select"]),
        ("pro-en10-select", "pro", &["--licensed-version", "10", "--licensed-language", "en-US", "--select"]),
        ("pro-fr-select", "pro", &["--licensed-language", "fr-FR", "--select"]),
        ("pro-select-several", "pro", &["--select"]),
        ("no-msdm-select", "no-msdm", &["--select"]),
        ("server-std-en-select", "server-std", &["--licensed-language", "en-US", "--select"]),
        ("enterprise-en11", "enterprise", en11),
    ];
    for (name, fw, extra) in matches {
        let f = format!("fixtures/firmware/{fw}");
        let mut a = vec!["match", "fixtures/images/multi.wim", "--acpi-dir", &f, "--no-offline-os"];
        a.extend_from_slice(&MACHINE);
        a.extend_from_slice(extra);
        v.push(case(format!("match-{name}"), &a));
    }
    v
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[String]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("_SMSTSLogPath")
        .output()
        .expect("run oemgate");
    Out {
        code: o.status.code().expect("oemgate exited by signal (a crash)"),
        stdout: normalise(&String::from_utf8(o.stdout).expect("stdout is UTF-8")),
        stderr: normalise(&String::from_utf8(o.stderr).expect("stderr is UTF-8")),
    }
}

/// Replace what may differ between machines and versions, and nothing else.
fn normalise(s: &str) -> String {
    let version = format!("\"oemgate\": \"{}\"", env!("CARGO_PKG_VERSION"));
    let root = root().display().to_string();
    s.replace(&version, "\"oemgate\": \"<version>\"").replace(&root, "<root>")
}

fn golden_dir() -> std::path::PathBuf {
    root().join("tests/golden")
}

/// Compare `actual` with the golden file `name`, or write it when blessing; returns a
/// description of the difference.
fn compare(name: &str, actual: &str, bless: bool) -> Option<String> {
    let path = golden_dir().join(name);
    if bless {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return None;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => return Some(format!("{name}: {e} (run with OEMGATE_BLESS=1 to create it)")),
    };
    if expected == actual {
        return None;
    }
    let (el, al): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = el.iter().zip(&al).position(|(e, a)| e != a).unwrap_or(el.len().min(al.len()));
    Some(format!(
        "{name}: differs at line {}:\n  expected: {:?}\n  actual:   {:?}",
        at + 1,
        el.get(at).copied().unwrap_or("<end>"),
        al.get(at).copied().unwrap_or("<end>")
    ))
}

#[test]
fn every_command_matches_its_golden_output() {
    let bless = std::env::var_os("OEMGATE_BLESS").is_some_and(|v| v == "1");
    let dir = golden_dir();
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let cases = cases();
    let mut names = std::collections::BTreeSet::new();
    let mut diffs = Vec::new();
    for c in &cases {
        assert!(names.insert(c.name.clone()), "case name {} twice", c.name);
        let mut json_args = c.args.clone();
        json_args.push("--json".into());
        let json = run(&json_args);
        let text = run(&c.args);
        if json.code == 0 || json.code == 1 || json.code == 3 {
            // A verdict or a report: the stdout must be one JSON document.
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&json.stdout) {
                if !c.args.contains(&"--select".to_string()) || !json.stdout.is_empty() {
                    diffs.push(format!("{}: --json stdout is not JSON ({e}): {}", c.name, json.stdout));
                }
            }
        }
        let exit = format!(
            "args: {}\njson exit: {}\njson stderr:\n{}text exit: {}\ntext stderr:\n{}",
            c.args.join(" "),
            json.code,
            json.stderr,
            text.code,
            text.stderr
        );
        for (suffix, actual) in [("json", &json.stdout), ("txt", &text.stdout), ("exit", &exit)] {
            if let Some(d) = compare(&format!("{}.{suffix}", c.name), actual, bless) {
                diffs.push(d);
            }
        }
    }
    // Every golden file belongs to a case: a renamed case must not leave a stale file behind.
    if !bless {
        for f in sorted_files("tests/golden", |n| n != "README.md") {
            let stem = f.rsplit_once('.').map_or(f.as_str(), |(s, _)| s);
            if !names.contains(stem) {
                diffs.push(format!("tests/golden/{f} belongs to no case (remove it)"));
            }
        }
    }
    assert!(diffs.is_empty(), "{} golden differences:\n{}", diffs.len(), diffs.join("\n"));
    assert!(cases.len() > 80, "the golden cases cover every fixture ({} cases)", cases.len());
}
