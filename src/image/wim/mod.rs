//! WIM reader (placeholder).
