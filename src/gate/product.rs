//! Version generations: the vocabulary the rules compare (editions: `crate::edition`).

use std::fmt;

use serde::Serialize;

use crate::image::product::{ServerLicence, WINDOWS_11_FIRST_BUILD, server_licence};

/// A Windows release as licensing sees it: Windows 7, 10, 11, Server 2022...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Generation {
    pub server: bool,
    /// Orders releases within client or server.
    pub rank: u32,
    pub name: &'static str,
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

const CLIENT: &[(u32, &str, &[&str])] = &[
    (60, "Windows Vista", &["vista", "6.0"]),
    (61, "Windows 7", &["7", "6.1"]),
    (62, "Windows 8", &["8", "6.2"]),
    (63, "Windows 8.1", &["8.1", "6.3"]),
    (100, "Windows 10", &["10"]),
    (110, "Windows 11", &["11"]),
];

const SERVER: &[(u32, &str, &[&str])] = &[
    (60, "Windows Server 2008", &["2008"]),
    (61, "Windows Server 2008 R2", &["2008 r2", "2008r2"]),
    (62, "Windows Server 2012", &["2012"]),
    (63, "Windows Server 2012 R2", &["2012 r2", "2012r2"]),
    (140, "Windows Server 2016", &["2016"]),
    (170, "Windows Server 2019", &["2019"]),
    (203, "Windows Server 2022", &["2022"]),
    (261, "Windows Server 2025", &["2025"]),
];

fn release(server: bool, rank: u32) -> Option<Generation> {
    let table = if server { SERVER } else { CLIENT };
    table.iter().find(|(r, _, _)| *r == rank).map(|(rank, name, _)| Generation { server, rank: *rank, name })
}

/// The generation of a Windows version (major.minor.build).
pub fn generation(major: u32, minor: u32, build: u32, server: bool) -> Option<Generation> {
    match (major, minor) {
        (6, m @ 0..=3) => release(server, 60 + m),
        (10, 0) if server => release(
            true,
            match server_licence(build) {
                ServerLicence::Server2016 => 140,
                ServerLicence::Server2019 => 170,
                ServerLicence::Server2022 => 203,
                ServerLicence::Server2025 => 261,
            },
        ),
        (10, 0) if build >= WINDOWS_11_FIRST_BUILD => release(false, 110),
        (10, 0) => release(false, 100),
        _ => None,
    }
}

/// Parse what an operator typed: "11", "Windows 10", "8.1", "Server 2022", "2019",
/// "10.0.22631". Years mean servers.
pub fn parse_generation(s: &str) -> Option<Generation> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_prefix("windows").map(str::trim).unwrap_or(&t);
    let (server_hint, t) = match t.strip_prefix("server") {
        Some(rest) => (true, rest.trim()),
        None => (false, t),
    };
    // A dotted version with a build: 10.0.22631 / 6.1.7601.
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() >= 3 {
        let n: Vec<Option<u32>> = parts.iter().take(3).map(|p| p.parse().ok()).collect();
        if let [Some(a), Some(b), Some(c)] = n[..] {
            return generation(a, b, c, server_hint);
        }
        return None;
    }
    let find = |table: &[(u32, &'static str, &[&str])], server: bool| {
        table.iter().find(|(_, _, names)| names.contains(&t)).and_then(|(r, _, _)| release(server, *r))
    };
    if server_hint { find(SERVER, true) } else { find(CLIENT, false).or_else(|| find(SERVER, true)) }
}

/// The client versions an OA3 key of a group's release ("Windows 8", "Windows 8.1",
/// "Windows 10/11", "Windows 11") was issued for: `(first, last)`. The key proves the PC
/// was licensed for at least `first`; a later version needs an upgrade (free or bought).
/// `None` for a server, embedded, pre-release or unknown release.
pub fn key_release(release: &str) -> Option<(Generation, Generation)> {
    let (first, last) = match release.trim() {
        "Windows 7" => (61, 61),
        "Windows 8" => (62, 62),
        "Windows 8.1" => (63, 63),
        "Windows 10" => (100, 100),
        "Windows 10/11" => (100, 110),
        "Windows 11" => (110, 110),
        _ => return None,
    };
    Some((release_of(first)?, release_of(last)?))
}

fn release_of(rank: u32) -> Option<Generation> {
    release(false, rank)
}

/// Normalise a language tag ("ja-jp" → "ja-JP"); None when it does not look like one.
pub fn canonical_language(s: &str) -> Option<String> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let ok = !s.is_empty()
        && s.len() <= 35
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && (2..=3).contains(&parts[0].len())
        && parts[0].bytes().all(|b| b.is_ascii_alphabetic());
    if !ok {
        return None;
    }
    let out: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| match (i, p.len()) {
            (0, _) => p.to_ascii_lowercase(),
            (_, 2) => p.to_ascii_uppercase(),
            (_, 4) => {
                let mut c = p.to_ascii_lowercase();
                c[..1].make_ascii_uppercase();
                c
            }
            _ => p.to_string(),
        })
        .collect();
    Some(out.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations() {
        assert_eq!(generation(10, 0, 22631, false).unwrap().name, "Windows 11");
        assert_eq!(generation(10, 0, 21999, false).unwrap().name, "Windows 10");
        assert_eq!(generation(6, 1, 7601, false).unwrap().name, "Windows 7");
        assert_eq!(generation(10, 0, 20348, true).unwrap().name, "Windows Server 2022");
        // Windows Server, version 23H2 (Annual Channel) is licensed as Windows Server 2022.
        assert_eq!(generation(10, 0, 25398, true).unwrap().name, "Windows Server 2022");
        assert_eq!(parse_generation("11").unwrap().name, "Windows 11");
        assert_eq!(parse_generation("Windows 8.1").unwrap().name, "Windows 8.1");
        assert_eq!(parse_generation("10.0.19045").unwrap().name, "Windows 10");
        assert_eq!(parse_generation("2022").unwrap().name, "Windows Server 2022");
        assert_eq!(parse_generation("Server 2008 R2").unwrap().name, "Windows Server 2008 R2");
        assert_eq!(parse_generation("12"), None);
        assert!(parse_generation("8").unwrap().rank > parse_generation("7").unwrap().rank);
    }

    #[test]
    fn key_releases() {
        let (a, b) = key_release("Windows 10/11").unwrap();
        assert_eq!((a.name, b.name), ("Windows 10", "Windows 11"));
        assert_eq!(key_release("Windows 8.1").unwrap().0.name, "Windows 8.1");
        assert!(key_release("Windows Server 2022").is_none());
        assert!(key_release("Windows Embedded 8.1 Industry").is_none());
        assert!(key_release("unknown").is_none());
    }

    #[test]
    fn languages() {
        assert_eq!(canonical_language("ja-jp").as_deref(), Some("ja-JP"));
        assert_eq!(canonical_language("sr-latn-rs").as_deref(), Some("sr-Latn-RS"));
        assert_eq!(canonical_language("english"), None);
        assert_eq!(canonical_language(""), None);
    }
}
