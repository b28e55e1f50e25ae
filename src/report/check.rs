//! `check` and `match` output: a table for people (coloured on a terminal), JSON for
//! scripts (stable shape, see docs), and the CMTrace log entries.

use std::fmt::Write;

use serde::Serialize;

use super::cmtrace::Severity;
use super::style::Style;
use crate::gate::activation::Advice;
use crate::gate::rules::Outcome;
use crate::gate::verdict::{Effect, RuleVerdict};
use crate::gate::{Decision, ImageFacts, LicensedFacts, Verdict};

#[derive(Serialize)]
struct RuleJson<'a> {
    id: &'a str,
    outcome: Outcome,
    effect: Effect,
    message: &'a str,
    evidence: &'a [String],
    /// What let a passing rule through (e.g. "software-assurance"); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<crate::gate::rules::Basis>,
}

fn rules_json(v: &Verdict) -> Vec<RuleJson<'_>> {
    v.rules
        .iter()
        .map(|r| RuleJson {
            id: r.result.id,
            outcome: r.result.outcome,
            effect: r.effect,
            message: &r.result.message,
            evidence: &r.result.evidence,
            basis: r.result.basis,
        })
        .collect()
}

fn ids(rs: Vec<&RuleVerdict>) -> Vec<&'static str> {
    rs.into_iter().map(|r| r.result.id).collect()
}

#[derive(Serialize)]
struct CheckJson<'a> {
    oemgate: &'static str,
    command: &'static str,
    verdict: &'static str,
    exit_code: u8,
    reasons: Vec<&'static str>,
    warnings: Vec<&'static str>,
    rules: Vec<RuleJson<'a>>,
    licensed: &'a LicensedFacts,
    image: &'a ImageFacts,
    activation: &'a Advice,
}

pub fn check_json(licensed: &LicensedFacts, image: &ImageFacts, v: &Verdict) -> String {
    super::to_json(&CheckJson {
        oemgate: env!("CARGO_PKG_VERSION"),
        command: "check",
        verdict: v.decision.as_str(),
        exit_code: v.exit.code(),
        reasons: ids(v.reasons()),
        warnings: ids(v.warnings()),
        rules: rules_json(v),
        licensed,
        image,
        activation: &v.activation,
    })
}

#[derive(Serialize)]
struct IndexJson<'a> {
    index: u32,
    name: Option<&'a str>,
    edition_id: Option<&'a str>,
    version: Option<&'a str>,
    release: Option<&'static str>,
    arch: Option<&'a str>,
    default_language: Option<&'a str>,
    verdict: &'static str,
    exit_code: u8,
    reasons: Vec<&'static str>,
    warnings: Vec<&'static str>,
    rules: Vec<RuleJson<'a>>,
    activation: &'a Advice,
}

/// The outcome of `match --select`.
#[derive(Debug, Clone, Serialize)]
pub struct Selection {
    /// The chosen index, when exactly one fits best.
    pub index: Option<u32>,
    pub exit_code: u8,
    pub message: String,
}

#[derive(Serialize)]
struct MatchJson<'a> {
    oemgate: &'static str,
    command: &'static str,
    image: &'a str,
    /// The install image's path inside an ISO (absent for a bare image file).
    #[serde(skip_serializing_if = "Option::is_none")]
    path_in_media: Option<&'a str>,
    licensed: &'a LicensedFacts,
    indexes: Vec<IndexJson<'a>>,
    selection: Option<&'a Selection>,
}

pub fn match_json(
    path: &str,
    licensed: &LicensedFacts,
    results: &[(ImageFacts, Verdict)],
    selection: Option<&Selection>,
) -> String {
    let indexes = results
        .iter()
        .map(|(img, v)| IndexJson {
            index: img.index,
            name: img.name.as_deref(),
            edition_id: img.edition_id.as_deref(),
            version: img.version.as_deref(),
            release: img.generation.map(|g| g.name),
            arch: img.arch.as_deref(),
            default_language: img.default_language.as_deref(),
            verdict: v.decision.as_str(),
            exit_code: v.exit.code(),
            reasons: ids(v.reasons()),
            warnings: ids(v.warnings()),
            rules: rules_json(v),
            activation: &v.activation,
        })
        .collect();
    super::to_json(&MatchJson {
        oemgate: env!("CARGO_PKG_VERSION"),
        command: "match",
        image: path,
        path_in_media: results.first().and_then(|(i, _)| i.path_in_media.as_deref()),
        licensed,
        indexes,
        selection,
    })
}

fn decision_word(d: Decision, st: Style) -> String {
    match d {
        Decision::Allowed => st.green("ALLOWED"),
        Decision::Blocked => st.red("BLOCKED"),
        Decision::CannotDecide => st.yellow("CANNOT DECIDE"),
    }
}

fn outcome_word(r: &RuleVerdict, st: Style) -> String {
    let w = format!("{:<7}", r.result.outcome.as_str());
    match r.effect {
        Effect::Block => st.red(&w),
        Effect::Undecided | Effect::Warn => st.yellow(&w),
        Effect::Note => st.dim(&w),
        Effect::None if r.result.outcome == Outcome::Pass => st.green(&w),
        Effect::None => st.dim(&w),
    }
}

fn effect_word(e: Effect) -> &'static str {
    match e {
        Effect::None => "",
        Effect::Note => "note",
        Effect::Warn => "warn",
        Effect::Block => "BLOCKS",
        Effect::Undecided => "BLOCKS (unknown)",
    }
}

pub fn image_line(img: &ImageFacts) -> String {
    let o = |v: Option<&str>| v.unwrap_or("-").to_string();
    if img.edition_id.is_none() && img.version.is_none() && img.arch.is_none() {
        return format!(
            "index {}: {} (no Windows edition, version or architecture in the image's metadata)",
            img.index,
            o(img.name.as_deref())
        );
    }
    format!(
        "index {}: {} - {}, {} ({}), {}, {}",
        img.index,
        o(img.name.as_deref()),
        o(img.edition_id.as_deref()),
        img.generation.map_or("-", |g| g.name),
        o(img.version.as_deref()),
        o(img.arch.as_deref()),
        o(img.default_language.as_deref()),
    )
}

pub fn licence_block(o: &mut String, l: &LicensedFacts, verbose: bool) {
    fn fact<T>(f: Option<&crate::gate::facts::Fact<T>>, v: impl Fn(&T) -> String, verbose: bool) -> String {
        match f {
            Some(f) if verbose => format!("{}  [{}]", v(&f.value), f.evidence),
            Some(f) => format!("{}  ({})", v(&f.value), f.short_evidence()),
            None => "unknown".to_string(),
        }
    }
    let _ = writeln!(o, "  {:<10} {}", "edition", fact(l.edition.as_ref(), String::clone, verbose));
    if let (Some(d), Some(fw)) = (&l.declared_edition, &l.firmware_edition) {
        if d.value != fw.value {
            let _ = writeln!(o, "  {:<10} {} declared ({}) - conflicts with the firmware", "", d.value, d.evidence);
        }
    }
    if let Some(k) = &l.firmware_key {
        let group = k.group_id.map_or_else(|| "-".into(), |g| g.to_string());
        // The built-in table is the default source; the image's own configuration is named.
        let from = match k.edition_source.as_deref() {
            Some(src) if src != "built-in table" => format!(" (group from the {src})"),
            _ => String::new(),
        };
        let _ = writeln!(o, "  {:<10} {} group {group} {}{from}", "key", k.key, k.key_type.as_deref().unwrap_or(""));
    }
    let _ = writeln!(o, "  {:<10} {}", "version", fact(l.version.as_ref(), |g| g.to_string(), verbose));
    let _ = writeln!(o, "  {:<10} {}", "language", fact(l.language.as_ref(), String::clone, verbose));
    if let Some(inst) = &l.installed_edition {
        let _ = writeln!(o, "  {:<10} {} (installed Windows; a hint, not proof)", "installed", inst.value);
    }
    if !l.offline_os_candidates.is_empty() {
        let _ = writeln!(
            o,
            "  {:<10} several installed Windows ({}): none used, name one with --offline-os",
            "installed",
            l.offline_os_candidates.join(", ")
        );
    }
    let m = &l.machine;
    let fw = match (m.firmware_type, m.uefi_bitness) {
        (crate::firmware::FirmwareType::Uefi, Some(b)) => format!("UEFI {b}-bit"),
        (crate::firmware::FirmwareType::Uefi, None) => "UEFI of unknown bitness".to_string(),
        (crate::firmware::FirmwareType::Bios, _) => "BIOS".to_string(),
        (crate::firmware::FirmwareType::Unknown, _) => "unknown firmware type".to_string(),
    };
    let _ = writeln!(o, "  {:<10} {} CPU, {fw}", "machine", m.cpu_arch.as_deref().unwrap_or("unknown"));
    if verbose {
        let _ = writeln!(o, "  {:<10} [{}]", "", m.evidence);
    }
    if l.software_assurance.value {
        let _ = writeln!(o, "  {:<10} Software Assurance declared ({})", "VL", l.software_assurance.evidence);
    }
    // Each installed-Windows hive: clean, dirty with its logs applied, or dirty without
    // (that last one is also an offline_os warning: shown here once).
    let hive_lines: Vec<String> = l.offline_os.iter().flat_map(|os| os.hives.iter().map(|h| h.summary())).collect();
    for h in &hive_lines {
        let _ = writeln!(o, "  {:<10} {h}", "hive");
    }
    let notes = l
        .firmware_key
        .iter()
        .flat_map(|k| k.warnings.iter())
        .chain(l.offline_os.iter().flat_map(|os| os.warnings.iter()).filter(|w| !hive_lines.contains(w)));
    for n in notes {
        let _ = writeln!(o, "  {:<10} {n}", "note");
    }
    for p in &l.placeholders {
        let _ = writeln!(o, "  {:<10} {}", "note", super::firmware::placeholder_note(p));
    }
    if let Some(why) = &l.firmware_edition_unknown {
        let _ = writeln!(o, "  {:<10} the firmware key names no edition: {why}", "note");
    }
}

pub fn rules_block(o: &mut String, v: &Verdict, verbose: bool, st: Style) {
    for r in &v.rules {
        let eff = effect_word(r.effect);
        let eff = if eff.is_empty() { String::new() } else { format!(" [{eff}]") };
        let _ = writeln!(o, "  {} {:<19} {}{eff}", outcome_word(r, st), r.result.id, r.result.message);
        if verbose {
            for e in &r.result.evidence {
                let _ = writeln!(o, "  {:<7} {:<19} {}", "", "", st.dim(&format!("evidence: {e}")));
            }
        }
    }
}

pub fn check_table(l: &LicensedFacts, img: &ImageFacts, v: &Verdict, verbose: bool, color: bool) -> String {
    let st = Style { color };
    let mut o = String::new();
    let _ = writeln!(o, "{} {}  (exit {})", st.bold("oemgate check:"), decision_word(v.decision, st), v.exit.code());
    let _ = writeln!(o, "{}", st.bold("Image"));
    let _ = writeln!(o, "  {}", img.path);
    let _ = writeln!(o, "  {}", image_line(img));
    let _ = writeln!(o, "{}", st.bold("Licence"));
    licence_block(&mut o, l, verbose);
    let _ = writeln!(o, "{}", st.bold("Rules"));
    rules_block(&mut o, v, verbose, st);
    summary(&mut o, v);
    if v.decision == Decision::Allowed {
        let _ = writeln!(o, "{} {}", st.bold("Activation:"), v.activation.message);
    }
    o
}

fn summary(o: &mut String, v: &Verdict) {
    for r in v.reasons() {
        let what = if r.effect == Effect::Block { "blocked by" } else { "cannot decide" };
        let _ = writeln!(o, "{what} {}: {}", r.result.id, r.result.message);
    }
    for r in v.warnings() {
        let _ = writeln!(o, "warning {}: {}", r.result.id, r.result.message);
    }
}

pub fn match_table(
    path: &str,
    l: &LicensedFacts,
    results: &[(ImageFacts, Verdict)],
    verbose: bool,
    color: bool,
) -> String {
    let st = Style { color };
    let mut o = String::new();
    let _ = writeln!(o, "{} {path}", st.bold("oemgate match:"));
    let _ = writeln!(o, "{}", st.bold("Licence"));
    licence_block(&mut o, l, verbose);
    let _ = writeln!(o, "{}", st.bold("Indexes"));
    for (img, v) in results {
        let why: Vec<String> = v.reasons().iter().map(|r| format!("{}: {}", r.result.id, r.result.message)).collect();
        let warn: Vec<&str> = v.warnings().iter().map(|r| r.result.id).collect();
        let mut line = format!("{:<15} {}", decision_word(v.decision, st), image_line(img));
        if !warn.is_empty() {
            line.push_str(&format!("  [warnings: {}]", warn.join(", ")));
        }
        let _ = writeln!(o, "  {line}");
        for w in why {
            let _ = writeln!(o, "  {:<15} {}", "", w);
        }
        if verbose {
            rules_block(&mut o, v, true, st);
        }
    }
    o
}

/// CMTrace entries for the installed Windows' hives: one per hive, a warning when it is
/// dirty and was read without (all of) its transaction logs.
pub fn offline_os_log_entries(l: &LicensedFacts) -> Vec<(String, Severity)> {
    let hives = l.offline_os.iter().flat_map(|os| os.hives.iter());
    hives
        .map(|h| {
            let sev = if h.needs_notice() { Severity::Warning } else { Severity::Info };
            (format!("installed Windows hive {}", h.summary()), sev)
        })
        .collect()
}

/// CMTrace entries for one verdict: the decision, then each rule that did not pass.
pub fn log_entries(img: &ImageFacts, v: &Verdict) -> Vec<(String, Severity)> {
    let sev = match v.decision {
        Decision::Allowed if v.warnings().is_empty() => Severity::Info,
        Decision::Allowed => Severity::Warning,
        _ => Severity::Error,
    };
    let mut out = vec![(format!("check {}: {} (exit {})", image_line(img), v.decision.as_str(), v.exit.code()), sev)];
    out.push((format!("image {}", img.path), Severity::Info));
    for r in &v.rules {
        let s = match r.effect {
            Effect::Block | Effect::Undecided => Severity::Error,
            Effect::Warn => Severity::Warning,
            Effect::Note | Effect::None => Severity::Info,
        };
        out.push((format!("{}: {} ({})", r.result.id, r.result.message, r.result.outcome.as_str()), s));
    }
    if v.decision == Decision::Allowed {
        out.push((format!("activation: {}", v.activation.message), Severity::Info));
    }
    out
}
