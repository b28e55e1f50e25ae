//! Checking a whole image: see `verify`.
