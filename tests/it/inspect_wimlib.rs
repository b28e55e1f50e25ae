//! Every image fixture, every field: `oemgate inspect --json` must agree with what
//! wimlib (an independent reader and the writer of the fixtures) prints.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;
use serde_json::Value;

/// `Key:   value` lines of one block of `wimlib-imagex info` output.
type Block = BTreeMap<String, String>;

/// Split `wimlib-imagex info FILE` into the WIM block and one block per image.
fn wimlib_info(path: &Path) -> (Block, Vec<Block>) {
    let text = tool_ok("wimlib-imagex", &["info", path.to_str().unwrap()]);
    let mut wim = Block::new();
    let mut images: Vec<Block> = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else { continue };
        let (k, v) = (k.trim().to_string(), v.trim().to_string());
        if k == "Index" {
            images.push(Block::new());
        }
        match images.last_mut() {
            Some(img) => img.insert(k, v),
            None => wim.insert(k, v),
        };
    }
    (wim, images)
}

/// `wimlib-imagex info FILE --header`: `Name = value` lines.
fn wimlib_header(path: &Path) -> Block {
    let text = tool_ok("wimlib-imagex", &["info", path.to_str().unwrap(), "--header"]);
    text.lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// wimlib prints times as `Tue Nov 24 04:54:51 2026 UTC`; we print ISO 8601.
fn wimlib_time_to_iso(s: &str) -> String {
    let p: Vec<&str> = s.split_whitespace().collect();
    assert_eq!(p.len(), 6, "time {s:?}");
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let m = months.iter().position(|m| *m == p[1]).unwrap() + 1;
    format!("{}-{m:02}-{:0>2}T{}Z", p[4], p[2], p[3])
}

fn wimlib_arch(ours: &str) -> &'static str {
    match ours {
        "x86" => "x86",
        "arm" => "ARM",
        "ia64" => "IA64",
        "x64" => "x86_64",
        "arm64" => "ARM64",
        other => panic!("unexpected arch {other}"),
    }
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_string()),
        other => panic!("unexpected JSON {other}"),
    }
}

/// Compare one of our fields with wimlib's line (absent in wimlib ⇔ null in ours).
fn same(ctx: &str, field: &str, ours: Option<String>, theirs: Option<&String>) {
    assert_eq!(ours.as_ref(), theirs, "{ctx}: {field}: oemgate {ours:?} vs wimlib {theirs:?}");
}

fn compare_file(path: &Path) {
    let ctx = path.display().to_string();
    let run = oemgate(["inspect", "--json", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{ctx}: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{ctx}: stderr {}", run.stderr);
    let j: Value = serde_json::from_str(&run.stdout).unwrap();
    let (wim, images) = wimlib_info(path);
    let hdr = wimlib_header(path);
    let h = &j["header"];

    // WIM block.
    same(&ctx, "GUID", s(&h["guid"]).map(|g| format!("0x{g}")), wim.get("GUID"));
    same(&ctx, "Version", s(&h["version"]), wim.get("Version"));
    same(&ctx, "Image Count", Some(j["images"].as_array().unwrap().len().to_string()), wim.get("Image Count"));
    let comp = match j["compression"].as_str().unwrap() {
        "none" => "None",
        "xpress" => "XPRESS",
        "lzx" => "LZX",
        "lzms" => "LZMS",
        c => panic!("{c}"),
    };
    same(&ctx, "Compression", Some(comp.into()), wim.get("Compression"));
    same(&ctx, "Chunk Size", s(&h["chunk_size"]).map(|c| format!("{c} bytes")), wim.get("Chunk Size"));
    same(&ctx, "Part Number", Some(format!("{}/{}", h["part_number"], h["total_parts"])), wim.get("Part Number"));
    same(&ctx, "Boot Index", s(&h["boot_index"]), wim.get("Boot Index"));
    same(&ctx, "Size", s(&j["total_bytes"]).map(|b| format!("{b} bytes")), wim.get("Size"));
    let attrs = wim.get("Attributes").cloned().unwrap_or_default();
    assert_eq!(!j["integrity"].is_null(), attrs.contains("Integrity info"), "{ctx}: integrity vs {attrs}");
    assert_eq!(j["pipable"].as_bool().unwrap(), attrs.contains("Pipable"), "{ctx}: pipable vs {attrs}");
    let solid = h["version"].as_u64().unwrap() == 0xE00;
    assert_eq!(j["solid"].as_bool().unwrap(), solid, "{ctx}: solid");

    // Header block: every field and every resource header.
    let hex = |v: &Value| format!("{:#x}", v.as_u64().unwrap());
    assert_eq!(hdr["Magic Characters"], format!("{}\\0\\0\\0", h["magic"].as_str().unwrap()), "{ctx}");
    same(&ctx, "Header Size", s(&h["header_size"]), hdr.get("Header Size"));
    same(&ctx, "header Version", Some(hex(&h["version"])), hdr.get("Version"));
    same(&ctx, "Flags", Some(hex(&h["flags"])), hdr.get("Flags"));
    same(&ctx, "header GUID", s(&h["guid"]), hdr.get("GUID"));
    same(&ctx, "Total Parts", s(&h["total_parts"]), hdr.get("Total Parts"));
    same(&ctx, "header Image Count", s(&h["image_count"]), hdr.get("Image Count"));
    for (ours, theirs) in [
        ("blob_table", "Blob Table"),
        ("xml", "XML Data"),
        ("boot_metadata", "Boot Metadata"),
        ("integrity", "Integrity"),
    ] {
        let r = &h[ours];
        same(&ctx, theirs, s(&r["size"]), hdr.get(&format!("{theirs} Size")));
        same(&ctx, theirs, Some(hex(&r["flags"])), hdr.get(&format!("{theirs} Flags")));
        same(&ctx, theirs, s(&r["offset"]), hdr.get(&format!("{theirs} Offset")));
        let orig = hdr.get(&format!("{theirs} Original Size")).or(hdr.get(&format!("{theirs} Original_size")));
        same(&ctx, theirs, s(&r["original_size"]), orig);
    }

    // Image blocks: every field we report that wimlib prints.
    let ours = j["images"].as_array().unwrap();
    assert_eq!(ours.len(), images.len(), "{ctx}: image count");
    for (o, w) in ours.iter().zip(&images) {
        let ctx = format!("{ctx} index {}", o["index"]);
        same(&ctx, "Index", s(&o["index"]), w.get("Index"));
        same(&ctx, "Name", s(&o["name"]), w.get("Name"));
        // wimlib always prints a Description line, empty when the XML has none.
        same(&ctx, "Description", Some(s(&o["description"]).unwrap_or_default()), w.get("Description"));
        same(&ctx, "Display Name", s(&o["display_name"]), w.get("Display Name"));
        same(&ctx, "Display Description", s(&o["display_description"]), w.get("Display Description"));
        same(&ctx, "Flags", s(&o["flags"]), w.get("Flags"));
        same(&ctx, "Directory Count", s(&o["dir_count"]), w.get("Directory Count"));
        same(&ctx, "File Count", s(&o["file_count"]), w.get("File Count"));
        same(&ctx, "Total Bytes", s(&o["total_bytes"]), w.get("Total Bytes"));
        same(&ctx, "Hard Link Bytes", s(&o["hard_link_bytes"]), w.get("Hard Link Bytes"));
        same(
            &ctx,
            "Creation Time",
            s(&o["creation_time"]),
            w.get("Creation Time").map(|t| wimlib_time_to_iso(t)).as_ref(),
        );
        same(
            &ctx,
            "Last Modification Time",
            s(&o["last_modification_time"]),
            w.get("Last Modification Time").map(|t| wimlib_time_to_iso(t)).as_ref(),
        );
        same(&ctx, "WIMBoot compatible", s(&o["wimboot"]), w.get("WIMBoot compatible"));
        assert_eq!(o["warnings"], Value::Array(vec![]), "{ctx}: no warnings on a good fixture");
        let win = &o["windows"];
        if win.is_null() {
            for k in ["Architecture", "Edition ID", "Product Name", "Major Version", "Languages"] {
                assert!(!w.contains_key(k), "{ctx}: wimlib has {k} but we found no WINDOWS element");
            }
            continue;
        }
        same(
            &ctx,
            "Architecture",
            win["arch"]["name"].as_str().map(|a| wimlib_arch(a).to_string()),
            w.get("Architecture"),
        );
        same(&ctx, "Product Name", s(&win["product_name"]), w.get("Product Name"));
        same(&ctx, "Edition ID", s(&win["edition_id"]), w.get("Edition ID"));
        same(&ctx, "Installation Type", s(&win["installation_type"]), w.get("Installation Type"));
        same(&ctx, "Product Type", s(&win["product_type"]), w.get("Product Type"));
        same(&ctx, "Product Suite", s(&win["product_suite"]), w.get("Product Suite"));
        same(&ctx, "HAL", s(&win["hal"]), w.get("HAL"));
        same(&ctx, "System Root", s(&win["system_root"]), w.get("System Root"));
        let langs: Vec<String> =
            win["languages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect();
        same(&ctx, "Languages", (!langs.is_empty()).then(|| langs.join(" ")), w.get("Languages"));
        same(&ctx, "Default Language", s(&win["default_language"]), w.get("Default Language"));
        let v = &win["version"];
        same(&ctx, "Major Version", s(&v["major"]), w.get("Major Version"));
        same(&ctx, "Minor Version", s(&v["minor"]), w.get("Minor Version"));
        same(&ctx, "Build", s(&v["build"]), w.get("Build"));
        same(&ctx, "Service Pack Build", s(&v["spbuild"]), w.get("Service Pack Build"));
        same(&ctx, "Service Pack Level", s(&v["splevel"]), w.get("Service Pack Level"));
    }
}

#[test]
fn every_fixture_agrees_with_wimlib_field_by_field() {
    let fixtures = image_fixtures();
    for f in &fixtures {
        compare_file(f);
    }
    // The set covers what the inspector must handle.
    let names: Vec<String> = fixtures.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for need in
        ["multi.wim", "xpress.wim", "lzms.wim", "none-check-boot.wim", "install.esd", "install.swm", "pipable.wim"]
    {
        assert!(names.iter().any(|n| n == need), "fixture {need} missing");
    }
}

#[test]
fn multi_image_fixture_has_the_documented_indexes() {
    let run = oemgate(["inspect", "--json", fixture("images/multi.wim").to_str().unwrap()]);
    let j: Value = serde_json::from_str(&run.stdout).unwrap();
    let got: Vec<(String, String, String, u64)> = j["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let w = &i["windows"];
            (
                w["edition_id"].as_str().unwrap().to_string(),
                w["arch"]["name"].as_str().unwrap().to_string(),
                w["default_language"].as_str().unwrap().to_string(),
                w["version"]["build"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("Professional", "x64", "en-US", 22631),
        ("Enterprise", "arm64", "en-US", 22631),
        ("Core", "x86", "ja-JP", 19045),
        ("ProfessionalN", "x64", "en-US", 22631),
        ("CoreSingleLanguage", "x64", "en-US", 22631),
        ("ServerStandard", "x64", "en-US", 20348),
        ("ServerDatacenter", "x64", "en-US", 20348),
        ("Professional", "x64", "ja-JP", 22631),
        ("Enterprise", "x64", "en-US", 22631),
        ("Professional", "x64", "en-US", 19045),
        ("Professional", "x64", "en-US", 7601),
        ("Core", "x64", "en-US", 19045),
        ("Core", "x64", "en-US", 22631),
    ];
    let want: Vec<(String, String, String, u64)> =
        want.iter().map(|(e, a, l, b)| (e.to_string(), a.to_string(), l.to_string(), *b)).collect();
    assert_eq!(got, want);
    let lines: Vec<&str> =
        j["images"].as_array().unwrap().iter().map(|i| i["windows"]["product_line"].as_str().unwrap()).collect();
    assert_eq!(lines[0], "Windows 11, version 23H2");
    assert_eq!(lines[2], "Windows 10, version 22H2");
    assert_eq!(lines[5], "Windows Server 2022");
    assert_eq!(lines[10], "Windows 7");
}

#[test]
fn index_narrows_to_one_image_and_unknown_index_is_a_usage_error() {
    let f = fixture("images/multi.wim");
    let run = oemgate(["inspect", "--json", "--index", "8", f.to_str().unwrap()]);
    assert_eq!(run.code, 0);
    let j: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(j["images"].as_array().unwrap().len(), 1);
    assert_eq!(j["images"][0]["index"], 8);
    assert_eq!(j["images"][0]["windows"]["default_language"], "ja-JP");
    let run = oemgate(["inspect", "--index", "14", f.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no image with index 14"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn table_output_names_edition_version_and_languages() {
    let run = oemgate(["inspect", fixture("images/server-langs.wim").to_str().unwrap()]);
    assert_eq!(run.code, 0);
    assert!(!run.stdout.contains('\x1b'), "no colour when piped");
    for want in [
        "ServerDatacenter (Server Core)",
        "10.0.26100.2113  Windows Server 2025",
        "en-US, de-DE, fr-FR, ja-JP, zh-CN (default de-DE)",
        "WIMBoot        yes",
    ] {
        assert!(run.stdout.contains(want), "missing {want:?} in\n{}", run.stdout);
    }
    let run = oemgate(["inspect", fixture("images/install.swm").to_str().unwrap()]);
    assert!(run.stdout.contains("split WIM (SWM)") && run.stdout.contains("install3.swm"), "{}", run.stdout);
    let run = oemgate(["inspect", fixture("images/install.esd").to_str().unwrap()]);
    assert!(run.stdout.contains("solid (ESD), LZMS"), "{}", run.stdout);
}
