//! Dirty hives and their transaction logs (fixtures/hives/mklogs.py): hives written by
//! hivexsh, changed, the change kept only in the logs, the primary rolled back.

use std::path::{Path, PathBuf};

use oemgate::offline_os::{self, HiveState};

fn root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hives").join(name)
}

#[test]
fn hvle_logs_are_applied() {
    let f = offline_os::read(&root("dirty-hvle")).unwrap();
    eprintln!("{:#?}", f.hives);
    assert_eq!(f.current_build, Some(22631));
    assert_eq!(f.product_name.as_deref(), Some("Windows 11 Pro"));
    assert_eq!(f.install_language.as_deref(), Some("de-DE"));
    assert!(f.hives.iter().all(|h| h.state == HiveState::Recovered), "{:#?}", f.hives);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

#[test]
fn dirty_vector_logs_are_applied() {
    let f = offline_os::read(&root("dirty-dirt")).unwrap();
    eprintln!("{:#?}", f.hives);
    assert_eq!(f.current_build, Some(22631));
    assert_eq!(f.product_name.as_deref(), Some("Windows 11 Pro"));
    assert_eq!(f.install_language.as_deref(), Some("de-DE"));
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}
