//! `image-metadata`: the image's XML label must say what its content says. Every fact
//! the label claims that the gate uses (edition, build, architecture, default language,
//! installation type) is compared with the image's own registry and kernel; a
//! disagreement blocks and names both values (a relabelled image is not what it says).
//! Content that cannot be read is unknown (warn by default; the policy can block).

use super::{Input, Outcome, RuleResult};
use crate::gate::facts::{ImageContent, Label};
use crate::gate::product;

pub const ID: &str = "image-metadata";

/// One comparison: (fact, label's value, content's value, equal?).
type Row = (&'static str, String, Option<String>, bool);

fn rows(label: &Label, c: &ImageContent) -> Vec<Row> {
    let mut out = Vec::new();
    let ci = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    if let Some(l) = &label.edition_id {
        out.push(("edition", l.clone(), c.edition_id.clone(), c.edition_id.as_deref().is_some_and(|v| ci(v, l))));
    }
    if let Some(l) = label.build {
        out.push(("build", l.to_string(), c.build.map(|b| b.to_string()), c.build == Some(l)));
    }
    if let Some(l) = &label.arch {
        out.push(("architecture", l.clone(), c.arch.clone(), c.arch.as_deref().is_some_and(|v| ci(v, l))));
    }
    if let Some(l) = &label.default_language {
        let canon = product::canonical_language(l);
        let same = match (&canon, &c.default_language) {
            (Some(a), Some(b)) => ci(a, b),
            _ => false,
        };
        out.push(("default language", l.clone(), c.default_language.clone(), same));
    }
    if let Some(l) = &label.installation_type {
        let v = c.installation_type.clone();
        out.push(("installation type", l.clone(), v.clone(), v.as_deref().is_some_and(|v| ci(v, l))));
    }
    out
}

/// Each fact the label claims, compared with the content: (fact, label's value,
/// content's value or `None` when unknown, equal?). `inspect --content` shows these.
pub fn compare(label: &Label, c: &ImageContent) -> Vec<(&'static str, String, Option<String>, bool)> {
    rows(label, c)
}

pub fn check(i: &Input) -> RuleResult {
    let img = i.image;
    let label_ev = format!(
        "{} index {} (image XML): EDITIONID {}, BUILD {}, ARCH {}, DEFAULT {}, INSTALLATIONTYPE {}",
        img.path,
        img.index,
        img.label.edition_id.as_deref().unwrap_or("-"),
        img.label.build.map_or_else(|| "-".to_string(), |b| b.to_string()),
        img.label.arch.as_deref().unwrap_or("-"),
        img.label.default_language.as_deref().unwrap_or("-"),
        img.label.installation_type.as_deref().unwrap_or("-"),
    );
    let Some(c) = &img.content else {
        // Only a caller that never reads content (a library user judging a label) gets
        // here: `check` and `match` always read it, unreadable content being unknown.
        return RuleResult::new(ID, Outcome::Skip, "the image's own files were not read").with(label_ev);
    };
    let mut ev = vec![label_ev];
    ev.extend(c.evidence.iter().map(|e| format!("{} index {}: {e}", img.path, img.index)));
    ev.extend(c.unknown.iter().cloned());
    let r = |o, m: String| RuleResult { id: ID, outcome: o, message: m, evidence: ev.clone(), basis: None };
    let rows = rows(&img.label, c);
    let differ: Vec<String> = rows
        .iter()
        .filter_map(|(what, l, v, same)| match v {
            Some(v) if !same => Some(format!("{what}: the XML says {l}, the image's content says {v}")),
            _ => None,
        })
        .collect();
    if !differ.is_empty() {
        return r(
            Outcome::Fail,
            format!("the image's XML label does not match its content (relabelled image): {}", differ.join("; ")),
        );
    }
    let unread: Vec<&str> = rows.iter().filter(|(_, _, v, _)| v.is_none()).map(|(what, ..)| *what).collect();
    if !unread.is_empty() {
        let why = if c.unknown.is_empty() { String::new() } else { format!(" ({})", c.unknown.join("; ")) };
        return r(
            Outcome::Unknown,
            format!("the image's own {} cannot be read: the XML label is unconfirmed{why}", unread.join(", ")),
        );
    }
    if rows.is_empty() {
        return r(Outcome::Unknown, "the image's XML claims no edition, build, architecture or language".into());
    }
    let what: Vec<&str> = rows.iter().map(|(w, ..)| *w).collect();
    r(Outcome::Pass, format!("the XML label matches the image's content ({})", what.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ImageContent {
        ImageContent {
            edition_id: Some("Professional".into()),
            build: Some(22631),
            arch: Some("x64".into()),
            default_language: Some("en-US".into()),
            installation_type: Some("Client".into()),
            ..Default::default()
        }
    }

    fn label() -> Label {
        Label {
            edition_id: Some("Professional".into()),
            build: Some(22631),
            arch: Some("x64".into()),
            default_language: Some("en-us".into()),
            installation_type: Some("Client".into()),
        }
    }

    #[test]
    fn agreeing_label_has_no_difference() {
        assert!(rows(&label(), &content()).iter().all(|r| r.3));
    }

    #[test]
    fn each_relabelled_fact_differs() {
        let edits: [fn(&mut Label); 5] = [
            |l| l.edition_id = Some("Core".into()),
            |l| l.build = Some(19045),
            |l| l.arch = Some("x86".into()),
            |l| l.default_language = Some("ja-JP".into()),
            |l| l.installation_type = Some("Server".into()),
        ];
        for edit in edits {
            let mut l = label();
            edit(&mut l);
            assert_eq!(rows(&l, &content()).iter().filter(|r| !r.3).count(), 1, "{l:?}");
        }
    }

    #[test]
    fn unknown_content_is_never_equal() {
        let rs = rows(&label(), &ImageContent::default());
        assert_eq!(rs.len(), 5);
        assert!(rs.iter().all(|r| !r.3 && r.2.is_none()));
    }
}
