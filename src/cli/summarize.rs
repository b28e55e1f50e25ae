use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::exit::ExitStatus;
use crate::report;
use crate::report::evidence::MAX_RECORD_BYTES;
use crate::report::summary::Summary;

#[derive(Args, Debug)]
pub struct SummarizeArgs {
    /// Folders holding evidence records (`*.json`, read in every subfolder)
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write one CSV row per readable record to FILE (columns: see README)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Print the summary as JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Subfolders deeper than this are not entered.
const MAX_DEPTH: usize = 32;

/// Every record file below `root`, handed to `each` as it is found (directory order;
/// symbolic links are not followed; in-flight temporary files are skipped). A folder
/// that cannot be listed is handed over as an error.
fn walk(root: &Path, each: &mut dyn FnMut(&Path, Option<String>)) {
    if root.is_file() {
        each(root, None);
        return;
    }
    let mut stack: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                each(&dir, Some(format!("cannot list the folder: {e}")));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    each(&dir, Some(format!("cannot list the folder: {e}")));
                    break;
                }
            };
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                each(&path, Some("cannot tell its type".into()));
                continue;
            };
            if kind.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if kind.is_file() && is_record_name(&entry.file_name().to_string_lossy()) {
                each(&path, None);
            }
        }
    }
}

/// `*.json` (any case), not a hidden in-flight file.
fn is_record_name(name: &str) -> bool {
    !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".json")
}

pub fn run(args: SummarizeArgs) -> ExitStatus {
    let mut csv = match &args.csv {
        None => None,
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => {
                let mut w = std::io::BufWriter::new(f);
                if let Err(e) = w.write_all(report::summary::csv_header().as_bytes()) {
                    eprintln!("oemgate: error: {}: cannot write: {e}", p.display());
                    return ExitStatus::BadInput;
                }
                Some(w)
            }
            Err(e) => {
                eprintln!("oemgate: error: {}: cannot create: {e}", p.display());
                return ExitStatus::BadInput;
            }
        },
    };
    let mut summary = Summary::default();
    let mut csv_error: Option<String> = None;
    for dir in &args.dirs {
        if !dir.exists() {
            let why = "no such file or folder";
            eprintln!("oemgate: {}: {why}", dir.display());
            summary.add_unreadable(&dir.display().to_string(), why);
            continue;
        }
        walk(dir, &mut |path, listing_error| {
            let shown = path.display().to_string();
            let read = match listing_error {
                Some(e) => Err(e),
                None => crate::source::read_file_bounded(path, "evidence record", "evidence record", MAX_RECORD_BYTES)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| report::evidence::parse(&bytes)),
            };
            match read {
                Ok(r) => {
                    summary.add(&r);
                    if let Some(w) = csv.as_mut()
                        && csv_error.is_none()
                        && let Err(e) = w.write_all(report::summary::csv_row(&r, &shown).as_bytes())
                    {
                        csv_error = Some(e.to_string());
                    }
                }
                Err(e) => {
                    eprintln!("oemgate: {shown}: {e}");
                    summary.add_unreadable(&shown, &e);
                }
            }
        });
    }
    if let Some(mut w) = csv
        && csv_error.is_none()
        && let Err(e) = w.flush()
    {
        csv_error = Some(e.to_string());
    }
    print!("{}", if args.json { summary.json() } else { summary.text() });
    if let Some(e) = csv_error {
        eprintln!("oemgate: error: cannot write the CSV: {e}");
        return ExitStatus::BadInput;
    }
    if summary.unreadable > 0 { ExitStatus::BadInput } else { ExitStatus::Ok }
}
