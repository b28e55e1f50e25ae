use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::firmware::{self, TableSources};
use crate::gate::facts::{self, FileHash, ImageFacts, LicensedFacts};
use crate::image::archive::Wim;
use crate::image::content_facts::facts::{ContentFacts, ImageKeyConfig};
use crate::image::{self, ImageReport, content_facts};
use crate::offline_os;
use crate::operator::{self, Policy};
use crate::report;

/// Where the licence facts come from; shared by `check` and `match`.
#[derive(Args, Debug, Clone)]
pub struct LicenceArgs {
    /// Read dumped ACPI tables (MSDM, SLIC, RSDT/XSDT, TPM2/TCPA) from this directory instead of the live firmware
    #[arg(long, value_name = "DIR", conflicts_with = "from_file")]
    pub acpi_dir: Option<PathBuf>,
    /// Read a dumped MSDM table from this file instead of the live firmware
    #[arg(long, value_name = "MSDM.bin")]
    pub from_file: Option<PathBuf>,
    /// Licensed edition from the COA label: Professional, Core (Home), ProfessionalN, ServerStandard... (a Windows 8.1 edition such as CoreConnected counts as the edition it entitles)
    #[arg(long, value_name = "EDITION")]
    pub licensed_edition: Option<String>,
    /// Licensed Windows version: 7, 8, 8.1, 10, 11, a server year (2022), or major.minor.build
    #[arg(long, value_name = "VERSION")]
    pub licensed_version: Option<String>,
    /// Licensed language tag, e.g. en-US, ja-JP
    #[arg(long, value_name = "TAG")]
    pub licensed_language: Option<String>,
    /// This machine's CPU when the firmware facts lack it (dumped tables): x64, x86, arm64
    #[arg(long, value_name = "ARCH")]
    pub machine_arch: Option<String>,
    /// This machine's firmware when the firmware facts lack it (dumped tables): bios, uefi64, uefi32
    #[arg(long, value_name = "TYPE")]
    pub machine_firmware: Option<String>,
    /// Declare Volume Licensing with Software Assurance (or an E3/E5-style subscription)
    #[arg(long)]
    pub software_assurance: bool,
    /// The volume root of the Windows installed on the internal disk (e.g. C:\); detected on the fixed disks in WinPE when omitted (several found: none used)
    #[arg(long, value_name = "DIR", conflicts_with = "no_offline_os")]
    pub offline_os: Option<PathBuf>,
    /// Do not look for an installed Windows
    #[arg(long)]
    pub no_offline_os: bool,
    /// Policy file (TOML): Software Assurance, downgrade rights, unknown -> block|warn|note, approved images
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append CMTrace log lines to FILE (default inside a task sequence: %_SMSTSLogPath%\oemgate.log)
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Write one JSON evidence record of this run into DIR (default: the policy's evidence_dir); the key is always masked there
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
    /// Dual-architecture media (x64/sources, x86/sources): judge this architecture's image (default: this machine's, from --machine-arch or the live CPU)
    #[arg(long, value_name = "ARCH", value_parser = ["x64", "x86", "arm64"])]
    pub media_arch: Option<String>,
    /// Show the full firmware product key instead of a masked one
    #[arg(long)]
    pub show_key: bool,
    /// Show the evidence behind every fact and rule
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The image: install.wim, install.esd, the first part of a split set (install.swm), or an ISO holding one
    #[arg(value_name = "IMAGE", required_unless_present = "image_flag", conflicts_with = "image_flag")]
    pub image_arg: Option<PathBuf>,
    /// The image, as an option: the same as IMAGE
    #[arg(long = "image", id = "image_flag", value_name = "PATH")]
    pub image_flag: Option<PathBuf>,
    /// The image index to check (may be omitted when the image has one index)
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
    #[command(flatten)]
    pub licence: LicenceArgs,
    /// Print JSON (stable shape, see README) instead of a table
    #[arg(long)]
    pub json: bool,
}

impl CheckArgs {
    /// The image, given as the argument or with `--image` (the parser requires one).
    pub fn image(&self) -> &std::path::Path {
        self.image_arg.as_deref().or(self.image_flag.as_deref()).unwrap_or(std::path::Path::new(""))
    }
}

/// The policy, or the built-in defaults.
pub(super) fn load_policy(a: &LicenceArgs) -> Result<Policy> {
    match &a.policy {
        Some(p) => Policy::load(p),
        None => Ok(Policy::default()),
    }
}

/// Which image of dual-architecture media to judge: `--media-arch`, else this machine's
/// architecture (`--machine-arch`, else the live CPU unless the firmware facts are
/// dumped tables), else none (the media's first).
pub(super) fn media_arch(a: &LicenceArgs) -> Option<String> {
    if let Some(m) = &a.media_arch {
        return Some(m.clone());
    }
    match &a.machine_arch {
        // The declaration's one mapping; a bad value is refused later, with the other facts.
        Some(_) => facts::MachineDeclaration { arch: a.machine_arch.clone(), firmware: None }.parse().ok()?.0,
        // Live: already the gate's names (platform::normalize_arch).
        None if a.acpi_dir.is_none() && a.from_file.is_none() => crate::platform::machine().cpu_arch,
        None => None,
    }
}

/// Gather the licensed facts from firmware, declaration, policy and offline OS; the
/// firmware facts too (for the evidence record).
pub(super) fn licensed(a: &LicenceArgs, policy: &Policy) -> Result<(LicensedFacts, firmware::FirmwareFacts)> {
    licensed_with(a, policy, &crate::firmware::editions::Builtin)
}

/// [`licensed`], the firmware key's group resolved through `editions` (the image's own
/// key configuration ahead of the built-in table).
pub(super) fn licensed_with(
    a: &LicenceArgs,
    policy: &Policy,
    editions: &dyn crate::firmware::editions::EditionSource,
) -> Result<(LicensedFacts, firmware::FirmwareFacts)> {
    let flags = operator::Flags {
        edition: a.licensed_edition.clone(),
        version: a.licensed_version.clone(),
        language: a.licensed_language.clone(),
        software_assurance: a.software_assurance,
    };
    let declaration = operator::declaration(&flags, policy);
    facts::declared_facts(&declaration)?;
    let machine = facts::MachineDeclaration { arch: a.machine_arch.clone(), firmware: a.machine_firmware.clone() };
    machine.parse()?;
    let sources = TableSources { acpi_dir: a.acpi_dir.clone(), msdm_file: a.from_file.clone(), slic_file: None };
    let fw = firmware::read_with(&sources, editions)?;
    // In WinPE the installed Windows is found on the fixed disks; several installations
    // leave it unknown (never the first one found).
    let mut ambiguous: Vec<String> = Vec::new();
    let os = if a.no_offline_os {
        None
    } else if let Some(root) = &a.offline_os {
        Some(offline_os::read(root)?)
    } else {
        let (one, several) = pick_offline_os(crate::platform::offline_os_roots());
        ambiguous = several;
        match one {
            Some(root) => Some(offline_os::read(&root).map_err(|e| Error::InFile {
                path: format!("{} (detected installed Windows; --no-offline-os skips it)", root.display()),
                source: Box::new(e),
            })?),
            None => None,
        }
    };
    let l = facts::licensed_facts(&facts::Sources {
        firmware: &fw,
        declaration: &declaration,
        policy,
        offline_os: os.as_ref(),
        offline_os_candidates: &ambiguous,
        machine: &machine,
        show_key: a.show_key,
    })?;
    Ok((l, fw))
}

/// Write the evidence record when `--evidence` or the policy names a folder. `Ok(None)`:
/// none asked for. The log entry says where it went, or why it was not written.
pub(super) fn write_evidence(
    a: &LicenceArgs,
    policy: &Policy,
    run: &report::evidence::Run,
) -> Option<std::result::Result<PathBuf, Error>> {
    let dir = evidence_dir(a, Some(policy))?;
    Some(report::evidence::write(&dir, &report::evidence::record(run), run.at))
}

/// The evidence folder: `--evidence`, else the policy's `evidence_dir` (when a policy
/// could be read).
fn evidence_dir(a: &LicenceArgs, policy: Option<&Policy>) -> Option<PathBuf> {
    a.evidence.clone().or_else(|| policy?.evidence_dir.as_ref().map(PathBuf::from))
}

/// Report how writing the evidence went (stderr for a failure, and the log entries);
/// `true` when it failed and the policy requires it (exit 4).
pub(super) fn evidence_outcome(
    written: Option<std::result::Result<PathBuf, Error>>,
    policy: &Policy,
    entries: &mut Vec<(String, report::cmtrace::Severity)>,
) -> Option<String> {
    use report::cmtrace::Severity;
    match written? {
        Ok(p) => {
            entries.push((format!("evidence record written: {}", p.display()), Severity::Info));
            None
        }
        Err(e) if policy.evidence_required => {
            let msg = format!("evidence record not written (the policy requires it): {e}");
            eprintln!("oemgate: error: {msg}");
            entries.push((msg.clone(), Severity::Error));
            Some(msg)
        }
        Err(e) => {
            let msg = format!("evidence record not written: {e}");
            eprintln!("oemgate: warning: {msg}");
            entries.push((msg, Severity::Warning));
            None
        }
    }
}

/// With `activation = "kms"`, an allowed verdict also sets the product-key variables
/// of Configuration Manager (`OSDProductKey`) and MDT (`ProductKey`) to the public KMS
/// client setup key of the image's edition; never the firmware key. Otherwise none.
pub(super) fn activation_variables(policy: &Policy, v: &crate::gate::verdict::Verdict) -> Vec<(&'static str, String)> {
    if policy.activation != operator::policy::ActivationMode::Kms || v.decision != crate::gate::Decision::Allowed {
        return Vec::new();
    }
    match &v.activation.kms_client_key {
        Some(k) => vec![("OSDProductKey", k.clone()), ("ProductKey", k.clone())],
        None => {
            eprintln!(
                "oemgate: warning: activation = \"kms\" but the image's edition has no public KMS client setup key: OSDProductKey/ProductKey not set"
            );
            Vec::new()
        }
    }
}

/// The image opened for its files too: its report, and the opened image or why its
/// files cannot be read (an encrypted ESD).
pub(super) fn open_image(
    path: &std::path::Path,
    media_arch: Option<&str>,
) -> Result<(ImageReport, std::result::Result<Wim, String>)> {
    let (rep, parts) = image::open_with_sources_for(path, media_arch)?;
    let wim = Wim::from_sources(rep.clone(), parts).map_err(|e| e.to_string());
    Ok((rep, wim))
}

/// The content facts of index `index`: unknown with the reason when unreadable.
pub(super) fn content_of(wim: &std::result::Result<Wim, String>, index: u32) -> ContentFacts {
    match wim {
        Ok(w) => {
            content_facts::facts::read(w, index).unwrap_or_else(|e| ContentFacts::unreadable(index, &e.to_string()))
        }
        Err(why) => ContentFacts::unreadable(index, why),
    }
}

/// What a non-OS index is, said plainly.
pub(super) fn non_os_message(path: &str, index: u32, what: &str) -> String {
    format!(
        "{path}: index {index} is not a Windows to install: its EditionID/InstallationType is {what} (a Windows PE or Setup image that installation media carry); choose an operating system index (see `oemgate inspect`)"
    )
}

/// The detected installed Windows to use: the only candidate, or none, with the roots
/// found when there were several (which one is this PC's licence is then unknown).
fn pick_offline_os(candidates: Vec<PathBuf>) -> (Option<PathBuf>, Vec<String>) {
    match candidates.len() {
        1 => (candidates.into_iter().next(), Vec::new()),
        0 => (None, Vec::new()),
        _ => (None, candidates.iter().map(|p| p.display().to_string()).collect()),
    }
}

/// SHA-256 of every file of the image, only when the policy lists approved hashes.
/// Progress goes to stderr on a terminal.
pub(super) fn hashes(rep: &ImageReport, policy: &Policy) -> Result<Vec<FileHash>> {
    if policy.approved_images.is_empty() {
        return Ok(Vec::new());
    }
    let show_progress = std::io::stderr().is_terminal();
    let mut out = Vec::new();
    for path in image::digest::image_files(rep) {
        let shown = path.display().to_string();
        let mut last_pct = u64::MAX;
        let mut progress = |done: u64, total: u64| {
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            if show_progress && pct != last_pct {
                eprint!("\rhashing {shown}: {pct:3}%");
                last_pct = pct;
            }
        };
        let sha256 = image::digest::sha256_file(&path, &mut progress)?;
        if show_progress {
            eprintln!();
        }
        out.push(FileHash { file: shown, sha256 });
    }
    Ok(out)
}

/// Write the CMTrace entries where asked (or inside a task sequence). A log that
/// cannot be written is reported on stderr; it does not change the verdict.
pub(super) fn write_log(a: &LicenceArgs, entries: &[(String, report::cmtrace::Severity)]) {
    if let Some(path) = super::log_path(a.log.as_deref()) {
        if let Err(e) = report::cmtrace::append(&path, entries) {
            eprintln!("oemgate: warning: {e}");
        }
    }
}

/// Task-sequence variables: OEMGATE_VERDICT (allowed | blocked | cannot-decide),
/// OEMGATE_EXITCODE, OEMGATE_REASON (the first blocking rule and why), OEMGATE_RULES (ids
/// of the blocking rules), OEMGATE_INDEX, OEMGATE_EDITION (the image's EditionID).
/// Outside a task sequence, and off Windows, nothing happens (said with --verbose). A
/// variable that cannot be set is a warning: the exit code is what the sequence gates on.
pub(super) fn publish_task_sequence_variables(vars: &[(&str, String)], verbose: bool) {
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    match crate::platform::set_task_sequence_variables(&pairs) {
        Ok(true) => {}
        Ok(false) if verbose => eprintln!("oemgate: not in a task sequence: no task sequence variables set"),
        Ok(false) => {}
        Err(e) => eprintln!("oemgate: warning: {e}"),
    }
}

/// The task-sequence variables for one verdict.
pub(super) fn verdict_variables(img: &ImageFacts, v: &crate::gate::verdict::Verdict) -> Vec<(&'static str, String)> {
    let reasons = v.reasons();
    let reason = reasons.first().map_or_else(String::new, |r| format!("{}: {}", r.result.id, r.result.message));
    let rules: Vec<&str> = reasons.iter().map(|r| r.result.id).collect();
    vec![
        ("OEMGATE_VERDICT", v.decision.as_str().to_string()),
        ("OEMGATE_EXITCODE", v.exit.code().to_string()),
        ("OEMGATE_REASON", reason),
        ("OEMGATE_RULES", rules.join(",")),
        ("OEMGATE_INDEX", img.index.to_string()),
        ("OEMGATE_EDITION", img.edition_id.clone().unwrap_or_default()),
    ]
}

/// The task-sequence variables of a run that ended in an error (exit 2 or 4): the
/// verdict is `error`, so a value left by an earlier run never survives.
pub(super) fn error_variables(status: ExitStatus, message: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OEMGATE_VERDICT", "error".to_string()),
        ("OEMGATE_EXITCODE", status.code().to_string()),
        ("OEMGATE_REASON", message.to_string()),
        ("OEMGATE_RULES", String::new()),
        ("OEMGATE_INDEX", String::new()),
        ("OEMGATE_EDITION", String::new()),
    ]
}

/// A `check` or `match` that ended in an error (exit 2 or 4): print the error, log it
/// (CMTrace), leave an evidence record with verdict `error` when a folder is asked for
/// (`--evidence`, else the policy's, when the policy itself could be read), set the
/// task-sequence variables to `error`, and return the exit status. A record that cannot
/// be written is a warning: the run already failed.
pub(super) fn fail_in_sequence(
    e: &Error,
    command: &'static str,
    a: &LicenceArgs,
    image: &std::path::Path,
    at: time::OffsetDateTime,
) -> ExitStatus {
    use report::cmtrace::Severity;
    let status = super::fail(e);
    let message = e.to_string();
    let mut entries = vec![(format!("{command}: error: {message}"), Severity::Error)];
    let written = evidence_dir(a, load_policy(a).ok().as_ref()).map(|dir| {
        let sources = TableSources { acpi_dir: a.acpi_dir.clone(), msdm_file: a.from_file.clone(), slic_file: None };
        let machine = firmware::identity(&sources);
        let shown = image.display().to_string();
        let record = report::evidence::failed_record(&report::evidence::Failed {
            command,
            at,
            machine: &machine,
            image: &shown,
            exit_code: status.code(),
            message: &message,
        });
        report::evidence::write(&dir, &record, at)
    });
    // Reported as for any run, but only ever a warning: the run has failed already.
    let _ = evidence_outcome(written, &Policy::default(), &mut entries);
    write_log(a, &entries);
    publish_task_sequence_variables(&error_variables(status, &message), a.verbose);
    status
}

/// A command line that did not parse (exit 2) for `check` or `match`: the variables say
/// `error` too.
pub(super) fn usage_error_in_sequence(message: &str) {
    publish_task_sequence_variables(&error_variables(ExitStatus::Usage, message), false);
}

pub fn run(args: CheckArgs) -> ExitStatus {
    let at = time::OffsetDateTime::now_utc();
    match check(&args) {
        Ok(s) => s,
        Err(e) => fail_in_sequence(&e, "check", &args.licence, args.image(), at),
    }
}

fn check(args: &CheckArgs) -> Result<ExitStatus> {
    let policy = load_policy(&args.licence)?;
    let (rep, wim) = open_image(args.image(), media_arch(&args.licence).as_deref())?;
    let info = match args.index {
        Some(n) => image::select_index(&rep, n)?,
        None if rep.images.len() == 1 => &rep.images[0],
        None => {
            return Err(Error::Usage {
                message: format!(
                    "{}: the image has {} indexes: choose one with --index N (or use `oemgate match`)",
                    rep.path,
                    rep.images.len()
                ),
            });
        }
    };
    let content = content_of(&wim, info.index);
    if let Some(what) = content.non_os() {
        return Err(Error::Usage { message: non_os_message(&rep.path, info.index, what) });
    }
    let own = content.key_configs.as_deref().map(ImageKeyConfig).ok();
    let builtin = crate::firmware::editions::Builtin;
    let chain = match &own {
        Some(o) => crate::firmware::editions::Chain(vec![o, &builtin]),
        None => crate::firmware::editions::Chain(vec![&builtin]),
    };
    let at = time::OffsetDateTime::now_utc();
    let (licensed, fw) = licensed_with(&args.licence, &policy, &chain)?;
    let mut img = ImageFacts::from_report(&rep, info);
    img.apply_content(facts::ImageContent::from_facts(&content));
    img.sha256 = hashes(&rep, &policy)?;
    let v = crate::gate::evaluate(&licensed, &img, &policy);
    let out = if args.json {
        report::check::check_json(&licensed, &img, &v)
    } else {
        report::check::check_table(&licensed, &img, &v, args.licence.verbose, crate::platform::stdout_color())
    };
    print!("{out}");
    let mut entries = report::check::log_entries(&img, &v);
    entries.extend(report::check::offline_os_log_entries(&licensed));
    let index = img.index;
    let results = [(img, v)];
    let written = write_evidence(
        &args.licence,
        &policy,
        &report::evidence::Run {
            command: "check",
            at,
            firmware: &fw,
            licensed: &licensed,
            image: &rep,
            results: &results,
            judged: Some(index),
            selection: None,
            exit_code: results[0].1.exit.code(),
        },
    );
    let failed = evidence_outcome(written, &policy, &mut entries);
    write_log(&args.licence, &entries);
    let [(img, v)] = &results;
    if let Some(msg) = failed {
        publish_task_sequence_variables(&error_variables(ExitStatus::BadInput, &msg), args.licence.verbose);
        return Ok(ExitStatus::BadInput);
    }
    let mut vars = verdict_variables(img, v);
    vars.extend(activation_variables(&policy, v));
    publish_task_sequence_variables(&vars, args.licence.verbose);
    Ok(v.exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_installed_windows_are_unknown_not_the_first() {
        let c = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(pick_offline_os(c(&[])), (None, vec![]));
        assert_eq!(pick_offline_os(c(&["C:\\"])), (Some(PathBuf::from("C:\\")), vec![]));
        let (one, several) = pick_offline_os(c(&["C:\\", "D:\\"]));
        assert_eq!(one, None);
        assert_eq!(several, ["C:\\", "D:\\"]);
    }

    #[test]
    fn kms_activation_sets_the_gvlk_only_when_allowed_and_asked() {
        use crate::gate::Decision;
        use crate::gate::activation::Advice;
        use crate::gate::verdict::Verdict;
        let gvlk = "W269N-WFGWX-YVC9B-4J6C9-T83GX";
        let verdict = |decision: Decision| {
            let exit = if decision == Decision::Allowed { ExitStatus::Ok } else { ExitStatus::Blocked };
            Verdict {
                decision,
                exit,
                rules: Vec::new(),
                activation: Advice {
                    edition_id: Some("Professional".into()),
                    release: Some("Windows 11".into()),
                    kms_client_key: Some(gvlk.into()),
                    message: String::new(),
                },
            }
        };
        let kms = Policy::parse("activation = \"kms\"", "p.toml").unwrap();
        let vars = activation_variables(&kms, &verdict(Decision::Allowed));
        assert_eq!(vars, [("OSDProductKey", gvlk.to_string()), ("ProductKey", gvlk.to_string())]);
        assert!(activation_variables(&kms, &verdict(Decision::Blocked)).is_empty());
        assert!(activation_variables(&kms, &verdict(Decision::CannotDecide)).is_empty());
        assert!(activation_variables(&Policy::default(), &verdict(Decision::Allowed)).is_empty());
        let mut no_key = verdict(Decision::Allowed);
        no_key.activation.kms_client_key = None;
        assert!(activation_variables(&kms, &no_key).is_empty());
    }

    #[test]
    fn error_runs_set_every_variable_so_none_is_stale() {
        for status in [ExitStatus::Usage, ExitStatus::BadInput] {
            let vars = error_variables(status, "oops");
            let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
            assert_eq!(get("OEMGATE_VERDICT"), Some("error"));
            assert_eq!(get("OEMGATE_EXITCODE"), Some(status.code().to_string().as_str()));
            assert_eq!(get("OEMGATE_REASON"), Some("oops"));
            // The same names a verdict sets: none survives from an earlier run.
            let names: Vec<&str> = vars.iter().map(|(n, _)| *n).collect();
            assert_eq!(
                names,
                [
                    "OEMGATE_VERDICT",
                    "OEMGATE_EXITCODE",
                    "OEMGATE_REASON",
                    "OEMGATE_RULES",
                    "OEMGATE_INDEX",
                    "OEMGATE_EDITION"
                ]
            );
        }
    }
}
