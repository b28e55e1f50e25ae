//! A Windows version as an image's XML records it (`<VERSION>`: MAJOR, MINOR, BUILD,
//! SPBUILD, SPLEVEL). Plain data: what the numbers mean (Windows 10 or 11, which server
//! release) is `image::product`'s business.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    pub spbuild: u32,
    pub splevel: u32,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}.{}", self.major, self.minor, self.build, self.spbuild)
    }
}
