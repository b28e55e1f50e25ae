//! The integration tests, one crate: each file is a module; `common` and `iso_common` hold the shared helpers.

mod codec_lzms;
mod codec_lzx;
mod codec_xpress;
mod codecs;
mod common;
mod engine;
mod firmware_cli;
mod firmware_parsers;
mod firmware_qemu;
mod gate;
mod gate_cases;
mod inspect_damaged;
mod inspect_reads_little;
mod inspect_wimlib;
mod iso;
mod iso_big;
mod iso_common;
mod iso_damage;
mod iso_split_lookup;
mod offline_os;
mod policy;
mod tree;
mod tree_hostile;
mod wine;
