//! The product-key configuration a Windows image carries:
//! `Windows/System32/spp/tokens/pkeyconfig/pkeyconfig*.xrm-ms`.
//!
//! The file is an XrML 2.1 licence (UTF-8 XML). Its `tm:infoBin name="pkeyConfigData"`
//! element holds, in base64, a `ProductKeyConfiguration` XML document (UTF-8, optionally
//! with a byte-order mark) with
//! - `Configurations/Configuration`: `ActConfigId` (a GUID), `RefGroupId` (the key group id
//!   that a product key's bits 0-19 carry), `EditionId` (one EditionID, or several joined by
//!   `;`), `ProductDescription`, `ProductKeyType` (`OEM:DM`, `Retail`, `Volume:GVLK`,
//!   `Volume:MAK`, ...);
//! - `KeyRanges/KeyRange`: `RefActConfigId`, `PartNumber`, `EulaType`, `IsValid`, `Start`,
//!   `End` (the serial numbers a configuration's keys carry).
//!
//! Everything is bounded: the file, the decoded document, the element count, the nesting
//! depth and every text value.

use base64::Engine as _;
use quick_xml::events::Event;

use crate::error::{Error, Result};

/// Real files are under 2 MiB (Windows 11's is about 1 MiB of base64).
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;
/// Deeper than this is not a key configuration (real ones nest 4 levels in the document,
/// 8 in the licence).
const MAX_DEPTH: usize = 32;
/// More elements than this is not a key configuration (Windows 11's has ~40,000).
const MAX_ELEMENTS: usize = 2_000_000;
/// One text value (the base64 payload is the longest).
const MAX_TEXT: usize = 12 * 1024 * 1024;

const STRUCTURE: &str = "pkeyconfig";

/// One `Configuration`: a key group and what it activates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    pub act_config_id: String,
    pub group_id: u32,
    /// One or more EditionIDs (`EditionId` may join several with `;`).
    pub edition_ids: Vec<String>,
    pub description: String,
    /// `OEM:DM`, `Retail`, `Volume:GVLK`, `Volume:MAK`, `OEM:NONSLP`, ...
    pub key_type: String,
}

/// One `KeyRange`: the serials a configuration's keys may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub act_config_id: String,
    pub part_number: String,
    pub eula_type: String,
    pub valid: bool,
    pub start: u64,
    pub end: u64,
}

/// A parsed product-key configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyConfig {
    pub configurations: Vec<Configuration>,
    pub ranges: Vec<KeyRange>,
}

impl KeyConfig {
    /// The configurations of key group `group_id` (normally one).
    pub fn group(&self, group_id: u32) -> impl Iterator<Item = &Configuration> {
        self.configurations.iter().filter(move |c| c.group_id == group_id)
    }

    /// Whether `serial` lies in a valid key range of any configuration of `group_id`:
    /// `None` when the group has no ranges listed at all.
    pub fn serial_in_range(&self, group_id: u32, serial: u64) -> Option<bool> {
        let ids: Vec<&str> = self.group(group_id).map(|c| c.act_config_id.as_str()).collect();
        let mut any = false;
        for r in self.ranges.iter().filter(|r| ids.iter().any(|id| id.eq_ignore_ascii_case(&r.act_config_id))) {
            any = true;
            if r.valid && r.start <= serial && serial <= r.end {
                return Some(true);
            }
        }
        any.then_some(false)
    }
}

/// Parse a `pkeyconfig*.xrm-ms` file's bytes.
pub fn parse(file: &[u8]) -> Result<KeyConfig> {
    if file.len() as u64 > MAX_FILE_SIZE {
        return Err(Error::TooLarge { structure: STRUCTURE, offset: 0, size: file.len() as u64, limit: MAX_FILE_SIZE });
    }
    let payload = find_payload(file)?;
    let cleaned: Vec<u8> = payload.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let doc = base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| Error::malformed(STRUCTURE, 0, format!("pkeyConfigData is not base64: {e}")))?;
    parse_document(&doc)
}

/// The text of `<tm:infoBin name="pkeyConfigData">` in the XrML licence.
fn find_payload(file: &[u8]) -> Result<String> {
    let text = std::str::from_utf8(strip_utf8_bom(file))
        .map_err(|e| Error::malformed(STRUCTURE, e.valid_up_to() as u64, "licence is not UTF-8"))?;
    let mut reader = reader(text);
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut inside = false;
    let mut payload = String::new();
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                count(&mut elements, &mut depth, pos)?;
                if e.local_name().as_ref() == "infoBin" {
                    inside = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == "name" && &*a.value == "pkeyConfigData");
                }
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if inside {
                    return Ok(payload);
                }
            }
            Ok(Event::Text(t)) if inside => push_bounded(&mut payload, &t.xml10_content(), pos)?,
            Ok(Event::Eof) => {
                return Err(Error::malformed(STRUCTURE, pos, "no tm:infoBin name=\"pkeyConfigData\" element"));
            }
            Ok(_) => {}
            Err(e) => return Err(Error::malformed(STRUCTURE, pos, format!("licence is not well-formed XML: {e}"))),
        }
    }
}

#[derive(Default)]
struct Fields {
    act_config_id: String,
    group_id: String,
    edition_id: String,
    description: String,
    key_type: String,
    part_number: String,
    eula_type: String,
    valid: String,
    start: String,
    end: String,
}

/// Parse the decoded `ProductKeyConfiguration` document.
pub fn parse_document(doc: &[u8]) -> Result<KeyConfig> {
    const S: &str = "pkeyConfigData document";
    let text = if doc.starts_with(&[0xFF, 0xFE]) {
        let units: Vec<u16> = doc[2..].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| Error::malformed(S, 0, "document is not UTF-16LE"))?
    } else {
        std::str::from_utf8(strip_utf8_bom(doc))
            .map_err(|e| Error::malformed(S, e.valid_up_to() as u64, "document is not UTF-8"))?
            .to_owned()
    };
    let mut reader = reader(&text);
    let mut out = KeyConfig::default();
    let mut stack: Vec<String> = Vec::new();
    let mut elements = 0usize;
    let mut f = Fields::default();
    loop {
        let pos = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let mut depth = stack.len();
                count(&mut elements, &mut depth, pos)?;
                let name = e.local_name().as_ref().to_owned();
                if name == "Configuration" || name == "KeyRange" {
                    f = Fields::default();
                }
                stack.push(name);
            }
            Ok(ev @ (Event::Text(_) | Event::GeneralRef(_) | Event::CData(_))) => {
                let Some(field) = stack.last() else { continue };
                let parent = stack.len().checked_sub(2).and_then(|i| stack.get(i)).map(String::as_str);
                let slot = match (parent, field.as_str()) {
                    (Some("Configuration" | "KeyRange"), "ActConfigId" | "RefActConfigId") => &mut f.act_config_id,
                    (Some("Configuration"), "RefGroupId") => &mut f.group_id,
                    (Some("Configuration"), "EditionId") => &mut f.edition_id,
                    (Some("Configuration"), "ProductDescription") => &mut f.description,
                    (Some("Configuration"), "ProductKeyType") => &mut f.key_type,
                    (Some("KeyRange"), "PartNumber") => &mut f.part_number,
                    (Some("KeyRange"), "EulaType") => &mut f.eula_type,
                    (Some("KeyRange"), "IsValid") => &mut f.valid,
                    (Some("KeyRange"), "Start") => &mut f.start,
                    (Some("KeyRange"), "End") => &mut f.end,
                    _ => continue,
                };
                let s = match ev {
                    Event::Text(t) => t.xml10_content().into_owned(),
                    Event::CData(t) => t.to_string(),
                    Event::GeneralRef(r) => resolve_ref(&r, pos)?,
                    _ => String::new(),
                };
                push_bounded(slot, &s, pos)?;
            }
            Ok(Event::End(e)) => {
                stack.pop();
                let at = pos;
                match e.local_name().as_ref() {
                    "Configuration" if stack.last().map(String::as_str) == Some("Configurations") => {
                        let f = std::mem::take(&mut f);
                        let group_id = f.group_id.trim().parse::<u32>().map_err(|_| {
                            Error::invalid(S, at, "RefGroupId", "a decimal key group id", f.group_id.clone())
                        })?;
                        out.configurations.push(Configuration {
                            act_config_id: f.act_config_id.trim().to_owned(),
                            group_id,
                            edition_ids: f
                                .edition_id
                                .split(';')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect(),
                            description: f.description.trim().to_owned(),
                            key_type: f.key_type.trim().to_owned(),
                        });
                    }
                    "KeyRange" if stack.last().map(String::as_str) == Some("KeyRanges") => {
                        let f = std::mem::take(&mut f);
                        let num = |field: &'static str, v: &str| {
                            v.trim().parse::<u64>().map_err(|_| Error::invalid(S, at, field, "a decimal serial", v))
                        };
                        out.ranges.push(KeyRange {
                            act_config_id: f.act_config_id.trim().to_owned(),
                            part_number: f.part_number.trim().to_owned(),
                            eula_type: f.eula_type.trim().to_owned(),
                            valid: f.valid.trim().eq_ignore_ascii_case("true"),
                            start: num("Start", &f.start)?,
                            end: num("End", &f.end)?,
                        });
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(Error::malformed(S, pos, format!("document is not well-formed XML: {e}"))),
        }
    }
    if out.configurations.is_empty() {
        return Err(Error::malformed(S, 0, "no Configuration elements"));
    }
    Ok(out)
}

fn reader(text: &str) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_str(text);
    let cfg = reader.config_mut();
    cfg.check_end_names = true;
    cfg.expand_empty_elements = true;
    reader
}

fn resolve_ref(r: &quick_xml::events::BytesRef<'_>, pos: u64) -> Result<String> {
    if let Some(c) =
        r.resolve_char_ref().map_err(|e| Error::malformed(STRUCTURE, pos, format!("bad character reference: {e}")))?
    {
        return Ok(c.to_string());
    }
    match quick_xml::escape::resolve_predefined_entity(r) {
        Some(s) => Ok(s.to_string()),
        None => Err(Error::malformed(STRUCTURE, pos, format!("unknown entity &{};", &**r))),
    }
}

fn strip_utf8_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b)
}

fn count(elements: &mut usize, depth: &mut usize, pos: u64) -> Result<()> {
    *elements += 1;
    *depth += 1;
    if *elements > MAX_ELEMENTS {
        return Err(Error::TooLarge {
            structure: STRUCTURE,
            offset: pos,
            size: *elements as u64,
            limit: MAX_ELEMENTS as u64,
        });
    }
    if *depth > MAX_DEPTH {
        return Err(Error::malformed(STRUCTURE, pos, format!("XML nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(())
}

fn push_bounded(dst: &mut String, s: &str, pos: u64) -> Result<()> {
    if dst.len() + s.len() > MAX_TEXT {
        return Err(Error::TooLarge {
            structure: STRUCTURE,
            offset: pos,
            size: (dst.len() + s.len()) as u64,
            limit: MAX_TEXT as u64,
        });
    }
    dst.push_str(s);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence(doc: &str) -> Vec<u8> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_bytes());
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rg:licenseGroup xmlns:rg=\"urn:mpeg:mpeg21:2003:01-REL-R-NS\">\
             <r:license xmlns:r=\"urn:mpeg:mpeg21:2003:01-REL-R-NS\" xmlns:tm=\"http://www.microsoft.com/DRM/XrML2/TM/v2\">\
             <r:otherInfo><tm:infoTables><tm:infoList tag=\"#global\"><tm:infoStr name=\"licenseType\">msft:sl/PKEYCONFIG/SIGNED</tm:infoStr>\
             <tm:infoBin name=\"pkeyConfigData\">{b64}</tm:infoBin></tm:infoList></tm:infoTables></r:otherInfo></r:license></rg:licenseGroup>"
        )
        .into_bytes()
    }

    const DOC: &str = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<ProductKeyConfiguration xmlns=\"http://www.microsoft.com/DRM/PKEY/Configuration/2.0\">\r\n\
        <Configurations><Configuration><ActConfigId>{AAAA}</ActConfigId><RefGroupId>9001</RefGroupId><EditionId>Professional</EditionId>\
        <ProductDescription>Test Professional OEM:DM</ProductDescription><ProductKeyType>OEM:DM</ProductKeyType><IsRandomized>false</IsRandomized></Configuration>\
        <Configuration><ActConfigId>{BBBB}</ActConfigId><RefGroupId>9002</RefGroupId><EditionId>ServerDatacenter;ServerDatacenterCor</EditionId>\
        <ProductDescription>A &amp; B</ProductDescription><ProductKeyType>Volume:GVLK</ProductKeyType></Configuration></Configurations>\
        <KeyRanges><KeyRange><RefActConfigId>{aaaa}</RefActConfigId><PartNumber>X1</PartNumber><EulaType>OEM</EulaType><IsValid>true</IsValid><Start>100</Start><End>199</End></KeyRange>\
        <KeyRange><RefActConfigId>{AAAA}</RefActConfigId><PartNumber>X2</PartNumber><EulaType>OEM</EulaType><IsValid>false</IsValid><Start>300</Start><End>399</End></KeyRange></KeyRanges>\
        <PublicKeys/></ProductKeyConfiguration>";

    #[test]
    fn reads_configurations_and_ranges() {
        let k = parse(&licence(DOC)).unwrap();
        assert_eq!(k.configurations.len(), 2);
        let c = k.group(9001).next().unwrap();
        assert_eq!(c.edition_ids, ["Professional"]);
        assert_eq!(c.key_type, "OEM:DM");
        assert_eq!(c.act_config_id, "{AAAA}");
        let d = k.group(9002).next().unwrap();
        assert_eq!(d.edition_ids, ["ServerDatacenter", "ServerDatacenterCor"]);
        assert_eq!(d.description, "A & B");
        assert_eq!(k.ranges.len(), 2);
        assert_eq!(k.serial_in_range(9001, 150), Some(true));
        assert_eq!(k.serial_in_range(9001, 350), Some(false), "a range with IsValid false does not count");
        assert_eq!(k.serial_in_range(9001, 99), Some(false));
        assert_eq!(k.serial_in_range(9002, 1), None, "no ranges listed");
        assert_eq!(k.group(1).count(), 0);
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"<not xml".to_vec(),
            b"<a><b></a>".to_vec(),
            b"<a/>".to_vec(),
            b"<x><tm:infoBin name=\"pkeyConfigData\">!!!not base64!!!</tm:infoBin></x>".to_vec(),
            licence("<ProductKeyConfiguration><Configurations></Configurations></ProductKeyConfiguration>"),
            licence(
                "<ProductKeyConfiguration><Configurations><Configuration><RefGroupId>x</RefGroupId></Configuration></Configurations></ProductKeyConfiguration>",
            ),
            licence("<ProductKeyConfiguration"),
            licence(&format!("{}{}", "<a>".repeat(100), "</a>".repeat(100))),
            vec![0xFF; 100],
        ];
        for c in cases {
            assert!(parse(&c).is_err(), "{:?}", String::from_utf8_lossy(&c));
        }
        let mut doc = DOC.as_bytes().to_vec();
        for i in (0..doc.len()).step_by(7) {
            let saved = doc[i];
            doc[i] = b'<';
            let _ = parse(&licence(&String::from_utf8_lossy(&doc)));
            doc[i] = saved;
        }
    }

    #[test]
    fn bounded() {
        let huge = vec![b' '; (MAX_FILE_SIZE + 1) as usize];
        assert!(matches!(parse(&huge), Err(Error::TooLarge { .. })));
    }

    /// A real key configuration (not committed: Microsoft's file). Run with
    /// `OEMGATE_PKEYCONFIG=path/to/pkeyconfig.xrm-ms cargo test --lib -- --ignored real_file`.
    #[test]
    #[ignore = "needs OEMGATE_PKEYCONFIG pointing at a real pkeyconfig.xrm-ms"]
    fn real_file() {
        let path = std::env::var("OEMGATE_PKEYCONFIG").expect("set OEMGATE_PKEYCONFIG");
        let k = parse(&std::fs::read(path).unwrap()).unwrap();
        assert!(k.configurations.len() > 100, "{}", k.configurations.len());
        assert!(k.ranges.len() > 100, "{}", k.ranges.len());
        assert!(k.configurations.iter().all(|c| !c.edition_ids.is_empty() && !c.key_type.is_empty()));
        for c in k.configurations.iter().filter(|c| c.key_type == "OEM:DM").take(5) {
            eprintln!("{} {:?} {}", c.group_id, c.edition_ids, c.description);
        }
    }
}
