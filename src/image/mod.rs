//! Windows image formats: WIM, ESD (solid WIM), split SWM sets, and (later) ISO media.
//! Everything here is parsing over a `ReadAt` source: no printing.

pub mod wim;
