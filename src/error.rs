//! One error type for every parser and source. Variants carry where the problem is
//! (structure, offset) and what was expected versus found, so a damaged input always
//! yields one precise line. Every variant maps to exit code 4 (unreadable or corrupt
//! input) except where noted.

use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The operating system refused or failed an I/O operation.
    Io { what: String, message: String },
    /// Access denied; `hint` tells the user what to do (e.g. "run as root").
    PermissionDenied { what: String, hint: &'static str },
    /// A signature / magic value did not match.
    BadMagic { structure: &'static str, offset: u64, expected: String, actual: String },
    /// A structure needs more bytes than the input holds.
    Truncated { structure: &'static str, offset: u64, needed: u64, available: u64 },
    /// A field holds a value that is not allowed.
    InvalidField { structure: &'static str, offset: u64, field: &'static str, expected: String, actual: String },
    /// A size exceeds the bound we accept before allocating.
    TooLarge { structure: &'static str, offset: u64, size: u64, limit: u64 },
    /// A structure is malformed in a way that does not fit the variants above.
    Malformed { structure: &'static str, offset: u64, message: String },
    /// Something that must exist does not (e.g. a missing split part, no image in an ISO).
    NotFound { what: String },
    /// Supported in the format but not by this tool (e.g. a compressed XML resource).
    Unsupported { structure: &'static str, offset: u64, message: String },
    /// The arguments ask for something the input does not have (e.g. an index
    /// the image lacks). Exit code 2.
    Usage { message: String },
    /// Wraps an error with the file it came from.
    InFile { path: String, source: Box<Error> },
}

impl Error {
    /// Attach the path of the file the error came from (outermost path wins).
    pub fn in_file(self, path: impl Into<String>) -> Error {
        match self {
            e @ Error::InFile { .. } => e,
            e => Error::InFile { path: path.into(), source: Box::new(e) },
        }
    }

    pub fn malformed(structure: &'static str, offset: u64, message: impl Into<String>) -> Error {
        Error::Malformed { structure, offset, message: message.into() }
    }

    pub fn invalid(
        structure: &'static str,
        offset: u64,
        field: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Error {
        Error::InvalidField { structure, offset, field, expected: expected.into(), actual: actual.into() }
    }

    pub fn io(what: impl Into<String>, err: &std::io::Error) -> Error {
        if err.kind() == std::io::ErrorKind::PermissionDenied {
            return Error::PermissionDenied {
                what: what.into(),
                hint: "permission denied (run as root / Administrator)",
            };
        }
        Error::Io { what: what.into(), message: err.to_string() }
    }

    /// The process exit code this error maps to (see README, "Exit codes").
    pub fn exit_code(&self) -> crate::exit::ExitStatus {
        match self {
            Error::Usage { .. } => crate::exit::ExitStatus::Usage,
            Error::InFile { source, .. } => source.exit_code(),
            _ => crate::exit::ExitStatus::BadInput,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { what, message } => write!(f, "{what}: {message}"),
            Error::PermissionDenied { what, hint } => write!(f, "{what}: {hint}"),
            Error::BadMagic { structure, offset, expected, actual } => {
                write!(f, "{structure} at offset {offset}: bad signature: expected {expected}, found {actual}")
            }
            Error::Truncated { structure, offset, needed, available } => {
                write!(f, "{structure} at offset {offset}: truncated: needs {needed} bytes, only {available} available")
            }
            Error::InvalidField { structure, offset, field, expected, actual } => {
                write!(f, "{structure} at offset {offset}: {field}: expected {expected}, found {actual}")
            }
            Error::TooLarge { structure, offset, size, limit } => {
                write!(f, "{structure} at offset {offset}: size {size} exceeds the limit of {limit} bytes")
            }
            Error::Malformed { structure, offset, message } => write!(f, "{structure} at offset {offset}: {message}"),
            Error::NotFound { what } => write!(f, "{what}"),
            Error::Unsupported { structure, offset, message } => {
                write!(f, "{structure} at offset {offset}: not supported: {message}")
            }
            Error::Usage { message } => write!(f, "{message}"),
            Error::InFile { path, source } => write!(f, "{path}: {source}"),
        }
    }
}

impl std::error::Error for Error {}
