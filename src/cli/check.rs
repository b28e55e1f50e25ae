use clap::Args;

use crate::exit::ExitStatus;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: CheckArgs) -> ExitStatus {
    eprintln!("oemgate: check: not implemented yet");
    ExitStatus::CannotDecide
}
