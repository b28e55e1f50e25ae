//! The File Set Descriptor (ECMA-167 4/14.1): where the root directory's ICB is.

use super::tag::{self, FILE_SET};
use super::{LongAd, Volume};
use crate::bytes::Fields;
use crate::error::Result;
use crate::image::iso::node::SECTOR;
use crate::source::{ReadAt, read_bounded};

/// The root directory ICB (a long_ad) in the file set descriptor.
const ROOT_DIRECTORY_ICB: usize = 400;

/// Read the file set descriptor at `at` and return the root directory ICB.
pub fn root_icb(src: &dyn ReadAt, vol: &Volume, at: &LongAd) -> Result<LongAd> {
    const S: &str = "UDF file set descriptor";
    let offset = vol.block_offset(at.partition, at.block, S)?;
    let b = read_bounded(src, S, offset, SECTOR, SECTOR)?;
    tag::parse(&b, offset, at.block, S, &[FILE_SET])?;
    LongAd::read(&Fields::new(&b, S, offset), ROOT_DIRECTORY_ICB)
}
