//! From rule results to a decision and an exit code. A rule that fails blocks (exit 1)
//! even when another is unknown; an unknown whose policy action is `block` means
//! "cannot decide" (exit 3); otherwise allowed (exit 0), with warnings for unknowns
//! whose action is `warn` and for advisory failures.

use serde::Serialize;

use super::activation::Advice;
use super::rules::{ADVISORY, Basis, Outcome, RuleResult};
use crate::exit::ExitStatus;
use crate::operator::{Action, Policy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allowed,
    Blocked,
    CannotDecide,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Blocked => "blocked",
            Decision::CannotDecide => "cannot-decide",
        }
    }
}

/// What a rule's result does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Pass or skip.
    None,
    Note,
    Warn,
    /// Fail: blocks.
    Block,
    /// Unknown with action block: cannot decide.
    Undecided,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleVerdict {
    #[serde(flatten)]
    pub result: RuleResult,
    pub effect: Effect,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub decision: Decision,
    pub exit: ExitStatus,
    pub rules: Vec<RuleVerdict>,
    pub activation: Advice,
}

impl Verdict {
    pub fn with_effect(&self, effect: Effect) -> impl Iterator<Item = &RuleVerdict> {
        self.rules.iter().filter(move |r| r.effect == effect)
    }

    /// Ids of the rules that block (or, when none blocks, leave the gate undecided).
    pub fn reasons(&self) -> Vec<&RuleVerdict> {
        match self.decision {
            Decision::Blocked => self.with_effect(Effect::Block).collect(),
            Decision::CannotDecide => self.with_effect(Effect::Undecided).collect(),
            Decision::Allowed => Vec::new(),
        }
    }

    pub fn warnings(&self) -> Vec<&RuleVerdict> {
        self.with_effect(Effect::Warn).collect()
    }

    /// How well an allowed image fits the licence: fewer warnings, then fewer upgrade
    /// rights used (Software Assurance, upgrade licences), then fewer downgrades. A
    /// `hardware` warning does not count: it is about this machine, not the licence (a
    /// Windows 11 PC without TPM 2.0 keeps its Windows 11 index, with the warning).
    pub fn fit_rank(&self) -> (usize, usize, usize) {
        let passed = |f: fn(Basis) -> bool| {
            self.rules.iter().filter(|r| r.result.outcome == Outcome::Pass && r.result.basis.is_some_and(f)).count()
        };
        let warnings = self.warnings().iter().filter(|r| r.result.id != super::rules::hardware::ID).count();
        (warnings, passed(Basis::is_upgrade_right), passed(|b| b == Basis::DowngradeRights))
    }
}

pub fn effect(r: &RuleResult, policy: &Policy) -> Effect {
    match r.outcome {
        Outcome::Pass | Outcome::Skip => Effect::None,
        Outcome::Fail if ADVISORY.contains(&r.id) => Effect::Warn,
        // A technical check: the policy's `hardware` says what its failure does.
        Outcome::Fail if r.id == super::rules::hardware::ID => match policy.hardware {
            Action::Block => Effect::Block,
            Action::Warn => Effect::Warn,
            Action::Note => Effect::Note,
        },
        Outcome::Fail => Effect::Block,
        Outcome::Unknown => match policy.unknown.for_rule(r.id) {
            Action::Block => Effect::Undecided,
            Action::Warn => Effect::Warn,
            Action::Note => Effect::Note,
        },
    }
}

pub fn decide(results: Vec<RuleResult>, policy: &Policy, activation: Advice) -> Verdict {
    let rules: Vec<RuleVerdict> =
        results.into_iter().map(|r| RuleVerdict { effect: effect(&r, policy), result: r }).collect();
    let (decision, exit) = if rules.iter().any(|r| r.effect == Effect::Block) {
        (Decision::Blocked, ExitStatus::Blocked)
    } else if rules.iter().any(|r| r.effect == Effect::Undecided) {
        (Decision::CannotDecide, ExitStatus::CannotDecide)
    } else {
        (Decision::Allowed, ExitStatus::Ok)
    };
    Verdict { decision, exit, rules, activation }
}
