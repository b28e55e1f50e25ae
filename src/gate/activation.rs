//! Activation advice: after a Volume Licensing reimage the PC activates with the VL
//! key that pairs with the image's edition — the public KMS client setup key (GVLK)
//! when the organisation runs KMS (or Active Directory-based activation), or its MAK —
//! never with the firmware OEM key. The GVLKs below are published by Microsoft to be
//! used by everyone; the table lists them per release and EditionID.

use serde::Serialize;

use super::facts::ImageFacts;

/// (release names, EditionID, KMS client setup key).
const GVLK: &[(&[&str], &str, &str)] = &[
    (&["Windows 10", "Windows 11"], "Professional", "W269N-WFGWX-YVC9B-4J6C9-T83GX"),
    (&["Windows 10", "Windows 11"], "ProfessionalN", "MH37W-N47XK-V7XM9-C7227-GCQG9"),
    (&["Windows 10", "Windows 11"], "ProfessionalWorkstation", "NRG8B-VKK3Q-CXVCJ-9G2XF-6Q84J"),
    (&["Windows 10", "Windows 11"], "ProfessionalWorkstationN", "9FNHH-K3HBT-3W4TD-6383H-6XYWF"),
    (&["Windows 10", "Windows 11"], "ProfessionalEducation", "6TP4R-GNPTD-KYYHQ-7B7DP-J447Y"),
    (&["Windows 10", "Windows 11"], "ProfessionalEducationN", "YVWGF-BXNMC-HTQYQ-CPQ99-66QFC"),
    (&["Windows 10", "Windows 11"], "Education", "NW6C2-QMPVW-D7KKK-3GKT6-VCFB2"),
    (&["Windows 10", "Windows 11"], "EducationN", "2WH4N-8QGBV-H22JP-CT43Q-MDWWJ"),
    (&["Windows 10", "Windows 11"], "Enterprise", "NPPR9-FWDCX-D2C8J-H872K-2YT43"),
    (&["Windows 10", "Windows 11"], "EnterpriseN", "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4"),
    (&["Windows 8.1"], "Professional", "GCRJD-8NW9H-F2CDX-CCM8D-9D6T9"),
    (&["Windows 8.1"], "ProfessionalN", "HMCNV-VVBFX-7HMBH-CTY9B-B4FXY"),
    (&["Windows 8.1"], "Enterprise", "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7"),
    (&["Windows 8.1"], "EnterpriseN", "TT4HM-HN7YT-62K67-RGRQJ-JFFXW"),
    (&["Windows 8"], "Professional", "NG4HW-VH26C-733KW-K6F98-J8CK4"),
    (&["Windows 8"], "ProfessionalN", "XCVCF-2NXM9-723PB-MHCB7-2RYQQ"),
    (&["Windows 8"], "Enterprise", "32JNW-9KQ84-P47T8-D8GGY-CWCK7"),
    (&["Windows 8"], "EnterpriseN", "JMNMF-RHW7P-DMY6X-RF3DR-X2BQT"),
    (&["Windows 7"], "Professional", "FJ82H-XT6CR-J8D7P-XQJJ2-GPDD4"),
    (&["Windows 7"], "ProfessionalN", "MRPKT-YTG23-K7D7T-X2JMM-QY7MG"),
    (&["Windows 7"], "Enterprise", "33PXH-7Y6KF-2VJC9-XBBR8-HVTHH"),
    (&["Windows 7"], "EnterpriseN", "YDRBP-3D83W-TY26F-D46B2-XCKRJ"),
    (&["Windows Server 2025"], "ServerStandard", "TVRH6-WHNXV-R9WG3-9XRFY-MY832"),
    (&["Windows Server 2025"], "ServerDatacenter", "D764K-2NDRG-47T6Q-P8T8W-YP6DF"),
    (&["Windows Server 2022"], "ServerStandard", "VDYBN-27WPP-V4HQT-9VMD4-VMK7H"),
    (&["Windows Server 2022"], "ServerDatacenter", "WX4NM-KYWYW-QJJR4-XV3QB-6VM33"),
    (&["Windows Server 2019"], "ServerStandard", "N69G4-B89J2-4G8F4-WWYCC-J464C"),
    (&["Windows Server 2019"], "ServerDatacenter", "WMDGN-G9PQG-XVVXX-R3X43-63DFG"),
    (&["Windows Server 2016"], "ServerStandard", "WC2BQ-8NRM3-FDDYY-2BFGV-KHKQY"),
    (&["Windows Server 2016"], "ServerDatacenter", "CB7KF-BWN84-R7R2Y-793K2-8XDDG"),
    (&["Windows Server 2012 R2"], "ServerStandard", "D2N9P-3P6X9-2R39C-7RTCD-MDVJX"),
    (&["Windows Server 2012 R2"], "ServerDatacenter", "W3GGN-FT8W3-Y4M27-J84CP-Q3VJ9"),
    (&["Windows Server 2012"], "ServerStandard", "XC9B7-NBPP2-83J2H-RHMBY-92BT4"),
    (&["Windows Server 2012"], "ServerDatacenter", "48HP8-DN98B-MYWDG-T2DCC-8W83P"),
    (&["Windows Server 2008 R2"], "ServerStandard", "YC6KT-GKW9T-YTKYR-T4X34-R7VHC"),
    (&["Windows Server 2008 R2"], "ServerEnterprise", "489J6-VHDMP-X63PK-3K798-CPX3Y"),
    (&["Windows Server 2008 R2"], "ServerDatacenter", "74YFP-3QFB3-KQT8W-PMXWJ-7M648"),
];

/// The public KMS client setup key for a release ("Windows 11") and EditionID.
pub fn kms_client_key(release: &str, edition_id: &str) -> Option<&'static str> {
    let ed = crate::edition::lookup(edition_id)?;
    GVLK.iter().find(|(rels, e, _)| rels.contains(&release) && *e == ed.id).map(|(_, _, k)| *k)
}

#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    pub edition_id: Option<String>,
    pub release: Option<String>,
    /// The public KMS client setup key for the image's edition, when one exists.
    pub kms_client_key: Option<String>,
    pub message: String,
}

pub fn advise(image: &ImageFacts) -> Advice {
    let release = image.generation.map(|g| g.name.to_string());
    let edition = image.edition_id.clone();
    let key = match (&release, &edition) {
        (Some(r), Some(e)) => kms_client_key(r, e),
        _ => None,
    };
    let what = match (&release, &edition) {
        (Some(r), Some(e)) => match &image.name {
            Some(n) => format!("{n} ({r} {e})"),
            None => format!("{r} {e}"),
        },
        (None, Some(e)) => e.clone(),
        _ => "the image's edition".into(),
    };
    let message = match key {
        Some(k) => format!(
            "after applying, activate with the Volume Licensing key for {what}, not the firmware OEM key: with KMS or Active Directory-based activation the public KMS client setup key {k} (slmgr /ipk {k}), otherwise your organisation's MAK"
        ),
        None if edition.as_deref().and_then(crate::edition::lookup).is_some_and(|e| e.is_home()) => {
            format!(
                "{what} has no Volume Licensing key: Home editions are not reimaged with VL media; a Home PC activates only with its own firmware OEM key"
            )
        }
        None => format!(
            "after applying, activate with your organisation's Volume Licensing key (MAK) for {what}, not the firmware OEM key"
        ),
    };
    Advice { edition_id: edition, release, kms_client_key: key.map(str::to_string), message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALPHABET: &[u8] = b"BCDFGHJKMPQRTVWXY2346789";

    /// Decode a Windows 8+ ("N") key into (group id, checksum ok), per the public
    /// description of the format. Test-only: it guards the table against typos.
    fn decode(key: &str) -> Option<(u32, bool)> {
        let chars: Vec<u8> = key.bytes().filter(|&b| b != b'-').collect();
        if chars.len() != 25 {
            return None;
        }
        let n = chars.iter().position(|&c| c == b'N')?;
        let mut value: u128 = n as u128;
        for &c in chars.iter().filter(|&&c| c != b'N') {
            value = value * 24 + ALPHABET.iter().position(|&a| a == c)? as u128;
        }
        let group = (value & 0xF_FFFF) as u32;
        let checksum = ((value >> 103) & 0x3FF) as u32;
        let cleared = value & !(0x3FFu128 << 103);
        let crc = crc::Crc::<u32>::new(&crc::CRC_32_BZIP2).checksum(&cleared.to_le_bytes());
        Some((group, crc & 0x3FF == checksum))
    }

    #[test]
    fn decoder_matches_the_published_test_vectors() {
        assert_eq!(decode("W269N-WFGWX-YVC9B-4J6C9-T83GX"), Some((3311, true)));
        assert_eq!(decode("MH37W-N47XK-V7XM9-C7227-GCQG9"), Some((3319, true)));
        assert_eq!(decode("NPPR9-FWDCX-D2C8J-H872K-2YT43"), Some((3290, true)));
        assert_eq!(decode("VDYBN-27WPP-V4HQT-9VMD4-VMK7H"), Some((4541, true)));
        assert_eq!(decode("WX4NM-KYWYW-QJJR4-XV3QB-6VM33"), Some((4546, true)));
        assert_eq!(decode("W269N-WFGWX-YVC9B-4J6C9-T83GB").map(|d| d.1), Some(false));
    }

    /// Every key with an N (Windows 8 and later) must carry a valid checksum: a typo in
    /// the table would fail here. The older keys have no checksum to verify this way.
    #[test]
    fn every_windows_8_and_later_key_has_a_valid_checksum() {
        let mut checked = 0;
        for (rels, ed, key) in GVLK {
            assert_eq!(key.len(), 29, "{key}");
            if key.contains('N') {
                let (_, ok) = decode(key).unwrap_or_else(|| panic!("{key} does not decode"));
                assert!(ok, "{rels:?} {ed}: {key} has a bad checksum");
                checked += 1;
            }
        }
        assert!(checked >= 25, "only {checked} keys checked");
    }

    #[test]
    fn looks_up_by_release_and_edition() {
        assert_eq!(kms_client_key("Windows 11", "Professional"), Some("W269N-WFGWX-YVC9B-4J6C9-T83GX"));
        assert_eq!(kms_client_key("Windows 10", "enterprise"), Some("NPPR9-FWDCX-D2C8J-H872K-2YT43"));
        assert_eq!(
            kms_client_key("Windows Server 2022", "ServerDatacenterCore"),
            Some("WX4NM-KYWYW-QJJR4-XV3QB-6VM33")
        );
        assert_eq!(kms_client_key("Windows Server 2025", "ServerDatacenter"), Some("D764K-2NDRG-47T6Q-P8T8W-YP6DF"));
        assert_eq!(kms_client_key("Windows 11", "Core"), None);
    }
}
