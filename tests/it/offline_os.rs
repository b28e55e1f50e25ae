//! The offline-Windows reader on hives written by hivex (fixtures/hives/generate.sh).

use std::path::Path;

use oemgate::offline_os::{self, hive::Hive};

fn root(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hives").join(name)
}

#[test]
fn reads_windows_10_pro_x86() {
    let f = offline_os::read(&root("pro10-x86-en")).unwrap();
    assert_eq!(f.edition_id.as_deref(), Some("Professional"));
    assert_eq!(f.product_name.as_deref(), Some("Windows 10 Pro"));
    assert_eq!(f.current_build, Some(19045));
    assert_eq!((f.major, f.minor), (Some(10), Some(0)));
    assert_eq!(f.arch.as_deref(), Some("x86"));
    assert_eq!(f.install_language.as_deref(), Some("en-US"));
    assert_eq!(f.install_lcid.as_deref(), Some("0409"));
    assert_eq!(f.ui_languages, vec!["en-US".to_string()]);
    assert_eq!(f.control_set.as_deref(), Some("ControlSet001"));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn reads_install_language_and_several_ui_languages() {
    let ja = offline_os::read(&root("pro11-ja")).unwrap();
    assert_eq!(ja.install_language.as_deref(), Some("ja-JP"));
    assert_eq!(ja.current_build, Some(22631));
    assert_eq!(ja.arch.as_deref(), Some("x64"));
    let multi = offline_os::read(&root("pro11-multi")).unwrap();
    let mut langs = multi.ui_languages.clone();
    langs.sort();
    assert_eq!(langs, vec!["de-DE", "en-US", "fr-FR"]);
}

#[test]
fn reads_pre_windows_10_version_string() {
    let f = offline_os::read(&root("pro8-en")).unwrap();
    assert_eq!((f.major, f.minor, f.current_build), (Some(6), Some(2), Some(9200)));
}

#[test]
fn looks_paths_up_case_insensitively() {
    let f = offline_os::read(&root("lowercase")).unwrap();
    assert_eq!(f.edition_id.as_deref(), Some("Professional"));
    assert!(f.software_hive.ends_with("windows/system32/config/software"), "{}", f.software_hive);
}

#[test]
fn key_and_value_lookup_is_case_insensitive() {
    let h = Hive::open(&root("pro10-x86-en").join("Windows/System32/config/SOFTWARE")).unwrap();
    let k = h.key("MICROSOFT\\windows nt\\currentVERSION").unwrap().expect("key found");
    let v = h.value(&k, "editionid").unwrap().expect("value found");
    assert_eq!(v.as_string().as_deref(), Some("Professional"));
    assert!(h.key("Microsoft\\No Such Key").unwrap().is_none());
    assert!(h.value(&k, "NoSuchValue").unwrap().is_none());
}

#[test]
fn refuses_a_hive_with_a_bad_checksum() {
    let err = offline_os::read(&root("bad-checksum")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("checksum") && msg.contains("SOFTWARE"), "{msg}");
    assert_eq!(oemgate::cli::exit_status(&err), oemgate::ExitStatus::BadInput);
}

#[test]
fn refuses_a_file_that_is_not_a_hive() {
    let msg = offline_os::read(&root("not-a-hive")).unwrap_err().to_string();
    assert!(msg.contains("regf"), "{msg}");
}

#[test]
fn a_directory_without_hives_is_not_found() {
    let err = offline_os::read(&root("..")).unwrap_err();
    assert!(matches!(err, oemgate::Error::NotFound { .. }), "{err}");
}

/// Every truncation and every single-byte corruption of a real hive yields a value
/// or an error, never a panic (the reader checks every offset and size).
#[test]
fn survives_truncation_and_corruption() {
    let bytes = std::fs::read(root("pro10-x86-en").join("Windows/System32/config/SYSTEM")).unwrap();
    let walk = |b: Vec<u8>| {
        let Ok(h) = Hive::new(oemgate::source::MemSource::new("t", b)) else { return };
        let Ok(Some(k)) = h.key("ControlSet001\\Control\\MUI\\UILanguages") else { return };
        let _ = h.subkeys(&k);
        if let Ok(Some(env)) = h.key("ControlSet001\\Control\\Session Manager\\Environment") {
            let _ = h.value(&env, "PROCESSOR_ARCHITECTURE");
        }
    };
    for len in (0..bytes.len()).step_by(61) {
        walk(bytes[..len].to_vec());
    }
    for i in 4096..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0xFF;
        walk(b);
    }
}
