//! `extract` output: a summary line on stdout and the skipped entries on stderr.

use crate::extract::Summary;

pub fn summary(s: &Summary, dest: &str) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut out = format!(
        "extracted {} ({} bytes), {} into {dest}",
        plural(s.files, "file", "files"),
        s.bytes,
        plural(s.directories, "directory", "directories")
    );
    if s.hard_links > 0 {
        out.push_str(&format!("; {} as hard links", plural(s.hard_links, "file", "files")));
    }
    out.push('\n');
    out
}

/// Notes for stderr: what was not extracted.
pub fn notes(s: &Summary) -> String {
    let mut out = String::new();
    for skipped in &s.skipped {
        out.push_str(&format!("oemgate: note: not extracted: {skipped}\n"));
    }
    if s.named_streams_skipped > 0 {
        out.push_str(&format!(
            "oemgate: note: {} named data stream(s) not extracted (this system's files cannot hold them)\n",
            s.named_streams_skipped
        ));
    }
    out
}
