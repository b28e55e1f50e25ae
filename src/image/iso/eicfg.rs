//! `sources/ei.cfg`: the edition configuration file of Windows setup media.
//!
//! ```text
//! [EditionID]
//! Professional
//! [Channel]
//! Volume
//! [VL]
//! 1
//! ```
//!
//! Section names and values are case-insensitive; UTF-8 (with or without BOM) or
//! UTF-16LE with BOM; CRLF or LF; blank lines and `;`/`#` comments are skipped. A
//! section's value is its first non-empty line. An empty or missing value is "not
//! stated" (`None`), e.g. an ei.cfg without `[EditionID]` lets setup offer every
//! edition.

use crate::error::{Error, Result};

/// Refuse ei.cfg files larger than this (real ones are < 100 bytes).
pub const MAX_EICFG_SIZE: u64 = 64 * 1024;

/// The licensing channel the media is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Retail,
    Oem,
    Volume,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Retail => "Retail",
            Channel::Oem => "OEM",
            Channel::Volume => "Volume",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EiCfg {
    /// `[EditionID]`, e.g. "Professional".
    pub edition_id: Option<String>,
    /// `[Channel]` when it is Retail, OEM or Volume.
    pub channel: Option<Channel>,
    /// `[Channel]` as written (also when it is none of the three).
    pub channel_text: Option<String>,
    /// `[VL]`: 1 = volume licensing media, 0 = not.
    pub vl: Option<bool>,
}

fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = crate::bytes::utf16le_units(rest).collect();
        return String::from_utf16_lossy(&units);
    }
    let rest = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    String::from_utf8_lossy(rest).into_owned()
}

/// Parse the bytes of an ei.cfg.
pub fn parse(bytes: &[u8]) -> Result<EiCfg> {
    if bytes.len() as u64 > MAX_EICFG_SIZE {
        return Err(Error::TooLarge {
            structure: "ei.cfg",
            offset: 0,
            size: bytes.len() as u64,
            limit: MAX_EICFG_SIZE,
        });
    }
    let text = decode(bytes);
    let mut cfg = EiCfg { edition_id: None, channel: None, channel_text: None, vl: None };
    let mut section: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_ascii_lowercase());
            continue;
        }
        let value = line.to_string();
        match section.take().as_deref() {
            Some("editionid") => cfg.edition_id = Some(value),
            Some("channel") => {
                cfg.channel = match value.to_ascii_lowercase().as_str() {
                    "retail" => Some(Channel::Retail),
                    "oem" => Some(Channel::Oem),
                    "volume" => Some(Channel::Volume),
                    _ => None,
                };
                cfg.channel_text = Some(value);
            }
            Some("vl") => {
                cfg.vl = match value.as_str() {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                }
            }
            _ => {} // unknown section, or a second line of a section
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_file() {
        let c = parse(b"[EditionID]\nProfessional\n[Channel]\nVolume\n[VL]\n1\n").unwrap();
        assert_eq!(c.edition_id.as_deref(), Some("Professional"));
        assert_eq!(c.channel, Some(Channel::Volume));
        assert_eq!(c.vl, Some(true));
    }

    #[test]
    fn tolerates_bom_crlf_case_and_blanks() {
        let c = parse(b"\xef\xbb\xbf; comment\r\n[editionid]\r\n\r\n  Core  \r\n[CHANNEL]\r\nOEM\r\n[vl]\r\n0\r\n")
            .unwrap();
        assert_eq!(c.edition_id.as_deref(), Some("Core"));
        assert_eq!(c.channel, Some(Channel::Oem));
        assert_eq!(c.vl, Some(false));
    }

    #[test]
    fn reads_utf16le_with_bom() {
        let text = "[Channel]\r\nRetail\r\n";
        let mut b = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        let c = parse(&b).unwrap();
        assert_eq!(c.channel, Some(Channel::Retail));
        assert_eq!(c.edition_id, None);
    }

    #[test]
    fn unknown_channel_kept_as_text_and_empty_sections_stay_unset() {
        let c = parse(b"[EditionID]\n[Channel]\n_Default\n").unwrap();
        assert_eq!(c.edition_id, None, "the [Channel] header is not the EditionID value");
        assert_eq!(c.channel, None);
        assert_eq!(c.channel_text.as_deref(), Some("_Default"));
        assert!(parse(&vec![b'a'; 70_000]).is_err());
    }
}
