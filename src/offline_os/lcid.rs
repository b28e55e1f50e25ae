//! LCID → language tag, for `Nls\Language\InstallLanguage` (a hex string like "0409").
//! The languages Windows ships as base languages.

const TABLE: &[(u32, &str)] = &[
    (0x0401, "ar-SA"),
    (0x0402, "bg-BG"),
    (0x0404, "zh-TW"),
    (0x0405, "cs-CZ"),
    (0x0406, "da-DK"),
    (0x0407, "de-DE"),
    (0x0408, "el-GR"),
    (0x0409, "en-US"),
    (0x040B, "fi-FI"),
    (0x040C, "fr-FR"),
    (0x040D, "he-IL"),
    (0x040E, "hu-HU"),
    (0x0410, "it-IT"),
    (0x0411, "ja-JP"),
    (0x0412, "ko-KR"),
    (0x0413, "nl-NL"),
    (0x0414, "nb-NO"),
    (0x0415, "pl-PL"),
    (0x0416, "pt-BR"),
    (0x0418, "ro-RO"),
    (0x0419, "ru-RU"),
    (0x041A, "hr-HR"),
    (0x041B, "sk-SK"),
    (0x041D, "sv-SE"),
    (0x041E, "th-TH"),
    (0x041F, "tr-TR"),
    (0x0422, "uk-UA"),
    (0x0424, "sl-SI"),
    (0x0425, "et-EE"),
    (0x0426, "lv-LV"),
    (0x0427, "lt-LT"),
    (0x0804, "zh-CN"),
    (0x0809, "en-GB"),
    (0x080A, "es-MX"),
    (0x0816, "pt-PT"),
    (0x081A, "sr-Latn-RS"),
    (0x0C0A, "es-ES"),
    (0x0C0C, "fr-CA"),
];

/// Every (LCID, tag) pair known, for tests against outside references.
pub fn entries() -> &'static [(u32, &'static str)] {
    TABLE
}

pub fn tag(lcid: u32) -> Option<&'static str> {
    TABLE.iter().find(|(l, _)| *l == lcid).map(|(_, t)| *t)
}

/// "0409" (hex, as stored in the registry) → "en-US".
pub fn tag_for_hex(hex: &str) -> Option<&'static str> {
    u32::from_str_radix(hex.trim().trim_start_matches("0x"), 16).ok().and_then(tag)
}

#[cfg(test)]
mod tests {
    #[test]
    fn maps_common_lcids() {
        assert_eq!(super::tag_for_hex("0409"), Some("en-US"));
        assert_eq!(super::tag_for_hex("0411"), Some("ja-JP"));
        assert_eq!(super::tag_for_hex("zz"), None);
        assert_eq!(super::tag_for_hex("7fff"), None);
    }
}
