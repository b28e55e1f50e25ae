//! Facts read from the files inside an image, not from its XML label: the image's own
//! product-key configuration (`pkeyconfig.rs`), its registry and kernel (`facts.rs`). The gate trusts content over labels.

pub mod facts;
pub mod pkeyconfig;
