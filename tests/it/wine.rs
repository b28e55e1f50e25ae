//! The Windows exes under Wine against the Linux build of the same sources.
//!
//! Every test runs once per architecture: `wine::x64::NAME` runs the x64 exe under Debian's
//! Wine, `wine::arm64::NAME` the ARM64 exe under Debian's arm64 Wine run by `qemu-aarch64`
//! (one persistent arm64 wineserver per run, started here). The tests are `#[ignore]`d:
//! they need `OEMGATE_WINE_EXE=path/to/oemgate.exe` (x64) or `OEMGATE_WINE_EXE_ARM64` and
//! `OEMGATE_WINE_ARM64_ROOT` (arm64), which tests/wine/run.sh sets after building the exes,
//! the test-only shims and the Wine prefixes, and runs them with `--include-ignored`. Run
//! without them, they fail: a test that cannot run never passes. Every difference fails.
//!
//! Both builds are run from the repository root with the same relative paths, spelled
//! with `/` for Linux and `\` for Windows. The only normalisation of the exe's output is
//! to write those argument paths (and their parent directories) back with `/`, in plain
//! and in JSON-escaped form, and `oemgate.exe` as `oemgate` in help text; everything else
//! must be byte-for-byte identical, exit codes included.
//!
//! Other env: `OEMGATE_WINE_PROBE` / `OEMGATE_WINE_PROBE_ARM64` (the test-only platform
//! probe exe), `OEMGATE_WINEPREFIX` (default `target/wineprefix`) /
//! `OEMGATE_WINEPREFIX_ARM64` (default `target/wineprefix-arm64`).

#![cfg(unix)] // Wine runs on Unix hosts; the symlinks below are Unix ones

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(180);
const MAX_EXE_SIZE: u64 = 3 * 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arch {
    X64,
    Arm64,
}

impl Arch {
    fn env(self, name: &str) -> String {
        match self {
            Arch::X64 => name.to_string(),
            Arch::Arm64 => format!("{name}_ARM64"),
        }
    }
}

struct Setup {
    arch: Arch,
    exe: PathBuf,
    probe: Option<PathBuf>,
    prefix: PathBuf,
    /// arm64: the private root holding Debian's arm64 Wine and the libraries it needs
    wine_root: Option<PathBuf>,
    linux: PathBuf,
    root: PathBuf,
    /// Every Wine run holds this for reading; the one test that registers the stand-in task
    /// sequence object holds it for writing, so no other run in this prefix sees a task
    /// sequence.
    lock: RwLock<()>,
}

impl Setup {
    fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.lock.read().unwrap_or_else(|p| p.into_inner())
    }

    fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.lock.write().unwrap_or_else(|p| p.into_inner())
    }

    /// A Wine command for a program (an exe path, or a program in Wine's system32).
    fn wine(&self, program: &Path) -> Command {
        let mut cmd = match (&self.wine_root, self.arch) {
            (Some(wroot), Arch::Arm64) => {
                // Debian's arm64 Wine loader under qemu-user: no binfmt_misc, so the loader
                // must not re-exec itself, and the arm64 wineserver is started by us
                // (fake_drives); a client must never start the host's x64 wineserver.
                let mut c = Command::new("qemu-aarch64");
                c.arg(wroot.join("usr/lib/wine/wine64"))
                    .env("QEMU_LD_PREFIX", wroot)
                    .env("WINELOADERNOEXEC", "1")
                    .env("WINESERVER", wroot.join("no-wineserver-exec"));
                // without wineboot the prefix has no PATH: system32 programs by full path
                if program.components().count() == 1 && program.extension().is_none() {
                    c.arg(format!(r"C:\windows\system32\{}.exe", program.display()));
                } else {
                    c.arg(program);
                }
                c
            }
            _ => {
                let mut c = Command::new("wine");
                c.arg(program);
                c
            }
        };
        cmd.current_dir(&self.root)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEARCH", "win64")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;bcryptprimitives=n")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("_SMSTSLogPath")
            .env_remove("NO_COLOR");
        cmd
    }

    /// arm64: the arm64 wineserver under qemu-user, with `args`.
    fn arm64_server(&self, args: &[&str]) -> Command {
        let wroot = self.wine_root.as_ref().expect("arm64 Wine root");
        let mut c = Command::new("qemu-aarch64");
        c.arg(wroot.join("usr/lib/wine/wineserver64"))
            .args(args)
            .env("QEMU_LD_PREFIX", wroot)
            .env("WINEPREFIX", &self.prefix)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }
}

fn setup(arch: Arch) -> Option<&'static Setup> {
    static X64: OnceLock<Option<Setup>> = OnceLock::new();
    static ARM64: OnceLock<Option<Setup>> = OnceLock::new();
    let cell = match arch {
        Arch::X64 => &X64,
        Arch::Arm64 => &ARM64,
    };
    cell.get_or_init(|| {
        let var = |name: &str| std::env::var_os(arch.env(name)).filter(|v| !v.is_empty());
        let exe = PathBuf::from(var("OEMGATE_WINE_EXE")?);
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let exe = root.join(exe);
        assert!(exe.is_file(), "{}={} does not exist", arch.env("OEMGATE_WINE_EXE"), exe.display());
        let default_prefix = match arch {
            Arch::X64 => "target/wineprefix",
            Arch::Arm64 => "target/wineprefix-arm64",
        };
        let prefix = var("OEMGATE_WINEPREFIX").map(PathBuf::from).unwrap_or_else(|| root.join(default_prefix));
        let wine_root = match arch {
            Arch::X64 => {
                assert!(
                    prefix.join("system.reg").is_file(),
                    "no Wine prefix at {} (tests/wine/run.sh creates it)",
                    prefix.display()
                );
                None
            }
            Arch::Arm64 => {
                let wroot = PathBuf::from(std::env::var_os("OEMGATE_WINE_ARM64_ROOT").unwrap_or_else(|| {
                    panic!("OEMGATE_WINE_ARM64_ROOT is not set (the arm64 Wine root; tests/wine/run.sh sets it)")
                }));
                assert!(
                    wroot.join("usr/lib/wine/wine64").is_file() && wroot.join("usr/lib/wine/wineserver64").is_file(),
                    "no arm64 Wine in {} (tests/setup.sh unpacks it)",
                    wroot.display()
                );
                assert!(
                    prefix.join("drive_c/windows/system32/ntdll.dll").is_file(),
                    "no arm64 Wine prefix at {} (tests/wine/run.sh creates it)",
                    prefix.display()
                );
                Some(wroot)
            }
        };
        let mut test_only = vec!["bcryptprimitives.dll", "faketsenv.dll"];
        if arch == Arch::Arm64 {
            test_only.push("oemgate-bootevent.exe");
        }
        for dll in test_only {
            assert!(
                prefix.join("drive_c/windows/system32").join(dll).is_file(),
                "the test-only {dll} is not in {} (tests/wine/run.sh puts it there)",
                prefix.display()
            );
        }
        let probe = var("OEMGATE_WINE_PROBE").map(|p| root.join(p));
        let s = Setup {
            arch,
            exe,
            probe,
            prefix,
            wine_root,
            linux: PathBuf::from(env!("CARGO_BIN_EXE_oemgate")),
            root,
            lock: RwLock::new(()),
        };
        fake_drives(&s);
        Some(s)
    })
    .as_ref()
}

/// Drive letters for the offline-OS scan: D: holds an offline Windows, E: is an empty data
/// disk, X: stands for WinPE's own drive (holds the hive too, and must be skipped). Wine
/// reads its drive letters when its server starts, so they are made before any Wine
/// process of this run, after a lingering server of this prefix has exited. arm64: then
/// the one persistent arm64 wineserver of this run is started (tests/wine/run.sh stops it).
fn fake_drives(s: &Setup) {
    let (root, prefix) = (&s.root, &s.prefix);
    let drives = root.join(match s.arch {
        Arch::X64 => "target/wine-drives",
        Arch::Arm64 => "target/wine-drives-arm64",
    });
    let _ = std::fs::remove_dir_all(&drives);
    for (letter, hive) in [("d", true), ("e", false), ("x", true)] {
        let dir = drives.join(letter);
        let config = dir.join("Windows/System32/config");
        std::fs::create_dir_all(&config).unwrap();
        if hive {
            std::fs::write(config.join("SOFTWARE"), b"regf").unwrap();
        }
        let link = prefix.join("dosdevices").join(format!("{letter}:"));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&dir, &link).unwrap();
    }
    match s.arch {
        Arch::X64 => {
            let status = Command::new("wineserver").arg("-w").env("WINEPREFIX", prefix).status();
            assert!(status.map(|s| s.success()).unwrap_or(false), "wineserver -w failed");
        }
        Arch::Arm64 => start_arm64_server(s),
    }
    // A run stopped half-way may have left the stand-in task sequence object registered.
    for key in [
        r"HKEY_CLASSES_ROOT\Microsoft.SMS.TSEnvironment".to_string(),
        format!(r"HKEY_CLASSES_ROOT\CLSID\{FAKE_TS_CLSID}"),
    ] {
        let _ = s
            .wine(Path::new("reg"))
            .args(["delete", &key, "/f"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Stops a lingering arm64 wineserver of this prefix, starts one persistent server for the
/// run (a server per Wine process, emulated, would cost seconds each), and waits until a
/// client is served: the test-only tests/wine/bootevent.c, which sets Wine's boot event
/// for good (wineboot cannot start under qemu-user; without it, a process started while
/// another one is in its failed wineboot start waits 5 minutes). A server that does not
/// come up fails the run.
fn start_arm64_server(s: &Setup) {
    let _ = s.arm64_server(&["-k"]).status();
    let _ = s.arm64_server(&["-w"]).status();
    // The persistent server outlives this call on purpose; tests/wine/run.sh stops it (-k).
    #[allow(clippy::zombie_processes)]
    s.arm64_server(&["-p"]).spawn().unwrap_or_else(|e| panic!("qemu-aarch64 wineserver64 -p: cannot start: {e}"));
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let cmd = s.wine(Path::new("oemgate-bootevent"));
        let o = run_with_timeout(cmd, "arm64 wine oemgate-bootevent.exe (server start)");
        if o.code == 0 {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the arm64 wineserver did not serve a client within 60 s: exit {}, {}",
            o.code,
            o.stderr
        );
    }
}

fn enabled(arch: Arch) -> &'static Setup {
    match setup(arch) {
        Some(s) => s,
        None => panic!(
            "{} is not set: run tests/wine/run.sh, which builds the exe and sets it",
            arch.env("OEMGATE_WINE_EXE")
        ),
    }
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run with stdout/stderr going to files, not pipes: Wine's server and services, started
/// by the first Wine process, inherit the standard handles and outlive it, so a pipe would
/// stay open (no EOF) until they exit.
fn run_with_timeout(mut cmd: Command, what: &str) -> Out {
    static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wine-out");
    std::fs::create_dir_all(&dir).expect("output dir");
    let (out_path, err_path) =
        (dir.join(format!("{}-{n}.out", std::process::id())), dir.join(format!("{}-{n}.err", std::process::id())));
    let out_file = std::fs::File::create(&out_path).expect("stdout file");
    let err_file = std::fs::File::create(&err_path).expect("stderr file");
    cmd.stdin(Stdio::null()).stdout(out_file).stderr(err_file);
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: no answer within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| {
        let mut b = Vec::new();
        std::fs::File::open(p).and_then(|mut f| f.read_to_end(&mut b)).expect("read output");
        let _ = std::fs::remove_file(p);
        b
    };
    let stdout = String::from_utf8(read(&out_path)).unwrap_or_else(|e| panic!("{what}: stdout is not UTF-8: {e}"));
    let stderr = String::from_utf8_lossy(&read(&err_path)).into_owned();
    let code = status.code().unwrap_or_else(|| panic!("{what}: killed by a signal: {status:?}\nstderr: {stderr}"));
    Out { code, stdout, stderr }
}

fn wine_cmd(s: &Setup, exe: &Path) -> Command {
    s.wine(exe)
}

/// Windows spelling of a relative `/` path argument.
fn win(arg: &str) -> String {
    arg.replace('/', "\\")
}

/// Runs the exe under Wine. oemgate always writes something (a table, JSON, or an error
/// line), so exit 1 with nothing on stdout and stderr means Wine did not run the program
/// (seen under load with two tests sharing the prefix): that launch is retried, at most
/// twice, and said on stderr. The retried result is compared like any other.
fn run_wine(s: &Setup, args: &[&str]) -> Out {
    let _shared = s.shared();
    let what = format!("wine ({:?}) oemgate.exe {}", s.arch, args.join(" "));
    let mut attempt = 0;
    loop {
        let mut cmd = wine_cmd(s, &s.exe);
        cmd.args(args.iter().map(|a| win(a)));
        let out = run_with_timeout(cmd, &what);
        let not_started = out.code == 1 && out.stdout.is_empty() && out.stderr.is_empty();
        if !not_started || attempt == 2 {
            return out;
        }
        attempt += 1;
        use std::io::Write;
        let _ =
            writeln!(std::io::stderr(), "wine: {what}: exit 1 with no output (Wine did not run it); retry {attempt}");
    }
}

fn run_linux(s: &Setup, args: &[&str]) -> Out {
    let mut cmd = Command::new(&s.linux);
    cmd.args(args).current_dir(&s.root).env_remove("_SMSTSLogPath").env_remove("NO_COLOR");
    run_with_timeout(cmd, &format!("oemgate {}", args.join(" ")))
}

/// Exit codes outside the contract, panics and Wine's own fatal messages are crashes.
fn crash(o: &Out) -> Option<String> {
    let markers = ["panicked at", "Unhandled exception", "unimplemented function", "wine: ", "STATUS_"];
    if !(0..=4).contains(&o.code) {
        return Some(format!("exit code {} is outside 0..=4; stderr: {}", o.code, o.stderr.trim()));
    }
    markers.iter().find(|m| o.stderr.contains(*m)).map(|m| format!("stderr shows a crash ({m:?}): {}", o.stderr.trim()))
}

/// The exe's stdout with the argument paths written back in the Linux spelling.
fn normalise(stdout: &str, path_args: &[&str]) -> String {
    let mut spellings: Vec<(String, String)> = Vec::new();
    for p in path_args.iter().filter(|p| p.contains('/')) {
        let mut cur = Some(Path::new(p));
        while let Some(c) = cur.filter(|c| !c.as_os_str().is_empty()) {
            let linux = c.to_string_lossy().into_owned();
            for (l, w) in [(linux.clone(), win(&linux)), (format!("{linux}/"), win(&format!("{linux}/")))] {
                spellings.push((serde_json::to_string(&w).unwrap(), serde_json::to_string(&l).unwrap()));
                spellings.push((w, l));
            }
            cur = c.parent();
        }
    }
    // longest first, JSON-quoted forms without their quotes
    let mut pairs: Vec<(String, String)> =
        spellings
            .into_iter()
            .map(|(w, l)| {
                if w.starts_with('"') { (w[1..w.len() - 1].to_string(), l[1..l.len() - 1].to_string()) } else { (w, l) }
            })
            .filter(|(w, l)| w != l)
            .collect();
    pairs.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    pairs.dedup();
    let mut out = stdout.to_string();
    for (w, l) in pairs {
        out = out.replace(&w, &l);
    }
    out
}

/// Results of one test: the number of equal comparisons, and the differences (fail).
#[derive(Default)]
struct Tally {
    compared: usize,
    failures: Vec<String>,
}

impl Tally {
    /// Run `args` on both builds and compare; `path_args` are the arguments that are paths.
    fn compare(&mut self, s: &Setup, args: &[&str], path_args: &[&str]) {
        let label = args.join(" ");
        let l = run_linux(s, args);
        let w = run_wine(s, args);
        if let Some(c) = crash(&l) {
            self.failures.push(format!("[{label}] Linux build: {c}"));
        }
        if let Some(c) = crash(&w) {
            self.failures.push(format!("[{label}] Windows exe: {c}"));
            return;
        }
        if l.code != w.code {
            self.failures.push(format!(
                "[{label}] exit codes differ: Linux {} / Windows {}\n  Linux stderr: {}\n  Windows stderr: {}",
                l.code,
                w.code,
                l.stderr.trim(),
                w.stderr.trim()
            ));
            return;
        }
        let wo = normalise(&w.stdout, path_args);
        if l.stdout != wo {
            self.failures.push(format!(
                "[{label}] stdout differs (exit {})\n--- Linux\n{}\n--- Windows (normalised)\n{}",
                l.code, l.stdout, wo
            ));
            return;
        }
        self.compared += 1;
    }

    fn finish(self, test: &str) {
        eprintln!("{test}: {} comparison(s) equal", self.compared);
        assert!(self.compared > 0 || !self.failures.is_empty(), "{test}: nothing was compared");
        assert!(
            self.failures.is_empty(),
            "{test}: {} failure(s):\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}

fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| keep(n))
        .collect();
    v.sort();
    v
}

/// Relative paths of every image fixture: WIM, ESD, the first part of each split set
/// (`name.swm`, not `name2.swm`), and ISOs.
fn image_fixtures(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = sorted_files(&root.join("fixtures/images"), |n| {
        let lower = n.to_ascii_lowercase();
        if let Some(stem) = lower.strip_suffix(".swm") {
            return !stem.ends_with(|c: char| c.is_ascii_digit());
        }
        lower.ends_with(".wim") || lower.ends_with(".esd")
    })
    .into_iter()
    .map(|n| format!("fixtures/images/{n}"))
    .collect();
    out.extend(
        sorted_files(&root.join("fixtures/iso"), |n| n.to_ascii_lowercase().ends_with(".iso"))
            .into_iter()
            .map(|n| format!("fixtures/iso/{n}")),
    );
    out
}

fn firmware_fixtures(root: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(root.join("fixtures/firmware")) else { return Vec::new() };
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .map(|n| format!("fixtures/firmware/{n}"))
        .collect();
    v.sort();
    v
}

/// A relative directory (made here) whose absolute Windows path is over 300 characters.
fn long_dir(root: &Path) -> String {
    let seg = "long-path-segment-for-the-max-path-test-0123456789";
    let rel = format!("target/wine-long/{seg}/{seg}/{seg}/{seg}/{seg}/{seg}");
    std::fs::create_dir_all(root.join(&rel)).unwrap();
    assert!(root.join(&rel).to_string_lossy().len() > 300);
    rel
}

/// The Linux build's help for `sub`, to learn how it takes its arguments.
fn help_of(s: &Setup, sub: &str) -> String {
    run_linux(s, &[sub, "--help"]).stdout
}

/// How `sub` is given an image: `--image PATH` when its help lists `--image`, else positional.
fn image_arg<'a>(help: &str, path: &'a str) -> Vec<&'a str> {
    if help.contains("--image") { vec!["--image", path] } else { vec![path] }
}

// ------------------------------------------------------------------------------------

fn exe_imports_only_windows_system_dlls_and_is_small(s: &Setup) {
    let bytes = std::fs::read(&s.exe).expect("read exe");
    assert!(bytes.len() as u64 <= MAX_EXE_SIZE, "exe is {} bytes, more than {MAX_EXE_SIZE}", bytes.len());
    let pe = goblin::pe::PE::parse(&bytes).expect("the exe is a PE image");
    assert!(pe.is_64, "the exe is not PE32+");
    let machine = match s.arch {
        Arch::X64 => goblin::pe::header::COFF_MACHINE_X86_64,
        Arch::Arm64 => goblin::pe::header::COFF_MACHINE_ARM64,
    };
    assert_eq!(pe.header.coff_header.machine, machine, "not an {:?} exe", s.arch);
    assert_eq!(pe.header.coff_header.time_date_stamp, 0, "the exe carries a PE time stamp");
    assert!(!pe.libraries.is_empty(), "no imports found");
    let allowed = |dll: &str| {
        let d = dll.to_ascii_lowercase();
        [
            "kernel32.dll",
            "kernelbase.dll",
            "advapi32.dll",
            "ntdll.dll",
            "bcrypt.dll",
            "bcryptprimitives.dll",
            "ole32.dll",
            "oleaut32.dll",
            "user32.dll",
            "ws2_32.dll",
            "userenv.dll",
            "shell32.dll",
        ]
        .contains(&d.as_str())
            || (d.starts_with("api-ms-win-core-") && d.ends_with(".dll"))
            // x64: mingw's C runtime, a Windows system DLL
            || (s.arch == Arch::X64 && d == "msvcrt.dll")
            // ARM64: the Universal C Runtime (part of Windows 10+ and WinPE) through its
            // API sets; nothing else of a C runtime (no vcruntime, libunwind, libc++, mingw)
            || (s.arch == Arch::Arm64 && d.starts_with("api-ms-win-crt-") && d.ends_with(".dll"))
    };
    let bad: Vec<&&str> = pe.libraries.iter().filter(|d| !allowed(d)).collect();
    assert!(bad.is_empty(), "the exe imports DLLs outside the Windows system set: {bad:?}");
}

fn version_and_help_equal_the_linux_build(s: &Setup) {
    let mut t = Tally::default();
    for args in [
        &["--version"][..],
        &["--help"],
        &["-h"],
        &["help"],
        &["inspect", "--help"],
        &["firmware", "--help"],
        &["check", "--help"],
        &["match", "--help"],
    ] {
        let l = run_linux(s, args);
        let w = run_wine(s, args);
        let label = args.join(" ");
        if let Some(c) = crash(&w) {
            t.failures.push(format!("[{label}] Windows exe: {c}"));
            continue;
        }
        assert_eq!(l.code, 0, "[{label}] Linux build exits {}", l.code);
        assert!(!l.stdout.is_empty(), "[{label}] Linux build printed nothing");
        // clap names the program after argv[0]: "oemgate.exe" on Windows.
        let wo = w.stdout.replace("oemgate.exe", "oemgate");
        if (l.code, &l.stdout) != (w.code, &wo) {
            t.failures.push(format!(
                "[{label}] differs: Linux exit {}, Windows exit {}\n--- Linux\n{}\n--- Windows\n{}",
                l.code, w.code, l.stdout, wo
            ));
        } else {
            t.compared += 1;
        }
    }
    t.finish("version_and_help");
}

fn usage_errors_exit_2_on_both(s: &Setup) {
    for args in
        [&[][..], &["frobnicate"], &["--no-such-flag"], &["inspect", "--no-such-flag"], &["check", "--no-such-flag"]]
    {
        let l = run_linux(s, args);
        let w = run_wine(s, args);
        let label = args.join(" ");
        assert_eq!(crash(&w), None, "[{label}] Windows exe crashed");
        assert_eq!(l.code, 2, "[{label}] Linux build: usage errors exit 2; stderr: {}", l.stderr);
        assert_eq!(w.code, 2, "[{label}] Windows exe: usage errors exit 2; stderr: {}", w.stderr);
        assert!(!w.stderr.trim().is_empty(), "[{label}] Windows exe said nothing on a usage error");
        assert!(w.stdout.is_empty(), "[{label}] Windows exe wrote to stdout on a usage error");
    }
}

fn missing_input_file_exits_4_on_both(s: &Setup) {
    let missing = "fixtures/no-such-dir/no-such-image.wim";
    assert!(!s.root.join(missing).exists());
    let mut t = Tally::default();
    for sub in ["inspect", "check", "match"] {
        let help = help_of(s, sub);
        let mut args = vec![sub];
        args.extend(image_arg(&help, missing));
        let before = t.compared;
        t.compare(s, &args, &[missing]);
        if t.compared > before {
            // comparable: then it must be "unreadable input"
            let w = run_wine(s, &args);
            if w.code != 4 && !(sub != "inspect" && w.code == 3) {
                t.failures.push(format!(
                    "[{}] a missing image exits {} (expected 4): {}",
                    args.join(" "),
                    w.code,
                    w.stderr
                ));
            }
        }
    }
    t.finish("missing_input_file");
}

fn inspect_json_equals_the_linux_build_on_every_image_fixture(s: &Setup) {
    let images = image_fixtures(&s.root);
    assert!(!images.is_empty(), "no image fixtures under fixtures/images or fixtures/iso");
    let help = help_of(s, "inspect");
    let mut t = Tally::default();
    for img in &images {
        let mut args = vec!["inspect", "--json"];
        args.extend(image_arg(&help, img));
        t.compare(s, &args, &[img]);
    }
    // Long paths: the first fixture again, through a directory whose Windows path passes
    // MAX_PATH (260) by far.
    if let Some(first) = images.first() {
        let deep = long_dir(&s.root);
        let name = Path::new(first).file_name().unwrap().to_string_lossy().into_owned();
        let link = s.root.join(&deep).join(&name);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(s.root.join(first), &link).unwrap();
        let long = format!("{deep}/{name}");
        let mut args = vec!["inspect", "--json"];
        args.extend(image_arg(&help, &long));
        t.compare(s, &args, &[&long]);
    }
    t.finish("inspect_json");
}

fn check_and_match_verdicts_equal_the_linux_build(s: &Setup) {
    let images = image_fixtures(&s.root);
    let firmware = firmware_fixtures(&s.root);
    assert!(
        !images.is_empty() && !firmware.is_empty(),
        "{} image and {} firmware fixture(s)",
        images.len(),
        firmware.len()
    );
    // x64: every image with every firmware dump. arm64: every Wine process is emulated
    // (about 0.6 s of CPU each, mostly start-up), so every image fixture with a few dumps
    // and every dump with one multi-index image: each fixture is read by the ARM64 exe and
    // compared, in about an eighth of the runs (the pairs beyond are the same Rust code
    // on the same bytes, compared by the x64 exe).
    let pairs: Vec<(&String, &String)> = match s.arch {
        Arch::X64 => images.iter().flat_map(|i| firmware.iter().map(move |f| (i, f))).collect(),
        Arch::Arm64 => {
            let some_fw = ["pro", "core", "slic21", "no-msdm"];
            let by_name = |f: &&String| some_fw.iter().any(|n| f.ends_with(&format!("/{n}")));
            let some_img = "fixtures/images/multi.wim";
            let mut v: Vec<(&String, &String)> =
                images.iter().flat_map(|i| firmware.iter().filter(by_name).map(move |f| (i, f))).collect();
            let multi = images.iter().find(|i| *i == some_img).expect("fixtures/images/multi.wim");
            v.extend(firmware.iter().filter(|f| !by_name(f)).map(|f| (multi, f)));
            assert_eq!(firmware.iter().filter(by_name).count(), some_fw.len(), "a chosen dump is missing");
            v
        }
    };
    // (arguments, path arguments) of every comparison
    let mut jobs: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for sub in ["check", "match"] {
        let help = help_of(s, sub);
        // without dumped tables both builds would read different live firmware
        assert!(help.contains("--acpi-dir"), "{sub} has no --acpi-dir option");
        for &(img, fw) in &pairs {
            let mut args = vec![sub, "--json"];
            args.extend(image_arg(&help, img));
            if sub == "check" && help.contains("--index") {
                args.extend(["--index", "1"]);
            }
            args.extend(["--acpi-dir", fw.as_str()]);
            jobs.push((args.iter().map(|a| a.to_string()).collect(), vec![img.clone(), fw.clone()]));
        }
    }
    // arm64: every Wine process is emulated (about 0.6 s of CPU each, mostly start-up), so
    // this test, by far the largest, runs its comparisons on two threads; x64 as before.
    let workers = match s.arch {
        Arch::X64 => 1,
        Arch::Arm64 => 2,
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut t = Tally::default();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((args, paths)) = jobs.get(i) else { break };
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
                        t.compare(s, &args, &paths);
                    }
                    t
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut t = Tally::default();
    for part in tallies {
        t.compared += part.compared;
        t.failures.extend(part.failures);
    }
    assert!(t.compared + t.failures.len() >= jobs.len(), "not every comparison ran");
    t.finish("check_and_match");
}

fn firmware_dumps_equal_the_linux_build(s: &Setup) {
    let help = help_of(s, "firmware");
    let firmware = firmware_fixtures(&s.root);
    let mut t = Tally::default();
    assert!(help.contains("--acpi-dir"), "firmware has no --acpi-dir option");
    assert!(!firmware.is_empty(), "no fixtures/firmware/*/ directories");
    for fw in &firmware {
        t.compare(s, &["firmware", "--json", "--acpi-dir", fw], &[fw]);
    }
    t.finish("firmware_dumps");
}

/// Wine 8 has no GetFirmwareType and no ACPI provider for GetSystemFirmwareTable: the exe
/// must say "unknown" / no MSDM instead of crashing.
fn live_firmware_under_wine_is_unknown_not_a_crash(s: &Setup) {
    let w = run_wine(s, &["firmware", "--json"]);
    assert_eq!(crash(&w), None, "firmware --json crashed under Wine");
    assert!(w.code == 0 || w.code == 3, "firmware --json exits {} under Wine: {}", w.code, w.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&w.stdout).unwrap_or_else(|e| panic!("firmware --json is not JSON ({e}): {}", w.stdout));
    assert_eq!(v["firmware_type"], "unknown", "Wine has no GetFirmwareType: {v}");
    assert!(v["oa3"].is_null(), "Wine has no ACPI tables, yet an OA3 key was reported: {v}");
    assert!(v["slic"].is_null(), "Wine has no ACPI tables, yet a SLIC marker was reported: {v}");
}

/// The platform functions of the exe (task sequence, drive scan, console, ProcessPrng),
/// through the test-only probe.
fn platform_probe_under_wine(s: &Setup) {
    let Some(probe) = &s.probe else {
        panic!("OEMGATE_WINE_PROBE is not set (winpe/build-exe.sh --with-probe builds it)");
    };
    let _shared = s.shared();
    let mut cmd = wine_cmd(s, probe);
    let o = run_with_timeout(cmd, "wine wine-probe.exe");
    assert_eq!(crash(&o), None, "probe crashed");
    assert_eq!(o.code, 0, "probe exit code; stderr: {}", o.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("probe output ({e}): {}", o.stdout));
    assert_eq!(v["hashmap"], 1, "RandomState (ProcessPrng) did not work: {v}");
    assert_eq!(v["ts_set"], false, "no task sequence under Wine: setting variables must answer false: {v}");
    assert!(v["ts_get"].is_null(), "no task sequence under Wine: {v}");
    assert_eq!(v["ts_back"], serde_json::json!([null, null]), "no task sequence under Wine: {v}");
    assert!(v["ts_unset"].is_null(), "no task sequence under Wine: {v}");
    assert!(v["ts_log_dir"].is_null(), "_SMSTSLogPath is not set: {v}");
    assert_eq!(v["vt_colors"], false, "stdout is a pipe, not a console: {v}");
    match s.arch {
        Arch::X64 => assert_eq!(v["offline_os"], serde_json::json!(["D:\\"]), "offline OS drive scan: {v}"),
        // Under qemu-user the arm64 Wine cannot start other processes (no binfmt_misc), so
        // its services, the mount manager that publishes drive letters among them, never
        // run, and the scan finds none of the test drives. The drive scan (the same Rust
        // code for both architectures) is checked by the x64 run; here only that it answers,
        // with nothing. Should the arm64 Wine ever publish drives, this fails: then check
        // ["D:\\"] here too.
        Arch::Arm64 => assert_eq!(
            v["offline_os"],
            serde_json::json!([]),
            "arm64 Wine now reports drive letters: assert the offline OS drive scan as for x64: {v}"
        ),
    }

    // Inside a task sequence the engine exports _SMSTSLogPath to the command.
    cmd = wine_cmd(s, probe);
    cmd.env("_SMSTSLogPath", r"X:\Windows\Temp\SMSTSLog");
    let o = run_with_timeout(cmd, "wine wine-probe.exe (_SMSTSLogPath)");
    assert_eq!(o.code, 0, "probe exit code; stderr: {}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["ts_log_dir"], r"X:\Windows\Temp\SMSTSLog", "{v}");

    // A file whose path passes MAX_PATH, given in Windows spelling and relative to the
    // current directory, read through the crate's file source; then a missing one.
    let deep = long_dir(&s.root);
    std::fs::write(s.root.join(&deep).join("long.bin"), b"long path ok").unwrap();
    let mut cmd = wine_cmd(s, probe);
    cmd.arg(win(&format!("{deep}/long.bin")));
    let o = run_with_timeout(cmd, "wine wine-probe.exe LONG-PATH");
    assert_eq!(o.code, 0, "probe exit code; stderr: {}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["read"], serde_json::json!({"len": 12, "head": "long path ok"}), "long path: {v}");
    let mut cmd = wine_cmd(s, probe);
    cmd.arg(win(&format!("{deep}/missing.bin")));
    let o = run_with_timeout(cmd, "wine wine-probe.exe MISSING");
    assert_eq!(o.code, 0, "probe exit code; stderr: {}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["read"]["exit"], 4, "a missing file is unreadable input (exit 4): {v}");
}

const FAKE_TS_CLSID: &str = "{6F1A2B3C-4D5E-4F60-8192-A3B4C5D6E7F8}";

/// Registers tests/wine/faketsenv.c as Microsoft.SMS.TSEnvironment; unregisters on drop.
struct FakeTaskSequence<'a> {
    s: &'a Setup,
}

impl<'a> FakeTaskSequence<'a> {
    fn register(s: &'a Setup) -> Self {
        let guard = FakeTaskSequence { s };
        let progid = r"HKEY_CLASSES_ROOT\Microsoft.SMS.TSEnvironment\CLSID";
        let server = format!(r"HKEY_CLASSES_ROOT\CLSID\{FAKE_TS_CLSID}\InprocServer32");
        guard.reg(&["add", progid, "/ve", "/d", FAKE_TS_CLSID, "/f"]);
        guard.reg(&["add", &server, "/ve", "/d", r"C:\windows\system32\faketsenv.dll", "/f"]);
        guard.reg(&["add", &server, "/v", "ThreadingModel", "/d", "Apartment", "/f"]);
        guard
    }

    fn reg(&self, args: &[&str]) {
        let mut cmd = wine_cmd(self.s, Path::new("reg"));
        cmd.args(args);
        let o = run_with_timeout(cmd, &format!("wine reg {}", args.join(" ")));
        assert_eq!(o.code, 0, "wine reg {}: {}", args.join(" "), o.stderr);
    }
}

impl Drop for FakeTaskSequence<'_> {
    fn drop(&mut self) {
        for key in [
            r"HKEY_CLASSES_ROOT\Microsoft.SMS.TSEnvironment".to_string(),
            format!(r"HKEY_CLASSES_ROOT\CLSID\{FAKE_TS_CLSID}"),
        ] {
            let mut cmd = wine_cmd(self.s, Path::new("reg"));
            cmd.args(["delete", &key, "/f"]);
            let o = run_with_timeout(cmd, "wine reg delete");
            if o.code != 0 && !std::thread::panicking() {
                panic!("cannot unregister {key}: {}", o.stderr);
            }
        }
    }
}

/// Inside a task sequence (the stand-in object registered), variables are written through
/// IDispatch property puts and read back, and the log directory comes from the object.
fn task_sequence_variables_through_com_under_wine(s: &Setup) {
    let Some(probe) = &s.probe else {
        panic!("OEMGATE_WINE_PROBE is not set (winpe/build-exe.sh --with-probe builds it)");
    };
    let _exclusive = s.exclusive();
    let o = {
        let _ts = FakeTaskSequence::register(s);
        run_with_timeout(wine_cmd(s, probe), "wine wine-probe.exe (task sequence)")
    };
    assert_eq!(crash(&o), None, "probe crashed");
    assert_eq!(o.code, 0, "probe exit code; stderr: {}", o.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("probe output ({e}): {}", o.stdout));
    assert_eq!(v["ts_set"], true, "variables were not set: {v}");
    assert_eq!(
        v["ts_back"],
        serde_json::json!(["1", "Professional N \u{2013} \u{65e5}\u{672c}\u{8a9e}"]),
        "values read back differ (argument order of the property put?): {v}"
    );
    assert_eq!(v["ts_unset"], "", "an unset variable reads as an empty string: {v}");
    assert_eq!(v["ts_get"], r"C:\_SMSTaskSequence\Logs", "{v}");
    assert_eq!(v["ts_log_dir"], r"C:\_SMSTaskSequence\Logs", "log dir from the task sequence object: {v}");
}

/// One `#[test]` per architecture for each Wine test above.
macro_rules! per_arch {
    ($($name:ident),* $(,)?) => {
        mod x64 {
            $(
                #[test]
                #[ignore = "needs the x64 exe under Wine: tests/wine/run.sh runs it"]
                fn $name() {
                    super::$name(super::enabled(super::Arch::X64))
                }
            )*
        }
        mod arm64 {
            $(
                #[test]
                #[ignore = "needs the ARM64 exe under arm64 Wine and qemu-user: tests/wine/run.sh runs it"]
                fn $name() {
                    super::$name(super::enabled(super::Arch::Arm64))
                }
            )*
        }
    };
}

per_arch!(
    exe_imports_only_windows_system_dlls_and_is_small,
    version_and_help_equal_the_linux_build,
    usage_errors_exit_2_on_both,
    missing_input_file_exits_4_on_both,
    inspect_json_equals_the_linux_build_on_every_image_fixture,
    check_and_match_verdicts_equal_the_linux_build,
    firmware_dumps_equal_the_linux_build,
    live_firmware_under_wine_is_unknown_not_a_crash,
    platform_probe_under_wine,
    task_sequence_variables_through_com_under_wine,
    activation_variables_through_the_task_sequence_object,
    evidence_written_under_wine_is_read_by_summarize_on_linux,
);

// ---- the harness itself (run always, Wine or not) -----------------------------------

#[test]
fn normalise_rewrites_only_the_argument_paths() {
    let args = ["fixtures/images/set.swm"];
    // the argument, a sibling in the same directory, JSON-escaped and plain
    let exe = "{\"file\":\"fixtures\\\\images\\\\set.swm\",\"part\":\"fixtures\\\\images\\\\set2.swm\"}\nread fixtures\\images\\set.swm\n";
    let linux =
        "{\"file\":\"fixtures/images/set.swm\",\"part\":\"fixtures/images/set2.swm\"}\nread fixtures/images/set.swm\n";
    assert_eq!(normalise(exe, &args), linux);
    // other backslashes and other paths stay as they are, so a real difference still shows
    let other = "{\"key\":\"a\\\\b\",\"file\":\"other\\\\set.swm\"}";
    assert_eq!(normalise(other, &args), other);
    assert_ne!(normalise("fixtures\\images\\set.swm", &args), "fixtures/images/other.swm");
}

#[test]
fn fixture_lists_take_first_split_parts_only() {
    let root = std::env::temp_dir().join(format!("oemgate-wine-fixtures-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("fixtures/images")).unwrap();
    std::fs::create_dir_all(root.join("fixtures/iso")).unwrap();
    std::fs::create_dir_all(root.join("fixtures/firmware/oa3-pro")).unwrap();
    for f in ["a.wim", "b.esd", "set.swm", "set2.swm", "set3.SWM", "notes.txt"] {
        std::fs::write(root.join("fixtures/images").join(f), b"x").unwrap();
    }
    std::fs::write(root.join("fixtures/iso/w11.iso"), b"x").unwrap();
    std::fs::write(root.join("fixtures/firmware/README"), b"x").unwrap();
    assert_eq!(
        image_fixtures(&root),
        ["fixtures/images/a.wim", "fixtures/images/b.esd", "fixtures/images/set.swm", "fixtures/iso/w11.iso"]
    );
    assert_eq!(firmware_fixtures(&root), ["fixtures/firmware/oa3-pro"]);
    std::fs::remove_dir_all(&root).unwrap();
}

// Evidence records and activation variables under Wine.
mod fleet;
use fleet::{
    activation_variables_through_the_task_sequence_object, evidence_written_under_wine_is_read_by_summarize_on_linux,
};
