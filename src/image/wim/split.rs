//! Split WIM sets (SWM): `install.swm`, `install2.swm`, `install3.swm`... Every part
//! carries the same GUID and total part count and its own part number. Only the
//! 208-byte header of parts 2..n is read.

use super::header::Header;
use super::read_header;
use crate::error::{Error, Result};
use crate::source::ReadAt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub number: u16,
    /// File name (or path) of the part.
    pub name: String,
    pub size: u64,
}

/// The file name of part `n` given part 1's name: `install.swm` → `install2.swm`.
pub fn part_name(first: &str, n: u16) -> String {
    if n == 1 {
        return first.to_string();
    }
    // Split at the last dot of the final path component only.
    let sep = first.rfind(['/', '\\']).map_or(0, |i| i + 1);
    match first[sep..].rfind('.') {
        Some(dot) => format!("{}{n}{}", &first[..sep + dot], &first[sep + dot..]),
        None => format!("{first}{n}"),
    }
}

/// Check a split set given part 1 (already read) and a way to open part `n`
/// (`Ok(None)` when it does not exist). Returns the parts in order.
pub fn check_set(
    first: &dyn ReadAt,
    first_header: &Header,
    open_part: &mut dyn FnMut(u16) -> Result<Option<Box<dyn ReadAt>>>,
) -> Result<Vec<PartInfo>> {
    if first_header.part_number != 1 {
        return Err(Error::invalid(
            "WIM header",
            40,
            "part number",
            "1 (give the first part of a split set, e.g. install.swm)",
            format!("part {} of {}", first_header.part_number, first_header.total_parts),
        ));
    }
    let total = first_header.total_parts;
    let mut parts = vec![PartInfo { number: 1, name: first.name(), size: first.len() }];
    let mut missing = Vec::new();
    for n in 2..=total {
        let Some(src) = open_part(n)? else {
            missing.push(n);
            continue;
        };
        let h = read_header(&*src).map_err(|e| e.in_file(src.name()))?;
        validate_part(&h, first_header, n).map_err(|e| e.in_file(src.name()))?;
        parts.push(PartInfo { number: n, name: src.name(), size: src.len() });
    }
    if !missing.is_empty() {
        // Name a few; a damaged header may claim 65,535 parts.
        const SHOWN: usize = 5;
        let mut names: Vec<String> = missing.iter().take(SHOWN).map(|n| part_name(&first.name(), *n)).collect();
        if missing.len() > SHOWN {
            names.push(format!("and {} more", missing.len() - SHOWN));
        }
        return Err(Error::NotFound {
            what: format!("split WIM set incomplete: {} of {total} parts missing: {}", missing.len(), names.join(", ")),
        });
    }
    Ok(parts)
}

/// Part `n` must belong to the same set as part 1 and sit at position `n`.
pub fn validate_part(h: &Header, first: &Header, n: u16) -> Result<()> {
    if h.guid != first.guid {
        return Err(Error::invalid(
            "WIM header (foreign part of split set)",
            24,
            "GUID",
            first.guid.clone(),
            h.guid.clone(),
        ));
    }
    if h.total_parts != first.total_parts {
        return Err(Error::invalid(
            "WIM header",
            42,
            "total parts",
            first.total_parts.to_string(),
            h.total_parts.to_string(),
        ));
    }
    if h.part_number != n {
        return Err(Error::invalid("WIM header", 40, "part number", n.to_string(), h.part_number.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::part_name;

    #[test]
    fn names_parts_like_wimlib_and_dism() {
        assert_eq!(part_name("install.swm", 1), "install.swm");
        assert_eq!(part_name("install.swm", 2), "install2.swm");
        assert_eq!(part_name("D:\\sources\\install.swm", 12), "D:\\sources\\install12.swm");
        assert_eq!(part_name("dir.v1/install", 3), "dir.v1/install3");
    }
}
