//! Windows platform readers (windows crate).

mod firmware;
pub use firmware::*;
