use clap::Args;

use crate::exit::ExitStatus;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: InspectArgs) -> ExitStatus {
    ExitStatus::CannotDecide
}
