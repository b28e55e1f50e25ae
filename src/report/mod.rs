//! Reporters: turn facts and verdicts into text for people (tables, colour),
//! JSON for scripts, and CMTrace log lines. Nothing here reads input files.

pub mod check;
pub mod cmtrace;
pub mod dir;
pub mod evidence;
pub mod extract;
pub mod firmware;
pub mod inspect;
pub mod inspect_json;
pub mod offline_os_json;
pub mod style;
pub mod summary;
pub mod verify;

/// Pretty JSON with a final newline: what every `--json` prints.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(doc: &T) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("serialising plain data cannot fail");
    s.push('\n');
    s
}
