//! Windows releases by build: the one table both the image reader (a friendly product
//! line) and the gate (which licence a build falls under) read. The XML says "10.0.22631"
//! for both Windows 10 and 11; people say "Windows 11, version 23H2". Windows 11 is build
//! >= 22000; server releases are told apart by build.
//!
//! Sources: Microsoft's "Windows Server release information" and "Windows Server
//! servicing channels" (learn.microsoft.com): Windows Server, version 23H2 (build 25398)
//! is an Annual Channel release, not Windows Server 2022 or 2025; its product name reads
//! "Windows Server 2022 Datacenter", it activates with the Windows Server 2022 KMS host key
//! and follows the Windows Server 2022 lifecycle, so its licence is Windows Server 2022's.

use crate::image::version::Version;
use crate::image::wim::xml::WindowsInfo;

/// Windows 11 begins at this build (its version still reads 10.0).
pub const WINDOWS_11_FIRST_BUILD: u32 = 22000;

const CLIENT_10: &[(u32, &str)] = &[
    (10240, "1507"),
    (10586, "1511"),
    (14393, "1607"),
    (15063, "1703"),
    (16299, "1709"),
    (17134, "1803"),
    (17763, "1809"),
    (18362, "1903"),
    (18363, "1909"),
    (19041, "2004"),
    (19042, "20H2"),
    (19043, "21H1"),
    (19044, "21H2"),
    (19045, "22H2"),
];

const CLIENT_11: &[(u32, &str)] =
    &[(22000, "21H2"), (22621, "22H2"), (22631, "23H2"), (26100, "24H2"), (26200, "25H2")];

/// The long-term (LTSC) server release whose licence covers a server build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServerLicence {
    Server2016,
    Server2019,
    Server2022,
    Server2025,
}

/// A server release of the 10.0 family: its first build, its name, and its licence.
struct ServerRelease {
    build: u32,
    name: &'static str,
    licence: ServerLicence,
}

/// In build order.
const SERVER: &[ServerRelease] = &[
    ServerRelease { build: 14393, name: "Windows Server 2016", licence: ServerLicence::Server2016 },
    ServerRelease { build: 17763, name: "Windows Server 2019", licence: ServerLicence::Server2019 },
    ServerRelease { build: 20348, name: "Windows Server 2022", licence: ServerLicence::Server2022 },
    ServerRelease { build: 25398, name: "Windows Server, version 23H2", licence: ServerLicence::Server2022 },
    ServerRelease { build: 26100, name: "Windows Server 2025", licence: ServerLicence::Server2025 },
];

/// The licence a 10.0 server build falls under: that of the latest release at or before
/// it (a build before the first release counts as the first).
pub fn server_licence(build: u32) -> ServerLicence {
    SERVER.iter().rev().find(|r| r.build <= build).unwrap_or(&SERVER[0]).licence
}

/// True for server installation types / product types.
pub fn is_server(installation_type: Option<&str>, product_type: Option<&str>) -> bool {
    let it = installation_type.unwrap_or("").to_ascii_lowercase();
    let pt = product_type.unwrap_or("").to_ascii_lowercase();
    it.starts_with("server") || pt == "servernt" || pt == "lanmannt"
}

pub fn product_line(v: &Version, installation_type: Option<&str>, product_type: Option<&str>) -> Option<String> {
    if installation_type.is_some_and(|t| t.eq_ignore_ascii_case("WindowsPE")) {
        return Some(format!("Windows PE (build {})", v.build));
    }
    let server = is_server(installation_type, product_type);
    let line = match (v.major, v.minor) {
        (10, 0) if server => match SERVER.iter().find(|r| r.build == v.build) {
            Some(r) => r.name.to_string(),
            None => format!("Windows Server (build {})", v.build),
        },
        (10, 0) if v.build >= WINDOWS_11_FIRST_BUILD => named("Windows 11", CLIENT_11, v.build),
        (10, 0) => named("Windows 10", CLIENT_10, v.build),
        (6, 3) => if server { "Windows Server 2012 R2" } else { "Windows 8.1" }.to_string(),
        (6, 2) => if server { "Windows Server 2012" } else { "Windows 8" }.to_string(),
        (6, 1) => if server { "Windows Server 2008 R2" } else { "Windows 7" }.to_string(),
        (6, 0) => if server { "Windows Server 2008" } else { "Windows Vista" }.to_string(),
        _ => return None,
    };
    Some(line)
}

/// The product line of an image's WINDOWS element, when its version is known.
pub fn product_line_of(w: &WindowsInfo) -> Option<String> {
    product_line(w.version.as_ref()?, w.installation_type.as_deref(), w.product_type.as_deref())
}

fn named(product: &str, releases: &[(u32, &str)], build: u32) -> String {
    match releases.iter().find(|(b, _)| *b == build) {
        Some((_, rel)) => format!("{product}, version {rel}"),
        None => format!("{product} (build {build})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32, build: u32) -> Version {
        Version { major, minor, build, spbuild: 0, splevel: 0 }
    }

    #[test]
    fn tells_10_from_11_and_servers_apart() {
        assert_eq!(product_line(&v(10, 0, 22631), Some("Client"), None).unwrap(), "Windows 11, version 23H2");
        assert_eq!(product_line(&v(10, 0, 22000), Some("Client"), None).unwrap(), "Windows 11, version 21H2");
        assert_eq!(product_line(&v(10, 0, 21999), Some("Client"), None).unwrap(), "Windows 10 (build 21999)");
        assert_eq!(product_line(&v(10, 0, 19045), Some("Client"), None).unwrap(), "Windows 10, version 22H2");
        assert_eq!(product_line(&v(10, 0, 20348), Some("Server Core"), None).unwrap(), "Windows Server 2022");
        assert_eq!(product_line(&v(10, 0, 26100), Some("Server"), None).unwrap(), "Windows Server 2025");
        assert_eq!(product_line(&v(10, 0, 25398), Some("Server Core"), None).unwrap(), "Windows Server, version 23H2");
        assert_eq!(product_line(&v(10, 0, 26100), None, Some("ServerNT")).unwrap(), "Windows Server 2025");
        assert_eq!(product_line(&v(6, 1, 7601), Some("Client"), None).unwrap(), "Windows 7");
        assert_eq!(product_line(&v(6, 3, 9600), Some("Server"), None).unwrap(), "Windows Server 2012 R2");
        assert_eq!(product_line(&v(10, 0, 26100), Some("WindowsPE"), None).unwrap(), "Windows PE (build 26100)");
        assert_eq!(product_line(&v(5, 1, 2600), Some("Client"), None), None);
    }

    #[test]
    fn server_builds_fall_under_their_ltsc_licence() {
        use ServerLicence::*;
        for (build, licence) in [
            (10240, Server2016),
            (14393, Server2016),
            (17762, Server2016),
            (17763, Server2019),
            (20347, Server2019),
            (20348, Server2022),
            (25398, Server2022),
            (26099, Server2022),
            (26100, Server2025),
            (30000, Server2025),
        ] {
            assert_eq!(server_licence(build), licence, "build {build}");
        }
        assert!(SERVER.windows(2).all(|w| w[0].build < w[1].build), "in build order");
    }
}
