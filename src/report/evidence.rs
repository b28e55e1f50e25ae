//! Evidence records: one JSON document per `check` or `match` run, written into a
//! folder that thousands of PCs share (see README, "Evidence records"). The record is
//! built from its own output structs below, never from the parsers' structs: this file
//! is the contract `summarize` reads back. The firmware key is always masked.
//!
//! A record is written to a temporary name in the folder and renamed into place, so a
//! reader never sees half a record under a record's name and no file is shared.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::check::Selection;
use crate::error::{Error, Result};
use crate::firmware::FirmwareFacts;
use crate::gate::facts::Fact;
use crate::gate::{Decision, ImageFacts, LicensedFacts, Verdict};

/// The record's schema version; `summarize` reads this version only.
pub const SCHEMA: u32 = 1;
/// What the `record` field says, so a stray JSON file is not taken for a record.
pub const KIND: &str = "oemgate-evidence";
/// Records larger than this are refused by `summarize` (a real one is a few KiB).
pub const MAX_RECORD_BYTES: u64 = 1 << 20;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub record: String,
    pub schema: u32,
    pub oemgate: String,
    /// RFC 3339, UTC.
    pub time: String,
    /// "check" or "match".
    pub command: String,
    pub machine: MachineRecord,
    pub firmware: FirmwareRecord,
    pub licensed: LicenceRecord,
    /// The image file as given (an ISO, a WIM, ...).
    pub image: ImageFileRecord,
    /// Every index judged: one for `check`, each index for `match`.
    pub indexes: Vec<IndexRecord>,
    /// The index the verdict is about: `check`'s index, `match --select`'s choice.
    pub judged_index: Option<u32>,
    /// allowed | blocked | cannot-decide | error.
    pub verdict: String,
    pub exit_code: u8,
    /// Ids of the rules that blocked (or left the verdict undecided).
    pub blocking_rules: Vec<String>,
    /// The first blocking rule and why, or the selection's message.
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MachineRecord {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub uuid: Option<String>,
    pub cpu_arch: Option<String>,
    /// uefi | bios | unknown.
    pub firmware_type: String,
    pub uefi_bitness: Option<u32>,
}

impl MachineRecord {
    /// The SMBIOS identity (maker, model, serial, UUID) with the machine's CPU and firmware.
    fn of(
        smbios: Option<&crate::firmware::SmbiosFacts>,
        cpu_arch: Option<String>,
        firmware_type: String,
        uefi_bitness: Option<u32>,
    ) -> Self {
        let s = smbios.cloned().unwrap_or_default();
        MachineRecord {
            manufacturer: s.manufacturer,
            model: s.product,
            serial: s.serial,
            uuid: s.uuid,
            cpu_arch,
            firmware_type,
            uefi_bitness,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FirmwareRecord {
    /// "live firmware" or the dumps read.
    pub source: String,
    /// The OA3 key, masked (`XXXXX-XXXXX-XXXXX-XXXXX-ABCDE`), whatever the flags.
    pub key: Option<String>,
    pub group_id: Option<u32>,
    pub key_edition: Option<String>,
    /// Where the group's edition came from (the group table).
    pub key_edition_source: Option<String>,
    pub slic: Option<String>,
    pub tables: Vec<TableRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableRecord {
    pub signature: String,
    pub source: String,
    pub size: u64,
    pub sha256: String,
}

/// A licence fact: its value and where it came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FactRecord {
    pub value: String,
    /// firmware | operator | policy | offline-os | machine | image ...
    pub source: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LicenceRecord {
    pub edition: Option<FactRecord>,
    pub version: Option<FactRecord>,
    pub language: Option<FactRecord>,
    pub arch: Option<FactRecord>,
    pub installed_edition: Option<FactRecord>,
    pub software_assurance: Option<FactRecord>,
    pub downgrade_rights: Option<FactRecord>,
    pub media: Option<FactRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ImageFileRecord {
    pub path: String,
    /// Total bytes of the file(s) read (every part of a split set; the ISO).
    pub size: Option<u64>,
    /// The install image's path inside an ISO.
    pub path_in_media: Option<String>,
    pub sha256: Vec<HashRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HashRecord {
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexRecord {
    pub index: u32,
    pub name: Option<String>,
    pub edition_id: Option<String>,
    pub version: Option<String>,
    pub arch: Option<String>,
    pub language: Option<String>,
    pub verdict: String,
    pub exit_code: u8,
    pub rules: Vec<RuleRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleRecord {
    pub id: String,
    /// pass | fail | unknown | n/a ...
    pub outcome: String,
    /// none | note | warn | block | undecided.
    pub effect: String,
    pub message: String,
}

/// A serde value's JSON string form ("firmware", "block"...), or "" for other shapes.
fn word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(str::to_string)).unwrap_or_default()
}

fn fact<T>(f: Option<&Fact<T>>, show: impl Fn(&T) -> String) -> Option<FactRecord> {
    f.map(|f| FactRecord { value: show(&f.value), source: word(&f.source), evidence: f.evidence.clone() })
}

/// What one run judged: the facts, every index's verdict and the run's outcome.
pub struct Run<'a> {
    pub command: &'static str,
    pub at: OffsetDateTime,
    pub firmware: &'a FirmwareFacts,
    pub licensed: &'a LicensedFacts,
    pub image: &'a crate::image::ImageReport,
    pub results: &'a [(ImageFacts, Verdict)],
    /// `check`'s index or `match --select`'s choice.
    pub judged: Option<u32>,
    pub selection: Option<&'a Selection>,
    pub exit_code: u8,
}

pub fn record(run: &Run) -> Record {
    let l = run.licensed;
    let fw = run.firmware;
    let machine = MachineRecord::of(
        fw.smbios.as_ref(),
        l.machine.cpu_arch.clone(),
        word(&l.machine.firmware_type),
        l.machine.uefi_bitness,
    );
    let firmware = FirmwareRecord {
        source: fw.source.clone(),
        // Masked from the parser's own key, never from a field --show-key may have filled.
        key: fw.oa3.as_ref().map(|k| k.masked_key()),
        group_id: fw.oa3.as_ref().and_then(|k| k.group_id),
        key_edition: fw.oa3.as_ref().and_then(|k| k.edition_id.clone()),
        key_edition_source: fw.oa3.as_ref().and_then(|k| k.edition_source.clone()),
        slic: fw.slic.as_ref().map(|s| format!("SLIC {}.{} {}", s.version_major, s.version_minor, s.activates)),
        tables: fw
            .tables_read
            .iter()
            .map(|t| TableRecord {
                signature: t.signature.clone(),
                source: t.evidence.clone(),
                size: t.size,
                sha256: t.sha256.clone(),
            })
            .collect(),
    };
    let licensed = LicenceRecord {
        edition: fact(l.edition.as_ref(), String::clone),
        version: fact(l.version.as_ref(), |g| g.to_string()),
        language: fact(l.language.as_ref(), String::clone),
        arch: fact(l.arch.as_ref(), String::clone),
        installed_edition: fact(l.installed_edition.as_ref(), String::clone),
        software_assurance: fact(Some(&l.software_assurance), bool::to_string),
        downgrade_rights: fact(Some(&l.downgrade_rights), bool::to_string),
        media: fact(l.media.as_ref(), word),
    };
    let rep = run.image;
    let size = match &rep.media {
        Some(m) => Some(m.image_size),
        None => rep.parts.iter().try_fold(0u64, |acc, p| acc.checked_add(p.size)),
    };
    let sha256 = run
        .results
        .first()
        .map(|(img, _)| {
            img.sha256.iter().map(|h| HashRecord { file: h.file.clone(), sha256: h.sha256.clone() }).collect()
        })
        .unwrap_or_default();
    let image = ImageFileRecord {
        path: rep.path.clone(),
        size,
        path_in_media: rep.media.as_ref().map(|m| m.image.clone()),
        sha256,
    };
    let indexes = run
        .results
        .iter()
        .map(|(img, v)| IndexRecord {
            index: img.index,
            name: img.name.clone(),
            edition_id: img.edition_id.clone(),
            version: img.version.clone(),
            arch: img.arch.clone(),
            language: img.default_language.clone(),
            verdict: v.decision.as_str().to_string(),
            exit_code: v.exit.code(),
            rules: v
                .rules
                .iter()
                .map(|r| RuleRecord {
                    id: r.result.id.to_string(),
                    outcome: r.result.outcome.as_str().to_string(),
                    effect: word(&r.effect),
                    message: r.result.message.clone(),
                })
                .collect(),
        })
        .collect();
    let judged = run.judged.and_then(|n| run.results.iter().find(|(img, _)| img.index == n));
    let (verdict, blocking_rules, reason) = match (judged, run.selection) {
        (Some((_, v)), _) => {
            let reasons = v.reasons();
            (
                v.decision.as_str().to_string(),
                reasons.iter().map(|r| r.result.id.to_string()).collect(),
                reasons.first().map_or_else(String::new, |r| format!("{}: {}", r.result.id, r.result.message)),
            )
        }
        (None, Some(s)) => (verdict_of_exit(s.exit_code).to_string(), Vec::new(), s.message.clone()),
        (None, None) => {
            // `match` without --select: the run's outcome over every index.
            let any = |d: Decision| run.results.iter().any(|(_, v)| v.decision == d);
            let word = if any(Decision::Allowed) {
                "allowed"
            } else if any(Decision::CannotDecide) {
                "cannot-decide"
            } else {
                "blocked"
            };
            (word.to_string(), Vec::new(), String::new())
        }
    };
    let r = Record {
        record: KIND.to_string(),
        schema: SCHEMA,
        oemgate: env!("CARGO_PKG_VERSION").to_string(),
        time: rfc3339(run.at),
        command: run.command.to_string(),
        machine,
        firmware,
        licensed,
        image,
        indexes,
        judged_index: run.judged,
        verdict,
        exit_code: run.exit_code,
        blocking_rules,
        reason,
    };
    match &fw.oa3 {
        Some(k) => without_key(r, &k.key),
        None => r,
    }
}

/// A run that ended before a verdict (exit 2 or 4): who, when, which image, and why.
pub struct Failed<'a> {
    pub command: &'static str,
    pub at: OffsetDateTime,
    /// What [`crate::firmware::identity`] learnt of the machine.
    pub machine: &'a FirmwareFacts,
    /// The image as given on the command line.
    pub image: &'a str,
    pub exit_code: u8,
    pub message: &'a str,
}

/// The record of a run that ended in an error: verdict `error`, its exit code and the
/// error as the reason; no firmware, licence or index facts (none were established).
pub fn failed_record(f: &Failed) -> Record {
    Record {
        record: KIND.to_string(),
        schema: SCHEMA,
        oemgate: env!("CARGO_PKG_VERSION").to_string(),
        time: rfc3339(f.at),
        command: f.command.to_string(),
        machine: MachineRecord::of(
            f.machine.smbios.as_ref(),
            f.machine.cpu_arch.clone(),
            word(&f.machine.firmware_type),
            f.machine.uefi_bitness,
        ),
        firmware: FirmwareRecord { source: f.machine.source.clone(), ..FirmwareRecord::default() },
        licensed: LicenceRecord::default(),
        image: ImageFileRecord { path: f.image.to_string(), ..ImageFileRecord::default() },
        indexes: Vec::new(),
        judged_index: None,
        verdict: "error".to_string(),
        exit_code: f.exit_code,
        blocking_rules: Vec::new(),
        reason: mask_key_shapes(f.message),
    }
}

/// `text` with every product-key-shaped run (five groups of five letters or digits joined
/// by `-`) masked to its last group: an error message may quote a key read from firmware.
fn mask_key_shapes(text: &str) -> String {
    let b = text.as_bytes();
    let is_key = |w: &[u8]| {
        w.len() == 29
            && w.iter().enumerate().all(|(i, c)| if i % 6 == 5 { *c == b'-' } else { c.is_ascii_alphanumeric() })
    };
    let boundary = |i: Option<&u8>| i.is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'-');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if i + 29 <= b.len()
            && is_key(&b[i..i + 29])
            && boundary(i.checked_sub(1).and_then(|j| b.get(j)))
            && boundary(b.get(i + 29))
        {
            out.push_str(&crate::firmware::mask_key(&text[i..i + 29]));
            i += 29;
        } else {
            let c = text[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(c);
            i += c.len_utf8().max(1);
        }
    }
    out
}

/// The record with every occurrence of the full key (with or without dashes) in any
/// string replaced by the masked key: rule messages quote the key under `--show-key`.
fn without_key(r: Record, key: &str) -> Record {
    fn walk(v: &mut serde_json::Value, full: &[(String, String)]) {
        match v {
            serde_json::Value::String(s) => {
                for (k, m) in full {
                    if s.contains(k.as_str()) {
                        *s = s.replace(k.as_str(), m);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, full)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| walk(x, full)),
            _ => {}
        }
    }
    let masked = crate::firmware::mask_key(key);
    let dashless = key.replace('-', "");
    if dashless.len() < 5 {
        return r;
    }
    let full = [(key.to_string(), masked.clone()), (dashless, masked.replace('-', ""))];
    let Ok(mut v) = serde_json::to_value(&r) else { return r };
    walk(&mut v, &full);
    serde_json::from_value(v).unwrap_or(r)
}

fn verdict_of_exit(code: u8) -> &'static str {
    match code {
        0 => "allowed",
        1 => "blocked",
        3 => "cannot-decide",
        _ => "error",
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Keep letters, digits, '-' and '.' of a machine id, at most 64 of them (a file-name
/// part on every file system; SMBIOS strings are untrusted).
fn name_part(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').take(64).collect()
}

/// 64 random bits: the process's OS-seeded hasher keys, the time, the pid and a
/// counter (two runs in one process, or two processes in one instant, differ).
fn random_part() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_i128(OffsetDateTime::now_utc().unix_timestamp_nanos());
    h.finish()
}

/// The record's file name: `oemgate-<UTC time>-<serial or UUID>-<random>.json`.
pub fn file_name(r: &Record, at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    let id = [&r.machine.serial, &r.machine.uuid]
        .into_iter()
        .flatten()
        .map(|s| name_part(s))
        .find(|s| !s.is_empty() && s.chars().any(|c| c != '0'))
        .unwrap_or_else(|| "unknown".to_string());
    format!(
        "oemgate-{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z-{id}-{:016x}.json",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond(),
        random_part()
    )
}

/// Write the record into `dir`: a new temporary file (`.oemgate-<random>.tmp`), flushed
/// to disk, then renamed to its unique name. Returns the record's path.
pub fn write(dir: &Path, r: &Record, at: OffsetDateTime) -> Result<PathBuf> {
    let shown = dir.display().to_string();
    let text = super::to_json(r);
    let name = file_name(r, at);
    let tmp = dir.join(format!(".oemgate-{:016x}.tmp", random_part()));
    let final_path = dir.join(&name);
    let written = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        drop(f);
        if final_path.exists() {
            return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, format!("{name} exists")));
        }
        std::fs::rename(&tmp, &final_path)
    })();
    match written {
        Ok(()) => Ok(final_path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::io(format!("{shown}: cannot write the evidence record"), &e))
        }
    }
}

/// Why a file is not a readable record.
pub fn parse(bytes: &[u8]) -> std::result::Result<Record, String> {
    let r: Record = serde_json::from_slice(bytes).map_err(|e| format!("not a record: {e}"))?;
    if r.record != KIND {
        return Err(format!("not an oemgate evidence record (record = {:?})", r.record));
    }
    if r.schema != SCHEMA {
        return Err(format!("schema {} is not supported (this oemgate reads schema {SCHEMA})", r.schema));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            record: KIND.into(),
            schema: SCHEMA,
            oemgate: "0".into(),
            time: "2026-01-02T03:04:05.006Z".into(),
            command: "check".into(),
            machine: MachineRecord { serial: Some("SN 1/2\\..x".into()), ..Default::default() },
            firmware: FirmwareRecord::default(),
            licensed: LicenceRecord::default(),
            image: ImageFileRecord::default(),
            indexes: vec![],
            judged_index: Some(1),
            verdict: "allowed".into(),
            exit_code: 0,
            blocking_rules: vec![],
            reason: String::new(),
        }
    }

    #[test]
    fn names_are_unique_and_safe() {
        let at = time::macros::datetime!(2026-01-02 03:04:05.006 UTC);
        let r = sample();
        let a = file_name(&r, at);
        let b = file_name(&r, at);
        assert_ne!(a, b, "same machine, same millisecond: the random part differs");
        assert!(a.starts_with("oemgate-20260102T030405006Z-SN12..x-"), "{a}");
        assert!(a.ends_with(".json") && !a.contains('/') && !a.contains('\\'), "{a}");
        let mut r = sample();
        r.machine.serial = Some("000000".into());
        r.machine.uuid = Some("4C4C4544-0042".into());
        assert!(file_name(&r, at).contains("-4C4C4544-0042-"), "a zero serial falls back to the UUID");
        r.machine.uuid = None;
        assert!(file_name(&r, at).contains("-unknown-"));
    }

    #[test]
    fn writes_by_rename_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("oemgate-evidence-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let at = OffsetDateTime::now_utc();
        let p = write(&dir, &sample(), at).unwrap();
        let back = parse(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(back, sample());
        let names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        assert!(write(&dir.join("missing"), &sample(), at).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_full_key_never_survives_in_any_string() {
        let key = "PG7PX-DJNQ9-98DXC-CV8BJ-Q69TP";
        let mut r = sample();
        r.reason = format!("key-integrity: MSDM table and key {key} checksums hold");
        r.blocking_rules = vec!["PG7PXDJNQ998DXCCV8BJQ69TP".into()];
        let clean = without_key(r, key);
        let text = super::super::to_json(&clean);
        assert!(!text.contains("PG7PX"), "{text}");
        assert!(clean.reason.contains("XXXXX-XXXXX-XXXXX-XXXXX-Q69TP"), "{}", clean.reason);
        assert_eq!(clean.blocking_rules, ["XXXXXXXXXXXXXXXXXXXXQ69TP"]);
    }

    #[test]
    fn a_failed_run_is_an_error_record_without_any_key() {
        let mut machine =
            FirmwareFacts { source: "live firmware".into(), cpu_arch: Some("x64".into()), ..Default::default() };
        machine.smbios = Some(crate::firmware::SmbiosFacts {
            manufacturer: Some("Contoso".into()),
            product: Some("Laptop 7".into()),
            serial: Some("SN123".into()),
            uuid: None,
        });
        let f = Failed {
            command: "check",
            at: OffsetDateTime::UNIX_EPOCH,
            machine: &machine,
            image: "D:\\sources\\install.wim",
            exit_code: 4,
            message: "MSDM: key PG7PX-DJNQ9-98DXC-CV8BJ-Q69TP is not valid; -AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-",
        };
        let r = failed_record(&f);
        assert_eq!((r.verdict.as_str(), r.exit_code, r.command.as_str()), ("error", 4, "check"));
        assert_eq!(r.machine.serial.as_deref(), Some("SN123"));
        assert_eq!(r.image.path, "D:\\sources\\install.wim");
        assert!(r.indexes.is_empty() && r.judged_index.is_none() && r.firmware.key.is_none());
        // the key is masked; a longer dashed run is not a key and stays
        assert_eq!(r.reason, "MSDM: key XXXXX-XXXXX-XXXXX-XXXXX-Q69TP is not valid; -AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-");
        assert_eq!(parse(super::super::to_json(&r).as_bytes()).unwrap(), r, "summarize reads it back");
        assert_eq!(mask_key_shapes("é PG7PX-DJNQ9-98DXC-CV8BJ-Q69TP"), "é XXXXX-XXXXX-XXXXX-XXXXX-Q69TP");
    }

    #[test]
    fn refuses_other_documents() {
        assert!(parse(b"{}").is_err());
        assert!(parse(b"{\"record\": \"x\"").is_err());
        let mut r = sample();
        r.schema = 2;
        assert!(parse(super::super::to_json(&r).as_bytes()).unwrap_err().contains("schema 2"));
        r.schema = SCHEMA;
        r.record = "other".into();
        assert!(parse(super::super::to_json(&r).as_bytes()).is_err());
    }
}
