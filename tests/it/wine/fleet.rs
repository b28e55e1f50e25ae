//! Fleet features of the Windows exe under Wine (issue: evidence records and activation
//! variables): what the exe writes for the task sequence engine and the evidence share,
//! read back by something other than the exe itself (the stand-in object's variable file,
//! the Linux build's `summarize`).

use std::path::{Path, PathBuf};

use super::{Arch, FakeTaskSequence, Out, Setup, crash, run_linux, run_with_timeout, wine_cmd};

/// The Windows spelling of a host path on Wine's Z: drive: the host's root in the x64
/// prefix, the repository root in the arm64 one (tests/wine/run.sh says why).
fn z_path(s: &Setup, p: &Path) -> String {
    let on_z = match s.arch {
        Arch::X64 => p.strip_prefix("/").unwrap_or(p),
        Arch::Arm64 => p.strip_prefix(&s.root).unwrap_or_else(|_| panic!("{} is outside the repository", p.display())),
    };
    format!(r"Z:\{}", on_z.display().to_string().replace('/', r"\"))
}

/// A fresh, empty folder under target/ for one test.
fn scratch(s: &Setup, name: &str) -> PathBuf {
    let dir = s.root.join("target/wine-fleet").join(format!("{name}-{:?}", s.arch));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the exe with `args` as given (no path rewriting) and extra environment.
fn run_exe(s: &Setup, args: &[&str], env: &[(&str, &str)]) -> Out {
    let what = format!("wine ({:?}) oemgate.exe {}", s.arch, args.join(" "));
    let mut attempt = 0;
    loop {
        let mut cmd = wine_cmd(s, &s.exe);
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run_with_timeout(cmd, &what);
        // as run_wine: exit 1 with no output at all is Wine not starting the program
        if !(out.code == 1 && out.stdout.is_empty() && out.stderr.is_empty()) || attempt == 2 {
            return out;
        }
        attempt += 1;
        eprintln!("wine: {what}: exit 1 with no output (Wine did not run it); retry {attempt}");
    }
}

/// The quick start's allowed case (Professional OA3 key, Professional image), with the
/// firmware folder given; the Windows path spelling of the fixtures.
fn check_args<'a>(firmware: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "check",
        "--image",
        r"fixtures\images\pro.wim",
        "--acpi-dir",
        firmware,
        "--licensed-version",
        "11",
        "--licensed-language",
        "en-US",
        "--machine-arch",
        "x64",
        "--machine-firmware",
        "uefi64",
        "--no-offline-os",
    ];
    v.extend_from_slice(extra);
    v
}

/// The firmware fixture's full key, from the Linux build.
fn firmware_key(s: &Setup, dir: &str) -> String {
    let o = run_linux(s, &["firmware", "--json", "--show-key", "--acpi-dir", dir]);
    assert_eq!(o.code, 0, "firmware --show-key: {}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let key = v["oa3"]["key"].as_str().unwrap_or_else(|| panic!("no key in {dir}: {v}")).to_string();
    assert_eq!(key.len(), 29, "{key}");
    key
}

/// The variables the stand-in object held when the exe exited: `name<TAB>value` lines.
fn read_vars(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the stand-in wrote no variable file {} ({e})", path.display()));
    text.lines()
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap_or_else(|| panic!("bad line in {}: {l:?}", path.display()));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn var<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// With `activation = "kms"`, an allowed check sets OSDProductKey and ProductKey to the
/// public KMS client setup key of the image's edition (Windows 11 Pro); a blocked check,
/// and an allowed one without the policy line, set neither. The firmware key is in no
/// variable.
pub(super) fn activation_variables_through_the_task_sequence_object(s: &Setup) {
    const PRO_GVLK: &str = "W269N-WFGWX-YVC9B-4J6C9-T83GX";
    let dir = scratch(s, "activation");
    let policy = dir.join("kms.toml");
    std::fs::write(&policy, "activation = \"kms\"\n").unwrap();
    let policy_w = z_path(s, &policy);
    let out = dir.join("vars.txt");
    let out_w = z_path(s, &out);
    let keys: Vec<String> =
        [r"fixtures/firmware/pro", "fixtures/firmware/core"].iter().map(|d| firmware_key(s, d)).collect();

    let _exclusive = s.exclusive();
    let _ts = FakeTaskSequence::register(s);
    // (firmware, with the kms policy, expected exit, expected verdict, GVLK expected)
    let cases = [
        (r"fixtures\firmware\pro", true, 0, "allowed", true),
        (r"fixtures\firmware\core", true, 1, "blocked", false),
        (r"fixtures\firmware\pro", false, 0, "allowed", false),
    ];
    for (fw, kms, exit, verdict, gvlk) in cases {
        let _ = std::fs::remove_file(&out);
        let extra: Vec<&str> = if kms { vec!["--policy", &policy_w] } else { vec![] };
        let args = check_args(fw, &extra);
        let o = run_exe(s, &args, &[("OEMGATE_FAKETSENV_OUT", &out_w)]);
        let label = args.join(" ");
        assert_eq!(crash(&o), None, "[{label}] crashed");
        assert_eq!(o.code, exit, "[{label}] exit code; stderr: {}", o.stderr);
        let vars = read_vars(&out);
        assert_eq!(var(&vars, "OEMGATE_VERDICT"), Some(verdict), "[{label}] {vars:?}");
        assert_eq!(var(&vars, "OEMGATE_EXITCODE"), Some(exit.to_string().as_str()), "[{label}] {vars:?}");
        let expected = gvlk.then_some(PRO_GVLK);
        assert_eq!(var(&vars, "OSDProductKey"), expected, "[{label}] OSDProductKey: {vars:?}");
        assert_eq!(var(&vars, "ProductKey"), expected, "[{label}] ProductKey: {vars:?}");
        let text = std::fs::read_to_string(&out).unwrap();
        for k in &keys {
            assert!(!text.contains(k.as_str()), "[{label}] the firmware key is in a task sequence variable: {vars:?}");
            assert!(!o.stdout.contains(k.as_str()), "[{label}] the firmware key is on stdout");
        }
    }
}

/// The exe writes an evidence record into a folder given as a Windows path (Z:...); the
/// Linux build's `summarize` reads it, and the record holds the masked key only.
pub(super) fn evidence_written_under_wine_is_read_by_summarize_on_linux(s: &Setup) {
    let _shared = s.shared();
    let dir = scratch(s, "evidence");
    let records = dir.join("share");
    std::fs::create_dir_all(&records).unwrap();
    let records_w = z_path(s, &records);
    let key = firmware_key(s, "fixtures/firmware/pro");
    let masked_tail = &key[24..];

    let allowed = check_args(r"fixtures\firmware\pro", &["--evidence", &records_w]);
    let o = run_exe(s, &allowed, &[]);
    assert_eq!(crash(&o), None, "crashed");
    assert_eq!(o.code, 0, "allowed check exit code; stderr: {}", o.stderr);
    let blocked = check_args(r"fixtures\firmware\core", &["--evidence", &records_w]);
    let o = run_exe(s, &blocked, &[]);
    assert_eq!(o.code, 1, "blocked check exit code; stderr: {}", o.stderr);

    let files: Vec<PathBuf> = std::fs::read_dir(&records).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 2, "two records and nothing else (no temporary file left): {files:?}");
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("oemgate-") && name.ends_with(".json"), "{name}");
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(&key) && !text.contains(&key.replace('-', "")), "full key in {name}");
    }

    let csv = dir.join("records.csv");
    let records_l = records.to_str().unwrap();
    let csv_l = csv.to_str().unwrap();
    let o = run_linux(s, &["summarize", records_l, "--csv", csv_l, "--json"]);
    assert_eq!(o.code, 0, "summarize on Linux: {}\n{}", o.stdout, o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["records"], 2, "{v}");
    assert_eq!(v["unreadable"], 0, "{v}");
    assert_eq!(v["verdicts"], serde_json::json!({"allowed": 1, "blocked": 1}), "{v}");
    let table = std::fs::read_to_string(&csv).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name} column"));
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 2, "{table}");
    let mut seen: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r[col("verdict")].clone(), r[col("exit_code")].clone(), r[col("image_edition")].clone()))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("allowed".to_string(), "0".to_string(), "Professional".to_string()),
            ("blocked".to_string(), "1".to_string(), "Professional".to_string())
        ],
        "{table}"
    );
    // The records name the keys by their last group only.
    let mut tails: Vec<String> = files
        .iter()
        .map(|f| {
            let r: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let k =
                r["firmware"]["key"].as_str().unwrap_or_else(|| panic!("no masked key in {}", f.display())).to_string();
            assert!(k.len() == 29 && k.starts_with("XXXXX-XXXXX-XXXXX-XXXXX-"), "{k}");
            k[24..].to_string()
        })
        .collect();
    tails.sort();
    let mut expected = vec![masked_tail.to_string(), firmware_key(s, "fixtures/firmware/core")[24..].to_string()];
    expected.sort();
    assert_eq!(tails, expected);
}
