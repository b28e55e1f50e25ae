//! Firmware tables: ACPI header, MSDM (OA3 key), SLIC, SMBIOS (raw table and the
//! Windows RSMB blob), product key decoding, and the kernel log line parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::firmware::{self, RawTable, acpi, editions, msdm, product_key, slic, smbios};

fuzz_target!(|data: &[u8]| {
    let _ = acpi::parse_header(data, None, "fuzz");
    let _ = acpi::parse_header(data, Some(firmware::RSDT), "RSDT");
    let _ = acpi::checksum_ok(data);
    let _ = msdm::parse(data);
    let _ = slic::parse(data);
    let _ = smbios::parse_table(data);
    let _ = smbios::parse_rsmb(data);
    let _ = product_key::parse_at(data, "fuzz", 0);
    let text = String::from_utf8_lossy(data);
    let _ = product_key::parse(&text);
    let _ = firmware::root_ids_from_kernel_log(&text);
    let _ = firmware::oa3_from_msdm(data, "fuzz", &editions::Builtin);
    let root = RawTable { bytes: data.to_vec(), evidence: "fuzz".into() };
    let _ = firmware::slic_from_tables(data, "fuzz", &[root]);
});
