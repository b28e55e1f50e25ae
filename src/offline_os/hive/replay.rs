//! Opening a hive as Windows would load it: when the base block says the hive is dirty
//! (its two sequence numbers differ), the transaction logs beside it (`NAME.LOG1`,
//! `NAME.LOG2`, and `NAME.LOG` for the single-log scheme) are replayed in memory over
//! the primary file, which is opened read-only and never written, nor are the logs.
//!
//! Following the public registry file format specification:
//! - **HvLE logs** (Windows 8.1+): both logs are used, the one with the earlier entries
//!   first. A log's first entry must carry the sequence number in its log's base block,
//!   each following entry the next number, and the next log must go on with the number
//!   after its predecessor's last; entries below the hive's secondary sequence number
//!   are already in the hive and are skipped. A later log is never applied over a gap.
//!   An entry that fails its Marvin32 hashes, is truncated, has a bad size or hive bins
//!   data size, or names a page past the hive's end stops the replay there: the entries
//!   before it stay applied.
//! - **Dirty-vector logs** (before Windows 8.1): a log is valid when its base block
//!   checks out and its two sequence numbers are equal, and applies when it was written
//!   for this state of the hive (same time stamp or same primary sequence number); of
//!   several, the most recent. Its dirty pages are applied in order; a page that starts
//!   a hive bin whose header is wrong stops the replay there. A log that announces more
//!   pages than it holds is not used at all.
//! - A primary base block that fails its checksum is taken from a log's copy (the HvLE
//!   log with the latest entries, else the most recent dirty-vector log), and only that
//!   log is replayed.
//!
//! Whatever happens, the outcome is a [`HiveRecovery`] that says what was done and why,
//! never a failure: a dirty hive whose logs are absent or unusable is read as it is on
//! disk, with a notice that its facts may be stale.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::Hive;
use super::base_block::{self, compute_checksum};
use super::dirty_vector::{self, DirtyVector};
use super::hvle::{self, Slot};
use super::log::{self, LogFormat, LogHeader};
use super::overlay::Overlay;
use crate::bytes::Fields;
use crate::error::Result;
use crate::source::{FileSource, ReadAt};

/// Log files larger than this are not read (real ones are a few MiB).
pub const MAX_LOG_BYTES: u64 = 256 << 20;
/// At most this many bytes of log entries are replayed into memory for one hive, in all.
pub const MAX_REPLAYED_BYTES: u64 = 512 << 20;
/// The log file name suffixes looked for beside a hive, in this order.
pub const LOG_SUFFIXES: [&str; 3] = [".LOG1", ".LOG2", ".LOG"];

/// A hive opened with its transaction logs applied (when it needed them).
pub type RecoveredHive = Hive<Overlay<Arc<FileSource>>>;

/// The state of a hive as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HiveState {
    /// The base block's sequence numbers agree: nothing to replay.
    Clean,
    /// Dirty, and at least one page of its transaction logs was applied.
    Recovered,
    /// Dirty, and no log could be applied: read as it is on disk (facts may be stale).
    Dirty,
}

impl HiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            HiveState::Clean => "clean",
            HiveState::Recovered => "recovered",
            HiveState::Dirty => "dirty",
        }
    }
}

/// What happened to one hive's transaction logs.
#[derive(Debug, Clone, Serialize)]
pub struct HiveRecovery {
    /// "SOFTWARE", "SYSTEM".
    pub hive: String,
    pub path: String,
    pub state: HiveState,
    /// The primary file's base block sequence numbers.
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// The log whose copy of the base block was used, the hive's own failing its checksum.
    pub base_block_from: Option<String>,
    /// The format of the logs applied (or looked at).
    pub log_format: Option<LogFormat>,
    /// The log files whose pages were applied, in the order applied.
    pub logs_applied: Vec<String>,
    /// HvLE entries applied (0 for dirty-vector logs).
    pub entries_applied: u32,
    /// Pages applied: HvLE page references, or 512-byte dirty-vector pages.
    pub pages_applied: u64,
    pub bytes_applied: u64,
    /// The sequence number the hive has after replay (HvLE logs).
    pub sequence_after: Option<u32>,
    /// Why the replay stopped before the end of the logs, when it did.
    pub stopped: Option<String>,
    /// Each log file looked at and why it was or was not used.
    pub notes: Vec<String>,
}

impl HiveRecovery {
    /// One line for reports and logs.
    pub fn summary(&self) -> String {
        let why_dirty = match &self.base_block_from {
            Some(log) => format!("base block checksum wrong, its copy in {log} used"),
            None => format!("sequence numbers {} and {} differ", self.primary_sequence, self.secondary_sequence),
        };
        let mut s = match self.state {
            HiveState::Clean => format!("{}: clean", self.hive),
            HiveState::Recovered => {
                let entries = if self.entries_applied > 0 {
                    format!(
                        " in {} log entr{}",
                        self.entries_applied,
                        if self.entries_applied == 1 { "y" } else { "ies" }
                    )
                } else {
                    String::new()
                };
                format!(
                    "{}: dirty, logs applied ({} page{}{entries} from {})",
                    self.hive,
                    self.pages_applied,
                    if self.pages_applied == 1 { "" } else { "s" },
                    self.logs_applied.join(", ")
                )
            }
            HiveState::Dirty => format!(
                "{}: dirty ({why_dirty}), logs absent or unusable: read as on disk, recent changes may be missing (facts may be stale)",
                self.hive
            ),
        };
        if let Some(why) = &self.stopped {
            s.push_str(&format!("; replay stopped: {why}"));
        }
        // Why logs were not used; an empty LOG2 beside a LOG1 that was applied is normal.
        let notes: Vec<&str> = self
            .notes
            .iter()
            .map(String::as_str)
            .filter(|n| self.state == HiveState::Dirty || !n.ends_with(": empty"))
            .collect();
        if self.state != HiveState::Clean && !notes.is_empty() {
            s.push_str(&format!(" [{}]", notes.join("; ")));
        }
        s
    }

    /// Whether the report should warn: a dirty hive read without its logs, or a replay
    /// that stopped short.
    pub fn needs_notice(&self) -> bool {
        self.state == HiveState::Dirty || self.stopped.is_some()
    }
}

/// Open the hive at `path` (named `hive` in messages), replaying its transaction logs in
/// memory when it is dirty. Errors only for what [`Hive::open`] refuses too (a missing,
/// unreadable or damaged primary file); log problems end up in the returned notes.
pub fn open(path: &Path, hive: &str) -> Result<(RecoveredHive, HiveRecovery)> {
    let shown = path.display().to_string();
    let primary = FileSource::open(path)?;
    let logs = || {
        log_paths(path)
            .into_iter()
            .map(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let src = FileSource::open(&p).map(|f| Box::new(f) as Box<dyn ReadAt>);
                (name, src)
            })
            .collect()
    };
    recover(primary, logs, hive, &shown).map_err(|e| e.in_file(shown.clone()))
}

/// A log file: its name, and its bytes or why they could not be opened.
pub type LogSource = (String, Result<Box<dyn ReadAt>>);

/// [`open`] over any sources: the primary hive, and a function giving the log files
/// (called only when the hive is dirty). `shown` names the primary in the report.
pub fn recover<S: ReadAt>(
    primary: S,
    logs: impl FnOnce() -> Vec<LogSource>,
    hive: &str,
    shown: &str,
) -> Result<(Hive<Overlay<Arc<S>>>, HiveRecovery)> {
    let primary = Arc::new(primary);
    let mut rec = HiveRecovery {
        hive: hive.to_string(),
        path: shown.to_string(),
        state: HiveState::Clean,
        primary_sequence: 0,
        secondary_sequence: 0,
        base_block_from: None,
        log_format: None,
        logs_applied: Vec::new(),
        entries_applied: 0,
        pages_applied: 0,
        bytes_applied: 0,
        sequence_after: None,
        stopped: None,
        notes: Vec::new(),
    };
    let (first, logs) = match Hive::new(Overlay::new(Arc::clone(&primary))) {
        Ok(h) => {
            (rec.primary_sequence, rec.secondary_sequence) = (h.base.primary_sequence, h.base.secondary_sequence);
            if h.base.primary_sequence == h.base.secondary_sequence {
                return Ok((h, rec));
            }
            (h, usable_logs(logs(), &mut rec.notes, hive))
        }
        // A base block with a wrong checksum is restored from a log's copy, as Windows does.
        Err(e) if has_bad_checksum(&*primary) => {
            let found = usable_logs(logs(), &mut rec.notes, hive);
            match base_from_log(&primary, found, &mut rec) {
                Some((h, log)) => (h, vec![log]),
                None => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    rec.state = HiveState::Dirty;
    let base = first.base.clone();
    let mut overlay = first.src;
    let mut raw = [0u8; base_block::SIZE];
    overlay.read_exact_at(0, &mut raw)?;
    let new: Vec<&LogFile> = logs.iter().filter(|l| l.header.format == LogFormat::LogEntries).collect();
    let old: Vec<&LogFile> = logs.iter().filter(|l| l.header.format == LogFormat::DirtyVector).collect();
    if !new.is_empty() {
        rec.log_format = Some(LogFormat::LogEntries);
        for l in &old {
            rec.notes.push(format!("{}: a dirty-vector log beside HvLE logs: not used", l.name));
        }
        replay_entries(&new, &base, &mut raw, &mut overlay, &mut rec);
    } else if !old.is_empty() {
        rec.log_format = Some(LogFormat::DirtyVector);
        replay_dirty_vector(&old, &base, &mut raw, &mut overlay, &mut rec);
    }
    if rec.pages_applied == 0 {
        rec.state = HiveState::Dirty;
        if rec.base_block_from.is_some() {
            // Only the base block came from the log: read with it (the primary's is unusable).
            return Ok((Hive::new(overlay)?, rec));
        }
        return Ok((as_on_disk(primary)?, rec));
    }
    match Hive::new(overlay) {
        Ok(h) => {
            rec.state = HiveState::Recovered;
            Ok((h, rec))
        }
        Err(e) => {
            if rec.base_block_from.is_some() {
                return Err(e); // and the primary's own base block is unusable
            }
            rec.notes.push(format!("the replayed hive is unreadable ({e}): logs not applied"));
            rec.state = HiveState::Dirty;
            rec.logs_applied.clear();
            (rec.entries_applied, rec.pages_applied, rec.bytes_applied, rec.sequence_after) = (0, 0, 0, None);
            rec.stopped = None;
            Ok((as_on_disk(primary)?, rec))
        }
    }
}

/// The primary's base block has the regf signature but a checksum that does not hold.
fn has_bad_checksum(primary: &dyn ReadAt) -> bool {
    let mut raw = [0u8; 512];
    primary.len() >= base_block::SIZE as u64
        && primary.read_exact_at(0, &mut raw).is_ok()
        && &raw[0..4] == b"regf"
        && Fields::new(&raw, "regf base block", 0).u32(508).is_ok_and(|stored| stored != compute_checksum(&raw))
}

/// The primary with the base block copy of the log Windows would take it from: the HvLE
/// log with the latest entries, else the most recent dirty-vector log. `None` when no
/// log has one or the hive does not open with it.
fn base_from_log<S: ReadAt>(
    primary: &Arc<S>,
    logs: Vec<LogFile>,
    rec: &mut HiveRecovery,
) -> Option<(Hive<Overlay<Arc<S>>>, LogFile)> {
    let pick = logs
        .into_iter()
        .max_by_key(|l| (l.header.format == LogFormat::LogEntries, l.header.primary_sequence, l.header.timestamp))?;
    let mut raw = [0u8; base_block::SIZE];
    primary.read_exact_at(0, &mut raw).ok()?;
    pick.src.read_exact_at(0, &mut raw[..log::SIZE]).ok()?;
    raw[28..32].copy_from_slice(&0u32.to_le_bytes()); // file type: primary
    let sum = compute_checksum(&raw);
    raw[508..512].copy_from_slice(&sum.to_le_bytes());
    let mut overlay = Overlay::new(Arc::clone(primary));
    overlay.write(0, &raw);
    // The copy gives the hive bins data size of the hive in memory, which may have grown.
    if log::validate_data_size(pick.header.hive_bins_data_size, "regf log base block", 40).is_ok() {
        overlay.grow_to(base_block::SIZE as u64 + u64::from(pick.header.hive_bins_data_size));
    }
    let f = Fields::new(&raw, "regf log base block", 0);
    match (Hive::new(overlay), f.u32(4), f.u32(8)) {
        (Ok(h), Ok(primary_sequence), Ok(secondary_sequence)) => {
            rec.notes.push(format!("the hive's base block checksum is wrong: its copy in {} is used", pick.name));
            rec.base_block_from = Some(pick.name.clone());
            (rec.primary_sequence, rec.secondary_sequence) = (primary_sequence, secondary_sequence);
            Some((h, pick))
        }
        (Ok(_), Err(e), _) | (Ok(_), _, Err(e)) => {
            rec.notes.push(format!("{}: its base block copy: {e}", pick.name));
            None
        }
        (Err(e), ..) => {
            rec.notes.push(format!("{}: its base block copy does not open the hive: {e}", pick.name));
            None
        }
    }
}

/// The primary file read as it is (the recovery notice says whether it is dirty, and why).
fn as_on_disk<S: ReadAt>(primary: Arc<S>) -> Result<Hive<Overlay<Arc<S>>>> {
    Hive::new(Overlay::new(primary))
}

struct LogFile {
    name: String,
    src: Box<dyn ReadAt>,
    header: LogHeader,
}

/// The logs with a usable base block; a note for each one found but unusable.
fn usable_logs(found: Vec<LogSource>, notes: &mut Vec<String>, hive: &str) -> Vec<LogFile> {
    if found.is_empty() {
        notes.push(format!("no {} found beside the hive", LOG_SUFFIXES.map(|s| format!("{hive}{s}")).join(", ")));
    }
    let mut out = Vec::new();
    for (name, src) in found {
        match src.map_err(|e| e.to_string()).and_then(check_log) {
            Ok((header, src)) => out.push(LogFile { name, src, header }),
            Err(why) => notes.push(format!("{name}: {why}")),
        }
    }
    out
}

/// `NAME.LOG1`, `NAME.LOG2`, `NAME.LOG` beside the hive, found case-insensitively.
pub fn log_paths(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(file)) = (path.parent(), path.file_name()) else { return Vec::new() };
    let file = file.to_string_lossy();
    let entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
    LOG_SUFFIXES
        .iter()
        .filter_map(|suffix| {
            let want = format!("{file}{suffix}");
            let exact = dir.join(&want);
            if exact.is_file() {
                return Some(exact);
            }
            entries
                .iter()
                .find(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(&want)))
                .cloned()
        })
        .collect()
}

fn check_log(src: Box<dyn ReadAt>) -> std::result::Result<(LogHeader, Box<dyn ReadAt>), String> {
    if src.is_empty() {
        return Err("empty".into());
    }
    if src.len() > MAX_LOG_BYTES {
        return Err(format!("{} bytes, larger than the {MAX_LOG_BYTES} bytes read", src.len()));
    }
    let mut b = [0u8; log::SIZE];
    crate::source::check_range("regf log base block", 0, log::SIZE as u64, src.len()).map_err(|e| e.to_string())?;
    src.read_exact_at(0, &mut b).map_err(|e| e.to_string())?;
    let header = LogHeader::parse(&b).map_err(|e| e.to_string())?;
    Ok((header, src))
}

fn replay_entries(
    logs: &[&LogFile],
    base: &base_block::BaseBlock,
    raw: &mut [u8; base_block::SIZE],
    overlay: &mut Overlay<impl ReadAt>,
    rec: &mut HiveRecovery,
) {
    let flags_before = match Fields::new(raw, "regf base block", 0).u32(144) {
        Ok(flags) => flags,
        Err(e) => {
            rec.notes.push(format!("the hive's base block: {e}: logs not applied"));
            return;
        }
    };
    let mut logs = logs.to_vec();
    logs.sort_by_key(|l| l.header.primary_sequence);
    let mut next: Option<u32> = None;
    let mut last: Option<(u32, u32, u32)> = None; // sequence, data size, flags
    for log in logs {
        let start = log.header.primary_sequence;
        if let Some(n) = next.filter(|&n| n != start) {
            rec.notes.push(format!("{}: starts at sequence number {start}, not {n}: not applied", log.name));
            continue;
        }
        let mut expect = start;
        let mut at = log::SIZE as u64;
        let (mut applied_here, mut skipped) = (0u32, 0u32);
        let stop = loop {
            if applied_here + skipped > 0 && hvle::peek_sequence(&log.src, at).is_some_and(|seq| seq < expect) {
                break None; // an older entry left from before: the end of this log's news
            }
            let entry = match hvle::read(&log.src, at) {
                Ok(Slot::End) => break None,
                Ok(Slot::Entry(e)) => e,
                Err(e) => break Some(format!("{}: {e}", log.name)),
            };
            if entry.sequence != expect {
                break Some(format!(
                    "{}: log entry at offset {at} has sequence number {}, expected {expect}",
                    log.name, entry.sequence
                ));
            }
            at += u64::from(entry.size);
            let Some(after) = expect.checked_add(1) else { break None };
            expect = after;
            if next.is_none() && rec.entries_applied == 0 && entry.sequence < base.secondary_sequence {
                skipped += 1; // already in the hive (below its secondary sequence number)
                continue;
            }
            let replayed = rec.bytes_applied.saturating_add(u64::from(entry.size));
            if replayed > MAX_REPLAYED_BYTES {
                break Some(format!("{}: more than {MAX_REPLAYED_BYTES} bytes of log entries", log.name));
            }
            for p in &entry.pages {
                overlay.write(base_block::SIZE as u64 + u64::from(p.hive_offset), entry.page_data(p));
                rec.pages_applied += 1;
                rec.bytes_applied += u64::from(p.size);
            }
            overlay.grow_to(base_block::SIZE as u64 + u64::from(entry.hive_bins_data_size));
            last = Some((entry.sequence, entry.hive_bins_data_size, entry.flags));
            rec.entries_applied += 1;
            applied_here += 1;
        };
        if skipped > 0 {
            rec.notes.push(format!(
                "{}: {skipped} entr{} older than the hive (sequence numbers {start} to {}, the hive is at {}): not applied",
                log.name,
                if skipped == 1 { "y" } else { "ies" },
                start.saturating_add(skipped - 1),
                base.secondary_sequence
            ));
        }
        if applied_here > 0 {
            rec.logs_applied.push(log.name.clone());
        }
        if applied_here + skipped > 0 {
            next = Some(expect);
        } else if next.is_none() {
            // Nothing usable in the log with the earliest entries: a later log may not be
            // applied over the gap; it must start where this one did.
            next = Some(start);
        }
        if applied_here + skipped == 0 && stop.is_none() {
            rec.notes.push(format!("{}: no log entries", log.name));
        }
        if let Some(why) = stop {
            if rec.entries_applied > 0 {
                rec.stopped = Some(why);
            } else {
                rec.notes.push(why);
            }
        }
    }
    if let Some((seq, size, flags)) = last {
        raw[4..8].copy_from_slice(&seq.to_le_bytes());
        raw[8..12].copy_from_slice(&seq.to_le_bytes());
        raw[40..44].copy_from_slice(&size.to_le_bytes());
        let kept = flags_before & !1;
        raw[144..148].copy_from_slice(&(kept | (flags & 1)).to_le_bytes());
        let sum = compute_checksum(raw);
        raw[508..512].copy_from_slice(&sum.to_le_bytes());
        overlay.write(0, raw);
        rec.sequence_after = Some(seq);
    }
}

fn replay_dirty_vector(
    logs: &[&LogFile],
    base: &base_block::BaseBlock,
    raw: &mut [u8; base_block::SIZE],
    overlay: &mut Overlay<impl ReadAt>,
    rec: &mut HiveRecovery,
) {
    let f = Fields::new(raw, "regf base block", 0);
    let (primary_time, seq) = match (f.u64(12), f.u32(4)) {
        (Ok(time), Ok(seq)) => (time, seq),
        (Err(e), _) | (_, Err(e)) => {
            rec.notes.push(format!("the hive's base block: {e}: logs not applied"));
            return;
        }
    };
    let mut chosen: Option<&LogFile> = None;
    for l in logs {
        let h = &l.header;
        if h.primary_sequence != h.secondary_sequence {
            rec.notes.push(format!(
                "{}: its sequence numbers {} and {} differ (the log was not completely written): not applied",
                l.name, h.primary_sequence, h.secondary_sequence
            ));
            continue;
        }
        if h.timestamp != primary_time && h.primary_sequence != base.primary_sequence {
            rec.notes.push(format!(
                "{}: written for another state of the hive (time stamp and sequence number {} differ from the hive's {}): not applied",
                l.name, h.primary_sequence, base.primary_sequence
            ));
            continue;
        }
        if chosen.is_none_or(|c| h.timestamp > c.header.timestamp) {
            if let Some(c) = chosen {
                rec.notes.push(format!("{}: older than {}: not applied", c.name, l.name));
            }
            chosen = Some(l);
        } else {
            rec.notes.push(format!("{}: not more recent than {}: not applied", l.name, chosen.map_or("", |c| &c.name)));
        }
    }
    let Some(l) = chosen else { return };
    let size = l.header.hive_bins_data_size;
    if let Err(e) = log::validate_data_size(size, "regf log base block", 40) {
        rec.notes.push(format!("{}: {e}", l.name));
        return;
    }
    let vector = match DirtyVector::read(&l.src, size) {
        Ok(v) => v,
        Err(e) => {
            rec.notes.push(format!("{}: {e}: not applied", l.name));
            return;
        }
    };
    let mut page = [0u8; dirty_vector::PAGE as usize];
    for p in vector.pages() {
        if let Err(e) = l.src.read_exact_at(p.log_offset, &mut page) {
            rec.stopped = Some(format!("{}: {e}", l.name));
            break;
        }
        if let Some(why) = bad_bin_header(&page, p.hive_offset, size) {
            rec.stopped = Some(format!("{}: dirty page at log offset {}: {why}", l.name, p.log_offset));
            break;
        }
        overlay.write(base_block::SIZE as u64 + p.hive_offset, &page);
        rec.pages_applied += 1;
        rec.bytes_applied += dirty_vector::PAGE;
    }
    if rec.pages_applied == 0 {
        if rec.stopped.is_none() {
            rec.notes.push(format!("{}: no dirty pages", l.name));
        } else if let Some(why) = rec.stopped.take() {
            rec.notes.push(why);
        }
        return;
    }
    rec.logs_applied.push(l.name.clone());
    overlay.grow_to(base_block::SIZE as u64 + u64::from(size));
    raw[8..12].copy_from_slice(&seq.to_le_bytes());
    raw[40..44].copy_from_slice(&size.to_le_bytes());
    let sum = compute_checksum(raw);
    raw[508..512].copy_from_slice(&sum.to_le_bytes());
    overlay.write(0, raw);
}

/// A dirty page that starts a hive bin must carry a sound bin header: signature, its own
/// offset, and a size of whole 4 KiB pages inside the hive bins data.
fn bad_bin_header(page: &[u8], hive_offset: u64, data_size: u32) -> Option<String> {
    if hive_offset % 4096 != 0 || page.get(0..4) != Some(b"hbin".as_slice()) {
        return None;
    }
    let f = Fields::new(page, "hbin header in a dirty page", base_block::SIZE as u64 + hive_offset);
    let (offset, size) = match (f.u32(4), f.u32(8)) {
        (Ok(offset), Ok(size)) => (u64::from(offset), u64::from(size)),
        (Err(e), _) | (_, Err(e)) => return Some(e.to_string()),
    };
    if offset != hive_offset {
        return Some(format!("hive bin at {hive_offset:#x} says it is at {offset:#x}"));
    }
    if size < 4096 || size % 4096 != 0 || hive_offset + size > u64::from(data_size) {
        return Some(format!("hive bin at {hive_offset:#x} has size {size}"));
    }
    None
}
