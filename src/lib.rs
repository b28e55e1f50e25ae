//! oemgate: read a Windows image's metadata and this PC's licence facts, apply the
//! Volume Licensing reimaging rules, and answer allowed / blocked.
//!
//! Facts flow one way: sources (`image`, `firmware`, `offline_os`, `operator`) →
//! facts → `gate` (rules → verdict) → `report`. Parsers never print; the `cli`
//! never touches bytes; OS-specific code lives in `platform`.

pub mod cli;
pub mod error;
pub mod exit;
pub mod extract;
pub mod firmware;
pub mod gate;
pub mod image;
pub mod offline_os;
pub mod operator;
pub mod platform;
pub mod report;
pub mod source;

pub use error::{Error, Result};
pub use exit::ExitStatus;
