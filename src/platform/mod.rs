//! Everything that differs between operating systems lives here, behind plain
//! functions; the rest of the crate is portable. Readers here return raw bytes or
//! simple values; the parsers elsewhere interpret them.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(windows)]
mod windows;

/// Whether standard output/error should carry ANSI colour.
pub fn stdout_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}
