use std::path::PathBuf;

use clap::Args;

use super::check::{
    LicenceArgs, activation_variables, content_of, error_variables, evidence_outcome, hashes, licensed, load_policy,
    non_os_message, open_image, publish_task_sequence_variables, verdict_variables, write_evidence, write_log,
};
use crate::error::Result;
use crate::exit::ExitStatus;
use crate::gate::{Decision, ImageFacts, Verdict};
use crate::report;
use crate::report::check::Selection;
use crate::report::cmtrace::Severity;

#[derive(Args, Debug)]
pub struct MatchArgs {
    /// The image: install.wim, install.esd, the first part of a split set (install.swm), or an ISO holding one
    pub image: PathBuf,
    #[command(flatten)]
    pub licence: LicenceArgs,
    /// Print only the one index this PC may receive (exit 1: none fits, 3: several fit equally)
    #[arg(long)]
    pub select: bool,
    /// Print JSON (stable shape, see README) instead of a table
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: MatchArgs) -> ExitStatus {
    let at = time::OffsetDateTime::now_utc();
    match run_match(&args) {
        Ok(s) => s,
        Err(e) => super::check::fail_in_sequence(&e, "match", &args.licence, &args.image, at),
    }
}

/// Choose the one index that fits best: allowed, fewest warnings, then fewest downgrades.
pub fn select(results: &[(ImageFacts, Verdict)]) -> Selection {
    let allowed: Vec<&(ImageFacts, Verdict)> =
        results.iter().filter(|(_, v)| v.decision == Decision::Allowed).collect();
    let Some(best) = allowed.iter().map(|(_, v)| v.fit_rank()).min() else {
        return if results.iter().any(|(_, v)| v.decision == Decision::CannotDecide) {
            let why: Vec<String> = results
                .iter()
                .flat_map(|(_, v)| v.reasons())
                .filter(|r| r.effect == crate::gate::verdict::Effect::Undecided)
                .map(|r| r.result.message.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            Selection {
                index: None,
                exit_code: ExitStatus::CannotDecide.code(),
                message: format!("cannot decide: {}", why.join("; ")),
            }
        } else {
            Selection {
                index: None,
                exit_code: ExitStatus::Blocked.code(),
                message: "no index of the image fits this PC's licence".into(),
            }
        };
    };
    let top: Vec<u32> = allowed.iter().filter(|(_, v)| v.fit_rank() == best).map(|(i, _)| i.index).collect();
    match top[..] {
        [one] => Selection {
            index: Some(one),
            exit_code: ExitStatus::Ok.code(),
            message: format!("index {one} fits this PC's licence"),
        },
        _ => Selection {
            index: None,
            exit_code: ExitStatus::CannotDecide.code(),
            message: format!(
                "several indexes fit equally ({}): declare more of the licence (--licensed-version, --licensed-language) or pick one",
                top.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            ),
        },
    }
}

fn run_match(args: &MatchArgs) -> Result<ExitStatus> {
    let policy = load_policy(&args.licence)?;
    let (rep, wim) = open_image(&args.image, super::check::media_arch(&args.licence).as_deref())?;
    let at = time::OffsetDateTime::now_utc();
    let (licensed, fw) = licensed(&args.licence, &policy)?;
    let sums = hashes(&rep, &policy)?;
    let mut results: Vec<(ImageFacts, Verdict)> = Vec::new();
    for info in &rep.images {
        let content = content_of(&wim, info.index);
        // Windows PE and Setup indexes are never offered.
        if let Some(what) = content.non_os() {
            if args.licence.verbose {
                eprintln!("oemgate: not offered: {}", non_os_message(&rep.path, info.index, what));
            }
            continue;
        }
        let mut img = ImageFacts::from_report(&rep, info);
        img.apply_content(crate::gate::facts::ImageContent::from_facts(&content));
        img.sha256 = sums.clone();
        let v = crate::gate::evaluate(&licensed, &img, &policy);
        results.push((img, v));
    }
    let selection = args.select.then(|| select(&results));
    if args.json {
        print!("{}", report::check::match_json(&rep.path, &licensed, &results, selection.as_ref()));
    } else if let Some(s) = &selection {
        match s.index {
            Some(n) => println!("{n}"),
            None => eprintln!("oemgate: match --select: {}", s.message),
        }
    } else {
        print!(
            "{}",
            report::check::match_table(
                &rep.path,
                &licensed,
                &results,
                args.licence.verbose,
                crate::platform::stdout_color()
            )
        );
    }
    let mut entries: Vec<(String, Severity)> = Vec::new();
    for (img, v) in &results {
        entries.extend(report::check::log_entries(img, v).into_iter().take(1));
    }
    entries.extend(report::check::offline_os_log_entries(&licensed));
    if let Some(s) = &selection {
        entries.push((
            format!("match --select: {}", s.message),
            if s.exit_code == 0 { Severity::Info } else { Severity::Error },
        ));
    }
    let status = match &selection {
        Some(s) => match s.exit_code {
            0 => ExitStatus::Ok,
            1 => ExitStatus::Blocked,
            _ => ExitStatus::CannotDecide,
        },
        None if results.iter().any(|(_, v)| v.decision == Decision::Allowed) => ExitStatus::Ok,
        None if results.iter().any(|(_, v)| v.decision == Decision::CannotDecide) => ExitStatus::CannotDecide,
        None => ExitStatus::Blocked,
    };
    let written = write_evidence(
        &args.licence,
        &policy,
        &report::evidence::Run {
            command: "match",
            at,
            firmware: &fw,
            licensed: &licensed,
            image: &rep,
            results: &results,
            judged: selection.as_ref().and_then(|s| s.index),
            selection: selection.as_ref(),
            exit_code: status.code(),
        },
    );
    let failed = evidence_outcome(written, &policy, &mut entries);
    write_log(&args.licence, &entries);
    if let Some(msg) = failed {
        publish_task_sequence_variables(&error_variables(ExitStatus::BadInput, &msg), args.licence.verbose);
        return Ok(ExitStatus::BadInput);
    }
    if let Some(s) = &selection {
        let vars = match s.index.and_then(|n| results.iter().find(|(img, _)| img.index == n)) {
            Some((img, v)) => {
                let mut vars = verdict_variables(img, v);
                vars.extend(activation_variables(&policy, v));
                vars
            }
            None => vec![
                ("OEMGATE_VERDICT", if s.exit_code == 1 { "blocked" } else { "cannot-decide" }.to_string()),
                ("OEMGATE_EXITCODE", s.exit_code.to_string()),
                ("OEMGATE_REASON", s.message.clone()),
                ("OEMGATE_RULES", String::new()),
                ("OEMGATE_INDEX", String::new()),
                ("OEMGATE_EDITION", String::new()),
            ],
        };
        publish_task_sequence_variables(&vars, args.licence.verbose);
    }
    Ok(status)
}
