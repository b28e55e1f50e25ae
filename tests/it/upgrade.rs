//! Issue 13 end to end through the binary: every worked case of LICENSING.md's
//! "Upgrade licences" section (Software Assurance's new-version rights, Commercial
//! Licensing upgrade licences, the free upgrade), the `basis` each passing `version`
//! carries, policy files with upgrade licences good and malformed, and `match --select`
//! preferring the index that needs no upgrade right. multi.wim's indexes: see
//! fixtures/images/generate.sh (1 Pro 11, 9 Enterprise 11, 10 Pro 10, 11 Pro 7).

use super::common::{Run, TempDir, fixture, oemgate};

const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

fn f(rel: &str) -> String {
    fixture(rel).display().to_string()
}

/// `check --json` on multi.wim index `index` with firmware dump `firmware`.
fn check(firmware: &str, index: &str, extra: &[&str]) -> (Run, serde_json::Value) {
    let (fw, img) = (f(&format!("firmware/{firmware}")), f("images/multi.wim"));
    let mut args = vec!["check", "--image", &img, "--index", index, "--acpi-dir", &fw, "--no-offline-os", "--json"];
    args.extend_from_slice(&MACHINE);
    args.extend_from_slice(extra);
    let r = oemgate(&args);
    let j = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r, j)
}

fn reasons(j: &serde_json::Value) -> Vec<String> {
    j["reasons"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn rule<'a>(j: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    j["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no rule {id}"))
}

fn expect(r: &Run, j: &serde_json::Value, code: i32, verdict: &str) {
    assert_eq!(r.code, code, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert_eq!((j["exit_code"].as_i64(), j["verdict"].as_str()), (Some(code as i64), Some(verdict)), "{}", r.stdout);
}

const EN10: [&str; 4] = ["--licensed-version", "10", "--licensed-language", "en-US"];

#[test]
fn pro_10_with_sa_receives_enterprise_11() {
    let mut a = EN10.to_vec();
    a.push("--software-assurance");
    let (r, j) = check("pro", "9", &a);
    expect(&r, &j, 0, "allowed");
    let v = rule(&j, "version");
    assert_eq!((v["outcome"].as_str(), v["basis"].as_str()), (Some("pass"), Some("software-assurance")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("Software Assurance"), "{v}");
    assert!(v["evidence"].as_array().unwrap().iter().any(|e| e == "operator flag --software-assurance"), "{v}");
    // E3/E5 declared through the policy file works the same.
    let p = f("policy/sa.toml");
    let mut a = EN10.to_vec();
    a.extend(["--policy", &p]);
    let (r, j) = check("pro", "9", &a);
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "software-assurance");
}

#[test]
fn pro_10_without_anything_and_enterprise_11_blocks_enterprise_upgrade() {
    let (r, j) = check("pro", "9", &EN10);
    expect(&r, &j, 1, "blocked");
    assert!(reasons(&j).contains(&"enterprise-upgrade".to_string()), "{}", r.stdout);
    // The version rule fails as before, and says what would let it through.
    let v = rule(&j, "version");
    assert_eq!(v["outcome"], "fail");
    assert!(v["message"].as_str().unwrap().contains("Software Assurance"), "{v}");
}

#[test]
fn pro_10_without_anything_and_pro_11_blocks_version() {
    let (r, j) = check("pro", "1", &EN10);
    expect(&r, &j, 1, "blocked");
    assert_eq!(reasons(&j), ["version"], "{}", r.stdout);
    assert!(rule(&j, "version")["basis"].is_null());
    // Software Assurance is no Pro upgrade: still blocked.
    let mut a = EN10.to_vec();
    a.push("--software-assurance");
    let (r, j) = check("pro", "1", &a);
    expect(&r, &j, 1, "blocked");
    assert_eq!(reasons(&j), ["version"], "{}", r.stdout);
}

#[test]
fn pro_10_with_pro_11_upgrade_licences_receives_pro_11() {
    let p = f("policy/upgrade-pro11.toml");
    let mut a = EN10.to_vec();
    a.extend(["--policy", &p]);
    let (r, j) = check("pro", "1", &a);
    expect(&r, &j, 0, "allowed");
    let v = rule(&j, "version");
    assert_eq!((v["outcome"].as_str(), v["basis"].as_str()), (Some("pass"), Some("upgrade-licence")), "{v}");
    assert!(v["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("upgrade_licences[1]")));
    // A Windows 10 Pro upgrade licence does not cover Windows 11.
    let t = TempDir::new("upgrade-policy");
    let p10 = t.path().join("p10.toml");
    std::fs::write(&p10, "upgrade_licences = [ { edition = \"Professional\", version = \"10\" } ]\n").unwrap();
    let p10 = p10.display().to_string();
    let mut a = EN10.to_vec();
    a.extend(["--policy", &p10]);
    let (r, j) = check("pro", "1", &a);
    expect(&r, &j, 1, "blocked");
    assert_eq!(reasons(&j), ["version"]);
    // Nor does a Pro upgrade cover Pro N (a different product).
    let a = ["--licensed-version", "10", "--licensed-language", "en-US", "--policy", &p];
    let (r, j) = check("pro-n", "4", &a);
    expect(&r, &j, 1, "blocked");
    assert_eq!(reasons(&j), ["version"], "the Pro upgrade is no Pro N upgrade: {}", r.stdout);
}

#[test]
fn core_10_with_pro_11_upgrade_licences_blocks() {
    let p = f("policy/upgrade-pro11.toml");
    let mut a = EN10.to_vec();
    a.extend(["--policy", &p]);
    let (r, j) = check("core", "1", &a);
    expect(&r, &j, 1, "blocked");
    let why = reasons(&j);
    assert!(why.contains(&"edition".to_string()) && why.contains(&"version".to_string()), "{why:?}");
    let v = rule(&j, "version");
    assert!(v["message"].as_str().unwrap().contains("Home never qualifies"), "{v}");
}

#[test]
fn pro_81_oa3_key_with_sa_receives_enterprise_11() {
    // No declared version: the key's release (Windows 8.1) is the evidence.
    let (r, j) = check("win81-pro", "9", &["--licensed-language", "en-US", "--software-assurance"]);
    expect(&r, &j, 0, "allowed");
    let v = rule(&j, "version");
    assert_eq!(v["basis"], "software-assurance", "{v}");
    assert!(v["message"].as_str().unwrap().contains("at least Windows 8.1"), "{v}");
    assert!(v["evidence"].as_array().unwrap().iter().any(|e| e.as_str().unwrap().contains("a Windows 8.1 key")), "{v}");
    // Declared as well: the same.
    let (r, j) =
        check("win81-pro", "9", &["--licensed-version", "8.1", "--licensed-language", "en-US", "--software-assurance"]);
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "software-assurance");
    // Without SA: blocked.
    let (r, j) = check("win81-pro", "9", &["--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked");
    assert!(reasons(&j).contains(&"enterprise-upgrade".to_string()));
}

#[test]
fn a_free_upgrade_taken_is_a_licence_for_the_newer_version() {
    // A Windows 8.1 Pro key, and the operator says the PC took the free upgrade to 11.
    let (r, j) = check("win81-pro", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed");
    let v = rule(&j, "version");
    assert_eq!(v["basis"], "newer-version-licensed", "{v}");
    // The installed Windows says so too (pro11-ja: Windows 11 Pro, ja-JP).
    let (fw, img, h) = (f("firmware/win81-pro"), f("images/multi.wim"), f("hives/pro11-ja"));
    let mut args = vec!["check", "--image", &img, "--index", "8", "--acpi-dir", &fw, "--offline-os", &h, "--json"];
    args.extend_from_slice(&MACHINE);
    let r = oemgate(&args);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "newer-version-licensed", "{}", r.stdout);
    // A Windows 10/11 key licensed for 11: simply the same version.
    let (r, j) = check("pro", "1", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "same-version");
}

#[test]
fn the_key_release_is_the_floor_of_the_licensed_version() {
    // A Windows 8.1 Pro key, no declared version, a Windows 7 image: older than any
    // version the key can be licensed for, so downgrade rights decide.
    let (r, j) = check("win81-pro", "11", &["--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "downgrade-rights", "{}", r.stdout);
    // A Windows 8.1 Home key and a Windows 7 Home-class image would fail the same way;
    // a Windows 11 image on a Windows 8.1 key stays unknown (free upgrade or not).
    let (r, j) = check("win81-pro", "1", &["--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed");
    let v = rule(&j, "version");
    assert_eq!(v["outcome"], "unknown");
    assert!(v["message"].as_str().unwrap().contains("at least Windows 8.1"), "{v}");
}

#[test]
fn older_worked_cases_keep_their_basis() {
    let (r, j) = check("pro", "11", &["--licensed-version", "8", "--licensed-language", "en-US"]);
    expect(&r, &j, 0, "allowed");
    assert_eq!(rule(&j, "version")["basis"], "downgrade-rights");
    let (r, j) = check("core", "12", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    expect(&r, &j, 1, "blocked");
    assert_eq!(reasons(&j), ["version"]);
}

#[test]
fn upgrade_licence_policies_good_and_malformed() {
    let t = TempDir::new("upgrade-policies");
    let (fw, img) = (f("firmware/pro"), f("images/pro.wim"));
    let run = |text: &str| {
        let p = t.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        let p = p.display().to_string();
        let mut args = vec!["check", "--image", &img, "--acpi-dir", &fw, "--no-offline-os", "--policy", &p];
        args.extend_from_slice(&MACHINE);
        oemgate(&args)
    };
    for good in [
        "upgrade_licences = [ { edition = \"Professional\", version = \"11\" } ]",
        "upgrade_licences = [ { edition = \"Pro\", version = \"Windows 11\" }, { edition = \"ProfessionalN\", version = \"10\" } ]",
        "upgrade_licences = []",
        "hardware = \"block\"",
    ] {
        let r = run(good);
        assert_ne!(r.code, 4, "{good}: {}", r.stderr);
    }
    for bad in [
        "upgrade_licences = [ { edition = \"Core\", version = \"11\" } ]",
        "upgrade_licences = [ { edition = \"Enterprise\", version = \"11\" } ]",
        "upgrade_licences = [ { edition = \"Nonsense\", version = \"11\" } ]",
        "upgrade_licences = [ { edition = \"Professional\", version = \"12\" } ]",
        "upgrade_licences = [ { edition = \"Professional\", version = \"2022\" } ]",
        "upgrade_licences = [ { edition = \"Professional\", version = 11 } ]",
        "upgrade_licences = [ { edition = \"Professional\" } ]",
        "upgrade_licences = [ { edition = \"Professional\", version = \"11\", seats = 5 } ]",
        "upgrade_licences = { edition = \"Professional\", version = \"11\" }",
        "upgrade_licenses = [ { edition = \"Professional\", version = \"11\" } ]",
        "hardware = \"maybe\"",
    ] {
        let r = run(bad);
        assert_eq!(r.code, 4, "{bad}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("policy file"), "{bad}: {}", r.stderr);
    }
    let r = run("upgrade_licences = [ { edition = \"Core\", version = \"11\" } ]");
    assert!(r.stderr.contains("entry 1") && r.stderr.contains("Core"), "{}", r.stderr);
    let r = oemgate(["check", "--image", &img, "--no-offline-os", "--policy", &f("policy/bad-upgrade.toml")]);
    assert_eq!(r.code, 4, "{}", r.stderr);
}

#[test]
fn match_select_prefers_the_index_that_needs_no_upgrade_right() {
    let (img, fw) = (f("images/multi.wim"), f("firmware/pro"));
    let mut args = vec!["match", &img, "--acpi-dir", &fw, "--no-offline-os", "--select", "--software-assurance"];
    args.extend_from_slice(&MACHINE);
    args.extend_from_slice(&EN10);
    // Allowed: 10 (Pro 10, same version), 9 (Enterprise 11 by SA), 11 (Pro 7 by downgrade).
    let r = oemgate(&args);
    assert_eq!((r.code, r.stdout.trim()), (0, "10"), "{}", r.stderr);
    // A Windows 11 Pro licence with SA: 1 (Pro 11) and 9 (Enterprise 11 by SA) are both
    // allowed with the same warnings; the one that needs no upgrade right wins.
    let mut a11 = vec!["match", &img, "--acpi-dir", &fw, "--no-offline-os", "--select", "--software-assurance"];
    a11.extend_from_slice(&MACHINE);
    a11.extend(["--licensed-version", "11", "--licensed-language", "en-US"]);
    let r = oemgate(&a11);
    assert_eq!((r.code, r.stdout.trim()), (0, "1"), "{}", r.stderr);
    // With the Pro 11 upgrade licences too: still the licence as it is.
    let p = f("policy/upgrade-pro11.toml");
    args.extend(["--policy", &p]);
    let r = oemgate(&args);
    assert_eq!((r.code, r.stdout.trim()), (0, "10"), "{}", r.stderr);
}
