//! How the installed Windows' facts appear in the JSON of `check` and `match`
//! (`licensed.offline_os`, README "JSON: check"): an output struct of its own, so the
//! offline OS reader's struct is not the contract. The facts serialize through it wherever
//! they are embedded.

use serde::{Serialize, Serializer};

use crate::offline_os::OfflineOsFacts;
use crate::offline_os::hive::replay::HiveRecovery;

#[derive(Serialize)]
struct OfflineOsJson<'a> {
    root: &'a str,
    software_hive: &'a str,
    system_hive: &'a str,
    edition_id: Option<&'a str>,
    product_name: Option<&'a str>,
    current_build: Option<u32>,
    major: Option<u32>,
    minor: Option<u32>,
    arch: Option<&'a str>,
    install_language: Option<&'a str>,
    install_lcid: Option<&'a str>,
    ui_languages: &'a [String],
    control_set: Option<&'a str>,
    has_digital_product_id: bool,
    hives: &'a [HiveRecovery],
    warnings: &'a [String],
}

impl Serialize for OfflineOsFacts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        OfflineOsJson {
            root: &self.root,
            software_hive: &self.software_hive,
            system_hive: &self.system_hive,
            edition_id: self.edition_id.as_deref(),
            product_name: self.product_name.as_deref(),
            current_build: self.current_build,
            major: self.major,
            minor: self.minor,
            arch: self.arch.as_deref(),
            install_language: self.install_language.as_deref(),
            install_lcid: self.install_lcid.as_deref(),
            ui_languages: &self.ui_languages,
            control_set: self.control_set.as_deref(),
            has_digital_product_id: self.has_digital_product_id,
            hives: &self.hives,
            warnings: &self.warnings,
        }
        .serialize(s)
    }
}
