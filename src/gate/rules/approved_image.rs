//! `approved-image`: optional; the organisation's list of approved image SHA-256
//! digests (policy `approved_images`). Every file of the image must be listed.

use super::{Input, Outcome, RuleResult};

pub const ID: &str = "approved-image";

pub fn check(i: &Input) -> RuleResult {
    let approved = &i.policy.approved_images;
    if approved.is_empty() {
        return RuleResult::new(ID, Outcome::Skip, "the policy lists no approved images");
    }
    if i.image.sha256.is_empty() {
        return RuleResult::new(ID, Outcome::Unknown, "the image was not hashed").with(i.policy.source.clone());
    }
    let mut r = RuleResult::new(ID, Outcome::Pass, "").with(format!(
        "{}: approved_images ({} digests)",
        i.policy.source,
        approved.len()
    ));
    let mut missing = Vec::new();
    for h in &i.image.sha256 {
        r = r.with(format!("{}: SHA-256 {}", h.file, h.sha256));
        if !approved.iter().any(|a| a.eq_ignore_ascii_case(&h.sha256)) {
            missing.push(h.file.clone());
        }
    }
    if missing.is_empty() {
        r.message = "the image's SHA-256 is on the approved list".into();
    } else {
        r.outcome = Outcome::Fail;
        r.message = format!("not on the approved list: {}", missing.join(", "));
    }
    r
}
