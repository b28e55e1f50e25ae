//! CMTrace log lines, the format ConfigMgr/MDT task sequences log in:
//! `<![LOG[message]LOG]!><time="HH:MM:SS.mmm+000" date="MM-DD-YYYY" component="oemgate" context="" type="1|2|3" thread="PID" file="">`
//! Times are UTC (bias +000). Where the log goes is the caller's choice (the CLI).

use std::io::Write;
use std::path::Path;

use time::OffsetDateTime;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info = 1,
    Warning = 2,
    Error = 3,
}

/// One log line (with its trailing CRLF).
pub fn line(message: &str, severity: Severity, at: OffsetDateTime, pid: u32) -> String {
    let clean: String =
        message.replace("]LOG]!>", "] LOG]!>").chars().map(|c| if c == '\r' || c == '\n' { ' ' } else { c }).collect();
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "<![LOG[{clean}]LOG]!><time=\"{:02}:{:02}:{:02}.{:03}+000\" date=\"{:02}-{:02}-{:04}\" component=\"oemgate\" context=\"\" type=\"{}\" thread=\"{pid}\" file=\"\">\r\n",
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond(),
        u8::from(t.month()),
        t.day(),
        t.year(),
        severity as u8
    )
}

/// Append lines to the log file (created when missing).
pub fn append(path: &Path, entries: &[(String, Severity)]) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let pid = std::process::id();
    let text: String = entries.iter().map(|(m, s)| line(m, *s, now, pid)).collect();
    let shown = path.display().to_string();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("{shown}: cannot open log"), &e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(format!("{shown}: cannot write log"), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_a_line() {
        let at = time::macros::datetime!(2026-03-04 05:06:07.089 UTC);
        assert_eq!(
            line("edition: image is Professional\nnext", Severity::Error, at, 42),
            "<![LOG[edition: image is Professional next]LOG]!><time=\"05:06:07.089+000\" date=\"03-04-2026\" component=\"oemgate\" context=\"\" type=\"3\" thread=\"42\" file=\"\">\r\n"
        );
        assert!(line("a]LOG]!>b", Severity::Info, at, 1).starts_with("<![LOG[a] LOG]!>b]LOG]!>"));
    }
}
