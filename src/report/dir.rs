//! `dir` output: one absolute path per line (as `wimlib-imagex dir` prints them), or
//! JSON with each entry's facts.

use serde::Serialize;

use crate::image::file_listing::Item;

/// One line of the plain listing.
pub fn line(item: &Item) -> String {
    format!("{}\n", item.path)
}

/// JSON document for `dir --json`. Shape documented in README ("JSON: dir").
#[derive(Serialize)]
struct DirJson<'a> {
    oemgate: &'static str,
    command: &'static str,
    image: &'a str,
    index: u32,
    path: &'a str,
    entries: &'a [Item],
}

pub fn json(image: &str, index: u32, path: &str, entries: &[Item]) -> String {
    super::to_json(&DirJson { oemgate: env!("CARGO_PKG_VERSION"), command: "dir", image, index, path, entries })
}
