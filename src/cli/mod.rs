//! Command-line interface: argument parsing and dispatch. Each subcommand lives in its
//! own file with its own `Args` and `run`. The CLI calls sources, the gate and
//! reporters; it never parses bytes itself.

use clap::{Parser, Subcommand};

use crate::exit::ExitStatus;

mod check;
mod dir;
mod extract;
mod firmware;
mod inspect;
mod matching;
mod summarize;
mod verify;

const EXIT_CODES: &str = "\
Exit codes (all commands):
  0  ok / allowed (warnings may be present)
  1  blocked: a rule fails (match: no index allowed; match --select: no index fits)
  2  usage error (bad arguments, an index the image does not have;
     dir/extract: a path the image lacks, an existing file without --force)
  3  cannot decide: a required fact is unknown and the policy says block
     (match --select: several indexes fit equally)
  4  unreadable or corrupt input (image, firmware table, hive, policy), permission denied
     (check/match: an evidence record not written when the policy requires it;
     summarize: a file that is not a readable record)
     (extract: also a refused name or tree, a blob whose SHA-1 does not match)";

#[derive(Parser, Debug)]
#[command(
    name = "oemgate",
    version,
    about = "Check a Windows image against this PC's licence before reimaging",
    long_about = "Reads a Windows image's metadata (WIM, ESD, split SWM, or any of these inside an ISO), \
                  reads what this PC is licensed for (OA3 key in ACPI MSDM, SLIC marker, operator declaration, \
                  installed Windows), applies the Volume Licensing reimaging rules and answers allowed or blocked.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show every image's facts (edition, version, languages, architecture...)
    Inspect(inspect::InspectArgs),
    /// Show what this PC's firmware says it is licensed for
    Firmware(firmware::FirmwareArgs),
    /// Decide whether one image index may be applied to this PC
    Check(check::CheckArgs),
    /// List every index of an image with allowed/blocked for this PC
    Match(matching::MatchArgs),
    /// List the files and directories inside an image index
    Dir(dir::DirArgs),
    /// Extract files or directories from an image index
    Extract(extract::ExtractArgs),
    /// Check the image's integrity table, metadata and every blob's SHA-1
    Verify(verify::VerifyArgs),
    /// Count the evidence records of many runs (verdicts, editions, reasons); --csv for one row per record
    Summarize(summarize::SummarizeArgs),
}

/// Parse arguments, run, return the exit status. Usage errors exit 2.
pub fn main() -> ExitStatus {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitStatus::Ok,
                _ => {
                    // A task sequence gating on OEMGATE_VERDICT must not see a stale value.
                    let cmd = std::env::args_os().nth(1);
                    if cmd.as_deref().is_some_and(|c| c == "check" || c == "match") {
                        check::usage_error_in_sequence(e.to_string().lines().next().unwrap_or("usage error"));
                    }
                    ExitStatus::Usage
                }
            };
        }
    };
    match cli.command {
        Command::Inspect(a) => inspect::run(a),
        Command::Firmware(a) => firmware::run(a),
        Command::Check(a) => check::run(a),
        Command::Match(a) => matching::run(a),
        Command::Dir(a) => dir::run(a),
        Command::Extract(a) => extract::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Summarize(a) => summarize::run(a),
    }
}

/// Print a one-line error for `err` on stderr and return its exit status.
pub(crate) fn fail(err: &crate::Error) -> ExitStatus {
    eprintln!("oemgate: error: {err}");
    exit_status(err)
}

/// The exit code an error means (see README, "Exit codes"): 2 when the request asks
/// for something the input lacks, else 4 (unreadable or corrupt input).
pub fn exit_status(err: &crate::Error) -> ExitStatus {
    match err {
        crate::Error::Usage { .. } => ExitStatus::Usage,
        crate::Error::InFile { source, .. } => exit_status(source),
        _ => ExitStatus::BadInput,
    }
}

/// Where `check` and `match` write their CMTrace log: `--log FILE`, else
/// `%_SMSTSLogPath%\oemgate.log` inside a task sequence, else nowhere.
pub(crate) fn log_path(explicit: Option<&std::path::Path>) -> Option<std::path::PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    crate::platform::task_sequence_log_dir().map(|dir| dir.join("oemgate.log"))
}
