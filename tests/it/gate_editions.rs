//! The whole edition x edition matrix, with and without Software Assurance, through the
//! binary, against verdicts written from ../shared/LICENSING.md (not from the product's
//! edition table).
//!
//! wimlib builds one WIM with an index per EditionID (copies of the Windows 11 Pro
//! fixture whose EDITIONID wimlib rewrites), and `oemgate match --json` checks every
//! index against one declared licence: one run per licence and SA setting.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{TempDir, fixture, oemgate, tool_ok};

/// Written from LICENSING.md, "The checks": Professional-class licences (Windows 10/11
/// Pro, Pro for Workstations, Pro Education; historically Windows 7 Professional and
/// Ultimate, Vista Business, Windows 8/8.1 Pro) qualify for the Enterprise/Education
/// upgrade; Home never does.
const PRO_CLASS: &[&str] = &[
    "Professional",
    "ProfessionalN",
    "ProfessionalWorkstation",
    "ProfessionalWorkstationN",
    "ProfessionalEducation",
    "ProfessionalEducationN",
    "Ultimate",
    "UltimateN",
    "Business",
    "BusinessN",
    "ProfessionalStudent",
    "ProfessionalStudentN",
];

/// Enterprise and Education: VL upgrades, allowed only on a Pro-class licence with SA.
const VL_UPGRADES: &[&str] = &["Enterprise", "EnterpriseN", "Education", "EducationN"];

/// N editions: different components, so N and non-N never mix. Spelled out, never
/// derived from a trailing `N` (ProfessionalWorkstation ends in n and is no N edition).
const N_EDITIONS: &[&str] = &[
    "CoreN",
    "ProfessionalN",
    "ProfessionalWorkstationN",
    "ProfessionalEducationN",
    "EducationN",
    "EnterpriseN",
    "EnterpriseSN",
    "EnterpriseGN",
    "CloudEditionN",
    "UltimateN",
    "BusinessN",
    "HomePremiumN",
    "HomeBasicN",
    "StarterN",
    "ProfessionalStudentN",
    "CoreConnectedN",
];

/// Windows 8/8.1 licences and the Windows 10/11 edition they entitle (the key group's
/// EditionId has no namesake today).
const ENTITLES: &[(&str, &str)] = &[
    ("CoreConnected", "Core"),
    ("CoreConnectedN", "CoreN"),
    ("CoreConnectedSingleLanguage", "CoreSingleLanguage"),
    ("CoreConnectedCountrySpecific", "CoreCountrySpecific"),
    ("ProfessionalStudent", "Professional"),
    ("ProfessionalStudentN", "ProfessionalN"),
];

/// Server Core installation images carry the server EditionID with `Cor`/`Core` appended:
/// the same licence.
const SERVER_CORE: &[(&str, &str)] =
    &[("ServerStandardCor", "ServerStandard"), ("ServerDatacenterCore", "ServerDatacenter")];

/// Editions whose licence names no edition the rules can compare (declaring one is refused).
const NO_EDITION: &[&str] = &["Cloud", "CloudN", "CoreARM"];

/// Image EditionIDs that are in no table: the gate cannot decide.
const UNKNOWN_IMAGES: &[&str] = &["MysteryEdition", "ProfessionalWorkstationNN", "ServerDatacenterACor"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Allow,
    Block,
    Undecided,
}

fn entitled(l: &str) -> &str {
    ENTITLES.iter().find(|(from, _)| *from == l).map_or(l, |(_, to)| to)
}

/// The verdict LICENSING.md gives for licence `l`, image `i`, SA `sa` (version and
/// language not declared: only warnings).
fn want(l: &str, i: &str, sa: bool) -> Want {
    if UNKNOWN_IMAGES.contains(&i) {
        return Want::Undecided;
    }
    let l = entitled(l);
    let i = SERVER_CORE.iter().find(|(core, _)| *core == i).map_or(i, |(_, id)| id);
    if l == i {
        return Want::Allow;
    }
    if VL_UPGRADES.contains(&i) {
        let same_components = N_EDITIONS.contains(&l) == N_EDITIONS.contains(&i);
        return if PRO_CLASS.contains(&l) && same_components && sa { Want::Allow } else { Want::Block };
    }
    Want::Block
}

fn build_matrix_wim(dir: &TempDir, editions: &[&str]) -> String {
    // Each index is captured from its own tree (fixtures/tools/mkwintree.py) whose
    // registry says the edition: a relabelled copy would be blocked by image-metadata.
    let wim = dir.path().join("editions.wim");
    let w = wim.to_str().unwrap();
    let mkwintree = fixture("tools/mkwintree.py");
    for (n, e) in editions.iter().enumerate() {
        let tree = dir.path().join(format!("tree{n}"));
        let t = tree.to_str().unwrap();
        let edition = format!("edition={e}");
        tool_ok(
            "python3",
            &[
                mkwintree.to_str().unwrap(),
                t,
                &edition,
                "product=Windows 11 Pro",
                "build=22631",
                "arch=x64",
                "langs=en-US",
            ],
        );
        let cmd = if n == 0 { "capture" } else { "append" };
        tool_ok("wimlib-imagex", &[cmd, t, w, e]);
        std::fs::remove_dir_all(&tree).unwrap();
    }
    w.to_string()
}

#[test]
fn edition_matrix_with_and_without_software_assurance() {
    let mut images: Vec<&str> = oemgate::edition::EDITIONS.iter().map(|e| e.id).collect();
    images.extend(UNKNOWN_IMAGES);
    images.extend(SERVER_CORE.iter().map(|(core, _)| *core));
    assert!(images.len() >= 50);
    let dir = TempDir::new("edition-matrix");
    let wim = build_matrix_wim(&dir, &images);
    let no_msdm = fixture("firmware/no-msdm");
    let mut licences: Vec<&str> = oemgate::edition::EDITIONS.iter().map(|e| e.id).collect();
    licences.retain(|l| !NO_EDITION.contains(l));
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for l in &licences {
        for sa in [false, true] {
            let mut args = vec![
                "match",
                &wim,
                "--json",
                "--acpi-dir",
                no_msdm.to_str().unwrap(),
                "--no-offline-os",
                "--machine-arch",
                "x64",
                "--machine-firmware",
                "uefi64",
                "--licensed-edition",
                l,
            ];
            if sa {
                args.push("--software-assurance");
            }
            let r = oemgate(&args);
            let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{l}: {e}: {}", r.stderr));
            let got: BTreeMap<String, Value> = v["indexes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| (x["edition_id"].as_str().unwrap().to_string(), x.clone()))
                .collect();
            assert_eq!(got.len(), images.len(), "{l}");
            for i in &images {
                let x = &got[*i];
                let have = match x["exit_code"].as_i64().unwrap() {
                    0 => Want::Allow,
                    1 => Want::Block,
                    3 => Want::Undecided,
                    c => panic!("{l} / {i}: exit {c}"),
                };
                let w = want(l, i, sa);
                if have != w {
                    mismatches
                        .push(format!("licence {l}, image {i}, SA {sa}: want {w:?}, got {have:?} {:?}", x["reasons"]));
                }
                // Whatever blocks, it is the edition side: version and language are not declared.
                for reason in x["reasons"].as_array().unwrap() {
                    let reason = reason.as_str().unwrap();
                    assert!(
                        ["edition", "enterprise-upgrade"].contains(&reason),
                        "{l} / {i}: blocked by {reason}: {}",
                        x["rules"]
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(mismatches.is_empty(), "{} of {checked} cells differ:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(checked > 4000, "{checked}");
}

/// The fail-open of the review: a Pro for Workstations licence with SA must get
/// Enterprise, never EnterpriseN.
#[test]
fn pro_for_workstations_with_sa_gets_enterprise_not_enterprise_n() {
    assert_eq!(want("ProfessionalWorkstation", "Enterprise", true), Want::Allow);
    assert_eq!(want("ProfessionalWorkstation", "EnterpriseN", true), Want::Block);
    assert_eq!(want("ProfessionalWorkstationN", "EnterpriseN", true), Want::Allow);
    let dir = TempDir::new("pro-ws");
    let wim = build_matrix_wim(&dir, &["Enterprise", "EnterpriseN"]);
    let r = oemgate([
        "match",
        &wim,
        "--json",
        "--acpi-dir",
        fixture("firmware/pro-ws").to_str().unwrap(),
        "--no-offline-os",
        "--machine-arch",
        "x64",
        "--machine-firmware",
        "uefi64",
        "--software-assurance",
    ]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let idx = v["indexes"].as_array().unwrap();
    assert_eq!(idx[0]["edition_id"], "Enterprise");
    assert_eq!(idx[0]["verdict"], "allowed", "{}", idx[0]);
    assert_eq!(idx[1]["edition_id"], "EnterpriseN");
    assert_eq!(idx[1]["verdict"], "blocked", "{}", idx[1]);
}

#[test]
fn licences_that_name_no_edition_are_refused_with_the_reason() {
    for l in NO_EDITION {
        let r = oemgate([
            "check",
            "--image",
            fixture("images/pro.wim").to_str().unwrap(),
            "--acpi-dir",
            fixture("firmware/no-msdm").to_str().unwrap(),
            "--no-offline-os",
            "--licensed-edition",
            l,
        ]);
        assert_eq!(r.code, 2, "{l}: {}", r.stderr);
        assert!(r.stderr.contains("--licensed-edition"), "{l}: {}", r.stderr);
    }
}
