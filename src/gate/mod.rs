//! The gate: licensed facts + image facts → rules → verdict. Pure functions only;
//! the CLI gathers the facts, the reporters print the verdict.

pub mod activation;
pub mod facts;
pub mod product;
pub mod rules;
pub mod verdict;

pub use facts::{ImageFacts, LicensedFacts};
pub use verdict::{Decision, Verdict};

/// Apply every rule to one image index and decide.
pub fn evaluate(licensed: &LicensedFacts, image: &ImageFacts, policy: &crate::operator::Policy) -> Verdict {
    let input = rules::Input { licensed, image, policy };
    verdict::decide(rules::run_all(&input), policy, activation::advise(image))
}
