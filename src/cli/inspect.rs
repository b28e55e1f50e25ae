use std::path::PathBuf;

use clap::Args;

use crate::exit::ExitStatus;
use crate::gate::facts::{ImageContent, ImageFacts};
use crate::image;
use crate::report;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The image: install.wim, install.esd, the first part of a split set (install.swm),
    /// or an ISO holding one of these (UDF or ISO 9660/Joliet)
    pub image: PathBuf,
    /// Dual-architecture media (x64/sources, x86/sources): read this architecture's image (default: this program's)
    #[arg(long, value_name = "ARCH", value_parser = ["x64", "x86", "arm64"])]
    pub media_arch: Option<String>,
    /// Show only this image index
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
    /// Print JSON (stable shape, see README) instead of a table
    #[arg(long)]
    pub json: bool,
    /// Also show the WIM header and resource headers
    #[arg(long, short)]
    pub verbose: bool,
    /// Also read each index's own files (registry hives, kernel, key configuration) and
    /// show their facts beside the XML's, disagreements marked
    #[arg(long)]
    pub content: bool,
}

pub fn run(args: InspectArgs) -> ExitStatus {
    let mut rep = match image::open_for_arch(&args.image, args.media_arch.as_deref()) {
        Ok(r) => r,
        Err(e) => return super::fail(&e),
    };
    if let Some(n) = args.index {
        match image::select_index(&rep, n) {
            Ok(img) => rep.images = vec![img.clone()],
            Err(e) => return super::fail(&e),
        }
    }
    let mut out = if args.json {
        report::inspect::json(&rep)
    } else {
        report::inspect::table(&rep, args.verbose, crate::platform::stdout_color())
    };
    if args.content {
        let wim = match super::check::open_image(&args.image, args.media_arch.as_deref()) {
            Ok((_, w)) => w,
            Err(e) => return super::fail(&e),
        };
        let facts: Vec<ImageFacts> = rep
            .images
            .iter()
            .map(|info| {
                let mut img = ImageFacts::from_report(&rep, info);
                img.apply_content(ImageContent::from_facts(&super::check::content_of(&wim, info.index)));
                img
            })
            .collect();
        out = if args.json {
            report::inspect::with_content_json(&out, &facts)
        } else {
            out + &report::inspect::content_table(&facts, crate::platform::stdout_color())
        };
    }
    print!("{out}");
    ExitStatus::Ok
}
