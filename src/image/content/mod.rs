//! Facts read from the files inside an image, not from its XML label: the image's own
//! product-key configuration (`pkeyconfig.rs`). The gate trusts content over labels.

pub mod pkeyconfig;
