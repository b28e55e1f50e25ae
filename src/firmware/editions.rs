//! Key group id → EditionId and key type.
//!
//! A product key's group id says which key configuration it belongs to; the
//! configuration names the edition (`EditionId`) and the key type (`OEM:DM`,
//! `Volume:GVLK`, ...). The authoritative source is the key configuration shipped in
//! the image being applied; until that is read, a built-in table of public facts is the
//! fallback. Sources implement [`EditionSource`]; [`Chain`] asks them in order of trust,
//! so a better source (e.g. the image's own key configuration) plugs in ahead of the
//! built-in table. An unknown group gives `None`: never a guess.

/// What a source knows about one key group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub group_id: u32,
    /// Windows `EditionId`, e.g. `Professional`, `ServerStandard`.
    pub edition_id: String,
    /// Key type, e.g. `OEM:DM`, `Volume:GVLK`.
    pub key_type: String,
    /// Product line the group belongs to, e.g. `Windows 10/11`, when the source knows it.
    pub product: Option<String>,
    /// Whether the key's serial lies in one of the group's key ranges; `None` when the
    /// source has no ranges (the built-in table has none).
    pub serial_in_range: Option<bool>,
    /// Which source answered (for evidence), e.g. `built-in table`.
    pub source: String,
}

/// Anything that maps a key group id to an edition.
pub trait EditionSource {
    /// Short name for evidence, e.g. `built-in table`.
    fn name(&self) -> String;
    /// The group's facts, or `None` when this source does not know the group.
    fn lookup(&self, group_id: u32, serial: u32) -> Option<GroupInfo>;
}

/// Several sources, most trusted first; the first one that knows the group answers.
pub struct Chain<'a>(pub Vec<&'a dyn EditionSource>);

impl EditionSource for Chain<'_> {
    fn name(&self) -> String {
        self.0.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
    }
    fn lookup(&self, group_id: u32, serial: u32) -> Option<GroupInfo> {
        self.0.iter().find_map(|s| s.lookup(group_id, serial))
    }
}

/// One row of the built-in table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupEntry {
    pub group_id: u32,
    pub edition_id: &'static str,
    pub key_type: &'static str,
    pub product: &'static str,
}

const OEM_DM: &str = "OEM:DM";
const GVLK: &str = "Volume:GVLK";

const fn e(group_id: u32, edition_id: &'static str, key_type: &'static str, product: &'static str) -> GroupEntry {
    GroupEntry { group_id, edition_id, key_type, product }
}

/// Public facts only:
/// - OEM:DM (firmware key) groups seen in the Windows 10/11 key configuration (build
///   22621), including the Windows 8 groups still listed there;
/// - Volume:GVLK groups, each obtained by decoding the KMS client setup key Microsoft
///   publishes for that edition (the keys are in this module's tests, so every row is
///   checked against its key).
pub const BUILTIN_GROUPS: &[GroupEntry] = &[
    // OEM:DM, Windows 10/11
    e(3258, "Core", OEM_DM, "Windows 10/11"),
    e(3259, "Core", OEM_DM, "Windows 10/11"),
    e(3422, "Core", OEM_DM, "Windows 10/11"),
    e(3560, "Core", OEM_DM, "Windows 10/11"),
    e(3268, "CoreN", OEM_DM, "Windows 10/11"),
    e(3264, "CoreCountrySpecific", OEM_DM, "Windows 10/11"),
    e(3423, "CoreCountrySpecific", OEM_DM, "Windows 10/11"),
    e(3561, "CoreCountrySpecific", OEM_DM, "Windows 10/11"),
    e(3273, "CoreSingleLanguage", OEM_DM, "Windows 10/11"),
    e(3274, "CoreSingleLanguage", OEM_DM, "Windows 10/11"),
    e(3424, "CoreSingleLanguage", OEM_DM, "Windows 10/11"),
    e(3562, "CoreSingleLanguage", OEM_DM, "Windows 10/11"),
    e(3305, "Professional", OEM_DM, "Windows 10/11"),
    e(3306, "Professional", OEM_DM, "Windows 10/11"),
    e(3425, "Professional", OEM_DM, "Windows 10/11"),
    e(3556, "Professional", OEM_DM, "Windows 10/11"),
    e(3557, "Professional", OEM_DM, "Windows 10/11"),
    e(3563, "Professional", OEM_DM, "Windows 10/11"),
    e(3314, "ProfessionalN", OEM_DM, "Windows 10/11"),
    e(3558, "ProfessionalN", OEM_DM, "Windows 10/11"),
    e(3559, "ProfessionalN", OEM_DM, "Windows 10/11"),
    e(3278, "Education", OEM_DM, "Windows 10/11"),
    e(3283, "EducationN", OEM_DM, "Windows 10/11"),
    e(3288, "Enterprise", OEM_DM, "Windows 10/11"),
    e(3792, "ProfessionalEducation", OEM_DM, "Windows 10/11"),
    e(3794, "ProfessionalEducationN", OEM_DM, "Windows 10/11"),
    e(3915, "ProfessionalWorkstation", OEM_DM, "Windows 10/11"),
    e(3920, "ProfessionalWorkstationN", OEM_DM, "Windows 10/11"),
    e(4362, "IoTEnterprise", OEM_DM, "Windows 10/11"),
    e(4364, "IoTEnterpriseS", OEM_DM, "Windows 10/11"),
    e(4545, "ServerStandard", OEM_DM, "Windows Server 2022"),
    // OEM:DM, Windows 8 groups still present in the Windows 10/11 configuration
    e(1790, "CoreN", OEM_DM, "Windows 8"),
    e(1792, "CoreCountrySpecific", OEM_DM, "Windows 8"),
    e(1794, "CoreSingleLanguage", OEM_DM, "Windows 8"),
    e(1913, "CoreSingleLanguage", OEM_DM, "Windows 8"),
    e(1798, "ProfessionalN", OEM_DM, "Windows 8"),
    // Volume:GVLK, Windows 10/11
    e(3311, "Professional", GVLK, "Windows 10/11"),
    e(3319, "ProfessionalN", GVLK, "Windows 10/11"),
    e(3918, "ProfessionalWorkstation", GVLK, "Windows 10/11"),
    e(3923, "ProfessionalWorkstationN", GVLK, "Windows 10/11"),
    e(3784, "ProfessionalEducation", GVLK, "Windows 10/11"),
    e(3785, "ProfessionalEducationN", GVLK, "Windows 10/11"),
    e(3281, "Education", GVLK, "Windows 10/11"),
    e(3286, "EducationN", GVLK, "Windows 10/11"),
    e(3290, "Enterprise", GVLK, "Windows 10/11"),
    e(3299, "EnterpriseN", GVLK, "Windows 10/11"),
    e(3856, "EnterpriseG", GVLK, "Windows 10/11"),
    e(3861, "EnterpriseGN", GVLK, "Windows 10/11"),
    e(4250, "EnterpriseS", GVLK, "Windows 10/11 LTSC 2019/2021/2024"),
    e(4253, "EnterpriseSN", GVLK, "Windows 10/11 LTSC 2019/2021/2024"),
    e(4844, "IoTEnterpriseS", GVLK, "Windows 10/11 IoT LTSC 2021/2024"),
    e(3782, "EnterpriseS", GVLK, "Windows 10 LTSB 2016"),
    e(3783, "EnterpriseSN", GVLK, "Windows 10 LTSB 2016"),
    e(3295, "EnterpriseS", GVLK, "Windows 10 LTSB 2015"),
    e(3302, "EnterpriseSN", GVLK, "Windows 10 LTSB 2015"),
    // Volume:GVLK, Windows 8.1 and 8
    e(2615, "Professional", GVLK, "Windows 8.1"),
    e(2616, "ProfessionalN", GVLK, "Windows 8.1"),
    e(2613, "Enterprise", GVLK, "Windows 8.1"),
    e(2614, "EnterpriseN", GVLK, "Windows 8.1"),
    e(1787, "Professional", GVLK, "Windows 8"),
    e(1786, "ProfessionalN", GVLK, "Windows 8"),
    e(1789, "Enterprise", GVLK, "Windows 8"),
    e(1788, "EnterpriseN", GVLK, "Windows 8"),
    // Volume:GVLK, Windows Server
    e(4929, "ServerStandard", GVLK, "Windows Server 2025"),
    e(4915, "ServerDatacenter", GVLK, "Windows Server 2025"),
    e(4541, "ServerStandard", GVLK, "Windows Server 2022"),
    e(4546, "ServerDatacenter", GVLK, "Windows Server 2022"),
    e(4297, "ServerStandard", GVLK, "Windows Server 2019"),
    e(4300, "ServerDatacenter", GVLK, "Windows Server 2019"),
    e(4332, "ServerSolution", GVLK, "Windows Server 2019 Essentials"),
    e(3776, "ServerStandard", GVLK, "Windows Server 2016"),
    e(3764, "ServerDatacenter", GVLK, "Windows Server 2016"),
    e(3760, "ServerSolution", GVLK, "Windows Server 2016 Essentials"),
    e(2527, "ServerStandard", GVLK, "Windows Server 2012 R2"),
    e(2535, "ServerDatacenter", GVLK, "Windows Server 2012 R2"),
    e(2584, "ServerSolution", GVLK, "Windows Server 2012 R2 Essentials"),
    e(1843, "ServerStandard", GVLK, "Windows Server 2012"),
    e(1849, "ServerDatacenter", GVLK, "Windows Server 2012"),
    e(2277, "ServerSolution", GVLK, "Windows Server 2012 Essentials"),
];

/// The built-in table of public facts ([`BUILTIN_GROUPS`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin;

impl EditionSource for Builtin {
    fn name(&self) -> String {
        "built-in table".into()
    }
    fn lookup(&self, group_id: u32, _serial: u32) -> Option<GroupInfo> {
        BUILTIN_GROUPS.iter().find(|g| g.group_id == group_id).map(|g| GroupInfo {
            group_id,
            edition_id: g.edition_id.into(),
            key_type: g.key_type.into(),
            product: Some(g.product.into()),
            serial_in_range: None,
            source: self.name(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::product_key::{self, ProductKey};

    /// Microsoft's published KMS client setup keys, with the EditionId and key type the
    /// table must give for the group each decodes to.
    pub const GVLKS: &[(&str, &str)] = &[
        ("W269N-WFGWX-YVC9B-4J6C9-T83GX", "Professional"),
        ("MH37W-N47XK-V7XM9-C7227-GCQG9", "ProfessionalN"),
        ("NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J", "ProfessionalWorkstation"),
        ("9FNHH-K3HBT-3W4TD-6383H-6XYWF", "ProfessionalWorkstationN"),
        ("6TP4R-GNPTD-KYYHQ-7B7DP-J447Y", "ProfessionalEducation"),
        ("YVWGF-BXNMC-HTQYQ-CPQ99-66QFC", "ProfessionalEducationN"),
        ("NW6C2-QMPVW-D7KKK-3GKT6-VCFB2", "Education"),
        ("2WH4N-8QGBV-H22JP-CT43Q-MDWWJ", "EducationN"),
        ("NPPR9-FWDCX-D2C8J-H872K-2YT43", "Enterprise"),
        ("DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4", "EnterpriseN"),
        ("YYVX9-NTFWV-6MDM3-9PT4T-4M68B", "EnterpriseG"),
        ("44RPN-FTY23-9VTTB-MP9BX-T84FV", "EnterpriseGN"),
        ("M7XTQ-FN8P6-TTKYV-9D4CC-J462D", "EnterpriseS"),
        ("92NFX-8DJQP-P6BBQ-THF9C-7CG2H", "EnterpriseSN"),
        ("KBN8V-HFGQ4-MGXVD-347P6-PDQGT", "IoTEnterpriseS"),
        ("DCPHK-NFMTC-H88MJ-PFHPY-QJ4BJ", "EnterpriseS"),
        ("QFFDN-GRT3P-VKWWX-X7T3R-8B639", "EnterpriseSN"),
        ("WNMTR-4C88C-JK8YV-HQ7T2-76DF9", "EnterpriseS"),
        ("2F77B-TNFGY-69QQF-B8YKP-D69TJ", "EnterpriseSN"),
        ("GCRJD-8NW9H-F2CDX-CCM8D-9D6T9", "Professional"),
        ("HMCNV-VVBFX-7HMBH-CTY9B-B4FXY", "ProfessionalN"),
        ("MHF9N-XY6XB-WVXMC-BTDCT-MKKG7", "Enterprise"),
        ("TT4HM-HN7YT-62K67-RGRQJ-JFFXW", "EnterpriseN"),
        ("NG4HW-VH26C-733KW-K6F98-J8CK4", "Professional"),
        ("XCVCF-2NXM9-723PB-MHCB7-2RYQQ", "ProfessionalN"),
        ("32JNW-9KQ84-P47T8-D8GGY-CWCK7", "Enterprise"),
        ("JMNMF-RHW7P-DMY6X-RF3DR-X2BQT", "EnterpriseN"),
        ("TVRH6-WHNXV-R9WG3-9XRFY-MY832", "ServerStandard"),
        ("D764K-2NDRG-47T6Q-P8T8W-YP6DF", "ServerDatacenter"),
        ("VDYBN-27WPP-V4HQT-9VMD4-VMK7H", "ServerStandard"),
        ("WX4NM-KYWYW-QJJR4-XV3QB-6VM33", "ServerDatacenter"),
        ("N69G4-B89J2-4G8F4-WWYCC-J464C", "ServerStandard"),
        ("WMDGN-G9PQG-XVVXX-R3X43-63DFG", "ServerDatacenter"),
        ("WVDHN-86M7X-466P6-VHXV7-YY726", "ServerSolution"),
        ("WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY", "ServerStandard"),
        ("CB7KF-BWN84-R7R2Y-793K2-8XDDG", "ServerDatacenter"),
        ("JCKRF-N37P4-C2D82-9YXRT-4M63B", "ServerSolution"),
        ("D2N9P-3P6X9-2R39C-7RTCD-MDVJX", "ServerStandard"),
        ("W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9", "ServerDatacenter"),
        ("KNC87-3J2TX-XB4WP-VCPJV-M4FWM", "ServerSolution"),
        ("XC9B7-NBPP2-83J2H-RHMBY-92BT4", "ServerStandard"),
        ("48HP8-DN98B-MYWDG-T2DCC-8W83P", "ServerDatacenter"),
        ("HTDQM-NBMMG-KGYDT-2DTKT-J2MPV", "ServerSolution"),
    ];

    /// The OEM:DM table of the shared facts, as (EditionId, groups).
    const OEM_DM_GROUPS: &[(&str, &[u32])] = &[
        ("Core", &[3258, 3259, 3422, 3560]),
        ("CoreN", &[3268, 1790]),
        ("CoreCountrySpecific", &[3264, 3423, 3561, 1792]),
        ("CoreSingleLanguage", &[3273, 3274, 3424, 3562, 1794, 1913]),
        ("Professional", &[3305, 3306, 3425, 3556, 3557, 3563]),
        ("ProfessionalN", &[3314, 3558, 3559, 1798]),
        ("Education", &[3278]),
        ("EducationN", &[3283]),
        ("Enterprise", &[3288]),
        ("ProfessionalEducation", &[3792]),
        ("ProfessionalEducationN", &[3794]),
        ("ProfessionalWorkstation", &[3915]),
        ("ProfessionalWorkstationN", &[3920]),
        ("IoTEnterprise", &[4362]),
        ("IoTEnterpriseS", &[4364]),
        ("ServerStandard", &[4545]),
    ];

    #[test]
    fn every_gvlk_row_is_backed_by_its_published_key() {
        let mut seen = std::collections::BTreeSet::new();
        for (key, edition) in GVLKS {
            let ProductKey::Modern(d) = product_key::parse(key).unwrap() else { panic!("{key}") };
            assert!(d.checksum_ok(), "{key}");
            let info = Builtin.lookup(d.fields.group_id, d.fields.serial).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(info.edition_id, *edition, "{key}");
            assert_eq!(info.key_type, "Volume:GVLK", "{key}");
            seen.insert(d.fields.group_id);
        }
        let table: std::collections::BTreeSet<u32> =
            BUILTIN_GROUPS.iter().filter(|g| g.key_type == GVLK).map(|g| g.group_id).collect();
        assert_eq!(table, seen, "every GVLK row must come from a published key");
    }

    #[test]
    fn every_oem_dm_group_encodes_decodes_and_maps() {
        let mut n = 0;
        for (edition, groups) in OEM_DM_GROUPS {
            for &g in *groups {
                for (serial, security) in
                    [(0u32, 0u64), (987_654_321, 0x1234_5678_9ABC), ((1 << 30) - 1, (1 << 53) - 1)]
                {
                    let f = product_key::KeyFields { group_id: g, serial, security, upgrade: false, extra: false };
                    let key = product_key::encode(&f).unwrap();
                    let ProductKey::Modern(d) = product_key::parse(&key).unwrap() else { panic!("{key}") };
                    assert_eq!(d.fields, f);
                    assert!(d.checksum_ok());
                    let info = Builtin.lookup(d.fields.group_id, serial).unwrap();
                    assert_eq!(info.edition_id, *edition, "group {g}");
                    assert_eq!(info.key_type, "OEM:DM", "group {g}");
                }
                n += 1;
            }
        }
        let table = BUILTIN_GROUPS.iter().filter(|g| g.key_type == OEM_DM).count();
        assert_eq!(n, table, "every OEM:DM row is tested");
    }

    #[test]
    fn group_ids_are_unique_and_unknown_is_none() {
        let mut ids: Vec<u32> = BUILTIN_GROUPS.iter().map(|g| g.group_id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
        assert!(Builtin.lookup(9999, 0).is_none());
        assert!(Builtin.lookup(0, 0).is_none());
    }

    struct Fake;
    impl EditionSource for Fake {
        fn name(&self) -> String {
            "image key configuration".into()
        }
        fn lookup(&self, group_id: u32, serial: u32) -> Option<GroupInfo> {
            (group_id == 3305).then(|| GroupInfo {
                group_id,
                edition_id: "Professional".into(),
                key_type: "OEM:DM".into(),
                product: None,
                serial_in_range: Some(serial < 10),
                source: self.name(),
            })
        }
    }

    #[test]
    fn chain_prefers_the_first_source_that_knows() {
        let chain = Chain(vec![&Fake, &Builtin]);
        assert_eq!(chain.lookup(3305, 5).unwrap().source, "image key configuration");
        assert_eq!(chain.lookup(3305, 50).unwrap().serial_in_range, Some(false));
        assert_eq!(chain.lookup(3258, 5).unwrap().source, "built-in table");
        assert!(chain.lookup(12345, 5).is_none());
    }
}
