//! A friendly product line from version, build and installation type: the
//! XML says "10.0.22631" for both Windows 10 and 11; people say "Windows 11, 23H2".
//! Windows 11 is build >= 22000; Server releases are told apart by build.

use crate::image::wim::xml::Version;

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

const SERVER: &[(u32, &str)] = &[
    (14393, "Windows Server 2016"),
    (17763, "Windows Server 2019"),
    (20348, "Windows Server 2022"),
    (26100, "Windows Server 2025"),
];

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
        (10, 0) if server => match SERVER.iter().find(|(b, _)| *b == v.build) {
            Some((_, name)) => name.to_string(),
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
        assert_eq!(product_line(&v(10, 0, 26100), None, Some("ServerNT")).unwrap(), "Windows Server 2025");
        assert_eq!(product_line(&v(6, 1, 7601), Some("Client"), None).unwrap(), "Windows 7");
        assert_eq!(product_line(&v(6, 3, 9600), Some("Server"), None).unwrap(), "Windows Server 2012 R2");
        assert_eq!(product_line(&v(10, 0, 26100), Some("WindowsPE"), None).unwrap(), "Windows PE (build 26100)");
        assert_eq!(product_line(&v(5, 1, 2600), Some("Client"), None), None);
    }
}
