//! `image-key`: the image about to be applied must accept this PC's firmware key. The
//! image's own key configuration (`pkeyconfig*.xrm-ms`) lists every key group it
//! activates; a readable configuration that does not know the key's group means this
//! image does not accept this PC's key (unknown: warn by default; the policy can block).

use super::{Input, Outcome, RuleResult};

pub const ID: &str = "image-key";

pub fn check(i: &Input) -> RuleResult {
    let Some(group) = i.licensed.firmware_key.as_ref().and_then(|k| k.group_id) else {
        return RuleResult::new(ID, Outcome::Skip, "no firmware OA3 key group to look up");
    };
    let Some(c) = &i.image.content else {
        return RuleResult::new(ID, Outcome::Skip, "the image's own files were not read");
    };
    let Some(groups) = &c.key_groups else {
        let why = c.unknown.iter().find(|u| u.starts_with("key configuration")).cloned().unwrap_or_default();
        return RuleResult::new(
            ID,
            Outcome::Skip,
            format!("the image's key configuration is unreadable, the built-in table answers ({why})"),
        );
    };
    let files = c.key_configuration.join(", ");
    let ev = format!("{} index {}: {files}", i.image.path, i.image.index);
    if groups.binary_search(&group).is_ok() {
        RuleResult::new(ID, Outcome::Pass, format!("the image's key configuration knows key group {group}")).with(ev)
    } else {
        RuleResult::new(
            ID,
            Outcome::Unknown,
            format!(
                "this image does not accept this PC's key: key group {group} is not in the image's key configuration"
            ),
        )
        .with(ev)
    }
}
