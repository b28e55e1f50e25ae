//! Every worked case of the licensing rules, through the gate's library API with
//! firmware facts built directly (the end-to-end versions through the binary, with
//! dumped ACPI tables, are in tests/it/gate.rs), plus rule details the cases do not reach.

// Firmware facts are built with `..Default::default()` so that fields the firmware reader
// adds do not break these tests.
#![allow(clippy::needless_update)]

use std::path::Path;

use oemgate::ExitStatus;
use oemgate::firmware::{FirmwareFacts, FirmwareType, Oa3Facts, SlicFacts};
use oemgate::gate::facts::{self, ImageFacts, LicensedFacts};
use oemgate::gate::rules::Outcome;
use oemgate::gate::{Decision, Verdict, evaluate};
use oemgate::operator::{self, Flags, Policy};

fn fixture(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(p)
}

fn machine() -> FirmwareFacts {
    FirmwareFacts {
        source: "test".into(),
        oa3: None,
        slic: None,
        smbios: None,
        firmware_type: FirmwareType::Uefi,
        uefi_bitness: Some(64),
        secure_boot: Some(true),
        cpu_arch: Some("x64".into()),
        ..Default::default()
    }
}

fn oa3(edition: Option<&str>, group: u32) -> FirmwareFacts {
    FirmwareFacts {
        oa3: Some(Oa3Facts {
            evidence: "test/MSDM".into(),
            key: "ABCDE-FGHJK-MNPQR-TVWXY-23467".into(),
            table_checksum_ok: true,
            key_checksum_ok: Some(true),
            group_id: Some(group),
            edition_id: edition.map(str::to_string),
            key_type: Some("OEM:DM".into()),
            ..Default::default()
        }),
        ..machine()
    }
}

struct Case {
    fw: FirmwareFacts,
    flags: Flags,
    policy: Policy,
    offline: Option<&'static str>,
}

impl Case {
    fn new(fw: FirmwareFacts) -> Case {
        Case { fw, flags: Flags::default(), policy: Policy::default(), offline: None }
    }
    fn edition(mut self, e: &str) -> Case {
        self.flags.edition = Some(e.into());
        self
    }
    fn version(mut self, v: &str) -> Case {
        self.flags.version = Some(v.into());
        self
    }
    fn language(mut self, l: &str) -> Case {
        self.flags.language = Some(l.into());
        self
    }
    fn sa(mut self) -> Case {
        self.flags.software_assurance = true;
        self
    }
    fn policy(mut self, toml: &str) -> Case {
        self.policy = Policy::parse(toml, "test.toml").unwrap();
        self
    }
    fn offline(mut self, name: &'static str) -> Case {
        self.offline = Some(name);
        self
    }
    fn licensed(&self) -> LicensedFacts {
        let os = self.offline.map(|n| oemgate::offline_os::read(&fixture("hives").join(n)).unwrap());
        let decl = operator::declaration(&self.flags, &self.policy);
        facts::licensed_facts(&facts::Sources {
            firmware: &self.fw,
            declaration: &decl,
            policy: &self.policy,
            offline_os: os.as_ref(),
            offline_os_candidates: &[],
            machine: &Default::default(),
            show_key: false,
        })
        .unwrap()
    }
    fn on(&self, image: &str, index: u32) -> Verdict {
        let rep = oemgate::image::open(&fixture("images").join(image)).unwrap();
        let img = ImageFacts::from_info(&rep.path, rep.image(index).unwrap());
        evaluate(&self.licensed(), &img, &self.policy)
    }
}

fn outcome(v: &Verdict, id: &str) -> Outcome {
    v.rules.iter().find(|r| r.result.id == id).unwrap().result.outcome
}

fn message(v: &Verdict, id: &str) -> String {
    v.rules.iter().find(|r| r.result.id == id).unwrap().result.message.clone()
}

fn blocked_by(v: &Verdict) -> Vec<&str> {
    v.reasons().iter().map(|r| r.result.id).collect()
}

// multi.wim: 1 Pro x64 en-US 11; 2 Ent arm64 11; 3 Core x86 ja-JP 10; 4 ProN x64 11; 5 CoreSL 11;
// 6 SrvStd 2022; 7 SrvDC 2022; 8 Pro ja-JP 11; 9 Ent x64 11; 10 Pro 10; 11 Pro 7; 12 Core 10; 13 Core 11.

#[test]
fn case_professional_oem_dm_en_us_windows_11_allows_professional_11() {
    let v = Case::new(oa3(Some("Professional"), 3305)).version("11").language("en-US").on("multi.wim", 1);
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    assert_eq!(v.exit, ExitStatus::Ok);
    for id in ["edition", "version", "language", "arch", "key-integrity"] {
        assert_eq!(outcome(&v, id), Outcome::Pass, "{id}");
    }
    assert!(message(&v, "edition").contains("group 3305"));
    assert_eq!(v.activation.kms_client_key.as_deref(), Some("W269N-WFGWX-YVC9B-4J6C9-T83GX"));
}

#[test]
fn case_core_ja_jp_blocks_professional_ja_jp_on_edition() {
    let v = Case::new(oa3(Some("Core"), 3258)).language("ja-JP").on("multi.wim", 8);
    assert_eq!(v.exit, ExitStatus::Blocked);
    assert_eq!(blocked_by(&v), vec!["edition"]);
    assert_eq!(message(&v, "edition"), "image is Professional, firmware OA3 key is Core (group 3258)");
    assert_eq!(outcome(&v, "language"), Outcome::Pass);
}

#[test]
fn case_professional_ja_jp_blocks_professional_en_us_on_language() {
    let v = Case::new(oa3(Some("Professional"), 3305)).language("ja-JP").on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["language"]);
    assert_eq!(v.exit, ExitStatus::Blocked);
}

#[test]
fn case_professional_x86_windows_10_allows_professional_x64_windows_10() {
    // The installed Windows (the licence's) is x86 Windows 10 Pro, en-US.
    let v = Case::new(oa3(Some("Professional"), 3305)).offline("pro10-x86-en").on("multi.wim", 10);
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    assert_eq!(outcome(&v, "arch"), Outcome::Pass);
    assert!(message(&v, "arch").contains("x86 <-> x64 is fine"), "{}", message(&v, "arch"));
    assert_eq!(outcome(&v, "version"), Outcome::Pass);
    assert_eq!(outcome(&v, "language"), Outcome::Pass);
}

#[test]
fn case_professional_without_sa_blocks_enterprise() {
    let v = Case::new(oa3(Some("Professional"), 3305)).language("en-US").version("11").on("multi.wim", 9);
    assert_eq!(blocked_by(&v), vec!["enterprise-upgrade"]);
    assert_eq!(outcome(&v, "edition"), Outcome::Skip);
}

#[test]
fn case_professional_with_sa_allows_enterprise() {
    let v = Case::new(oa3(Some("Professional"), 3305)).sa().language("en-US").version("11").on("multi.wim", 9);
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    assert_eq!(outcome(&v, "enterprise-upgrade"), Outcome::Pass);
    assert_eq!(v.activation.kms_client_key.as_deref(), Some("NPPR9-FWDCX-D2C8J-H872K-2YT43"));
    // The same through the policy file.
    let v = Case::new(oa3(Some("Professional"), 3305))
        .policy("software_assurance = true")
        .language("en-US")
        .version("11")
        .on("multi.wim", 9);
    assert_eq!(v.decision, Decision::Allowed);
}

#[test]
fn case_core_with_sa_blocks_enterprise() {
    let v = Case::new(oa3(Some("Core"), 3258)).sa().language("en-US").version("11").on("multi.wim", 9);
    assert_eq!(blocked_by(&v), vec!["enterprise-upgrade"]);
    assert!(message(&v, "enterprise-upgrade").contains("no qualifying OS"));
}

#[test]
fn case_server_standard_blocks_server_datacenter() {
    let v = Case::new(oa3(Some("ServerStandard"), 4545)).language("en-US").on("multi.wim", 7);
    assert_eq!(blocked_by(&v), vec!["edition"]);
    let ok = Case::new(oa3(Some("ServerStandard"), 4545)).language("en-US").on("multi.wim", 6);
    assert_eq!(ok.decision, Decision::Allowed);
}

#[test]
fn case_professional_windows_8_allows_windows_7_only_via_downgrade_rights() {
    let v = Case::new(oa3(Some("Professional"), 3305)).version("8").language("en-US").on("multi.wim", 11);
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    assert!(message(&v, "version").contains("downgrade rights"));
    let off = Case::new(oa3(Some("Professional"), 3305))
        .version("8")
        .language("en-US")
        .policy("downgrade_rights = false")
        .on("multi.wim", 11);
    assert_eq!(blocked_by(&off), vec!["version"]);
    // The licensed Windows 8 from the installed Windows' registry gives the same answer.
    let os = Case::new(oa3(Some("Professional"), 3305)).offline("pro8-en").on("multi.wim", 11);
    assert_eq!(os.decision, Decision::Allowed);
    assert!(message(&os, "version").contains("Windows 8"));
}

#[test]
fn case_core_windows_11_blocks_core_windows_10_on_version() {
    let v = Case::new(oa3(Some("Core"), 3258)).version("11").language("en-US").on("multi.wim", 12);
    assert_eq!(blocked_by(&v), vec!["version"]);
    assert!(message(&v, "version").contains("no downgrade rights"));
    let os = Case::new(oa3(Some("Core"), 3258)).offline("core11-en").on("multi.wim", 12);
    assert_eq!(blocked_by(&os), vec!["version"]);
}

#[test]
fn case_professional_blocks_professional_n() {
    let v = Case::new(oa3(Some("Professional"), 3305)).language("en-US").version("11").on("multi.wim", 4);
    assert_eq!(blocked_by(&v), vec!["edition"]);
}

#[test]
fn case_no_msdm_and_no_declaration_cannot_decide() {
    for index in 1..=13 {
        let v = Case::new(machine()).on("multi.wim", index);
        if v.decision == Decision::Blocked {
            continue; // another rule fails outright (e.g. arm64 on x64), which takes precedence
        }
        assert_eq!(v.exit, ExitStatus::CannotDecide, "index {index}");
        assert_eq!(blocked_by(&v)[0], "edition", "index {index}");
        assert!(message(&v, "edition").starts_with("licensed edition unknown"));
    }
    assert_eq!(blocked_by(&Case::new(machine()).on("multi.wim", 1)), vec!["edition"]);
    // An installed Windows that differs from the firmware licence is noted in the evidence.
    let v = Case::new(oa3(Some("Core"), 3258)).offline("pro10-x86-en").on("multi.wim", 10);
    let ev = v.rules.iter().find(|r| r.result.id == "edition").unwrap().result.evidence.join(" | ");
    assert!(ev.contains("installed Windows is Professional"), "{ev}");
    // An installed Windows is a hint, not proof: still undecided.
    let v = Case::new(machine()).offline("pro10-x86-en").on("multi.wim", 10);
    assert_eq!(v.exit, ExitStatus::CannotDecide);
    assert!(message(&v, "edition").contains("not proof"));
}

#[test]
fn case_broken_msdm_checksum_blocks_on_key_integrity() {
    let mut fw = oa3(Some("Professional"), 3305);
    fw.oa3.as_mut().unwrap().table_checksum_ok = false;
    let v = Case::new(fw).language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["key-integrity"]);
    let mut fw = oa3(Some("Professional"), 3305);
    fw.oa3.as_mut().unwrap().key_checksum_ok = Some(false);
    let v = Case::new(fw).language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["key-integrity"]);
}

// ---- beyond the worked cases ----

#[test]
fn a_declaration_that_contradicts_the_firmware_blocks() {
    let v =
        Case::new(oa3(Some("Core"), 3258)).edition("Professional").language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["edition"]);
    let m = message(&v, "edition");
    assert!(m.contains("operator declares Professional") && m.contains("Core"), "{m}");
}

#[test]
fn a_declaration_alone_decides_the_edition() {
    let v = Case::new(machine()).edition("pro").language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(v.decision, Decision::Allowed);
    let v = Case::new(machine())
        .policy("[licensed]\nedition = \"Home\"")
        .language("en-US")
        .version("11")
        .on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["edition"]);
}

#[test]
fn an_unknown_key_group_with_no_declaration_cannot_decide() {
    let v = Case::new(oa3(None, 9999)).language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(v.exit, ExitStatus::CannotDecide);
    assert!(message(&v, "edition").contains("group 9999"));
}

#[test]
fn a_failing_rule_takes_precedence_over_an_unknown_one() {
    // Edition unknown (would be exit 3) and language fails: blocked, exit 1.
    let v = Case::new(machine()).language("ja-JP").on("multi.wim", 1);
    assert_eq!(v.exit, ExitStatus::Blocked);
    assert_eq!(blocked_by(&v), vec!["language"]);
}

#[test]
fn unknown_version_and_language_warn_by_default_and_block_by_policy() {
    let v = Case::new(oa3(Some("Professional"), 3305)).on("multi.wim", 1);
    assert_eq!(v.decision, Decision::Allowed);
    let warned: Vec<&str> = v.warnings().iter().map(|r| r.result.id).collect();
    assert_eq!(warned, vec!["version", "language"]);
    let strict = Case::new(oa3(Some("Professional"), 3305)).policy("[unknown]\nversion = \"block\"").on("multi.wim", 1);
    assert_eq!(strict.exit, ExitStatus::CannotDecide);
    assert_eq!(blocked_by(&strict), vec!["version"]);
    let lax =
        Case::new(machine()).policy("[unknown]\nedition = \"warn\"").language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(lax.exit, ExitStatus::Ok, "the policy explicitly says warn");
}

#[test]
fn arch_needs_a_machine_that_boots_the_image() {
    let pro = || oa3(Some("Enterprise"), 3288);
    let v = Case::new(pro()).language("en-US").version("11").on("multi.wim", 2);
    assert_eq!(blocked_by(&v), vec!["arch"], "arm64 image on an x64 machine");
    let mut fw32 = oa3(Some("Core"), 3258);
    fw32.uefi_bitness = Some(32);
    let v = Case::new(fw32).language("ja-JP").version("10").on("multi.wim", 3);
    assert_eq!(v.decision, Decision::Allowed, "x86 image on 32-bit UEFI: {v:#?}");
    let v = Case::new(oa3(Some("Core"), 3258)).language("ja-JP").version("10").on("multi.wim", 3);
    assert_eq!(blocked_by(&v), vec!["arch"], "x86 image on 64-bit UEFI");
    let mut unknown = oa3(Some("Professional"), 3305);
    unknown.firmware_type = FirmwareType::Unknown;
    let v = Case::new(unknown).language("en-US").version("11").on("multi.wim", 1);
    assert_eq!(v.exit, ExitStatus::CannotDecide, "unknown firmware type: unknown arch blocks");
}

#[test]
fn machine_declaration_fills_what_dumps_lack_and_never_overrides_the_firmware() {
    let mut dump = oa3(Some("Professional"), 3305);
    dump.firmware_type = FirmwareType::Unknown;
    dump.uefi_bitness = None;
    dump.cpu_arch = None;
    let decl = operator::declaration(&Flags::default(), &Policy::default());
    let facts_with = |fw: &FirmwareFacts, arch: Option<&str>, firmware: Option<&str>| {
        let m = facts::MachineDeclaration { arch: arch.map(str::to_string), firmware: firmware.map(str::to_string) };
        facts::licensed_facts(&facts::Sources {
            firmware: fw,
            declaration: &decl,
            policy: &Policy::default(),
            offline_os: None,
            offline_os_candidates: &[],
            machine: &m,
            show_key: false,
        })
    };
    let l = facts_with(&dump, None, None).unwrap();
    assert_eq!((l.machine.cpu_arch.clone(), l.machine.firmware_type), (None, FirmwareType::Unknown));
    let l = facts_with(&dump, Some("AMD64"), Some("uefi32")).unwrap();
    assert_eq!(
        (l.machine.cpu_arch.as_deref(), l.machine.firmware_type, l.machine.uefi_bitness),
        (Some("x64"), FirmwareType::Uefi, Some(32))
    );
    assert!(l.machine.evidence.contains("--machine-arch") && l.machine.evidence.contains("--machine-firmware"));
    // Live facts win over a declaration.
    let l = facts_with(&machine(), Some("arm64"), Some("bios")).unwrap();
    assert_eq!(
        (l.machine.cpu_arch.as_deref(), l.machine.firmware_type, l.machine.uefi_bitness),
        (Some("x64"), FirmwareType::Uefi, Some(64))
    );
    assert_eq!(oemgate::cli::exit_status(&facts_with(&dump, Some("sparc"), None).unwrap_err()), ExitStatus::Usage);
    assert_eq!(oemgate::cli::exit_status(&facts_with(&dump, None, Some("uefi")).unwrap_err()), ExitStatus::Usage);
}

#[test]
fn kms_marker_warns_for_windows_7_without_slic_2_1() {
    let base = || Case::new(oa3(Some("Professional"), 3305)).version("8").language("en-US");
    let v = base().on("multi.wim", 11);
    assert_eq!(outcome(&v, "kms-marker"), Outcome::Fail);
    assert_eq!(v.decision, Decision::Allowed, "advisory: a MAK still activates");
    assert!(v.warnings().iter().any(|r| r.result.id == "kms-marker"));
    let slic = |major, minor, ids| SlicFacts {
        evidence: "test/SLIC".into(),
        table_checksum_ok: true,
        version_major: major,
        version_minor: minor,
        oem_id: "OEMID ".into(),
        oem_table_id: "OEMTABLE".into(),
        oem_ids_match: ids,
        ..Default::default()
    };
    let mut c = base();
    c.fw.slic = Some(slic(2, 1, Some(true)));
    assert_eq!(outcome(&c.on("multi.wim", 11), "kms-marker"), Outcome::Pass);
    c.fw.slic = Some(slic(2, 0, Some(true)));
    assert_eq!(outcome(&c.on("multi.wim", 11), "kms-marker"), Outcome::Fail);
    c.fw.slic = Some(slic(2, 1, Some(false)));
    assert_eq!(outcome(&c.on("multi.wim", 11), "kms-marker"), Outcome::Fail);
    assert_eq!(outcome(&base().on("multi.wim", 1), "kms-marker"), Outcome::Skip);
}

#[test]
fn media_is_a_note_unless_declared() {
    let c = || Case::new(oa3(Some("Professional"), 3305)).version("11").language("en-US");
    let v = c().on("multi.wim", 1);
    assert_eq!(outcome(&v, "media"), Outcome::Unknown);
    assert!(v.warnings().is_empty());
    assert_eq!(outcome(&c().policy("media = \"volume\"").on("multi.wim", 1), "media"), Outcome::Pass);
    assert_eq!(blocked_by(&c().policy("media = \"oem\"").on("multi.wim", 1)), vec!["media"]);
}

#[test]
fn new_image_on_older_licence_fails_version() {
    let v = Case::new(oa3(Some("Professional"), 3305)).version("10").language("en-US").on("multi.wim", 1);
    assert_eq!(blocked_by(&v), vec!["version"]);
    assert!(message(&v, "version").contains("newer"));
}

#[test]
fn bad_declarations_are_usage_errors_or_bad_policies() {
    let decl = |flags: Flags, policy: &Policy| {
        let d = operator::declaration(&flags, policy);
        facts::licensed_facts(&facts::Sources {
            firmware: &machine(),
            declaration: &d,
            policy,
            offline_os: None,
            offline_os_candidates: &[],
            machine: &Default::default(),
            show_key: false,
        })
    };
    let e = decl(Flags { edition: Some("Pro-ish".into()), ..Flags::default() }, &Policy::default()).unwrap_err();
    assert_eq!(oemgate::cli::exit_status(&e), ExitStatus::Usage, "{e}");
    let e = decl(Flags { version: Some("12".into()), ..Flags::default() }, &Policy::default()).unwrap_err();
    assert_eq!(oemgate::cli::exit_status(&e), ExitStatus::Usage, "{e}");
    let p = Policy::parse("[licensed]\nlanguage = \"english\"", "p.toml").unwrap();
    let e = decl(Flags::default(), &p).unwrap_err();
    assert_eq!(oemgate::cli::exit_status(&e), ExitStatus::BadInput, "{e}");
}

#[test]
fn the_key_is_masked_unless_asked() {
    let c = Case::new(oa3(Some("Professional"), 3305));
    let l = c.licensed();
    assert_eq!(l.firmware_key.as_ref().unwrap().key, "XXXXX-XXXXX-XXXXX-XXXXX-23467");
    let json = serde_json::to_string(&l).unwrap();
    assert!(!json.contains("ABCDE-FGHJK"), "{json}");
}

/// `--machine-arch` accepts these spellings (any case, blanks around ignored) and no others.
#[test]
fn machine_arch_spellings() {
    let parse = |a: &str| facts::MachineDeclaration { arch: Some(a.to_string()), firmware: None }.parse().map(|m| m.0);
    for (a, want) in [
        ("x64", "x64"),
        ("amd64", "x64"),
        ("x86_64", "x64"),
        ("X64", "x64"),
        (" AMD64 ", "x64"),
        ("x86", "x86"),
        ("i386", "x86"),
        ("i686", "x86"),
        ("arm64", "arm64"),
        ("aarch64", "arm64"),
        ("ARM64", "arm64"),
    ] {
        assert_eq!(parse(a).unwrap().as_deref(), Some(want), "{a:?}");
    }
    for a in ["arm", "armv7l", "ia64", "i486", "i586", "ia32", "aarch64_be", "sparc", ""] {
        let e = parse(a).unwrap_err().to_string();
        assert!(e.contains("--machine-arch") && e.contains("use x64, x86 or arm64"), "{a:?}: {e}");
    }
}
