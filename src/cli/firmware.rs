use std::path::PathBuf;

use clap::Args;

use crate::exit::ExitStatus;
use crate::firmware::{self, TableSources};
use crate::report;

#[derive(Args, Debug)]
#[command(after_help = "\
Reads the live firmware (on Linux as root; in WinPE or Windows as Administrator) unless dumped \
tables are named. Placeholder tables (an MSDM or SLIC holding no key or marker: header only, \
all 0xFF or 0x00, no RSA1 key, no marker) are reported as no key / no marker, each table read \
on its own. The SLIC marker is compared with the XSDT (the RSDT when there is no XSDT; the FACP \
as a stand-in where neither is readable). Exit codes: 0 the firmware could be read (also when \
it holds no OA3 key or only placeholders), 2 usage error, 4 a table is present but unreadable \
or corrupt (one line on stderr).")]
pub struct FirmwareArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
    /// Show the full OA3 product key (masked by default)
    #[arg(long)]
    pub show_key: bool,
    /// Read dumped tables from DIR (files MSDM, SLIC, RSDT, XSDT, FACP, TPM2, TCPA, optionally .bin/.dat; DMI or RSMB for SMBIOS)
    #[arg(long, value_name = "DIR")]
    pub acpi_dir: Option<PathBuf>,
    /// Read a dumped MSDM table
    #[arg(long, value_name = "MSDM.bin")]
    pub from_file: Option<PathBuf>,
    /// Read a dumped SLIC table
    #[arg(long, value_name = "SLIC.bin")]
    pub slic_file: Option<PathBuf>,
}

pub fn run(args: FirmwareArgs) -> ExitStatus {
    let sources = TableSources { acpi_dir: args.acpi_dir, msdm_file: args.from_file, slic_file: args.slic_file };
    let facts = match firmware::read(&sources) {
        Ok(f) => f,
        Err(e) => return super::fail(&e),
    };
    let out = if args.json {
        report::firmware::json(&facts, args.show_key)
    } else {
        report::firmware::text(&facts, args.show_key)
    };
    print!("{out}");
    ExitStatus::Ok
}
