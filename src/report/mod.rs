//! Reporters: turn facts and verdicts into text for people (tables, colour),
//! JSON for scripts, and CMTrace log lines. Nothing here reads input files.

pub mod firmware;
pub mod inspect;
pub mod style;
pub mod check;
pub mod cmtrace;
