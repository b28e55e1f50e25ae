//! The gate judges an image by its content: relabelled copies of good fixtures (the XML
//! edited with `wimlib-imagex info --image-property`, as relabelling tools do) are
//! blocked by `image-metadata` on WIM, solid ESD, split sets and inside an ISO; the
//! image's own key configuration (written by fixtures/tools/mkpkeyconfig.py, made-up
//! groups) decides a key's edition ahead of the built-in table.

use std::path::{Path, PathBuf};

use crate::common::{Run, TempDir, fixture, oemgate, tool_ok};

const MACHINE: [&str; 4] = ["--machine-arch", "x64", "--machine-firmware", "uefi64"];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn copy(from: &Path, dir: &Path) -> PathBuf {
    let to = dir.join(from.file_name().unwrap());
    std::fs::copy(from, &to).unwrap();
    to
}

fn relabel(image: &Path, index: &str, prop: &str) {
    tool_ok("wimlib-imagex", &["info", s(image), index, "--image-property", prop]);
}

fn check(image: &Path, index: &str, fw: &str, extra: &[&str]) -> Run {
    let f = fixture(&format!("firmware/{fw}"));
    let mut a = vec!["check", "--image", s(image), "--index", index, "--acpi-dir", s(&f), "--no-offline-os", "--json"];
    a.extend_from_slice(&MACHINE);
    a.extend_from_slice(extra);
    oemgate(a)
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

fn rule<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["rules"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no rule {id}: {v}"))
}

/// The relabellings: (property, what the message must name).
const EDITS: [(&str, &str); 5] = [
    ("WINDOWS/EDITIONID=Core", "edition: the XML says Core, the image's content says Professional"),
    ("WINDOWS/VERSION/BUILD=19045", "build: the XML says 19045, the image's content says 22631"),
    ("WINDOWS/ARCH=0", "architecture: the XML says x86, the image's content says x64"),
    ("WINDOWS/LANGUAGES/DEFAULT=ja-JP", "default language: the XML says ja-JP, the image's content says en-US"),
    ("WINDOWS/INSTALLATIONTYPE=Server", "installation type: the XML says Server, the image's content says Client"),
];

fn assert_blocked(r: &Run, want: &str, what: &str) {
    let v = json(r);
    assert_eq!(r.code, 1, "{what}: {}", r.stdout);
    let m = rule(&v, "image-metadata");
    assert_eq!(m["outcome"], "fail", "{what}: {m}");
    assert!(m["message"].as_str().unwrap().contains(want), "{what}: {m}");
    assert!(v["reasons"].as_array().unwrap().iter().any(|r| r == "image-metadata"), "{what}");
}

#[test]
fn good_fixtures_pass_image_metadata() {
    for (image, index, fw) in [
        ("images/pro.wim", "1", "pro"),
        ("images/multi.wim", "3", "core"),
        ("images/multi.wim", "6", "pro"),
        ("images/install.esd", "2", "pro-n"),
        ("images/install.swm", "1", "pro"),
        ("images/lzms.wim", "1", "pro"),
    ] {
        let r = check(&fixture(image), index, fw, &[]);
        let v = json(&r);
        assert_eq!(rule(&v, "image-metadata")["outcome"], "pass", "{image} {index}: {}", r.stdout);
    }
}

#[test]
fn the_reported_case_relabelled_home_is_blocked_on_a_home_pc() {
    // The issue: a Pro image whose XML says Core / Windows 11 Home, on a Home PC.
    let tmp = TempDir::new("relabel-home");
    let img = copy(&fixture("images/pro.wim"), tmp.path());
    tool_ok(
        "wimlib-imagex",
        &[
            "info",
            s(&img),
            "1",
            "--image-property",
            "WINDOWS/EDITIONID=Core",
            "--image-property",
            "WINDOWS/PRODUCTNAME=Windows 11 Home",
            "--image-property",
            "DISPLAYNAME=Windows 11 Home",
        ],
    );
    let r = check(&img, "1", "core", &["--licensed-version", "11", "--licensed-language", "en-US"]);
    assert_blocked(&r, EDITS[0].1, "relabelled Home");
    let v = json(&r);
    // The edition rule judges the content (Professional) too.
    assert_eq!(v["image"]["edition_id"], "Professional");
    assert_eq!(v["image"]["label"]["edition_id"], "Core");
    assert_eq!(rule(&v, "edition")["outcome"], "fail");
    // And `match --select` offers nothing.
    let f = fixture("firmware/core");
    let mut a = vec!["match", s(&img), "--select", "--acpi-dir", s(&f), "--no-offline-os"];
    a.extend_from_slice(&MACHINE);
    let m = oemgate(a);
    assert_eq!(m.code, 1, "{}{}", m.stdout, m.stderr);
}

#[test]
fn relabelled_wim_and_solid_esd_are_blocked() {
    for (src, index) in [("images/pro.wim", "1"), ("images/install.esd", "1")] {
        for (prop, want) in EDITS {
            let tmp = TempDir::new("relabel");
            let img = copy(&fixture(src), tmp.path());
            relabel(&img, index, prop);
            assert_blocked(&check(&img, index, "pro", &[]), want, &format!("{src} {prop}"));
        }
    }
}

/// A relabelled pro.wim split into parts (wimlib does not edit split sets in place).
#[test]
fn relabelled_split_sets_are_blocked() {
    for (prop, want) in EDITS {
        let tmp = TempDir::new("relabel-swm");
        let whole = tmp.path().join("whole.wim");
        tool_ok(
            "wimlib-imagex",
            &["export", s(&fixture("images/install.swm")), "1", s(&whole), "--ref", s(&fixture("images/install*.swm"))],
        );
        relabel(&whole, "1", prop);
        let swm = tmp.path().join("install.swm");
        tool_ok("wimlib-imagex", &["split", s(&whole), s(&swm), "0.07"]);
        assert!(tmp.path().join("install2.swm").exists(), "the set really splits");
        assert_blocked(&check(&swm, "1", "pro", &[]), want, &format!("split {prop}"));
    }
}

#[test]
fn relabelled_image_inside_an_iso_is_blocked() {
    for (prop, want) in EDITS {
        let tmp = TempDir::new("relabel-iso");
        let tree = tmp.path().join("media");
        std::fs::create_dir_all(tree.join("sources")).unwrap();
        let img = tree.join("sources/install.wim");
        std::fs::copy(fixture("images/pro.wim"), &img).unwrap();
        relabel(&img, "1", prop);
        let iso = tmp.path().join("media.iso");
        tool_ok("genisoimage", &["-quiet", "-J", "-r", "-o", s(&iso), s(&tree)]);
        assert_blocked(&check(&iso, "1", "pro", &[]), want, &format!("iso {prop}"));
    }
}

// ---- the image's own key configuration ----

/// A Windows 11 Pro tree (mkwintree.py) with `pkeyconfig` files written by
/// mkpkeyconfig.py (or raw bytes), captured by wimlib.
/// A key configuration file: its name, and the groups mkpkeyconfig.py writes or raw bytes.
type PkeyFile<'a> = (&'a str, Result<Vec<&'a str>, &'a [u8]>);

fn image_with_pkeyconfig(tmp: &Path, files: &[PkeyFile]) -> PathBuf {
    let tools = fixture("tools");
    let tree = tmp.join("tree");
    tool_ok(
        "python3",
        &[
            s(&tools.join("mkwintree.py")),
            s(&tree),
            "edition=Professional",
            "product=Windows 11 Pro",
            "type=Client",
            "major=10",
            "minor=0",
            "build=22631",
            "arch=x64",
            "langs=en-US",
            "install_lang=0409",
        ],
    );
    let dir = tree.join("Windows/System32/spp/tokens/pkeyconfig");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, content) in files {
        let out = dir.join(name);
        match content {
            Ok(groups) => {
                let mut a = vec![s(&tools.join("mkpkeyconfig.py")).to_string(), s(&out).to_string()];
                a.extend(groups.iter().map(|g| g.to_string()));
                let a: Vec<&str> = a.iter().map(String::as_str).collect();
                tool_ok("python3", &a);
            }
            Err(bytes) => std::fs::write(&out, bytes).unwrap(),
        }
    }
    let wim = tmp.join("install.wim");
    tool_ok("wimlib-imagex", &["capture", s(&tree), s(&wim), "Windows 11 Pro", "--compress=LZX"]);
    wim
}

const EN11: [&str; 4] = ["--licensed-version", "11", "--licensed-language", "en-US"];

#[test]
fn a_group_only_the_image_knows_decides_the_edition() {
    let tmp = TempDir::new("pkey-decides");
    // unknown-group's key: group 99999, serial 301 (fixtures/firmware/expected.json).
    let wim = image_with_pkeyconfig(tmp.path(), &[("pkeyconfig.xrm-ms", Ok(vec!["99999:Professional:OEM:DM:0-1000"]))]);
    let r = check(&wim, "1", "unknown-group", &EN11);
    let v = json(&r);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let k = &v["licensed"]["firmware_key"];
    assert_eq!(k["edition_id"], "Professional");
    assert_eq!(
        k["edition_source"],
        "image key configuration (/Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms)"
    );
    assert_eq!(k["serial_in_range"], true);
    assert_eq!(rule(&v, "image-key")["outcome"], "pass");
    assert_eq!(rule(&v, "image-metadata")["outcome"], "pass");
    let f = fixture("firmware/unknown-group");
    let mut a = vec!["check", "--image", s(&wim), "--acpi-dir", s(&f), "--no-offline-os"];
    a.extend_from_slice(&MACHINE);
    a.extend_from_slice(&EN11);
    let t = oemgate(a);
    assert!(
        t.stdout.contains("group 99999 OEM:DM (group from the image key configuration (/Windows/System32/spp/tokens/pkeyconfig/pkeyconfig.xrm-ms))"),
        "{}",
        t.stdout
    );
    // The same key against the fixture without a key configuration: the built-in table
    // does not know the group.
    let r = check(&fixture("images/pro.wim"), "1", "unknown-group", &EN11);
    let v = json(&r);
    assert!(v["licensed"]["firmware_key"]["edition_id"].is_null());
    assert_ne!(r.code, 0);
    let k = rule(&v, "image-key");
    assert_eq!(k["outcome"], "skip");
    assert!(k["message"].as_str().unwrap().contains("has no /Windows/System32/spp/tokens/pkeyconfig"), "{k}");
}

#[test]
fn serial_outside_every_range_warns() {
    let tmp = TempDir::new("pkey-range");
    let wim =
        image_with_pkeyconfig(tmp.path(), &[("pkeyconfig.xrm-ms", Ok(vec!["99999:Professional:OEM:DM:500-1000"]))]);
    let v = json(&check(&wim, "1", "unknown-group", &EN11));
    let k = &v["licensed"]["firmware_key"];
    assert_eq!(k["serial_in_range"], false);
    assert!(k["warnings"].to_string().contains("key serial 301 is outside the key ranges of group 99999"), "{k}");
}

#[test]
fn an_image_that_does_not_know_the_key_warns_or_blocks_by_policy() {
    let tmp = TempDir::new("pkey-reject");
    let wim = image_with_pkeyconfig(
        tmp.path(),
        &[
            ("pkeyconfig.xrm-ms", Ok(vec!["99999:Core:OEM:DM:0-1000"])),
            ("pkeyconfig-downlevel.xrm-ms", Ok(vec!["99998:Enterprise:Volume:GVLK"])),
        ],
    );
    let r = check(&wim, "1", "pro", &EN11);
    let v = json(&r);
    let k = rule(&v, "image-key");
    assert_eq!(k["outcome"], "unknown");
    assert_eq!(k["effect"], "warn", "{k}");
    assert!(k["message"].as_str().unwrap().contains("this image does not accept this PC's key"), "{k}");
    assert!(k["evidence"].to_string().contains("pkeyconfig-downlevel.xrm-ms"), "{k}");
    // The built-in table decided the edition (the image's files do not know group 3305...).
    assert_eq!(v["licensed"]["firmware_key"]["edition_source"], "built-in table");
    assert_eq!(r.code, 0, "{}", r.stdout);
    let policy = tmp.path().join("p.toml");
    std::fs::write(&policy, "[unknown]\nimage-key = \"block\"\n").unwrap();
    let mut a = EN11.to_vec();
    a.extend(["--policy", s(&policy)]);
    let r = check(&wim, "1", "pro", &a);
    assert_eq!(r.code, 3, "{}", r.stdout);
}

#[test]
fn damaged_key_configurations_fall_back_never_panic() {
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let bad_b64 =
        b"<?xml version=\"1.0\"?><r><tm:infoBin name=\"pkeyConfigData\">!!!not base64!!!</tm:infoBin></r>".to_vec();
    let huge = vec![b'A'; 17 * 1024 * 1024];
    use base64::Engine as _;
    let bad_xml_doc =
        base64::engine::general_purpose::STANDARD.encode(b"<ProductKeyConfiguration><Configurations><Configuration>");
    let bad_xml = format!("<r><tm:infoBin name=\"pkeyConfigData\">{bad_xml_doc}</tm:infoBin></r>").into_bytes();
    for (what, bytes) in [("bad base64", bad_b64), ("bad XML", bad_xml), ("deep", deep.into_bytes()), ("huge", huge)] {
        let tmp = TempDir::new("pkey-damaged");
        let wim = image_with_pkeyconfig(tmp.path(), &[("pkeyconfig.xrm-ms", Err(&bytes))]);
        let r = check(&wim, "1", "pro", &EN11);
        let v = json(&r);
        assert_eq!(r.code, 0, "{what}: {}", r.stdout);
        assert_eq!(v["licensed"]["firmware_key"]["edition_source"], "built-in table", "{what}");
        let k = rule(&v, "image-key");
        assert_eq!(k["outcome"], "skip", "{what}");
        assert!(k["message"].as_str().unwrap().contains("pkeyconfig.xrm-ms"), "{what}: {k}");
    }
}

// ---- non-OS indexes and inspect --content ----

/// Install media carry Windows PE and Setup indexes (EditionID WindowsPE): a two-index
/// image, index 1 Windows PE, index 2 Windows 11 Pro.
#[test]
fn windows_pe_indexes_are_never_offered_and_check_says_what_they_are() {
    let tmp = TempDir::new("winpe");
    let tree = tmp.path().join("pe");
    let mk = fixture("tools/mkwintree.py");
    tool_ok(
        "python3",
        &[
            s(&mk),
            s(&tree),
            "edition=WindowsPE",
            "product=Microsoft Windows PE",
            "type=WindowsPE",
            "build=22621",
            "arch=x64",
        ],
    );
    let wim = tmp.path().join("boot.wim");
    tool_ok("wimlib-imagex", &["capture", s(&tree), s(&wim), "Microsoft Windows Setup (amd64)"]);
    tool_ok("wimlib-imagex", &["export", s(&fixture("images/pro.wim")), "1", s(&wim)]);
    let r = check(&wim, "1", "pro", &EN11);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("index 1 is not a Windows to install") && r.stderr.contains("WindowsPE"), "{}", r.stderr);
    let f = fixture("firmware/pro");
    let mut a = vec!["match", s(&wim), "--json", "--acpi-dir", s(&f), "--no-offline-os"];
    a.extend_from_slice(&MACHINE);
    a.extend_from_slice(&EN11);
    let m = oemgate(a);
    let v = json(&m);
    let idx: Vec<i64> = v["indexes"].as_array().unwrap().iter().map(|x| x["index"].as_i64().unwrap()).collect();
    assert_eq!(idx, [2], "{}", m.stdout);
    let mut a = vec!["match", s(&wim), "--select", "--acpi-dir", s(&f), "--no-offline-os"];
    a.extend_from_slice(&MACHINE);
    a.extend_from_slice(&EN11);
    let m = oemgate(a);
    assert_eq!((m.code, m.stdout.trim()), (0, "2"), "{}", m.stderr);
}

#[test]
fn inspect_content_marks_each_disagreement() {
    let tmp = TempDir::new("inspect-content");
    let img = copy(&fixture("images/pro.wim"), tmp.path());
    relabel(&img, "1", "WINDOWS/EDITIONID=Core");
    let r = oemgate(["inspect", s(&img), "--content", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    let c = &v["content"][0];
    assert_eq!(c["label"]["edition_id"], "Core");
    assert_eq!(c["content"]["edition_id"], "Professional");
    assert_eq!(c["content"]["product_type"], "WinNT");
    assert_eq!(c["disagreements"], serde_json::json!([{"fact": "edition", "xml": "Core", "content": "Professional"}]));
    // The XML facts are unchanged beside them.
    assert_eq!(v["images"][0]["windows"]["edition_id"], "Core");
    let t = oemgate(["inspect", s(&img), "--content"]);
    assert!(
        t.stdout.lines().any(|l| l.contains("edition") && l.contains("Core") && l.contains("Professional ≠ differs")),
        "{}",
        t.stdout
    );
    // Unmodified: no disagreement.
    let v = json(&oemgate(["inspect", s(&fixture("images/install.esd")), "--content", "--json"]));
    for c in v["content"].as_array().unwrap() {
        assert_eq!(c["disagreements"], serde_json::json!([]), "{c}");
        assert!(c["content"]["edition_id"].is_string());
    }
}

/// A damaged SOFTWARE hive (not a regf file) in an image that wimlib captured: the content
/// is unknown with the reason, the label unconfirmed (warn by default, block by policy).
#[test]
fn damaged_hive_leaves_the_content_unknown_with_the_reason() {
    let tmp = TempDir::new("bad-hive");
    let tree = tmp.path().join("tree");
    let mk = fixture("tools/mkwintree.py");
    tool_ok(
        "python3",
        &[s(&mk), s(&tree), "edition=Professional", "product=Windows 11 Pro", "build=22631", "arch=x64"],
    );
    std::fs::write(tree.join("Windows/System32/config/SOFTWARE"), b"regf but not really a hive").unwrap();
    let wim = tmp.path().join("install.wim");
    tool_ok("wimlib-imagex", &["capture", s(&tree), s(&wim), "Windows 11 Pro"]);
    // wimlib could not read the hive either: the label claims what a relabeller writes.
    relabel(&wim, "1", "WINDOWS/EDITIONID=Professional");
    let r = check(&wim, "1", "pro", &EN11);
    let v = json(&r);
    let m = rule(&v, "image-metadata");
    assert_eq!(m["outcome"], "unknown", "{m}");
    assert_eq!(m["effect"], "warn", "{m}");
    let msg = m["message"].as_str().unwrap();
    assert!(msg.contains("own edition, default language cannot be read"), "{msg}");
    assert!(msg.contains("/Windows/System32/config/SOFTWARE: not a readable registry hive"), "{msg}");
    assert!(v["image"]["content"]["unknown"][0].as_str().unwrap().starts_with("registry: "), "{v}");
    // The kernel still gives the architecture.
    assert_eq!(v["image"]["content"]["arch"], "x64");
    let policy = tmp.path().join("p.toml");
    std::fs::write(&policy, "[unknown]\nimage-metadata = \"block\"\n").unwrap();
    let mut a = EN11.to_vec();
    a.extend(["--policy", s(&policy)]);
    assert_eq!(check(&wim, "1", "pro", &a).code, 3);
}
