//! Policy files through the binary: good ones change the verdict, malformed ones and
//! unknown keys are exit 4 (never ignored).

use std::path::Path;
use std::process::Command;

fn p(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel).display().to_string()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_oemgate")).args(args).env_remove("_SMSTSLogPath").output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn malformed_policies_are_exit_4_before_anything_else() {
    // The policy is read first: these fail the same with or without firmware dumps.
    for bad in ["malformed.toml", "unknown-key.toml", "bad-action.toml", "bad-digest.toml"] {
        let (code, _, err) = run(&[
            "check",
            "--image",
            &p("images/pro.wim"),
            "--no-offline-os",
            "--policy",
            &p(&format!("policy/{bad}")),
        ]);
        assert_eq!(code, 4, "{bad}: {err}");
        assert!(err.contains(bad) && err.contains("policy file"), "{bad}: {err}");
    }
    let (code, _, err) = run(&["check", "--image", &p("images/pro.wim"), "--policy", "/nonexistent/policy.toml"]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = run(&["match", &p("images/multi.wim"), "--policy", &p("policy/unknown-key.toml")]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("software_assurence"), "names the unknown key: {err}");
}

#[test]
fn the_example_policy_parses_and_decides() {
    // The example declares Professional / 11 / en-US: with no MSDM it allows pro.wim.
    let (code, out, err) = run(&[
        "check",
        "--image",
        &p("images/pro.wim"),
        "--acpi-dir",
        &p("firmware/no-msdm"),
        "--no-offline-os",
        "--policy",
        &p("policy/example.toml"),
        "--json",
        "--machine-arch",
        "x64",
        "--machine-firmware",
        "uefi64",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["licensed"]["edition"]["source"], "policy");
    assert_eq!(j["licensed"]["software_assurance"]["value"], true);
}

#[test]
fn strict_policy_turns_unknown_version_into_cannot_decide() {
    let m = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];
    let (code, out, err) = run(&[
        &[
            "check",
            "--image",
            &p("images/pro.wim"),
            "--acpi-dir",
            &p("firmware/pro"),
            "--no-offline-os",
            "--policy",
            &p("policy/strict.toml"),
        ][..],
        &m,
    ]
    .concat());
    assert_eq!(code, 3, "{out}{err}");
    let (code, out, err) = run(&[
        &["check", "--image", &p("images/pro.wim"), "--acpi-dir", &p("firmware/pro"), "--no-offline-os"][..],
        &m,
    ]
    .concat());
    assert_eq!(code, 0, "defaults warn: {out}{err}");
    assert!(out.contains("warning version") && out.contains("warning language"), "{out}");
}
