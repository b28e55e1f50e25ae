//! Process exit codes, the contract with task sequences and scripts.
//! Keep in sync with README.md ("Exit codes") and `oemgate --help`.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitStatus {
    /// 0: success / allowed (warnings may be present).
    Ok = 0,
    /// 1: blocked by a rule (or, for `match --select`, no index fits).
    Blocked = 1,
    /// 2: usage error (bad arguments).
    Usage = 2,
    /// 3: cannot decide: a required fact is unknown (or several indexes fit equally).
    CannotDecide = 3,
    /// 4: unreadable or corrupt input.
    BadInput = 4,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(s.code())
    }
}
