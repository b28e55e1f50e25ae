use clap::Args;

use crate::exit::ExitStatus;

#[derive(Args, Debug)]
pub struct FirmwareArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: FirmwareArgs) -> ExitStatus {
    eprintln!("oemgate: firmware: not implemented yet");
    ExitStatus::CannotDecide
}
