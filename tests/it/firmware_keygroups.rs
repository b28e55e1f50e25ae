//! The built-in key-group table (src/firmware/keygroups/groups.tsv) against the public
//! key configuration data it was generated from.
//!
//! Microsoft's `pkeyconfig*.xrm-ms` files cannot be committed, so the table carries a
//! digest of its inputs in its header: per input file its label, build, SHA-256 and the
//! number of distinct groups it lists. Always: the table must agree with that digest
//! (every input's group count equals the rows naming that input, first/last inputs are
//! in build order, ids unique...). With `OEMGATE_PKEYCONFIG_DIR` pointing at the fetched
//! inputs (laid out as `inputs.tsv` says), the ignored test re-derives the table with the
//! generator and checks every input's SHA-256: `cargo test --test it -- --ignored keygroups`.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::common::root;

struct Input {
    label: String,
    build: u32,
    sha256: String,
    groups: usize,
}

struct Row {
    group: u32,
    edition: String,
    key_type: String,
    release: String,
    first: String,
    last: String,
    inputs: Vec<String>,
}

fn dir() -> std::path::PathBuf {
    root().join("src/firmware/keygroups")
}

fn table() -> (Vec<Input>, Vec<Row>, Vec<String>) {
    let text = std::fs::read_to_string(dir().join("groups.tsv")).unwrap();
    let (mut inputs, mut rows, mut differs) = (Vec::new(), Vec::new(), Vec::new());
    let mut header_seen = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if let Some(rest) = line.strip_prefix("# input\t") {
            let f: Vec<&str> = rest.split('\t').collect();
            assert_eq!(f.len(), 5, "{line}");
            inputs.push(Input {
                label: f[0].into(),
                build: f[1].parse().unwrap(),
                sha256: f[2].into(),
                groups: f[3].parse().unwrap(),
            });
        } else if let Some(rest) = line.strip_prefix("# differs between inputs\t") {
            differs.push(rest.split('\t').next().unwrap().to_string());
        } else if line.starts_with('#') {
        } else if line == "group_id\tedition_id\tkey_type\trelease\tfirst\tlast\tinputs" {
            header_seen = true;
        } else {
            assert!(header_seen, "data before the column header: {line}");
            assert_eq!(f.len(), 7, "{line}");
            rows.push(Row {
                group: f[0].parse().unwrap(),
                edition: f[1].into(),
                key_type: f[2].into(),
                release: f[3].into(),
                first: f[4].into(),
                last: f[5].into(),
                inputs: f[6].split(',').map(String::from).collect(),
            });
        }
    }
    (inputs, rows, differs)
}

/// (label, build, file) of inputs.tsv, in order.
fn manifest() -> Vec<(String, u32, String)> {
    std::fs::read_to_string(dir().join("inputs.tsv"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            (f[0].to_string(), f[1].parse().unwrap(), f[3].to_string())
        })
        .collect()
}

#[test]
fn groups_table_agrees_with_the_digest_of_its_inputs() {
    let (inputs, rows, differs) = table();
    let m = manifest();
    assert_eq!(
        inputs.iter().map(|i| i.label.clone()).collect::<Vec<_>>(),
        m.iter().map(|x| x.0.clone()).collect::<Vec<_>>()
    );
    let builds: Vec<u32> = inputs.iter().map(|i| i.build).collect();
    assert!(builds.windows(2).all(|w| w[0] <= w[1]), "inputs in build order: {builds:?}");
    for b in [9200, 9600, 10240, 22621, 26100] {
        assert!(builds.contains(&b), "build {b} is an input");
    }
    let order: BTreeMap<&str, usize> = inputs.iter().enumerate().map(|(n, i)| (i.label.as_str(), n)).collect();
    for i in &inputs {
        assert!(i.sha256.len() == 64 && i.sha256.bytes().all(|b| b.is_ascii_hexdigit()), "{}", i.label);
        let naming = rows.iter().filter(|r| r.inputs.contains(&i.label)).count();
        assert_eq!(
            naming, i.groups,
            "input {}: digest says {} groups, the table names it in {naming} rows",
            i.label, i.groups
        );
    }
    let mut ids = BTreeSet::new();
    for r in &rows {
        assert!(ids.insert(r.group), "group {} twice", r.group);
        assert!(!r.edition.is_empty() && !r.key_type.is_empty() && !r.release.is_empty(), "{}", r.group);
        let pos: Vec<usize> = r.inputs.iter().map(|l| *order.get(l.as_str()).expect("a known input")).collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "group {}: inputs in order", r.group);
        assert_eq!(&r.first, r.inputs.first().unwrap(), "group {}", r.group);
        assert_eq!(&r.last, r.inputs.last().unwrap(), "group {}", r.group);
    }
    assert!(rows.windows(2).all(|w| w[0].group < w[1].group), "rows sorted by group");
    for d in &differs {
        assert!(ids.contains(&d.parse().unwrap()), "differs line for a group not in the table: {d}");
    }
    assert!(rows.len() > 700, "{} rows", rows.len());
}

/// The public facts in ../shared/FIRMWARE-AND-KEYS.md (OEM:DM groups of Windows 8, 8.1,
/// 10/11), which were gathered independently of the generator, are all in the table.
#[test]
fn the_table_holds_the_independently_documented_oem_dm_groups() {
    let (_, rows, _) = table();
    let by: BTreeMap<u32, &Row> = rows.iter().map(|r| (r.group, r)).collect();
    for (edition, groups) in [
        ("Core", &[3258, 3259, 3422, 3560, 2586, 2597][..]),
        ("CoreN", &[3268, 1790]),
        ("CoreCountrySpecific", &[3264, 3423, 3561, 1792]),
        ("CoreSingleLanguage", &[3273, 3274, 3424, 3562, 1794, 1913]),
        ("Professional", &[3305, 3306, 3425, 3556, 3557, 3563, 2587, 2625]),
        ("ProfessionalN", &[3314, 3558, 3559, 1798]),
        ("ProfessionalWorkstation", &[3915]),
        ("ServerStandard", &[4545]),
    ] {
        for g in groups {
            let r = by.get(g).unwrap_or_else(|| panic!("group {g}"));
            assert_eq!((r.edition.as_str(), r.key_type.as_str()), (edition, "OEM:DM"), "group {g}");
        }
    }
    for g in [2586, 2597, 2587, 2625] {
        assert_eq!(by[&g].release, "Windows 8.1", "group {g}");
    }
    for g in [1790, 1798] {
        assert_eq!(by[&g].release, "Windows 8", "group {g}");
    }
}

/// Every OEM:DM EditionId of a Windows 8/8.1/10/11 group is in the edition table, or is
/// one of the editions the product deliberately does not know (devices and embedded
/// editions: unknown, which fails closed).
#[test]
fn every_client_oem_dm_edition_is_known_or_deliberately_unknown() {
    const NOT_REIMAGED: &[&str] = &[
        "Andromeda",
        "HubOS",
        "Holographic",
        "ModernPC",
        "CloudE",
        "Embedded",
        "EmbeddedA",
        "EmbeddedIndustry",
        "EmbeddedIndustryA",
    ];
    let (_, rows, _) = table();
    for r in rows
        .iter()
        .filter(|r| r.key_type == "OEM:DM" && r.release.starts_with("Windows ") && !r.release.contains("Server"))
    {
        let known = oemgate::edition::lookup(&r.edition).is_some();
        assert!(
            known || NOT_REIMAGED.contains(&r.edition.as_str()),
            "group {}: {} ({})",
            r.group,
            r.edition,
            r.release
        );
        assert!(!(known && NOT_REIMAGED.contains(&r.edition.as_str())));
    }
}

#[test]
#[ignore = "needs Microsoft's pkeyconfig files: set OEMGATE_PKEYCONFIG_DIR (layout in src/firmware/keygroups/inputs.tsv)"]
fn groups_table_is_what_the_public_inputs_give() {
    let base = std::env::var_os("OEMGATE_PKEYCONFIG_DIR").expect("OEMGATE_PKEYCONFIG_DIR is not set");
    let base = std::path::PathBuf::from(base);
    let (inputs, _, _) = table();
    for ((label, build, file), i) in manifest().iter().zip(&inputs) {
        let bytes = std::fs::read(base.join(build.to_string()).join(file)).unwrap();
        let sum: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sum, i.sha256, "input {label}: not the file the table was generated from");
    }
    let out = std::process::Command::new("python3")
        .arg(dir().join("generate.py"))
        .arg(&base)
        .arg("--check")
        .output()
        .expect("python3");
    assert!(out.status.success(), "generate.py --check: {}", String::from_utf8_lossy(&out.stderr));
}
