//! `oemgate firmware` output: a table for people and JSON for scripts. The full key
//! appears only when `show_key` is set; otherwise only the masked form.

use serde_json::{Value, json};

use crate::firmware::{FirmwareFacts, FirmwareType, Placeholder, PlaceholderKind};

/// One placeholder table in words: "placeholder SLIC in firmware: no Windows marker (body all 0xFF)".
pub fn placeholder_note(p: &Placeholder) -> String {
    let holds = if p.table == "MSDM" { "no OA3 key" } else { "no Windows marker" };
    let why = match p.kind {
        PlaceholderKind::HeaderOnly => "only the 36-byte ACPI header".to_string(),
        PlaceholderKind::AllFf => "body all 0xFF".to_string(),
        PlaceholderKind::AllZero => "body all 0x00".to_string(),
        PlaceholderKind::EmptyKey => "the key field is blank".to_string(),
        PlaceholderKind::SlicSize { length } => format!("{length} bytes, not the 374-byte OA 2.x layout"),
        PlaceholderKind::NoPublicKey { found } => {
            format!("no RSA1 public key structure (magic {})", crate::firmware::acpi::describe_signature(&found))
        }
        PlaceholderKind::ZeroKey => "the RSA1 public key is all zero".to_string(),
        PlaceholderKind::NoMarker => "no Windows marker structure".to_string(),
    };
    format!("placeholder {} in firmware: {holds} ({why}; {})", p.table, p.evidence)
}

/// Every note: the reader's, then one per placeholder table.
pub fn notes(facts: &FirmwareFacts) -> Vec<String> {
    facts.notes.iter().cloned().chain(facts.placeholders.iter().map(placeholder_note)).collect()
}

/// JSON document (pretty, newline-terminated). Shape documented in the README
/// ("oemgate firmware").
pub fn json(facts: &FirmwareFacts, show_key: bool) -> String {
    let mut v = to_value(facts, show_key);
    if let Value::Object(m) = &mut v {
        m.insert("command".into(), json!("firmware"));
    }
    super::to_json(&v)
}

/// The facts as a JSON value: the serialised facts plus `oa3.key_masked` (and `oa3.key`
/// with `show_key`).
pub fn to_value(facts: &FirmwareFacts, show_key: bool) -> Value {
    let mut v = serde_json::to_value(facts).unwrap_or(Value::Null);
    if let Some(n) = v.get_mut("notes") {
        *n = json!(notes(facts));
    }
    if let (Some(oa3), Some(Value::Object(o))) = (&facts.oa3, v.get_mut("oa3")) {
        o.insert("key_masked".into(), json!(oa3.masked_key()));
        if show_key {
            o.insert("key".into(), json!(oa3.key));
        }
    }
    v
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "unknown".to_string(), |x| x.to_string())
}

fn ok(v: bool) -> &'static str {
    if v { "ok" } else { "FAILED" }
}

/// Human-readable table.
pub fn text(facts: &FirmwareFacts, show_key: bool) -> String {
    let mut o = String::new();
    let row = |o: &mut String, k: &str, v: &str| o.push_str(&format!("  {k:<16} {v}\n"));
    o.push_str(&format!("Firmware ({})\n", facts.source));
    match &facts.smbios {
        Some(s) => {
            row(&mut o, "Maker", &opt(&s.manufacturer));
            row(&mut o, "Model", &opt(&s.product));
            row(&mut o, "Serial", &opt(&s.serial));
        }
        None => row(&mut o, "SMBIOS", "not available"),
    }
    let fw = match facts.firmware_type {
        FirmwareType::Uefi => match facts.uefi_bitness {
            Some(b) => format!("UEFI ({b}-bit)"),
            None => "UEFI (bitness unknown)".into(),
        },
        FirmwareType::Bios => "BIOS".into(),
        FirmwareType::Unknown => "unknown".into(),
    };
    row(&mut o, "Firmware", &fw);
    let sb = match facts.secure_boot {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    };
    row(&mut o, "Secure Boot", sb);
    row(&mut o, "CPU", &opt(&facts.cpu_arch));
    let t = &facts.tpm;
    let tpm = match (t.present, t.version.as_deref()) {
        (Some(true), Some(v)) => format!("TPM {v}"),
        (Some(true), None) => "present, version unknown".into(),
        (Some(false), _) => "none".into(),
        (None, _) => format!("unknown ({})", t.unknown_reason.as_deref().unwrap_or("not read")),
    };
    row(&mut o, "TPM", &tpm);
    if let Some(p) = &t.tpm2_table {
        let sm = p.start_method_name.as_deref().unwrap_or("not accepted");
        row(
            &mut o,
            "TPM2 table",
            &format!(
                "{} platform, start method {} ({sm}), control area {}, checksum {}",
                p.platform_class,
                p.start_method,
                p.control_area,
                ok(p.table_checksum_ok)
            ),
        );
    }
    for e in &t.evidence {
        row(&mut o, "TPM from", e);
    }

    o.push_str("OA 3.0 key (MSDM)\n");
    match &facts.oa3 {
        None if facts.placeholders.iter().any(|p| p.table == "MSDM") => {
            row(&mut o, "Key", "no OA3 key in firmware (placeholder MSDM)")
        }
        None => row(&mut o, "Key", "no OA3 key in firmware"),
        Some(k) => {
            row(&mut o, "From", &k.evidence);
            row(&mut o, "Key", &if show_key { k.key.clone() } else { k.masked_key() });
            row(&mut o, "Table checksum", ok(k.table_checksum_ok));
            row(&mut o, "Key checksum", k.key_checksum_ok.map_or("not applicable", ok));
            row(&mut o, "Group", &opt(&k.group_id));
            let edition = match &k.edition_id {
                Some(e) => {
                    let mut extra = vec![];
                    if let Some(t) = &k.key_type {
                        extra.push(t.clone());
                    }
                    if let Some(p) = &k.product {
                        extra.push(p.clone());
                    }
                    if let Some(s) = &k.edition_source {
                        extra.push(s.clone());
                    }
                    match &k.entitles {
                        Some(to) => format!("{e} ({}), entitles {to} today", extra.join(", ")),
                        None => format!("{e} ({})", extra.join(", ")),
                    }
                }
                None => "unknown edition".into(),
            };
            row(&mut o, "Edition", &edition);
            row(&mut o, "OEM", &format!("{} / {}", k.oem_id, k.oem_table_id));
            for w in &k.warnings {
                row(&mut o, "Warning", w);
            }
        }
    }
    o.push_str("OA 2.x marker (SLIC)\n");
    match &facts.slic {
        None if facts.placeholders.iter().any(|p| p.table == "SLIC") => {
            row(&mut o, "Marker", "none (placeholder SLIC)")
        }
        None => row(&mut o, "Marker", "none"),
        Some(s) => {
            row(&mut o, "From", &s.evidence);
            row(&mut o, "Version", &s.activates);
            row(&mut o, "Table checksum", ok(s.table_checksum_ok));
            row(&mut o, "OEM", &format!("{} / {}", s.oem_id, s.oem_table_id));
            let m = match (s.oem_ids_match, s.decided_by.as_deref()) {
                (Some(true), Some(d)) => format!("match the {d}"),
                (Some(false), Some(d)) => format!("DIFFER from the {d}"),
                _ => "not checked (RSDT/XSDT not readable)".to_string(),
            };
            row(&mut o, "OEM ids", &m);
            let cmp = |v: Option<bool>| match v {
                Some(true) => "match",
                Some(false) => "differ",
                None => "not read",
            };
            row(&mut o, "XSDT / RSDT", &format!("{} / {}", cmp(s.xsdt_match), cmp(s.rsdt_match)));
            if let Some(v) = &s.template_vendor {
                row(&mut o, "Template", &format!("the BIOS vendor {v}'s template marker, not the PC maker's"));
            }
            for w in &s.warnings {
                row(&mut o, "Warning", w);
            }
        }
    }
    let notes = notes(facts);
    if !notes.is_empty() {
        o.push_str("Notes\n");
        for n in &notes {
            o.push_str(&format!("  - {n}\n"));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::Oa3Facts;

    fn facts() -> FirmwareFacts {
        FirmwareFacts {
            source: "test".into(),
            oa3: Some(Oa3Facts {
                key: "W269N-WFGWX-YVC9B-4J6C9-T83GX".into(),
                table_checksum_ok: true,
                key_checksum_ok: Some(true),
                group_id: Some(3311),
                edition_id: Some("Professional".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn key_is_masked_unless_asked() {
        let f = facts();
        for out in [json(&f, false), text(&f, false)] {
            assert!(!out.contains("W269N"), "{out}");
            assert!(!out.contains("WFGWX"), "{out}");
            assert!(out.contains("XXXXX-XXXXX-XXXXX-XXXXX-T83GX"), "{out}");
        }
        let v: Value = serde_json::from_str(&json(&f, true)).unwrap();
        assert_eq!(v["oa3"]["key"], "W269N-WFGWX-YVC9B-4J6C9-T83GX");
        assert!(text(&f, true).contains("W269N-WFGWX-YVC9B-4J6C9-T83GX"));
        let v: Value = serde_json::from_str(&json(&f, false)).unwrap();
        assert!(v["oa3"].get("key").is_none());
    }
}
