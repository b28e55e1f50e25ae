//! Dirty hives and their transaction logs (fixtures/hives/mklogs.py): hives written by
//! hivexsh, changed with hivexsh, the change kept only in the logs (both formats), the
//! primary file rolled back. With the logs the new values are read, without them the
//! old ones and a notice; damaged logs stop the replay where Windows would, with the
//! reason, and never fail the read or panic.

use std::path::{Path, PathBuf};

use oemgate::offline_os::hive::marvin32::{REGF_LOG_SEED, marvin32};
use oemgate::offline_os::{self, HiveRecovery, HiveState, OfflineOsFacts};

use crate::common::{TempDir, fixture, oemgate};

const CONFIG: &str = "Windows/System32/config";

/// A copy of fixture root `name` (only the files `keep` accepts) in a temporary directory.
fn copy_root(name: &str, keep: impl Fn(&str) -> bool) -> TempDir {
    let t = TempDir::new("hivelog");
    let dst = t.path().join(CONFIG);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(fixture(&format!("hives/{name}/{CONFIG}"))).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if keep(&n) {
            std::fs::copy(e.path(), dst.join(&n)).unwrap();
        }
    }
    t
}

fn cfg(t: &TempDir, file: &str) -> PathBuf {
    t.path().join(CONFIG).join(file)
}

fn edit(t: &TempDir, file: &str, f: impl FnOnce(&mut Vec<u8>)) {
    let p = cfg(t, file);
    let mut b = std::fs::read(&p).unwrap();
    f(&mut b);
    std::fs::write(&p, b).unwrap();
}

fn hive<'a>(f: &'a OfflineOsFacts, name: &str) -> &'a HiveRecovery {
    f.hives.iter().find(|h| h.hive == name).unwrap_or_else(|| panic!("no {name} in {:#?}", f.hives))
}

fn read(root: &Path) -> OfflineOsFacts {
    offline_os::read(root).unwrap_or_else(|e| panic!("log damage must never fail the read: {e}"))
}

/// The values pro10-x86-en has, which the dirty fixtures' primaries still hold.
fn assert_old_software(f: &OfflineOsFacts) {
    assert_eq!(f.current_build, Some(19045));
    assert_eq!(f.product_name.as_deref(), Some("Windows 10 Pro"));
}

fn assert_new(f: &OfflineOsFacts) {
    assert_eq!(f.current_build, Some(22631), "{:#?}", f.hives);
    assert_eq!(f.product_name.as_deref(), Some("Windows 11 Pro"), "{:#?}", f.hives);
    assert_eq!(f.install_language.as_deref(), Some("de-DE"), "{:#?}", f.hives);
}

/// Rewrite the HvLE entry at `at` in a log: `f` edits it, then both hashes are made
/// right again (so only the change itself is wrong).
fn rehash_entry(b: &mut [u8], at: usize, f: impl FnOnce(&mut [u8])) {
    let size = u32::from_le_bytes(b[at + 4..at + 8].try_into().unwrap()) as usize;
    let e = &mut b[at..at + size];
    f(e);
    let h1 = marvin32(&e[40..], REGF_LOG_SEED);
    e[24..32].copy_from_slice(&h1.to_le_bytes());
    let h2 = marvin32(&e[..32], REGF_LOG_SEED);
    e[32..40].copy_from_slice(&h2.to_le_bytes());
}

#[test]
fn hvle_logs_are_applied_across_both_files_in_sequence_order() {
    let f = read(&fixture("hives/dirty-hvle"));
    assert_new(&f);
    let sw = hive(&f, "SOFTWARE");
    assert_eq!(sw.state, HiveState::Recovered);
    // Entry 3 is in LOG2, entry 4 in LOG1; the stale entry 1 after entry 3 is not applied.
    assert_eq!(sw.logs_applied, vec!["SOFTWARE.LOG2", "SOFTWARE.LOG1"]);
    assert_eq!((sw.entries_applied, sw.sequence_after, sw.stopped.as_deref()), (2, Some(4), None));
    assert!(sw.pages_applied > 0 && sw.bytes_applied == sw.pages_applied * 4096, "{sw:#?}");
    let sys = hive(&f, "SYSTEM");
    assert_eq!((sys.state, sys.entries_applied), (HiveState::Recovered, 1));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    assert!(sw.summary().starts_with("SOFTWARE: dirty, logs applied ("), "{}", sw.summary());
}

#[test]
fn dirty_vector_logs_are_applied() {
    let f = read(&fixture("hives/dirty-dirt"));
    assert_new(&f);
    for name in ["SOFTWARE", "SYSTEM"] {
        let h = hive(&f, name);
        assert_eq!(h.state, HiveState::Recovered, "{h:#?}");
        assert_eq!(h.logs_applied, vec![format!("{name}.LOG1")]);
        assert_eq!(h.entries_applied, 0);
        // 4 KiB of changes are eight 512-byte pages.
        assert!(h.pages_applied > 0 && h.pages_applied % 8 == 0, "{h:#?}");
    }
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn without_logs_the_old_values_and_a_notice() {
    for name in ["dirty-hvle", "dirty-dirt"] {
        let t = copy_root(name, |n| !n.contains(".LOG"));
        let f = read(t.path());
        assert_old_software(&f);
        assert_eq!(f.install_language.as_deref(), Some("en-US"));
        for h in &f.hives {
            assert_eq!(h.state, HiveState::Dirty, "{h:#?}");
            assert!(h.notes.iter().any(|n| n.contains("no SOFTWARE.LOG1") || n.contains("no SYSTEM.LOG1")), "{h:#?}");
        }
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
        for w in &f.warnings {
            assert!(w.contains("dirty") && w.contains("logs absent or unusable") && w.contains("stale"), "{w}");
        }
    }
}

#[test]
fn a_clean_hive_ignores_its_logs() {
    let t = copy_root("dirty-hvle", |_| true);
    for h in ["SOFTWARE", "SYSTEM"] {
        std::fs::copy(fixture(&format!("hives/pro10-x86-en/{CONFIG}/{h}")), cfg(&t, h)).unwrap();
    }
    let f = read(t.path());
    assert_old_software(&f);
    assert!(f.hives.iter().all(|h| h.state == HiveState::Clean && h.summary().ends_with(": clean")));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn a_bad_hash_stops_the_replay_after_the_entries_before_it() {
    // Entry 4 (LOG1) changed after it was hashed: entry 3 (LOG2) stays applied.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE.LOG1", |b| {
        let n = b.len();
        b[n - 600] ^= 0x55
    });
    let f = read(t.path());
    assert_eq!(f.current_build, Some(22631));
    assert_eq!(f.product_name.as_deref(), Some("Windows 10 Pro"));
    let sw = hive(&f, "SOFTWARE");
    assert_eq!((sw.state, sw.entries_applied, sw.sequence_after), (HiveState::Recovered, 1, Some(3)));
    let why = sw.stopped.as_deref().unwrap();
    assert!(why.contains("SOFTWARE.LOG1") && why.contains("hash 1"), "{why}");
    assert!(f.warnings.iter().any(|w| w.contains("replay stopped") && w.contains("hash 1")), "{:?}", f.warnings);

    // The header's own hash: a changed sequence number without a new hash 2.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SYSTEM.LOG1", |b| b[512 + 12] ^= 1);
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    let sys = hive(&f, "SYSTEM");
    assert_eq!(sys.state, HiveState::Dirty);
    assert!(sys.notes.iter().any(|n| n.contains("hash 2")), "{sys:#?}");
}

#[test]
fn a_wrong_sequence_number_stops_the_replay() {
    // Entry 4 renumbered 7 (hashes made right): not the number after 3.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE.LOG1", |b| rehash_entry(b, 512, |e| e[12..16].copy_from_slice(&7u32.to_le_bytes())));
    let f = read(t.path());
    assert_eq!((f.current_build, f.product_name.as_deref()), (Some(22631), Some("Windows 10 Pro")));
    let sw = hive(&f, "SOFTWARE");
    assert_eq!(sw.entries_applied, 1);
    assert!(sw.notes.iter().chain(&sw.stopped).any(|n| n.contains("sequence number 7, expected 4")), "{sw:#?}");

    // Entry 3 missing (LOG2 empty): entry 4 alone is applied, since its log starts the
    // replay at a number not below the hive's... but LOG2's own entry 3 is the first:
    // here LOG2's entry is renumbered 5, so nothing continues the hive at 3.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE.LOG2", |b| rehash_entry(b, 512, |e| e[12..16].copy_from_slice(&5u32.to_le_bytes())));
    let f = read(t.path());
    assert_old_software(&f);
    let sw = hive(&f, "SOFTWARE");
    assert_eq!(sw.state, HiveState::Dirty, "{sw:#?}");
    assert!(sw.notes.iter().any(|n| n.contains("sequence number 5, expected 3")), "{sw:#?}");
    // LOG1 (entry 4) is not applied over the gap.
    assert!(sw.notes.iter().any(|n| n.contains("SOFTWARE.LOG1: starts at sequence number 4, not 3")), "{sw:#?}");
}

#[test]
fn a_log_older_than_the_hive_is_not_applied() {
    // The hive says its secondary sequence number is 9: entries 3 and 4 are old news.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SYSTEM", |b| {
        b[4..8].copy_from_slice(&10u32.to_le_bytes());
        b[8..12].copy_from_slice(&9u32.to_le_bytes());
        let sum = b[..508].chunks_exact(4).fold(0u32, |a, c| a ^ u32::from_le_bytes(c.try_into().unwrap()));
        b[508..512].copy_from_slice(&sum.to_le_bytes());
    });
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    let sys = hive(&f, "SYSTEM");
    assert_eq!(sys.state, HiveState::Dirty);
    assert!(sys.notes.iter().any(|n| n.contains("older than the hive")), "{sys:#?}");
}

#[test]
fn pages_past_the_hive_end_stop_the_replay() {
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SYSTEM.LOG1", |b| {
        rehash_entry(b, 512, |e| {
            let data_size = u32::from_le_bytes(e[16..20].try_into().unwrap());
            e[40..44].copy_from_slice(&data_size.to_le_bytes());
        })
    });
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    let sys = hive(&f, "SYSTEM");
    assert_eq!(sys.state, HiveState::Dirty);
    assert!(sys.notes.iter().any(|n| n.contains("past the hive's end")), "{sys:#?}");
    assert!(
        f.warnings.iter().any(|w| w.contains("SYSTEM: dirty") && w.contains("past the hive's end")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn truncated_logs_are_not_applied_or_stop_the_replay() {
    // HvLE: entry 4 cut short; entry 3 stays applied.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE.LOG1", |b| b.truncate(b.len() - 512));
    let f = read(t.path());
    assert_eq!((f.current_build, f.product_name.as_deref()), (Some(22631), Some("Windows 10 Pro")));
    assert!(hive(&f, "SOFTWARE").stopped.as_deref().is_some_and(|s| s.contains("truncated")), "{:#?}", f.hives);

    // Dirty vector: a log that lacks some of the pages it announces is not used at all.
    let t = copy_root("dirty-dirt", |_| true);
    edit(&t, "SOFTWARE.LOG1", |b| b.truncate(b.len() - 1));
    let f = read(t.path());
    assert_old_software(&f);
    assert_eq!(f.install_language.as_deref(), Some("de-DE"), "SYSTEM.LOG1 is intact");
    let sw = hive(&f, "SOFTWARE");
    assert_eq!(sw.state, HiveState::Dirty);
    assert!(sw.notes.iter().any(|n| n.contains("dirty pages") && n.contains("truncated")), "{sw:#?}");

    // A log shorter than its base block.
    let t = copy_root("dirty-dirt", |_| true);
    edit(&t, "SYSTEM.LOG1", |b| b.truncate(100));
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    assert!(hive(&f, "SYSTEM").notes.iter().any(|n| n.contains("SYSTEM.LOG1") && n.contains("truncated")));
}

#[test]
fn dirty_vector_log_checks() {
    // A log whose own sequence numbers differ was not completely written.
    let t = copy_root("dirty-dirt", |_| true);
    edit(&t, "SYSTEM.LOG1", |b| {
        b[8] ^= 1;
        let sum = b[..508].chunks_exact(4).fold(0u32, |a, c| a ^ u32::from_le_bytes(c.try_into().unwrap()));
        b[508..512].copy_from_slice(&sum.to_le_bytes());
    });
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    assert!(hive(&f, "SYSTEM").notes.iter().any(|n| n.contains("not completely written")), "{:#?}", f.hives);

    // A bad base block checksum in the log.
    let t = copy_root("dirty-dirt", |_| true);
    edit(&t, "SYSTEM.LOG1", |b| b[100] ^= 1);
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    assert!(hive(&f, "SYSTEM").notes.iter().any(|n| n.contains("checksum")), "{:#?}", f.hives);

    // A dirty page that starts a hive bin with a wrong offset stops the replay there.
    let t = copy_root("dirty-dirt", |_| true);
    let mut hit = false;
    edit(&t, "SOFTWARE.LOG1", |b| {
        let mut at = 1024;
        while at + 512 <= b.len() {
            if &b[at..at + 4] == b"hbin" {
                b[at + 4] ^= 0x10;
                hit = true;
                break;
            }
            at += 512;
        }
    });
    assert!(hit, "the SOFTWARE log holds a page starting a hive bin");
    let f = read(t.path());
    let sw = hive(&f, "SOFTWARE");
    assert!(sw.notes.iter().chain(&sw.stopped).any(|n| n.contains("hive bin")), "{sw:#?}");
}

/// Every truncation and many single-byte changes of each log. HvLE entries are hashed:
/// the values are always read (new or old) with at most a notice. Dirty-vector pages are
/// not: a changed page may make the replayed hive itself unreadable (an error, exit 4,
/// like any damaged hive), but never a panic.
#[test]
fn survives_damaged_logs() {
    for (root, log) in [("dirty-hvle", "SOFTWARE.LOG2"), ("dirty-hvle", "SYSTEM.LOG1"), ("dirty-dirt", "SOFTWARE.LOG1")]
    {
        let hashed = root == "dirty-hvle";
        let t = copy_root(root, |_| true);
        let good = std::fs::read(cfg(&t, log)).unwrap();
        let mut cases: Vec<Vec<u8>> = (0..good.len()).step_by(97).map(|n| good[..n].to_vec()).collect();
        for i in (0..good.len()).step_by(13) {
            let mut b = good.clone();
            b[i] ^= 0xA5;
            cases.push(b);
        }
        for b in cases {
            std::fs::write(cfg(&t, log), &b).unwrap();
            if hashed {
                let f = read(t.path());
                assert!(f.current_build.is_some() && f.install_language.is_some(), "{log}: {:#?}", f.hives);
            } else {
                let _ = offline_os::read(t.path());
            }
        }
    }
}

#[test]
fn the_report_the_json_and_the_cmtrace_log_say_what_was_done() {
    let t = copy_root("dirty-hvle", |n| n != "SYSTEM.LOG1");
    let log = t.path().join("oemgate.log");
    let root = t.path().to_str().unwrap();
    let (image, acpi) = (fixture("images/pro.wim"), fixture("firmware/pro"));
    let args = [
        "check",
        "--image",
        image.to_str().unwrap(),
        "--acpi-dir",
        acpi.to_str().unwrap(),
        "--machine-arch",
        "x64",
        "--machine-firmware",
        "uefi64",
        "--offline-os",
        root,
        "--log",
        log.to_str().unwrap(),
    ];
    let run = oemgate(args);
    assert!(
        run.stdout.contains("hive       SOFTWARE: dirty, logs applied (")
            && run.stdout.contains("2 log entries from SOFTWARE.LOG2, SOFTWARE.LOG1)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("hive       SYSTEM: dirty (sequence numbers 3 and 2 differ), logs absent or unusable"));
    assert_eq!(run.stdout.matches("logs absent or unusable").count(), 1, "said once: {}", run.stdout);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("installed Windows hive SOFTWARE: dirty, logs applied"), "{text}");
    let sys_line = text.lines().find(|l| l.contains("installed Windows hive SYSTEM")).unwrap();
    assert!(sys_line.contains("logs absent or unusable") && sys_line.contains("type=\"2\""), "{sys_line}");

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let run = oemgate(json_args);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let hives = v["licensed"]["offline_os"]["hives"].as_array().unwrap();
    assert_eq!(hives.len(), 2);
    assert_eq!(hives[0]["hive"], "SOFTWARE");
    assert_eq!(hives[0]["state"], "recovered");
    assert_eq!(hives[0]["log_format"], "log-entries");
    assert_eq!(hives[0]["entries_applied"], 2);
    assert_eq!(hives[1]["state"], "dirty");
    assert_eq!(v["licensed"]["offline_os"]["current_build"], 22631);
    assert_eq!(v["licensed"]["offline_os"]["install_language"], "en-US");
}

/// regipy (an independent registry reader, installed from the package registry into
/// target/test-cache at test time) replays the same HvLE log: its restored hive bins
/// must equal ours byte for byte, and its reader must find the new value.
///
/// regipy refuses pages past the primary file's end (it does not grow the hive), so the
/// primary is given zero padding up to the replayed size first: padding after the last
/// hive bin is allowed, and our reader must give the same answer with or without it.
#[test]
fn regipy_replays_the_hvle_log_to_the_same_bytes() {
    use oemgate::offline_os::hive::replay;
    use oemgate::source::ReadAt;
    let cache = crate::common::root().join("target/test-cache/regipy-6.5.0");
    if !cache.join("regipy/recovery.py").is_file() {
        let out = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&cache)
            .arg("regipy==6.5.0")
            .output()
            .expect("python3 -m pip (needs python3 with pip)");
        assert!(out.status.success(), "pip install regipy failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let t = copy_root("dirty-hvle", |n| ["SOFTWARE", "SYSTEM", "SYSTEM.LOG1"].contains(&n));
    let (ours, rec) = replay::open(&cfg(&t, "SYSTEM"), "SYSTEM").unwrap();
    assert_eq!(rec.state, HiveState::Recovered);
    let size = ours.base.hive_bins_data_size as usize;
    edit(&t, "SYSTEM", |b| b.resize(4096 + size, 0));
    let (padded, _) = replay::open(&cfg(&t, "SYSTEM"), "SYSTEM").unwrap();
    let mut mine = vec![0u8; size];
    ours.source().read_exact_at(4096, &mut mine).unwrap();
    let mut mine_padded = vec![0u8; size];
    padded.source().read_exact_at(4096, &mut mine_padded).unwrap();
    assert!(mine == mine_padded, "padding after the last bin changes nothing");

    let restored = t.path().join("SYSTEM.restored");
    let out = std::process::Command::new("python3")
        .arg(crate::common::root().join("fixtures/tools/regipy_replay.py"))
        .arg(&cache)
        .arg(cfg(&t, "SYSTEM"))
        .arg(cfg(&t, "SYSTEM.LOG1"))
        .arg(&restored)
        .args(["\\ControlSet001\\Control\\Nls\\Language", "InstallLanguage"])
        .output()
        .unwrap();
    assert!(out.status.success(), "regipy: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"], "0407", "{v}");
    assert_eq!(v["pages"], rec.pages_applied, "{v}");
    let theirs = std::fs::read(&restored).unwrap();
    assert!(theirs.len() >= 4096 + size);
    assert!(theirs[4096..4096 + size] == mine[..], "regipy's restored hive bins differ from ours");
    let f = read(t.path());
    assert_eq!(f.install_language.as_deref(), Some("de-DE"));
}

#[test]
fn an_old_entry_after_the_new_ones_ends_the_log_quietly_even_when_damaged() {
    // SOFTWARE.LOG2: entry 3, then an entry 1 left from before, here with a broken hash.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE.LOG2", |b| {
        let first = u32::from_le_bytes(b[516..520].try_into().unwrap()) as usize;
        let stale = 512 + first;
        assert_eq!(&b[stale..stale + 4], b"HvLE");
        assert_eq!(u32::from_le_bytes(b[stale + 12..stale + 16].try_into().unwrap()), 1);
        let n = b.len();
        b[n - 1] ^= 0xFF;
    });
    let f = read(t.path());
    assert_new(&f);
    let sw = hive(&f, "SOFTWARE");
    assert_eq!((sw.entries_applied, sw.stopped.as_deref()), (2, None), "{sw:#?}");
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn a_base_block_with_a_bad_checksum_is_taken_from_a_log() {
    for root in ["dirty-hvle", "dirty-dirt"] {
        let t = copy_root(root, |_| true);
        edit(&t, "SYSTEM", |b| b[0x1C0] ^= 0x5A);
        let f = read(t.path());
        assert_eq!(f.install_language.as_deref(), Some("de-DE"), "{root}: {:#?}", f.hives);
        let sys = hive(&f, "SYSTEM");
        assert_eq!(sys.state, HiveState::Recovered, "{root}");
        assert_eq!(sys.base_block_from.as_deref(), Some("SYSTEM.LOG1"), "{root}");
        assert!(sys.summary().contains("its copy in SYSTEM.LOG1 is used"), "{}", sys.summary());

        // Without a log to take it from, the hive is refused as before (exit 4).
        let t = copy_root(root, |n| !n.starts_with("SYSTEM.LOG"));
        edit(&t, "SYSTEM", |b| b[0x1C0] ^= 0x5A);
        let err = offline_os::read(t.path()).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        assert_eq!(oemgate::cli::exit_status(&err), oemgate::ExitStatus::BadInput);
    }
}

#[test]
fn entries_below_the_hive_sequence_number_are_skipped_and_the_rest_applied() {
    // The hive says it already holds everything before entry 4: entry 3 (LOG2) is
    // skipped, entry 4 (LOG1) still continues it and is applied.
    let t = copy_root("dirty-hvle", |_| true);
    edit(&t, "SOFTWARE", |b| {
        b[4..8].copy_from_slice(&5u32.to_le_bytes());
        b[8..12].copy_from_slice(&4u32.to_le_bytes());
        let sum = b[..508].chunks_exact(4).fold(0u32, |a, c| a ^ u32::from_le_bytes(c.try_into().unwrap()));
        b[508..512].copy_from_slice(&sum.to_le_bytes());
    });
    let f = read(t.path());
    assert_eq!(f.product_name.as_deref(), Some("Windows 11 Pro"));
    let sw = hive(&f, "SOFTWARE");
    assert_eq!((sw.state, sw.entries_applied, sw.sequence_after), (HiveState::Recovered, 1, Some(4)), "{sw:#?}");
    assert_eq!(sw.logs_applied, vec!["SOFTWARE.LOG1"]);
    assert!(sw.notes.iter().any(|n| n.contains("SOFTWARE.LOG2: 1 entry older than the hive")), "{sw:#?}");
}

/// Every truncation length of each fixture log, and every byte of its first sectors
/// garbled, through the in-memory readers: the log readers answer with a typed error
/// (or "no entry here" past the last whole entry), and recovery answers with a hive
/// and, whenever it could not apply the logs, a recovery note; never a panic.
#[test]
fn every_truncation_of_each_log_is_a_typed_error_or_a_recovery_note() {
    use oemgate::error::Error;
    use oemgate::offline_os::hive::dirty_vector::DirtyVector;
    use oemgate::offline_os::hive::hvle::{self, Slot};
    use oemgate::offline_os::hive::log::{self, LogFormat, LogHeader};
    use oemgate::offline_os::hive::replay;
    use oemgate::source::{MemSource, ReadAt};

    let recover = |primary: &[u8], hive: &str, log: &str, bytes: &[u8]| {
        let logs = || vec![(log.to_string(), Ok(Box::new(MemSource::new(log, bytes.to_vec())) as Box<dyn ReadAt>))];
        let (h, rec) = replay::recover(MemSource::new(hive, primary.to_vec()), logs, hive, hive)
            .unwrap_or_else(|e| panic!("{log} of {} bytes: recovery failed: {e}", bytes.len()));
        if rec.state == HiveState::Dirty {
            assert!(
                !rec.notes.is_empty() || rec.stopped.is_some(),
                "{log} of {} bytes: no note: {rec:#?}",
                bytes.len()
            );
        }
        (h, rec)
    };
    for (root, hive, log) in [
        ("dirty-hvle", "SOFTWARE", "SOFTWARE.LOG2"),
        ("dirty-hvle", "SYSTEM", "SYSTEM.LOG1"),
        ("dirty-dirt", "SOFTWARE", "SOFTWARE.LOG1"),
    ] {
        let dir = fixture(&format!("hives/{root}/{CONFIG}"));
        let primary = std::fs::read(dir.join(hive)).unwrap();
        let good = std::fs::read(dir.join(log)).unwrap();
        let header = LogHeader::parse(good[..log::SIZE].try_into().unwrap()).unwrap();
        let (_, full) = recover(&primary, hive, log, &good);
        assert_eq!(full.state, HiveState::Recovered, "{log}: {full:#?}");
        match header.format {
            LogFormat::LogEntries => {
                // The entries of the whole log: (offset, size).
                let whole = MemSource::new(log, good.clone());
                let mut entries = Vec::new();
                let mut at = log::SIZE as u64;
                while let Ok(Slot::Entry(e)) = hvle::read(&whole, at) {
                    entries.push((at, u64::from(e.size)));
                    at += u64::from(e.size);
                }
                assert!(!entries.is_empty(), "{log}: no entries");
                for n in 0..good.len() as u64 {
                    let cut = MemSource::new(log, good[..n as usize].to_vec());
                    for &(at, size) in &entries {
                        match hvle::read(&cut, at) {
                            Ok(Slot::End) if n < at + hvle::HEADER_SIZE as u64 => {}
                            Err(Error::Truncated { .. }) if n >= at + hvle::HEADER_SIZE as u64 && n < at + size => {}
                            Ok(Slot::Entry(e)) if n >= at + size => assert_eq!(u64::from(e.size), size),
                            other => panic!("{log} cut to {n} bytes, entry at {at} ({size} bytes): {other:?}"),
                        }
                    }
                }
            }
            LogFormat::DirtyVector => {
                let whole = DirtyVector::read(&MemSource::new(log, good.clone()), header.hive_bins_data_size).unwrap();
                let needed = whole.pages_offset + whole.dirty_pages * 512;
                for n in 0..good.len() as u64 {
                    let cut = MemSource::new(log, good[..n as usize].to_vec());
                    match DirtyVector::read(&cut, header.hive_bins_data_size) {
                        Err(Error::Truncated { .. }) if n < needed => {}
                        Ok(v) if n >= needed => assert_eq!(v.dirty_pages, whole.dirty_pages),
                        other => panic!("{log} cut to {n} bytes (needs {needed}): {other:?}"),
                    }
                }
            }
        }
        for n in 0..good.len() {
            let (h, rec) = recover(&primary, hive, log, &good[..n]);
            if n < log::SIZE {
                assert_eq!(rec.state, HiveState::Dirty, "{log} cut to {n} bytes: {rec:#?}");
            }
            if header.format == LogFormat::LogEntries {
                h.root().unwrap_or_else(|e| panic!("{log} cut to {n} bytes: replayed hive unreadable: {e}"));
            }
        }
        for i in 0..(3 * log::SIZE).min(good.len()) {
            let mut b = good.clone();
            b[i] ^= 0xFF;
            let (h, _) = recover(&primary, hive, log, &b);
            if header.format == LogFormat::LogEntries {
                h.root().unwrap_or_else(|e| panic!("{log} with byte {i} garbled: replayed hive unreadable: {e}"));
            }
        }
    }
}
