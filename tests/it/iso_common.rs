//! Helpers shared by the ISO tests: temp dirs, running oemgate and 7-Zip.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const FIXTURES: [&str; 4] = ["udf-bridge.iso", "joliet.iso", "udf-only.iso", "pycdlib-udf.iso"];

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/iso").join(name)
}

pub use crate::common::TempDir;

pub fn oemgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oemgate")).args(args).output().expect("run oemgate")
}

/// `inspect --json` on a path; panics unless it succeeds.
pub fn inspect_json(path: &Path) -> serde_json::Value {
    let out = oemgate(&["inspect", "--json", path.to_str().unwrap()]);
    assert!(out.status.success(), "inspect {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Debian's 7zip package installs `7zz`; p7zip installs `7z`.
pub fn sevenzip() -> Command {
    for name in ["7zz", "7z"] {
        if Command::new(name).arg("i").output().is_ok_and(|o| o.status.success()) {
            return Command::new(name);
        }
    }
    panic!("7-Zip (7zz or 7z) is required: run tests/setup.sh");
}

/// `7z l -slt [-tTYPE] FILE` as (path, is_dir, size) items, sorted.
pub fn sevenzip_list(file: &Path, kind: Option<&str>) -> Vec<(String, bool, u64)> {
    let mut cmd = sevenzip();
    cmd.arg("l").arg("-slt");
    if let Some(k) = kind {
        cmd.arg(format!("-t{k}"));
    }
    let out = cmd.arg(file).output().unwrap();
    assert!(out.status.success(), "7z l {}: {}", file.display(), String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    let items = text.split_once("\n----------\n").expect("7z -slt item list").1;
    let mut list = Vec::new();
    for block in items.split("\n\n").filter(|b| b.contains("Path = ")) {
        let field = |k: &str| {
            block.lines().find_map(|l| l.strip_prefix(&format!("{k} = ")).map(str::to_string)).unwrap_or_default()
        };
        let dir = field("Folder") == "+";
        let size = if dir { 0 } else { field("Size").parse().unwrap() };
        list.push((field("Path"), dir, size));
    }
    list.sort();
    list
}

/// Extract `patterns` (7z wildcards) from `iso` into `dir`.
pub fn sevenzip_extract(iso: &Path, dir: &Path, patterns: &[&str]) {
    let out =
        sevenzip().arg("x").arg("-y").arg(format!("-o{}", dir.display())).arg(iso).args(patterns).output().unwrap();
    assert!(out.status.success(), "7z x {}: {}", iso.display(), String::from_utf8_lossy(&out.stdout));
}

/// Run a tool that must exist (installed by tests/setup.sh).
pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (run tests/setup.sh)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `mkudffs` lives in /usr/sbin, which is not on every PATH.
pub fn mkudffs() -> Command {
    for p in ["/usr/sbin/mkudffs", "/sbin/mkudffs"] {
        if Path::new(p).exists() {
            return Command::new(p);
        }
    }
    Command::new("mkudffs")
}
