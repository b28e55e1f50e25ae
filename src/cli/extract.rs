use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::error::Error;
use crate::exit::ExitStatus;
use crate::extract::{self, Options};
use crate::image::file_listing;
use crate::image::wim::tree::Tree;
use crate::report;

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("to").required(true).args(["dest_dir", "to_stdout"])))]
pub struct ExtractArgs {
    /// The image: WIM, ESD, the first part of a split set, or an ISO holding one
    pub image: PathBuf,
    /// Files or directories to extract (`/` = the whole image); case-insensitive, `/` or `\`
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// The image index (may be left out when the image has one index)
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
    /// Write into this directory (created when missing); each PATH lands under its own name
    #[arg(long, value_name = "DIR")]
    pub dest_dir: Option<PathBuf>,
    /// Write the files' contents to standard output, one after another
    #[arg(long)]
    pub to_stdout: bool,
    /// Replace existing files in the destination
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ExtractArgs) -> ExitStatus {
    let result = file_listing::with_store(&args.image, |store, shown| {
        let index = file_listing::choose_index(store, shown, args.index)?;
        let meta = store.metadata(index).map_err(|e| e.in_file(shown))?;
        let tree = Tree::open(&*meta).map_err(|e| e.in_file(shown))?;
        // Every path is looked up before anything is written.
        let mut found = Vec::new();
        for p in &args.paths {
            found.push(file_listing::find(&tree, shown, index, p).map_err(|e| e.in_file(shown))?);
        }
        if let Some(dest) = &args.dest_dir {
            // Every subtree is checked before the first file of any is written.
            for f in &found {
                extract::check(&tree, f).map_err(|e| e.in_file(shown))?;
            }
            let opts = Options { force: args.force };
            let mut total = extract::Summary::default();
            for f in &found {
                let s = extract::to_dir(store, shown, &tree, f, dest, opts).map_err(|e| e.in_file(shown))?;
                total.files += s.files;
                total.directories += s.directories;
                total.bytes += s.bytes;
                total.hard_links += s.hard_links;
                total.named_streams_skipped += s.named_streams_skipped;
                total.skipped.extend(s.skipped);
            }
            eprint!("{}", report::extract::notes(&total));
            print!("{}", report::extract::summary(&total, &dest.display().to_string()));
            return Ok(());
        }
        for f in &found {
            extract::check_plain_file(shown, f)?;
        }
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        for f in &found {
            extract::to_writer(store, shown, f, &mut out)?;
        }
        out.flush().map_err(|e| Error::io("standard output", &e))
    });
    match result {
        Ok(()) => ExitStatus::Ok,
        Err(e) => super::fail(&e),
    }
}
