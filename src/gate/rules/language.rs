//! `language`: the image's default language must equal the licensed language (a
//! display language pack is the sanctioned way to change the UI language later).

use super::{Input, Outcome, RuleResult};
use crate::gate::product;

pub const ID: &str = "language";

pub fn check(i: &Input) -> RuleResult {
    let img = i.image;
    let img_ev =
        format!("{}: LANGUAGES DEFAULT {}", i.image_evidence(), img.default_language.as_deref().unwrap_or("-"));
    let Some(image) = img.default_language.as_deref().and_then(product::canonical_language) else {
        return RuleResult::new(ID, Outcome::Unknown, "the image's default language is unknown").with(img_ev);
    };
    let Some(lic) = &i.licensed.language else {
        return RuleResult::new(
            ID,
            Outcome::Unknown,
            format!("image is {image}; the licensed language is unknown (OA3 keys carry none): declare --licensed-language or give --offline-os"),
        )
        .with(img_ev);
    };
    let mut lic_ev = lic.evidence.clone();
    if let Some(os) = &i.licensed.offline_os {
        if let Some(inst) = os.install_language.as_deref().filter(|t| !t.eq_ignore_ascii_case(&lic.value)) {
            lic_ev.push_str(&format!("; note: the installed Windows was installed in {inst} ({})", os.system_hive));
        }
    }
    let r = |o, m: String| RuleResult::new(ID, o, m).with(lic_ev.clone()).with(img_ev.clone());
    if !image.eq_ignore_ascii_case(&lic.value) {
        return r(
            Outcome::Fail,
            format!("image is {image}, the licence is {}: a different language is a different product", lic.value),
        );
    }
    let extra: Vec<&str> =
        img.languages.iter().map(String::as_str).filter(|l| !l.eq_ignore_ascii_case(&image)).collect();
    if extra.is_empty() {
        r(Outcome::Pass, format!("image is {image}, the licence is {}", lic.value))
    } else {
        r(
            Outcome::Pass,
            format!(
                "image default is {image}, the licence is {} (the image also carries {})",
                lic.value,
                extra.join(", ")
            ),
        )
    }
}
