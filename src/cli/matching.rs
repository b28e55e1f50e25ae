use clap::Args;

use crate::exit::ExitStatus;

#[derive(Args, Debug)]
pub struct MatchArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: MatchArgs) -> ExitStatus {
    eprintln!("oemgate: match: not implemented yet");
    ExitStatus::CannotDecide
}
