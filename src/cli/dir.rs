use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::error::Error;
use crate::exit::ExitStatus;
use crate::image::file_listing::{self, Item};
use crate::image::wim::tree::Tree;
use crate::report;

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The image: WIM, ESD, the first part of a split set, or an ISO holding one
    pub image: PathBuf,
    /// List only this path and what is below it (case-insensitive, `/` or `\`)
    #[arg(default_value = "/")]
    pub path: String,
    /// The image index (may be left out when the image has one index)
    #[arg(long, value_name = "N")]
    pub index: Option<u32>,
    /// Print JSON with each entry's size, attributes and times (shape in README)
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DirArgs) -> ExitStatus {
    let result = file_listing::with_store(&args.image, |store, shown| {
        let index = file_listing::choose_index(store, shown, args.index)?;
        let meta = store.metadata(index).map_err(|e| e.in_file(shown))?;
        let tree = Tree::open(&*meta).map_err(|e| e.in_file(shown))?;
        let start = file_listing::find(&tree, shown, index, &args.path).map_err(|e| e.in_file(shown))?;
        if args.json {
            let mut items: Vec<Item> = Vec::new();
            file_listing::list(store, &tree, &start, true, &mut |i| {
                items.push(i);
                Ok(())
            })
            .map_err(|e| e.in_file(shown))?;
            print!("{}", report::dir::json(shown, index, &start.path, &items));
            return Ok(());
        }
        // The whole listing is made before anything is printed: a damaged tree gives
        // one error line and nothing on stdout.
        let mut text = String::new();
        file_listing::list(store, &tree, &start, false, &mut |i| {
            text.push_str(&report::dir::line(&i));
            Ok(())
        })
        .map_err(|e| e.in_file(shown))?;
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(|e| Error::io("standard output", &e))
    });
    match result {
        Ok(()) => ExitStatus::Ok,
        Err(e) => super::fail(&e),
    }
}
