//! One error type for every parser and source. Variants carry where the problem is
//! (structure, offset) and what was expected versus found, so a damaged input always
//! yields one precise line. Which exit code an error means is the CLI's business
//! (`cli::exit_status`), not this type's.

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The operating system refused or failed an I/O operation.
    #[error("{what}: {message}")]
    Io { what: String, message: String },
    /// Access denied; `hint` tells the user what to do (e.g. "run as root").
    #[error("{what}: {hint}")]
    PermissionDenied { what: String, hint: &'static str },
    /// A signature / magic value did not match.
    #[error("{structure} at offset {offset}: bad signature: expected {expected}, found {actual}")]
    BadMagic { structure: &'static str, offset: u64, expected: String, actual: String },
    /// A structure needs more bytes than the input holds.
    #[error("{structure} at offset {offset}: truncated: needs {needed} bytes, only {available} available")]
    Truncated { structure: &'static str, offset: u64, needed: u64, available: u64 },
    /// A field holds a value that is not allowed.
    #[error("{structure} at offset {offset}: {field}: expected {expected}, found {actual}")]
    InvalidField { structure: &'static str, offset: u64, field: &'static str, expected: String, actual: String },
    /// A size exceeds the bound we accept before allocating.
    #[error("{structure} at offset {offset}: size {size} exceeds the limit of {limit} bytes")]
    TooLarge { structure: &'static str, offset: u64, size: u64, limit: u64 },
    /// A structure is malformed in a way that does not fit the variants above.
    #[error("{structure} at offset {offset}: {message}")]
    Malformed { structure: &'static str, offset: u64, message: String },
    /// Something that must exist does not (e.g. a missing split part, no image in an ISO).
    #[error("{what}")]
    NotFound { what: String },
    /// Supported in the format but not by this tool (e.g. a compressed XML resource).
    #[error("{structure} at offset {offset}: not supported: {message}")]
    Unsupported { structure: &'static str, offset: u64, message: String },
    /// The request asks for something the input does not have, or for a value that
    /// does not exist (e.g. an index the image lacks, an unknown architecture name).
    #[error("{message}")]
    Usage { message: String },
    /// Wraps an error with the file it came from.
    #[error("{path}: {source}")]
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
}
