//! Windows platform readers (windows crate).
