//! Helpers shared by the integration tests: run the oemgate binary, find fixtures,
//! require the independent tools (installed by tests/setup.sh).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn to_run(out: Output) -> Run {
    Run {
        code: out.status.code().expect("oemgate exited by signal (a crash)"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Run the oemgate binary with `args`.
pub fn oemgate<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_oemgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("_SMSTSLogPath")
        .output()
        .expect("run oemgate");
    to_run(out)
}

/// Run an external tool; panics with a hint when it is missing.
pub fn tool(name: &str, args: &[&str]) -> Output {
    Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed by this test ({e}); run tests/setup.sh to install the test prerequisites")
    })
}

pub fn tool_ok(name: &str, args: &[&str]) -> String {
    let out = tool(name, args);
    assert!(out.status.success(), "{name} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The image fixtures: every WIM/ESD and the first part of each split set.
pub fn image_fixtures() -> Vec<PathBuf> {
    let dir = fixture("images");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/images")
        .map(|e| e.unwrap().path())
        .filter(|p| is_image_fixture(p))
        .collect();
    v.sort();
    assert!(v.len() >= 10, "expected the image fixtures in {}", dir.display());
    v
}

fn is_image_fixture(p: &Path) -> bool {
    let name = p.file_name().unwrap().to_string_lossy().to_lowercase();
    if name.ends_with(".wim") || name.ends_with(".esd") {
        return true;
    }
    // install.swm yes, install2.swm no.
    name.ends_with(".swm") && !name.trim_end_matches(".swm").ends_with(|c: char| c.is_ascii_digit())
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "oemgate-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
