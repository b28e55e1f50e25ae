//! Firmware licence facts: the OA 3.0 product key (ACPI MSDM), the OA 2.x Windows
//! marker (ACPI SLIC), SMBIOS identity and firmware type.
//!
//! INTERFACE CONTRACT (the gate consumes these types): the fields below are stable;
//! add fields freely, do not rename or remove these.

pub mod acpi;
pub mod editions;
pub mod msdm;
pub mod placeholder;
pub mod product_key;
pub mod slic;
pub mod smbios;
pub mod tpm2;

use serde::Serialize;

use crate::error::{Error, Result};
pub use placeholder::{Placeholder, PlaceholderKind};

/// Where the firmware tables come from.
#[derive(Debug, Clone, Default)]
pub struct TableSources {
    /// A directory of dumped tables (files named MSDM, SLIC, RSDT, XSDT, optionally with .bin/.dat).
    pub acpi_dir: Option<std::path::PathBuf>,
    /// A dumped MSDM table.
    pub msdm_file: Option<std::path::PathBuf>,
    /// A dumped SLIC table.
    pub slic_file: Option<std::path::PathBuf>,
}

impl TableSources {
    /// True when no dumped table was named: read the live firmware.
    pub fn is_live(&self) -> bool {
        self.acpi_dir.is_none() && self.msdm_file.is_none() && self.slic_file.is_none()
    }
}

pub use crate::machine::FirmwareType;

/// The OA 3.0 key from the MSDM table, already decoded. `Debug` shows the key masked.
#[derive(Clone, Default, Serialize)]
pub struct Oa3Facts {
    /// Where the table came from (path or "ACPI firmware table MSDM").
    pub evidence: String,
    /// The full key. Never print it: use `masked_key()` unless --show-key.
    #[serde(skip)]
    pub key: String,
    /// ACPI checksum of the MSDM table holds.
    pub table_checksum_ok: bool,
    /// Product key's own checksum (CRC-32/BZIP2, 10 bits) holds; None for old-style keys.
    pub key_checksum_ok: Option<bool>,
    /// Key group id (Windows 8+ keys), None when it cannot be decoded.
    pub group_id: Option<u32>,
    /// EditionId the group maps to; None = unknown edition (never a guess).
    pub edition_id: Option<String>,
    /// Key type of the group, e.g. "OEM:DM", "Volume:GVLK".
    pub key_type: Option<String>,
    /// Non-fatal findings (fwts-style): reserved fields non-zero, serial outside ranges...
    pub warnings: Vec<String>,
    // --- added by the firmware reader (not part of the original contract) ---
    /// The MSDM header's OEM ID and OEM table ID.
    pub oem_id: String,
    pub oem_table_id: String,
    /// Key serial (bits 20-49); None when the key cannot be decoded.
    pub serial: Option<u32>,
    /// The key's upgrade bit.
    pub upgrade: Option<bool>,
    /// Product line of the group, e.g. "Windows 10/11", when the source knows it.
    pub product: Option<String>,
    /// Which group table answered (e.g. "built-in table"); None when no source knew the group.
    pub edition_source: Option<String>,
    /// Serial inside the group's key ranges; None when the source has no ranges.
    pub serial_in_range: Option<bool>,
    /// The edition the key entitles today when that differs from its EditionId (a
    /// Windows 8.1 `CoreConnected` key entitles `Core`); None otherwise.
    pub entitles: Option<String>,
}

impl std::fmt::Debug for Oa3Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oa3Facts")
            .field("evidence", &self.evidence)
            .field("key", &self.masked_key())
            .field("table_checksum_ok", &self.table_checksum_ok)
            .field("key_checksum_ok", &self.key_checksum_ok)
            .field("group_id", &self.group_id)
            .field("edition_id", &self.edition_id)
            .field("key_type", &self.key_type)
            .field("warnings", &self.warnings)
            .field("oem_id", &self.oem_id)
            .field("oem_table_id", &self.oem_table_id)
            .field("serial", &self.serial)
            .field("upgrade", &self.upgrade)
            .field("product", &self.product)
            .field("edition_source", &self.edition_source)
            .field("serial_in_range", &self.serial_in_range)
            .field("entitles", &self.entitles)
            .finish()
    }
}

impl Oa3Facts {
    /// The key with every group but the last replaced by `XXXXX`.
    pub fn masked_key(&self) -> String {
        mask_key(&self.key)
    }
}

/// `ABCDE-...-VWXYZ` → `XXXXX-XXXXX-XXXXX-XXXXX-VWXYZ`.
pub fn mask_key(key: &str) -> String {
    let groups: Vec<&str> = key.split('-').collect();
    match groups.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            let mut out: Vec<String> = rest.iter().map(|g| "X".repeat(g.chars().count())).collect();
            out.push((*last).to_string());
            out.join("-")
        }
        _ => "X".repeat(key.chars().count()),
    }
}

/// The OA 2.x Windows marker from the SLIC table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SlicFacts {
    pub evidence: String,
    pub table_checksum_ok: bool,
    pub version_major: u16,
    pub version_minor: u16,
    pub oem_id: String,
    pub oem_table_id: String,
    /// Marker OEM ids equal the RSDT/XSDT header's; None when those were not readable.
    pub oem_ids_match: Option<bool>,
    // --- added by the firmware reader ---
    /// What the marker activates: "2.0 Vista/Server 2008", "2.1 Windows 7/Server 2008 R2" or "M.N".
    pub activates: String,
    /// The tables the OEM ids were compared with, e.g. "RSDT (BOCHS/BXPC) from ...".
    pub compared_with: Vec<String>,
    pub warnings: Vec<String>,
    /// The marker's version dword (a constant on real tables: 0x00020000).
    pub marker_version: u32,
    /// Marker OEM ids equal the XSDT's / the RSDT's; `None` when that table was not read.
    pub xsdt_match: Option<bool>,
    pub rsdt_match: Option<bool>,
    /// Which table decided `oem_ids_match`: `XSDT` (when present, as Windows reads it),
    /// else `RSDT`, else `FACP` (a stand-in where RSDT/XSDT cannot be read); `None` when
    /// none was readable.
    pub decided_by: Option<String>,
    /// The BIOS vendor whose template marker this is (its OEM id is a BIOS vendor's and
    /// matches none of the PC's other tables): not the PC maker's marker.
    pub template_vendor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SmbiosFacts {
    pub manufacturer: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
    /// System UUID (type 1, SMBIOS 2.1+), canonical form; `None` when absent, all zero
    /// or all 0xFF. Not part of `firmware --json` (the evidence record carries it).
    #[serde(skip)]
    pub uuid: Option<String>,
}

/// Everything the firmware says. `None` means "not present" (a normal state: no MSDM
/// on a retail PC); read errors of a present table are `Err` from the reader instead.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FirmwareFacts {
    /// "live firmware" or the dump directory/files read.
    pub source: String,
    pub oa3: Option<Oa3Facts>,
    pub slic: Option<SlicFacts>,
    pub smbios: Option<SmbiosFacts>,
    pub firmware_type: FirmwareType,
    /// 32 or 64 under UEFI; None when unknown or BIOS.
    pub uefi_bitness: Option<u32>,
    pub secure_boot: Option<bool>,
    /// CPU architecture of this machine: "x64", "x86", "arm64", ... None when unknown.
    pub cpu_arch: Option<String>,
    // --- added by the firmware reader ---
    /// Things the reader could not learn or that are worth saying (e.g. "no OA3 key in firmware").
    pub notes: Vec<String>,
    /// MSDM/SLIC tables present but holding no key or marker (all 0xFF, header only...).
    pub placeholders: Vec<Placeholder>,
    /// SHA-256 of every ACPI table read (MSDM, SLIC, RSDT/XSDT/FACP), for the evidence
    /// record. Not part of `firmware --json`.
    #[serde(skip)]
    pub tables_read: Vec<TableDigest>,
    /// The TPM: from the ACPI `TPM2`/`TCPA` tables and (Linux, live) the kernel's TPM device.
    pub tpm: TpmFacts,
}

/// One ACPI table as read: its signature, where it came from, its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub signature: String,
    pub evidence: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl TableDigest {
    pub fn of(table: &RawTable) -> TableDigest {
        use sha2::Digest;
        let sum = sha2::Sha256::digest(&table.bytes);
        let signature =
            table.bytes.get(..4).map_or_else(|| "????".to_string(), |s| String::from_utf8_lossy(s).into_owned());
        TableDigest {
            signature,
            evidence: table.evidence.clone(),
            size: table.bytes.len() as u64,
            sha256: sum.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// What the firmware (and, live on Linux, the kernel) says about the TPM.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TpmFacts {
    /// A TPM is present (`Some(false)`: none); `None` when it cannot be told.
    pub present: Option<bool>,
    /// "2.0" or "1.2" when known.
    pub version: Option<String>,
    /// Where each fact came from (the TPM2/TCPA table, the sysfs file).
    pub evidence: Vec<String>,
    /// The decoded `TPM2` table, when one was read.
    pub tpm2_table: Option<Tpm2Facts>,
    /// Why presence or version is unknown (unreadable or truncated table, a dump without
    /// TPM tables, a start method the parser does not accept).
    pub unknown_reason: Option<String>,
}

/// The fields of a `TPM2` table.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Tpm2Facts {
    pub evidence: String,
    pub table_checksum_ok: bool,
    /// "client" or "server" (or "unknown" for another value).
    pub platform_class: String,
    /// Address of the CRB control area, hex ("0xFED40040"); "0x0" for FIFO/TIS.
    pub control_area: String,
    pub start_method: u32,
    /// The start method's name when the parser accepts it; `None` otherwise.
    pub start_method_name: Option<String>,
}

/// Combine the TPM sources. `tpm2`/`tcpa`: the tables as read (`Err`: present but not
/// readable); `sysfs`: the kernel's `tpm_version_major` and its path; `complete`: the
/// tables were read from the live firmware, so a missing table means none (a dump may
/// hold only some tables).
pub fn tpm_facts(
    tpm2: Option<Result<RawTable>>,
    tcpa: Option<Result<RawTable>>,
    sysfs: Option<(String, String)>,
    complete: bool,
) -> TpmFacts {
    let mut t = TpmFacts::default();
    let mut reasons: Vec<String> = Vec::new();
    let mut is_20 = false;
    match tpm2 {
        Some(Ok(raw)) => match tpm2::parse(&raw.bytes) {
            Ok(p) => {
                t.tpm2_table = Some(Tpm2Facts {
                    evidence: raw.evidence.clone(),
                    table_checksum_ok: p.checksum_ok,
                    platform_class: p.platform_class_name().to_string(),
                    control_area: format!("{:#X}", p.control_area),
                    start_method: p.start_method,
                    start_method_name: p.start_method_name.map(str::to_string),
                });
                match p.start_method_name {
                    Some(name) => {
                        is_20 = true;
                        t.evidence.push(format!("ACPI table TPM2 ({}): start method {} ({name})", raw.evidence, p.start_method));
                    }
                    None => reasons.push(format!(
                        "the TPM2 table ({}) names start method {}, not one of the TCG ACPI specification's interfaces this parser accepts",
                        raw.evidence, p.start_method
                    )),
                }
            }
            Err(e) => reasons.push(format!("the TPM2 table ({}) is not readable: {e}", raw.evidence)),
        },
        Some(Err(e)) => reasons.push(format!("the TPM2 table is not readable: {e}")),
        None => {}
    }
    let sysfs_major = sysfs.map(|(v, path)| {
        t.evidence.push(format!("{path} = {v}"));
        v
    });
    match sysfs_major.as_deref() {
        Some("2") => is_20 = true,
        Some("1") | None => {}
        Some(other) => reasons.push(format!("the kernel's TPM version {other:?} is neither 1 nor 2")),
    }
    if is_20 {
        t.present = Some(true);
        t.version = Some("2.0".into());
        return t;
    }
    let tcpa_present = match tcpa {
        Some(Ok(raw)) => {
            t.evidence.push(format!("ACPI table TCPA ({}): a TPM 1.2", raw.evidence));
            true
        }
        Some(Err(e)) => {
            reasons.push(format!("the TCPA table is not readable: {e}"));
            false
        }
        None => false,
    };
    if !reasons.is_empty() {
        t.unknown_reason = Some(reasons.join("; "));
        return t;
    }
    if tcpa_present || sysfs_major.as_deref() == Some("1") {
        t.present = Some(true);
        t.version = Some("1.2".into());
    } else if complete {
        t.present = Some(false);
        t.evidence.push("no TPM2 or TCPA table in the firmware".into());
    } else {
        t.unknown_reason = Some(
            "the dumped tables hold no TPM2 or TCPA table, and a dump of some tables cannot show the PC has none"
                .into(),
        );
    }
    t
}

/// A table as read: its facts, or a placeholder that holds none.
#[derive(Debug, Clone)]
pub enum Reading<T> {
    Facts(T),
    Placeholder(Placeholder),
}

impl<T> Reading<T> {
    /// The facts, or `None` for a placeholder.
    pub fn facts(self) -> Option<T> {
        match self {
            Reading::Facts(t) => Some(t),
            Reading::Placeholder(_) => None,
        }
    }
}

fn placeholder_of(
    table: &str,
    evidence: &str,
    header: &acpi::AcpiHeader,
    checksum_ok: bool,
    kind: PlaceholderKind,
) -> Placeholder {
    Placeholder {
        table: table.into(),
        evidence: evidence.into(),
        kind,
        table_checksum_ok: checksum_ok,
        oem_id: header.oem_id_str(),
        oem_table_id: header.oem_table_id_str(),
    }
}

/// ACPI tables the reader looks at.
pub const MSDM: &[u8; 4] = b"MSDM";
pub const SLIC: &[u8; 4] = b"SLIC";
pub const RSDT: &[u8; 4] = b"RSDT";
pub const XSDT: &[u8; 4] = b"XSDT";
pub const FACP: &[u8; 4] = b"FACP";

/// One table's bytes and where they came from (for evidence and error messages).
#[derive(Debug, Clone)]
pub struct RawTable {
    pub bytes: Vec<u8>,
    pub evidence: String,
}

/// Decode an MSDM table into OA3 facts, looking the group up in `editions`.
/// `Err` for a table that is not a readable MSDM; checksum failures are facts.
pub fn oa3_from_msdm(
    table: &[u8],
    evidence: &str,
    editions: &dyn editions::EditionSource,
) -> Result<Reading<Oa3Facts>> {
    let header = acpi::parse_header(table, Some(MSDM), "MSDM")?;
    if let Some(kind) = msdm::placeholder_kind(table) {
        return Ok(Reading::Placeholder(placeholder_of("MSDM", evidence, &header, acpi::checksum_ok(table), kind)));
    }
    let m = msdm::parse(table)?;
    let f = m.decoded.fields;
    let mut warnings: Vec<String> = m.warnings.iter().map(ToString::to_string).collect();
    let key_checksum_ok = m.decoded.checksum_ok();
    if !m.table_checksum_ok {
        warnings.push("MSDM table checksum does not hold: the table is corrupt or was altered".into());
    }
    if !key_checksum_ok {
        warnings.push("product key checksum does not hold: the key is corrupt or was altered".into());
    }
    let info = editions.lookup(f.group_id, f.serial);
    if info.is_none() {
        warnings.push(format!("key group {} is not in any known group table: unknown edition", f.group_id));
    }
    if let Some(i) = &info
        && i.serial_in_range == Some(false)
    {
        warnings.push(format!("key serial {} is outside the key ranges of group {}", f.serial, f.group_id));
    }
    Ok(Reading::Facts(Oa3Facts {
        evidence: evidence.to_string(),
        key: m.key,
        table_checksum_ok: m.table_checksum_ok,
        key_checksum_ok: Some(key_checksum_ok),
        group_id: Some(f.group_id),
        edition_id: info.as_ref().map(|i| i.edition_id.clone()),
        key_type: info.as_ref().map(|i| i.key_type.clone()),
        warnings,
        oem_id: m.header.oem_id_str(),
        oem_table_id: m.header.oem_table_id_str(),
        serial: Some(f.serial),
        upgrade: Some(f.upgrade),
        product: info.as_ref().and_then(|i| i.product.clone()),
        edition_source: info.as_ref().map(|i| i.source.clone()),
        serial_in_range: info.as_ref().and_then(|i| i.serial_in_range),
        entitles: info
            .as_ref()
            .and_then(|i| crate::edition::entitled(&i.edition_id).ok())
            .filter(|e| info.as_ref().is_some_and(|i| i.edition_id != e.id))
            .map(|e| e.id.to_string()),
    }))
}

/// OEM ids of a table (RSDT, XSDT, FACP, MSDM), read from its header or known without
/// its bytes (e.g. from the kernel's boot log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootIds {
    /// The table's signature: "RSDT", "XSDT", "FACP", "MSDM".
    pub name: String,
    pub oem_id: [u8; 6],
    pub oem_table_id: [u8; 8],
    pub evidence: String,
}

/// OEM ids of BIOS and board vendors whose template SLIC markers appear in firmware that
/// does not belong to them (INSYDE, AMI's ALASKA, Phoenix's PTLTD, Award, Intel's
/// `INTEL`/`TEMPLATE`). Only a template when no other table of the PC carries the id.
pub const BIOS_VENDOR_OEM_IDS: &[&str] = &["INSYDE", "ALASKA", "AMI", "PTLTD", "AWARD", "PHOENIX", "INTEL"];

/// Decode a SLIC table and compare its marker's OEM ids with the RSDT/XSDT (or FACP)
/// headers that were readable. A damaged RSDT/XSDT is a warning (it only serves this
/// comparison).
pub fn slic_from_tables(slic_table: &[u8], evidence: &str, roots: &[RawTable]) -> Result<Reading<SlicFacts>> {
    slic_from_sources(slic_table, evidence, roots, &[])
}

/// [`slic_from_tables`] plus table OEM ids known without the tables' bytes (the kernel
/// log's RSDT/XSDT, the MSDM header for the template check).
///
/// The rule (what Windows 7 does): the marker must match the XSDT when the firmware has
/// one (an ACPI 2.0+ OS reads the XSDT and ignores the RSDT), else the RSDT. Real
/// factory-activated machines carry an RSDT whose OEM ids differ while the XSDT's match.
/// Where neither can be read (Linux sysfs exposes no RSDT/XSDT and the boot log may be
/// gone), the FACP's header ids stand in, said in the evidence.
pub fn slic_from_sources(
    slic_table: &[u8],
    evidence: &str,
    roots: &[RawTable],
    ids: &[RootIds],
) -> Result<Reading<SlicFacts>> {
    let s = match slic::parse(slic_table)? {
        slic::SlicTable::Marker(s) => s,
        slic::SlicTable::Placeholder { header, table_checksum_ok, kind } => {
            return Ok(Reading::Placeholder(placeholder_of("SLIC", evidence, &header, table_checksum_ok, kind)));
        }
    };
    let mut warnings: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    if !s.table_checksum_ok {
        warnings.push("SLIC table checksum does not hold".into());
    }
    let mut all: Vec<RootIds> = Vec::new();
    for root in roots {
        let name = match root.bytes.get(..4) {
            Some(b"XSDT") => "XSDT",
            Some(b"FACP") => "FACP",
            _ => "RSDT",
        };
        let sig: &[u8; 4] = match name {
            "XSDT" => XSDT,
            "FACP" => FACP,
            _ => RSDT,
        };
        match acpi::parse_header(&root.bytes, Some(sig), name) {
            Ok(h) => all.push(RootIds {
                name: name.into(),
                oem_id: h.oem_id,
                oem_table_id: h.oem_table_id,
                evidence: root.evidence.clone(),
            }),
            Err(e) => warnings.push(format!("{} not usable for the OEM id check: {e}", root.evidence)),
        }
    }
    all.extend(ids.iter().cloned());
    let matches = |r: &RootIds| r.oem_id == s.oem_id && r.oem_table_id == s.oem_table_id;
    let find = |n: &str| all.iter().find(|r| r.name == n);
    let (xsdt, rsdt, facp) = (find("XSDT"), find("RSDT"), find("FACP"));
    let xsdt_match = xsdt.map(matches);
    let rsdt_match = rsdt.map(matches);
    let decider = xsdt.or(rsdt).or(facp);
    let mut compared_with = Vec::new();
    for r in all.iter().filter(|r| ["XSDT", "RSDT", "FACP"].contains(&r.name.as_str())) {
        let (oem, table) = (acpi::ascii_field(&r.oem_id), acpi::ascii_field(&r.oem_table_id));
        let role = if r.name == "FACP" { " (stand-in: RSDT/XSDT not readable)" } else { "" };
        compared_with.push(format!("{} ({oem}/{table}){role} from {}", r.name, r.evidence));
        if !matches(r) && decider.is_some_and(|d| d.name == r.name) {
            warnings.push(format!(
                "SLIC marker OEM ids {}/{} differ from the {}'s {oem}/{table}",
                s.oem_id_str(),
                s.oem_table_id_str(),
                r.name
            ));
        }
    }
    if let (Some(true), Some(false)) = (xsdt_match, rsdt_match) {
        warnings.push(format!(
            "the RSDT's OEM ids differ from the SLIC marker {}/{} but the XSDT's match: Windows 7 reads the XSDT, so the marker counts",
            s.oem_id_str(),
            s.oem_table_id_str()
        ));
    }
    // A BIOS vendor's template marker: its OEM id is the vendor's and no other table of
    // this PC carries it.
    let oem = s.oem_id_str();
    let vendor = BIOS_VENDOR_OEM_IDS
        .iter()
        .find(|v| oem.eq_ignore_ascii_case(v) || v.starts_with(oem.as_str()) && oem.len() >= 5);
    let mut template_vendor = None;
    if let Some(v) = vendor {
        if all.is_empty() {
            warnings.push(format!(
                "SLIC marker OEM id {oem} is a BIOS vendor's ({v}); no other table was readable to tell whether it is this PC maker's"
            ));
        } else if !all.iter().any(|r| r.oem_id == s.oem_id) {
            template_vendor = Some((*v).to_string());
            warnings.push(format!(
                "SLIC marker OEM id {oem} is the BIOS vendor {v}'s and matches none of this PC's other tables: a template marker, not the PC maker's"
            ));
        }
    }
    Ok(Reading::Facts(SlicFacts {
        evidence: evidence.to_string(),
        table_checksum_ok: s.table_checksum_ok,
        version_major: s.version_major,
        version_minor: s.version_minor,
        oem_id: s.oem_id_str(),
        oem_table_id: s.oem_table_id_str(),
        oem_ids_match: decider.map(matches),
        activates: s.activates(),
        compared_with,
        warnings,
        marker_version: s.marker_version,
        xsdt_match,
        rsdt_match,
        decided_by: decider.map(|d| d.name.clone()),
        template_vendor,
    }))
}

/// RSDT/XSDT OEM ids from one kernel log line as Linux prints it at boot:
/// `ACPI: RSDT 0x000000000FFE1B4B 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)`
/// (OEM id and table id printed at fixed widths 6 and 8; records from /dev/kmsg carry a
/// `prio,seq,time,flags;` prefix, which is skipped).
pub fn root_ids_from_kernel_log(line: &str) -> Option<RootIds> {
    let (name, rest) = ["RSDT", "XSDT"].iter().find_map(|n| {
        let pat = format!("ACPI: {n} 0x");
        line.find(&pat).map(|i| (*n, &line[i + pat.len()..]))
    })?;
    let open = rest.find("(v")?;
    let fields = rest.get(open + 5..)?.as_bytes(); // skip "(vNN "
    if fields.len() < 15 || fields[6] != b' ' {
        return None;
    }
    let mut oem_id = [0u8; 6];
    oem_id.copy_from_slice(&fields[..6]);
    let mut oem_table_id = [0u8; 8];
    oem_table_id.copy_from_slice(&fields[7..15]);
    Some(RootIds { name: name.into(), oem_id, oem_table_id, evidence: "kernel boot log".into() })
}

/// Read the live firmware (or dumped tables when `sources` names any).
pub fn read(sources: &TableSources) -> Result<FirmwareFacts> {
    read_with(sources, &editions::Builtin)
}

/// [`read`] with a chosen group table (e.g. the image's key configuration chained
/// before the built-in table).
pub fn read_with(sources: &TableSources, editions: &dyn editions::EditionSource) -> Result<FirmwareFacts> {
    if sources.is_live() { read_live(editions) } else { read_dumps(sources, editions) }
}

/// Who this machine is, for a run that ended before its facts were read (its evidence
/// record): SMBIOS maker, model, serial and UUID from the dumped `DMI`/`RSMB` table when
/// `sources` names a folder, else live, with the live firmware type and CPU. No ACPI table
/// is read. Best effort: what cannot be read stays empty.
pub fn identity(sources: &TableSources) -> FirmwareFacts {
    let mut facts = FirmwareFacts::default();
    if sources.is_live() {
        facts.source = "live firmware".into();
        facts.smbios = live_smbios().ok().flatten();
        let m = crate::platform::machine();
        facts.firmware_type = m.firmware_type;
        facts.uefi_bitness = m.uefi_bitness;
        facts.cpu_arch = m.cpu_arch;
    } else if let Some(d) = sources.acpi_dir.as_deref().filter(|d| d.is_dir()) {
        facts.source = format!("dumped tables: {}", d.display());
        facts.smbios = dumped_smbios(d).ok().flatten();
    }
    facts
}

/// The live SMBIOS table, parsed; `None` where the platform has none to give.
fn live_smbios() -> Result<Option<SmbiosFacts>> {
    match crate::platform::smbios_raw()? {
        Some(raw) => smbios::parse_raw(&raw).map(Some),
        None => Ok(None),
    }
}

/// A dumped SMBIOS table in `dir`: `DMI` (Linux `/sys/firmware/dmi/tables/DMI`) or a
/// Windows `RSMB` blob; `None` when the folder has neither.
fn dumped_smbios(dir: &std::path::Path) -> Result<Option<SmbiosFacts>> {
    let parsed = if let Some(p) = find_in_dir(dir, "DMI") {
        smbios::parse_table(&read_file_bounded(&p)?).map_err(|e| e.in_file(p.display().to_string()))?
    } else if let Some(p) = find_in_dir(dir, "RSMB") {
        smbios::parse_rsmb(&read_file_bounded(&p)?).map_err(|e| e.in_file(p.display().to_string()))?
    } else {
        return Ok(None);
    };
    Ok(Some(parsed))
}

/// The tables found, read from the live firmware or from dumps.
struct Tables {
    msdm: Option<RawTable>,
    slic: Option<RawTable>,
    /// RSDT, XSDT (and FACP, the stand-in) as bytes.
    roots: Vec<RawTable>,
    /// RSDT/XSDT OEM ids known without their bytes (Linux: the kernel's boot log).
    ids: Vec<RootIds>,
}

/// Read each table on its own: a placeholder MSDM never hides the SLIC, a placeholder
/// SLIC never hides the MSDM key.
fn assemble(t: Tables, editions: &dyn editions::EditionSource, facts: &mut FirmwareFacts) -> Result<()> {
    facts.tables_read = t.msdm.iter().chain(t.slic.iter()).chain(t.roots.iter()).map(TableDigest::of).collect();
    let mut others = t.ids.clone();
    if let Some(m) = &t.msdm {
        match oa3_from_msdm(&m.bytes, &m.evidence, editions).map_err(|e| e.in_file(&m.evidence))? {
            Reading::Facts(k) => {
                if let Ok(h) = acpi::parse_header(&m.bytes, Some(MSDM), "MSDM") {
                    others.push(RootIds {
                        name: "MSDM".into(),
                        oem_id: h.oem_id,
                        oem_table_id: h.oem_table_id,
                        evidence: m.evidence.clone(),
                    });
                }
                facts.oa3 = Some(k);
            }
            Reading::Placeholder(p) => facts.placeholders.push(p),
        }
    }
    if let Some(sl) = &t.slic {
        match slic_from_sources(&sl.bytes, &sl.evidence, &t.roots, &others).map_err(|e| e.in_file(&sl.evidence))? {
            Reading::Facts(s) => facts.slic = Some(s),
            Reading::Placeholder(p) => facts.placeholders.push(p),
        }
    }
    Ok(())
}

fn read_live(editions: &dyn editions::EditionSource) -> Result<FirmwareFacts> {
    use crate::platform;
    let mut facts = FirmwareFacts { source: "live firmware".into(), ..Default::default() };
    let table = |sig: &[u8; 4]| -> Result<Option<RawTable>> {
        Ok(platform::read_acpi_table(sig)?
            .map(|bytes| RawTable { bytes, evidence: platform::acpi_table_evidence(sig) }))
    };
    let msdm = table(MSDM)?;
    let slic = table(SLIC)?;
    let mut roots = Vec::new();
    let mut ids = Vec::new();
    if slic.is_some() {
        for sig in [RSDT, XSDT] {
            match table(sig) {
                Ok(Some(r)) => roots.push(r),
                Ok(None) => {}
                Err(e) => facts.notes.push(format!("{}: {e}", String::from_utf8_lossy(sig))),
            }
        }
        // Linux does not expose RSDT/XSDT in sysfs; its boot log names their OEM ids.
        if roots.is_empty() {
            ids = platform::kernel_log_lines().iter().filter_map(|l| root_ids_from_kernel_log(l)).fold(
                Vec::new(),
                |mut acc: Vec<RootIds>, mut r| {
                    if !acc.iter().any(|x| x.name == r.name) {
                        r.evidence = "kernel boot log (/dev/kmsg)".into();
                        acc.push(r);
                    }
                    acc
                },
            );
        }
        if roots.is_empty() && ids.is_empty() {
            // The FACP's header stands in (documented); sysfs exposes it.
            match table(FACP) {
                Ok(Some(f)) => roots.push(f),
                _ => facts.notes.push("SLIC OEM ids not checked: RSDT/XSDT not readable".into()),
            }
        }
    }
    assemble(Tables { msdm, slic, roots, ids }, editions, &mut facts)?;
    let sysfs = platform::tpm_version_major();
    facts.tpm = tpm_facts(table(tpm2::SIGNATURE).transpose(), table(tpm2::TCPA).transpose(), sysfs, true);
    match live_smbios() {
        Ok(s) => facts.smbios = s,
        Err(e) => facts.notes.push(format!("SMBIOS: {e}")),
    }
    let m = platform::machine();
    facts.firmware_type = m.firmware_type;
    facts.uefi_bitness = m.uefi_bitness;
    facts.secure_boot = m.secure_boot;
    facts.cpu_arch = m.cpu_arch;
    facts.notes.extend(m.notes);
    if facts.oa3.is_none() {
        facts.notes.push(no_key_note(&facts, "no OA3 key in firmware (no MSDM table)"));
    }
    Ok(facts)
}

/// The note for a PC without a usable OA3 key.
fn no_key_note(facts: &FirmwareFacts, plain: &str) -> String {
    if facts.placeholders.iter().any(|p| p.table == "MSDM") {
        "no OA3 key in firmware (the MSDM is a placeholder)".into()
    } else {
        plain.into()
    }
}

/// Largest dump file read.
const MAX_DUMP: u64 = acpi::MAX_TABLE_LEN as u64;

fn read_file_bounded(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| Error::io(shown.clone(), &e))?;
    let mut buf = Vec::new();
    f.take(MAX_DUMP + 1).read_to_end(&mut buf).map_err(|e| Error::io(shown.clone(), &e))?;
    if buf.len() as u64 > MAX_DUMP {
        return Err(Error::TooLarge { structure: "ACPI table", offset: 0, size: buf.len() as u64, limit: MAX_DUMP }
            .in_file(shown));
    }
    Ok(buf)
}

/// A table in a dump directory: `MSDM`, `msdm`, with `.bin`/`.dat`/`.aml` or not.
fn find_in_dir(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
    let lower = name.to_ascii_lowercase();
    for base in [name, lower.as_str()] {
        for ext in ["", ".bin", ".dat", ".aml"] {
            let p = dir.join(format!("{base}{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn read_dumps(sources: &TableSources, editions: &dyn editions::EditionSource) -> Result<FirmwareFacts> {
    let mut described = Vec::new();
    if let Some(d) = &sources.acpi_dir {
        if !d.is_dir() {
            return Err(Error::NotFound { what: format!("{}: not a directory", d.display()) });
        }
        described.push(d.display().to_string());
    }
    let pick = |explicit: &Option<std::path::PathBuf>, name: &str| -> Option<std::path::PathBuf> {
        explicit.clone().or_else(|| sources.acpi_dir.as_deref().and_then(|d| find_in_dir(d, name)))
    };
    let load = |p: &std::path::Path| -> Result<RawTable> {
        Ok(RawTable { bytes: read_file_bounded(p)?, evidence: p.display().to_string() })
    };
    let mut facts = FirmwareFacts::default();
    for p in [&sources.msdm_file, &sources.slic_file].into_iter().flatten() {
        described.push(p.display().to_string());
    }
    facts.source = format!("dumped tables: {}", described.join(", "));
    let msdm = pick(&sources.msdm_file, "MSDM").map(|p| load(&p)).transpose()?;
    let slic = pick(&sources.slic_file, "SLIC").map(|p| load(&p)).transpose()?;
    let mut roots = Vec::new();
    if slic.is_some()
        && let Some(d) = &sources.acpi_dir
    {
        for name in ["RSDT", "XSDT"] {
            if let Some(rp) = find_in_dir(d, name) {
                roots.push(load(&rp)?);
            }
        }
        if roots.is_empty()
            && let Some(fp) = find_in_dir(d, "FACP")
        {
            roots.push(load(&fp)?);
        }
    }
    let had_msdm = msdm.is_some();
    assemble(Tables { msdm, slic, roots, ids: Vec::new() }, editions, &mut facts)?;
    let dumped = |name: &str| sources.acpi_dir.as_deref().and_then(|d| find_in_dir(d, name)).map(|p| load(&p));
    facts.tpm = tpm_facts(dumped("TPM2"), dumped("TCPA"), None, false);
    if !had_msdm {
        facts.notes.push("no OA3 key in the dumped tables (no MSDM)".into());
    } else if facts.oa3.is_none() {
        facts.notes.push(no_key_note(&facts, "no OA3 key in the dumped tables"));
    }
    // A raw SMBIOS table (Linux /sys/firmware/dmi/tables/DMI) or a Windows RSMB blob.
    if let Some(d) = &sources.acpi_dir {
        facts.smbios = dumped_smbios(d)?;
    }
    facts.notes.push("firmware type, Secure Boot and CPU are not known from dumped tables".into());
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::mask_key;

    #[test]
    fn kernel_log_lines_give_root_ids() {
        let r = super::root_ids_from_kernel_log(
            "6,12,0,-;ACPI: RSDT 0x000000000FFE1B4B 000034 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
        )
        .unwrap();
        assert_eq!(r.name, "RSDT");
        assert_eq!(&r.oem_id, b"BOCHS ");
        assert_eq!(&r.oem_table_id, b"BXPC    ");
        let x = super::root_ids_from_kernel_log(
            "ACPI: XSDT 0x000000007FB7D0E8 00004C (v01 DELL   CBX3     01072009 AMI  00010013)",
        )
        .unwrap();
        assert_eq!((&x.oem_id, &x.oem_table_id), (b"DELL  ", b"CBX3    "));
        assert!(super::root_ids_from_kernel_log("ACPI: FACP 0x0 (v01 BOCHS  BXPC     1)").is_none());
        assert!(super::root_ids_from_kernel_log("ACPI: RSDT 0x00 (v01 BOC").is_none());
    }

    #[test]
    fn debug_output_masks_the_key() {
        let f = super::Oa3Facts { key: "W269N-WFGWX-YVC9B-4J6C9-T83GX".into(), ..Default::default() };
        let d = format!("{f:?}");
        assert!(!d.contains("W269N") && d.contains("XXXXX-XXXXX-XXXXX-XXXXX-T83GX"), "{d}");
        let m =
            super::msdm::parse(&super::msdm::build(b"W269N-WFGWX-YVC9B-4J6C9-T83GX", b"OEM   ", b"TABLE   ")).unwrap();
        let d = format!("{m:?}");
        assert!(!d.contains("W269N") && !d.contains(&m.decoded.value.to_string()), "{d}");
    }

    #[test]
    fn masks_all_but_last_group() {
        assert_eq!(mask_key("W269N-WFGWX-YVC9B-4J6C9-T83GX"), "XXXXX-XXXXX-XXXXX-XXXXX-T83GX");
        assert_eq!(mask_key("garbage"), "XXXXXXX");
    }
}
