//! `summarize`: counts over evidence records (fed one at a time, never held), the text
//! and JSON summaries, and the CSV rows (see README, "summarize").

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::evidence::Record;

/// The CSV header; one row per readable record, in this order.
pub const CSV_COLUMNS: [&str; 19] = [
    "time",
    "command",
    "maker",
    "model",
    "serial",
    "uuid",
    "image",
    "path_in_media",
    "index",
    "image_edition",
    "image_version",
    "image_arch",
    "licensed_edition",
    "edition_source",
    "verdict",
    "exit_code",
    "blocking_rules",
    "reason",
    "file",
];

/// Distinct keys kept per count table; further ones are counted under "(other)" so
/// hostile records cannot grow memory without bound.
pub const MAX_KEYS: usize = 10_000;

/// One CSV field, quoted when it holds a comma, quote, CR or LF (RFC 4180); a field
/// starting with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet does not run it.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\r', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

pub fn csv_header() -> String {
    let mut o = CSV_COLUMNS.join(",");
    o.push_str("\r\n");
    o
}

/// The index a record's verdict is about (its judged index, else its only one).
fn judged(r: &Record) -> Option<&super::evidence::IndexRecord> {
    match r.judged_index {
        Some(n) => r.indexes.iter().find(|i| i.index == n),
        None if r.indexes.len() == 1 => r.indexes.first(),
        None => None,
    }
}

/// One CSV row (with CRLF) for a record read from `file`.
pub fn csv_row(r: &Record, file: &str) -> String {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let img = judged(r);
    let fields = [
        r.time.clone(),
        r.command.clone(),
        o(&r.machine.manufacturer),
        o(&r.machine.model),
        o(&r.machine.serial),
        o(&r.machine.uuid),
        r.image.path.clone(),
        o(&r.image.path_in_media),
        img.map_or_else(String::new, |i| i.index.to_string()),
        img.map_or_else(String::new, |i| o(&i.edition_id)),
        img.map_or_else(String::new, |i| o(&i.version)),
        img.map_or_else(String::new, |i| o(&i.arch)),
        r.licensed.edition.as_ref().map_or_else(String::new, |f| f.value.clone()),
        r.licensed.edition.as_ref().map_or_else(String::new, |f| f.source.clone()),
        r.verdict.clone(),
        r.exit_code.to_string(),
        r.blocking_rules.join(";"),
        r.reason.clone(),
        file.to_string(),
    ];
    let mut line = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// Running counts over the records.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub files: u64,
    pub records: u64,
    /// Files that are not readable records, with why (the first [`MAX_KEYS`]).
    pub unreadable: u64,
    pub unreadable_files: Vec<Unreadable>,
    pub verdicts: BTreeMap<String, u64>,
    /// "<image edition> x <licensed edition>" -> count.
    pub editions: BTreeMap<String, u64>,
    /// Blocking rule id -> count.
    pub blocking_rules: BTreeMap<String, u64>,
    /// Blocking reason ("rule: message") -> count.
    pub reasons: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
pub struct Unreadable {
    pub file: String,
    pub error: String,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else if map.len() < MAX_KEYS {
        map.insert(key.to_string(), 1);
    } else {
        *map.entry("(other)".to_string()).or_insert(0) += 1;
    }
}

impl Summary {
    pub fn add(&mut self, r: &Record) {
        self.files += 1;
        self.records += 1;
        bump(&mut self.verdicts, &r.verdict);
        let image_edition = judged(r).and_then(|i| i.edition_id.as_deref()).unwrap_or("-");
        let licensed = r.licensed.edition.as_ref().map_or("unknown", |f| f.value.as_str());
        bump(&mut self.editions, &format!("{image_edition} x {licensed}"));
        for id in &r.blocking_rules {
            bump(&mut self.blocking_rules, id);
        }
        if !r.reason.is_empty() && r.verdict != "allowed" {
            // Bounded key: a reason is a rule's one-line message.
            let reason: String = r.reason.chars().take(300).collect();
            bump(&mut self.reasons, &reason);
        }
    }

    pub fn add_unreadable(&mut self, file: &str, error: &str) {
        self.files += 1;
        self.unreadable += 1;
        if self.unreadable_files.len() < MAX_KEYS {
            self.unreadable_files.push(Unreadable { file: file.to_string(), error: error.to_string() });
        }
    }

    /// The summary for people.
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "oemgate summarize: {} file(s), {} record(s), {} unreadable",
            self.files, self.records, self.unreadable
        );
        let _ = writeln!(o, "Verdicts");
        for (v, n) in &self.verdicts {
            let _ = writeln!(o, "  {n:>8}  {v}");
        }
        let _ = writeln!(o, "Image edition x licensed edition");
        for (k, n) in top(&self.editions, usize::MAX) {
            let _ = writeln!(o, "  {n:>8}  {k}");
        }
        if !self.blocking_rules.is_empty() {
            let _ = writeln!(o, "Blocking rules");
            for (k, n) in top(&self.blocking_rules, 20) {
                let _ = writeln!(o, "  {n:>8}  {k}");
            }
        }
        if !self.reasons.is_empty() {
            let _ = writeln!(o, "Most common blocking reasons");
            for (k, n) in top(&self.reasons, 10) {
                let _ = writeln!(o, "  {n:>8}  {k}");
            }
        }
        if self.unreadable > 0 {
            let _ = writeln!(o, "Unreadable files: {} (named on stderr)", self.unreadable);
        }
        o
    }

    pub fn json(&self) -> String {
        super::to_json(self)
    }
}

/// The `n` largest counts, largest first (ties by key).
fn top(map: &BTreeMap<String, u64>, n: usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = map.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_csv_fields() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
        assert_eq!(csv_header().trim_end().split(',').count(), CSV_COLUMNS.len());
    }

    #[test]
    fn counts_are_bounded() {
        let mut m = BTreeMap::new();
        for i in 0..MAX_KEYS + 5 {
            bump(&mut m, &i.to_string());
        }
        assert_eq!(m.len(), MAX_KEYS + 1);
        assert_eq!(m.get("(other)"), Some(&5));
    }
}
