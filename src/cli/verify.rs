use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;

use crate::exit::ExitStatus;
use crate::image::archive::Wim;
use crate::image::wim::verify::{self, Stage};
use crate::report;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The image: install.wim, install.esd, the first part of a split set (install.swm),
    /// or an ISO holding one of these
    pub image: PathBuf,
    /// Check the metadata resource of this image index only (blobs: all of them)
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
    /// Print JSON (stable shape, see README) instead of text
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: VerifyArgs) -> ExitStatus {
    let wim = match Wim::open(&args.image) {
        Ok(w) => w,
        Err(e) => return super::fail(&e),
    };
    let show = std::io::stderr().is_terminal();
    let mut last = (None, u64::MAX);
    let mut progress = |stage: Stage, done: u64, total: u64| {
        if !show {
            return;
        }
        let pct = (done.saturating_mul(100)).checked_div(total).unwrap_or(100);
        if last == (Some(stage), pct) {
            return;
        }
        last = (Some(stage), pct);
        let what = match stage {
            Stage::Integrity(p) => format!("integrity table (part {p})"),
            Stage::Blobs => "blobs".to_string(),
        };
        let bar = "#".repeat((pct / 4) as usize);
        let mut err = std::io::stderr();
        let _ = write!(err, "\rverifying {what:<26} [{bar:<25}] {pct:3}%");
        let _ = err.flush();
    };
    let result = verify::verify(&wim, args.index, &mut progress);
    if show && last.0.is_some() {
        eprintln!();
    }
    match result {
        Ok(rep) => {
            let out = if args.json {
                report::verify::json(&rep)
            } else {
                report::verify::table(&rep, crate::platform::stdout_color())
            };
            print!("{out}");
            ExitStatus::Ok
        }
        Err(e) => super::fail(&e.in_file(args.image.display().to_string())),
    }
}
