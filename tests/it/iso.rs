//! ISO media read in place agree with tools we did not write: the image inside
//! equals the same image extracted by 7-Zip and inspected as a plain file, and the
//! file tree our UDF / ISO 9660 readers see equals 7-Zip's listing.

use std::path::Path;
use std::sync::Arc;

use crate::iso_common::*;
use oemgate::image::iso::{self, Channel, Filesystem, Iso, Kind, iso9660};
use oemgate::source::{FileSource, ReadAt};

/// The keys of `inspect --json` that describe the image itself (not where it is).
const IMAGE_KEYS: [&str; 9] =
    ["images", "header", "container", "compression", "solid", "pipable", "encrypted", "integrity", "total_bytes"];

fn image_name(json: &serde_json::Value) -> String {
    json["media"]["image"].as_str().unwrap().to_string()
}

#[test]
fn image_inside_iso_equals_the_extracted_image() {
    for name in FIXTURES {
        let iso_path = fixture(name);
        let in_iso = inspect_json(&iso_path);
        let inner = image_name(&in_iso);
        let tmp = TempDir::new("iso-x");
        sevenzip_extract(&iso_path, tmp.path(), &["sources/install*"]);
        let extracted = inspect_json(&tmp.path().join(&inner));
        for key in IMAGE_KEYS {
            assert_eq!(in_iso[key], extracted[key], "{name}: {key} differs between the ISO and the extracted {inner}");
        }
        assert!(in_iso["images"].as_array().is_some_and(|a| a.len() == 2), "{name}: two images expected");
        let parts = |j: &serde_json::Value| -> Vec<(u64, u64)> {
            j["parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p["number"].as_u64().unwrap(), p["size"].as_u64().unwrap()))
                .collect()
        };
        assert_eq!(parts(&in_iso), parts(&extracted), "{name}: split parts");
        assert_eq!(in_iso["path"], iso_path.to_str().unwrap());
        assert!(extracted.get("media").is_none(), "a plain WIM has no media section");
        assert_eq!(in_iso["media"]["image_size"], std::fs::metadata(tmp.path().join(&inner)).unwrap().len());
    }
}

#[test]
fn table_output_has_the_media_section() {
    let out = oemgate(&["inspect", fixture("udf-only.iso").to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "Media          UDF 1.02, label SWM_UDF_ONLY",
        "Image file     sources/install.swm (",
        "ei.cfg         EditionID Professional, Channel OEM, VL 0 (not VL media)",
        "EFI loaders    efi/boot/bootx64.efi (x64)",
        "Setup          sources/setup.exe (x64)",
        "Parts          2 (",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

fn ours(iso: &Iso) -> Vec<(String, bool, u64)> {
    let mut v: Vec<(String, bool, u64)> = iso
        .list()
        .unwrap()
        .into_iter()
        .map(|(p, n)| {
            let dir = n.kind == Kind::Directory;
            (p, dir, if dir { 0 } else { n.size })
        })
        .collect();
    v.sort();
    v
}

fn open(path: &Path) -> Arc<dyn ReadAt> {
    Arc::new(FileSource::open(path).unwrap())
}

#[test]
fn file_tree_equals_7zip_listing() {
    // (fixture, file system we pick, 7-Zip's handler for it)
    for (name, describe, kind) in [
        ("udf-bridge.iso", "UDF 1.02", "udf"),
        ("udf-only.iso", "UDF 1.02", "udf"),
        ("pycdlib-udf.iso", "UDF 1.02", "udf"),
        ("joliet.iso", "ISO 9660 + Joliet", "iso"),
        ("no-image.iso", "ISO 9660 + Joliet", "iso"),
    ] {
        let p = fixture(name);
        let iso = Iso::open(open(&p)).unwrap();
        assert_eq!(iso.fs.describe(), describe, "{name}");
        let theirs = sevenzip_list(&p, Some(kind));
        assert!(!theirs.is_empty());
        assert_eq!(ours(&iso), theirs, "{name}: our tree vs 7z l -t{kind}");
    }
}

#[test]
fn iso9660_side_of_udf_images_equals_7zip_listing() {
    for (name, joliet, expect_readme_only) in
        [("udf-bridge.iso", true, false), ("udf-only.iso", false, true), ("pycdlib-udf.iso", false, true)]
    {
        let p = fixture(name);
        let src = open(&p);
        let vol = iso9660::Volume::open(&*src).unwrap();
        assert_eq!(vol.joliet, joliet, "{name}");
        let iso = Iso::with_filesystem(Filesystem::Iso9660(vol), src);
        let mine = ours(&iso);
        assert_eq!(mine, sevenzip_list(&p, Some("iso")), "{name}: ISO 9660 side vs 7z l -tiso");
        if expect_readme_only {
            assert_eq!(mine, vec![("README.TXT".to_string(), false, 133)], "{name}: the ISO 9660 side is the stub");
        }
    }
}

#[test]
fn lookup_is_case_insensitive_and_exact_about_kinds() {
    let iso = Iso::open(open(&fixture("udf-bridge.iso"))).unwrap();
    let a = iso.file("sources/install.wim").unwrap().unwrap();
    let b = iso.file("SOURCES\\Install.WIM").unwrap().unwrap();
    assert_eq!(a, b);
    assert!(iso.file("sources").unwrap().is_none(), "a directory is not a file");
    assert!(iso.lookup("sources/install.wim/x").unwrap().is_none());
    assert!(iso.lookup("nothing/here").unwrap().is_none());
}

#[test]
fn media_facts_per_fixture() {
    let facts = |name: &str| oemgate::image::read_iso(open(&fixture(name)), name).unwrap().media.unwrap();

    let m = facts("udf-bridge.iso");
    assert_eq!(
        (m.filesystem.as_str(), m.label.as_deref(), m.image.as_str()),
        ("UDF 1.02", Some("CCCOMA_X64FRE_EN-US_DV9"), "sources/install.wim")
    );
    let cfg = m.ei_cfg.clone().unwrap();
    assert_eq!(
        (cfg.edition_id.as_deref(), cfg.channel, cfg.vl),
        (Some("Enterprise"), Some(Channel::Volume), Some(true))
    );
    assert_eq!(iso::media_channel(&m), Some(Channel::Volume));
    assert_eq!(iso::is_vl_media(&m), Some(true));
    assert!(!m.pid_txt);
    assert_eq!(m.boot_wim.as_ref().map(|b| (b.images, b.architectures.clone())), Some((1, vec!["x64".to_string()])));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);

    let m = facts("joliet.iso");
    assert_eq!((m.filesystem.as_str(), m.image.as_str()), ("ISO 9660 + Joliet", "sources/install.esd"));
    assert_eq!(iso::media_channel(&m), Some(Channel::Retail));
    assert_eq!(iso::is_vl_media(&m), Some(false));
    assert!(m.pid_txt);
    let loaders: Vec<(&str, &str)> =
        m.efi_loaders.iter().map(|x| (x.path.as_str(), x.machine.as_ref().unwrap().name)).collect();
    assert_eq!(
        loaders,
        [("efi/boot/bootx64.efi", "x64"), ("efi/boot/bootaa64.efi", "arm64"), ("efi/boot/bootia32.efi", "x86")]
    );

    let m = facts("udf-only.iso");
    assert_eq!(m.image, "sources/install.swm");
    let cfg = m.ei_cfg.clone().unwrap();
    assert_eq!(
        (cfg.edition_id.as_deref(), cfg.channel, cfg.vl),
        (Some("Professional"), Some(Channel::Oem), Some(false))
    );
    assert_eq!(iso::is_vl_media(&m), Some(false));

    let m = facts("pycdlib-udf.iso");
    assert!(m.ei_cfg.is_none());
    assert_eq!(iso::media_channel(&m), None);
    assert_eq!(iso::is_vl_media(&m), None);
    assert_eq!(m.setup_exe.as_ref().and_then(|s| s.machine.as_ref()).map(|x| x.name), Some("x64"));
}

/// The PE machine we read agrees with 7-Zip's PE handler on every executable.
#[test]
fn pe_machine_agrees_with_7zip() {
    let mut seen = 0;
    for name in FIXTURES {
        let p = fixture(name);
        let m = oemgate::image::read_iso(open(&p), name).unwrap().media.unwrap();
        let tmp = TempDir::new("iso-pe");
        sevenzip_extract(&p, tmp.path(), &["efi/boot/*.efi", "sources/setup.exe"]);
        for x in m.efi_loaders.iter().chain(m.setup_exe.iter()) {
            let out = run(sevenzip().arg("l").arg("-slt").arg(tmp.path().join(&x.path)));
            let text = String::from_utf8_lossy(&out.stdout);
            let cpu = text.lines().find_map(|l| l.strip_prefix("CPU = ")).expect("7z reports the CPU");
            assert_eq!(cpu.to_ascii_lowercase(), x.machine.as_ref().unwrap().name, "{name}: {}", x.path);
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} executables compared");
}

/// A UDF 2.01 volume from mkudffs: NSR03, extended file entries, a root directory
/// embedded in its entry. No image in it, so the answer is the clear not-found error.
#[test]
fn mkudffs_udf_201_with_extended_file_entries() {
    let tmp = TempDir::new("iso-mkudffs");
    let img = tmp.path().join("udf201.img");
    std::fs::File::create(&img).unwrap().set_len(2 * 1024 * 1024).unwrap();
    run(mkudffs().args(["--media-type=hd", "--blocksize=2048", "--udfrev=0x0201", "--label=EFE201"]).arg(&img));
    let iso = Iso::open(open(&img)).unwrap();
    assert_eq!(iso.fs.describe(), "UDF 2.01");
    assert_eq!(iso.fs.label().as_deref(), Some("EFE201"));
    assert_eq!(iso.fs.root().extents.len(), 1, "root directory embedded in its extended file entry");
    assert_eq!(ours(&iso), sevenzip_list(&img, Some("udf")));
    let out = oemgate(&["inspect", img.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "no Windows image found in ISO: looked for sources/install.wim, sources/install.esd, sources/install.swm"
        ),
        "{err}"
    );
}

/// Plain ISO 9660 (no Joliet, no Rock Ridge: upper-case 8.3 names with `;1`),
/// written by genisoimage at test time from files 7-Zip extracted.
#[test]
fn plain_iso9660_level1() {
    let tmp = TempDir::new("iso-plain");
    let m = tmp.path().join("m");
    sevenzip_extract(
        &fixture("udf-bridge.iso"),
        &m,
        &["sources/install.wim", "sources/ei.cfg", "efi/boot/bootx64.efi"],
    );
    let plain = tmp.path().join("plain.iso");
    run(std::process::Command::new("genisoimage").args(["-quiet", "-o"]).arg(&plain).arg(&m));
    let iso = Iso::open(open(&plain)).unwrap();
    assert_eq!(iso.fs.describe(), "ISO 9660");
    let mine = ours(&iso);
    assert!(mine.iter().any(|(p, _, _)| p == "SOURCES/INSTALL.WIM"), "{mine:?}");
    assert_eq!(mine, sevenzip_list(&plain, Some("iso")));
    let in_iso = inspect_json(&plain);
    let direct = inspect_json(&m.join("sources/install.wim"));
    for key in IMAGE_KEYS {
        assert_eq!(in_iso[key], direct[key], "{key}");
    }
    assert_eq!(in_iso["media"]["image"], "sources/install.wim");
    assert_eq!(in_iso["media"]["ei_cfg"]["channel"], "volume");
    assert_eq!(in_iso["media"]["efi_loaders"][0]["machine"]["name"], "x64");
}

/// `check` and `match` gate the image inside an ISO exactly as the extracted image, but
/// for the `media` rule: on the ISO, the media's own `sources/ei.cfg` says which channel it
/// is (Volume passes, OEM and retail fail); the extracted WIM says nothing (unknown).
#[test]
fn check_and_match_gate_the_image_inside_the_iso() {
    let acpi = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/firmware/pro");
    let acpi = acpi.to_str().unwrap();
    let common =
        ["--acpi-dir", acpi, "--machine-arch", "x64", "--machine-firmware", "uefi64", "--no-offline-os", "--json"];
    let gate = |cmd: &str, image: &Path| -> (Option<i32>, serde_json::Value) {
        let image = image.to_str().unwrap();
        let mut args = vec![cmd];
        if cmd == "check" {
            args.extend(["--image", image, "--index", "1"]);
        } else {
            args.push(image);
        }
        args.extend(common);
        let out = oemgate(&args);
        let json = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{cmd} {image}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), json)
    };
    // Rule ids and outcomes other than media (evidence names differ: paths).
    let outcomes = |rules: &serde_json::Value| -> String {
        let mut s = String::new();
        for r in rules.as_array().into_iter().flatten().filter(|r| r["id"] != "media") {
            s.push_str(&format!(" {}={}", r["id"], r["outcome"]));
        }
        s
    };
    let media = |rules: &serde_json::Value| -> String {
        let r = rules.as_array().unwrap().iter().find(|r| r["id"] == "media").expect("a media rule");
        r["outcome"].as_str().unwrap().to_string()
    };
    // What each fixture's ei.cfg says (see fixtures/iso/README.md).
    let expected_media = |name: &str| match name {
        "udf-bridge.iso" => "pass",              // Channel Volume
        "joliet.iso" | "udf-only.iso" => "fail", // Retail; OEM
        "pycdlib-udf.iso" => "unknown",          // no ei.cfg
        other => panic!("no media expectation for {other}"),
    };
    for name in FIXTURES {
        let iso_path = fixture(name);
        let tmp = TempDir::new("iso-gate");
        sevenzip_extract(&iso_path, tmp.path(), &["sources/install*"]);
        let inner = image_name(&inspect_json(&iso_path));
        let want = expected_media(name);

        let (code_iso, on_iso) = gate("check", &iso_path);
        let (code_wim, on_wim) = gate("check", &tmp.path().join(&inner));
        assert_eq!(outcomes(&on_iso["rules"]), outcomes(&on_wim["rules"]), "{name}: check");
        assert!(outcomes(&on_iso["rules"]).len() > 20, "{name}: {}", outcomes(&on_iso["rules"]));
        assert_eq!(media(&on_wim["rules"]), "unknown", "{name}: a bare WIM says nothing of its media");
        assert_eq!(media(&on_iso["rules"]), want, "{name}: media from ei.cfg");
        if want == "fail" {
            assert_eq!(code_iso, Some(1), "{name}: OEM/retail media blocks");
            assert_eq!(on_iso["verdict"], "blocked", "{name}");
            assert!(
                on_iso["reasons"].as_array().unwrap().iter().any(|r| r == "media"),
                "{name}: {}",
                on_iso["reasons"]
            );
        } else {
            assert_eq!(code_iso, code_wim, "{name}: check exit code");
            assert_eq!(on_iso["verdict"], on_wim["verdict"], "{name}");
        }

        let (code_iso, on_iso) = gate("match", &iso_path);
        let (code_wim, on_wim) = gate("match", &tmp.path().join(&inner));
        let iso_idx = on_iso["indexes"].as_array().unwrap();
        let wim_idx = on_wim["indexes"].as_array().unwrap();
        assert_eq!(iso_idx.len(), wim_idx.len(), "{name}: match indexes");
        for (a, b) in iso_idx.iter().zip(wim_idx) {
            assert_eq!(outcomes(&a["rules"]), outcomes(&b["rules"]), "{name}: match index {}", a["index"]);
            assert_eq!(media(&a["rules"]), want, "{name}: match index {}", a["index"]);
        }
        if want != "fail" {
            assert_eq!(code_iso, code_wim, "{name}: match exit code");
        } else {
            assert_eq!(code_iso, Some(1), "{name}: no index of OEM/retail media is allowed");
        }
    }
}

/// The media rule weighs the policy's declaration against the media's own ei.cfg:
/// agreement decides, disagreement fails (the operator must look), OEM/retail fails.
#[test]
fn media_rule_weighs_policy_against_ei_cfg() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = TempDir::new("iso-media-policy");
    let pol = |kind: &str| {
        let p = tmp.path().join(format!("{kind}.toml"));
        std::fs::write(&p, format!("media = \"{kind}\"\n")).unwrap();
        p
    };
    let media_of = |iso: &str, policy: Option<&Path>| -> (Option<i32>, String, String) {
        let iso = fixture(iso);
        let acpi = root.join("fixtures/firmware/pro");
        let mut args = vec![
            "check",
            "--image",
            iso.to_str().unwrap(),
            "--index",
            "1",
            "--acpi-dir",
            acpi.to_str().unwrap(),
            "--licensed-version",
            "11",
            "--licensed-language",
            "en-US",
            "--machine-arch",
            "x64",
            "--machine-firmware",
            "uefi64",
            "--no-offline-os",
            "--json",
        ];
        if let Some(p) = policy {
            args.extend(["--policy", p.to_str().unwrap()]);
        }
        let out = oemgate(&args);
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = j["rules"].as_array().unwrap().iter().find(|r| r["id"] == "media").unwrap().clone();
        (out.status.code(), r["outcome"].as_str().unwrap().to_string(), r["message"].as_str().unwrap().to_string())
    };
    // ei.cfg Volume, policy volume: agree, pass, allowed.
    let (code, o, msg) = media_of("udf-bridge.iso", Some(&pol("volume")));
    assert_eq!((code, o.as_str()), (Some(0), "pass"), "{msg}");
    assert!(msg.contains("agree"), "{msg}");
    // ei.cfg Retail, policy volume: they disagree, fail.
    let (code, o, msg) = media_of("joliet.iso", Some(&pol("volume")));
    assert_eq!((code, o.as_str()), (Some(1), "fail"), "{msg}");
    assert!(msg.contains("policy declares Volume Licensing media") && msg.contains("ei.cfg says retail"), "{msg}");
    // ei.cfg Volume, policy oem: disagree, fail.
    let (code, o, _) = media_of("udf-bridge.iso", Some(&pol("oem")));
    assert_eq!((code, o.as_str()), (Some(1), "fail"));
    // No ei.cfg: the policy decides.
    let (code, o, _) = media_of("pycdlib-udf.iso", Some(&pol("volume")));
    assert_eq!((code, o.as_str()), (Some(0), "pass"));
    let (code, o, _) = media_of("pycdlib-udf.iso", Some(&pol("retail")));
    assert_eq!((code, o.as_str()), (Some(1), "fail"));
    // ei.cfg OEM, no policy: the media decides.
    let (code, o, msg) = media_of("udf-only.iso", None);
    assert_eq!((code, o.as_str()), (Some(1), "fail"), "{msg}");
    assert!(msg.contains("OEM media"), "{msg}");
}

/// The gate's media fact from an ISO's ei.cfg: the channel as the policy's media kind,
/// with the ei.cfg line as evidence (moved here with the mapping from the ISO reader).
#[test]
fn media_kind_for_the_gate() {
    use oemgate::gate::facts::ImageFacts;
    use oemgate::operator::MediaKind;
    let rep = oemgate::image::open(&crate::common::fixture("images/pro.wim")).unwrap();
    let kind = |cfg: Option<&[u8]>| {
        let mut r = rep.clone();
        r.media = Some(iso::MediaFacts {
            filesystem: "UDF 1.02".into(),
            label: None,
            image: "sources/install.wim".into(),
            image_size: 1,
            install_images: vec![],
            ei_cfg: cfg.map(|t| iso::eicfg::parse(t).unwrap()),
            pid_txt: false,
            efi_loaders: vec![],
            setup_exe: None,
            boot_wim: None,
            warnings: vec![],
        });
        r.path = "X.iso".into();
        ImageFacts::from_report(&r, &r.images[0]).media.map(|f| (f.value, f.evidence))
    };
    assert_eq!(
        kind(Some(b"[Channel]\r\nvolume\r\n")),
        Some((MediaKind::Volume, "X.iso: sources/ei.cfg: [Channel] volume".into()))
    );
    assert_eq!(kind(Some(b"[Channel]\nOEM\n")).map(|k| k.0), Some(MediaKind::Oem));
    assert_eq!(kind(Some(b"[Channel]\nRetail\n")).map(|k| k.0), Some(MediaKind::Retail));
    assert_eq!(kind(Some(b"[VL]\n1\n")), Some((MediaKind::Volume, "X.iso: sources/ei.cfg: [VL] 1".into())));
    assert_eq!(kind(Some(b"[Channel]\n_Default\n")), None);
    assert_eq!(kind(None), None);
}
