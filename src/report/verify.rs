//! `verify` output: a few lines for people, JSON for scripts (shape in README,
//! "JSON: verify"). Only written when everything held; a failure is one error line.

use std::fmt::Write;

use serde::Serialize;

use super::style::Style;
use crate::image::wim::verify::VerifyReport;

#[derive(Serialize)]
struct VerifyJson<'a> {
    oemgate: &'static str,
    command: &'static str,
    result: &'static str,
    #[serde(flatten)]
    report: &'a VerifyReport,
}

pub fn json(rep: &VerifyReport) -> String {
    super::to_json(&VerifyJson { oemgate: env!("CARGO_PKG_VERSION"), command: "verify", result: "ok", report: rep })
}

pub fn table(rep: &VerifyReport, color: bool) -> String {
    let st = Style { color };
    let mut o = String::new();
    let _ = writeln!(o, "{}: {}", st.bold(&rep.path), st.green("OK"));
    if rep.integrity.is_empty() {
        let _ = writeln!(o, "  {:<18} none", "Integrity table");
    }
    for i in &rep.integrity {
        let _ =
            writeln!(o, "  {:<18} {} chunks of {} bytes hold ({})", "Integrity table", i.chunks, i.chunk_size, i.part);
    }
    let what = match rep.index {
        Some(n) => format!("{} (image {n})", rep.metadata_resources),
        None => rep.metadata_resources.to_string(),
    };
    let _ = writeln!(o, "  {:<18} {what}", "Metadata resources");
    let _ = writeln!(o, "  {:<18} {}", "Files and dirs", rep.files);
    let _ = writeln!(o, "  {:<18} {}", "Blobs", rep.blobs);
    let _ = writeln!(o, "  {:<18} {}", "Bytes hashed", rep.bytes);
    for n in &rep.notes {
        let _ = writeln!(o, "  {}", st.dim(&format!("note: {n}")));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::wim::verify::IntegrityChecked;

    #[test]
    fn json_shape() {
        let rep = VerifyReport {
            path: "a.wim".into(),
            index: None,
            integrity: vec![IntegrityChecked { part: "a.wim".into(), chunks: 2, chunk_size: 10 }],
            metadata_resources: 1,
            files: 5,
            blobs: 3,
            bytes: 40,
            notes: vec![],
        };
        let v: serde_json::Value = serde_json::from_str(&json(&rep)).unwrap();
        assert_eq!(v["command"], "verify");
        assert_eq!(v["result"], "ok");
        assert_eq!(v["integrity"][0]["chunks"], 2);
        assert_eq!(v["blobs"], 3);
        assert!(v["index"].is_null());
        assert!(table(&rep, false).contains("OK"));
    }
}
