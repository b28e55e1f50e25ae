//! Processor architectures and the one mapping from every way they are written to the
//! names the tool uses ("x86", "x64", "arm", "arm64", "ia64"): PROCESSOR_ARCHITECTURE_*
//! codes (a WIM's `<ARCH>`, `GetNativeSystemInfo`), the `PROCESSOR_ARCHITECTURE`
//! environment value an installed Windows records, PE/COFF machine types, and machine
//! names (uname, Rust's `ARCH`). A leaf: plain data, no I/O.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86,
    X64,
    Arm,
    Arm64,
    Ia64,
}

/// PROCESSOR_ARCHITECTURE_* (winnt.h).
const PROCESSOR_ARCHITECTURE: &[(u32, Arch)] =
    &[(0, Arch::X86), (5, Arch::Arm), (6, Arch::Ia64), (9, Arch::X64), (12, Arch::Arm64)];

/// IMAGE_FILE_MACHINE_* (winnt.h, the PE/COFF specification).
const COFF_MACHINE: &[(u16, Arch)] = &[
    (0x014c, Arch::X86),
    (0x8664, Arch::X64),
    (0xaa64, Arch::Arm64),
    (0x01c0, Arch::Arm),
    (0x01c2, Arch::Arm),
    (0x01c4, Arch::Arm),
    (0x0200, Arch::Ia64),
];

/// The spellings an operator may declare a machine's architecture with (any case,
/// surrounding blanks ignored): the tool's names and the common machine names of the
/// three architectures Windows PCs boot. Each maps through [`Arch::from_machine_name`].
const DECLARABLE: &[&str] = &["x64", "amd64", "x86_64", "x86", "i386", "i686", "arm64", "aarch64"];

impl Arch {
    /// The name the tool uses in output and rules.
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86 => "x86",
            Arch::X64 => "x64",
            Arch::Arm => "arm",
            Arch::Arm64 => "arm64",
            Arch::Ia64 => "ia64",
        }
    }

    /// A PROCESSOR_ARCHITECTURE_* code (WIM XML `<ARCH>`, `SYSTEM_INFO`).
    pub fn from_processor_architecture(code: u32) -> Option<Arch> {
        PROCESSOR_ARCHITECTURE.iter().find(|(c, _)| *c == code).map(|(_, a)| *a)
    }

    /// A PE/COFF machine type.
    pub fn from_coff_machine(code: u16) -> Option<Arch> {
        COFF_MACHINE.iter().find(|(c, _)| *c == code).map(|(_, a)| *a)
    }

    /// The `PROCESSOR_ARCHITECTURE` environment value ("AMD64", "x86", "ARM64"...), any case.
    pub fn from_environment(value: &str) -> Option<Arch> {
        match value.to_ascii_uppercase().as_str() {
            "AMD64" => Some(Arch::X64),
            "X86" => Some(Arch::X86),
            "ARM64" => Some(Arch::Arm64),
            "ARM" => Some(Arch::Arm),
            "IA64" => Some(Arch::Ia64),
            _ => None,
        }
    }

    /// A machine name: uname's ("x86_64", "i686", "aarch64", "armv7l"), Rust's `ARCH`, or
    /// the tool's own.
    pub fn from_machine_name(name: &str) -> Option<Arch> {
        match name.trim() {
            "x86_64" | "amd64" | "x64" => Some(Arch::X64),
            "i386" | "i486" | "i586" | "i686" | "x86" => Some(Arch::X86),
            "aarch64" | "arm64" | "aarch64_be" => Some(Arch::Arm64),
            "ia64" => Some(Arch::Ia64),
            a if a.starts_with("arm") => Some(Arch::Arm),
            _ => None,
        }
    }

    /// An architecture as an operator declares it (`--machine-arch`): one of
    /// [`DECLARABLE`]'s spellings, any case.
    pub fn from_declared_name(name: &str) -> Option<Arch> {
        let name = name.trim().to_ascii_lowercase();
        DECLARABLE.contains(&name.as_str()).then(|| Arch::from_machine_name(&name)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_maps_to_one_name() {
        assert_eq!(Arch::from_processor_architecture(9).map(Arch::name), Some("x64"));
        assert_eq!(Arch::from_processor_architecture(77), None);
        assert_eq!(Arch::from_coff_machine(0xaa64).map(Arch::name), Some("arm64"));
        assert_eq!(Arch::from_environment("amd64").map(Arch::name), Some("x64"));
        assert_eq!(Arch::from_environment("MIPS"), None);
        assert_eq!(Arch::from_machine_name("armv7l").map(Arch::name), Some("arm"));
        assert_eq!(Arch::from_machine_name("i686").map(Arch::name), Some("x86"));
        assert_eq!(Arch::from_machine_name("riscv64"), None);
    }

    #[test]
    fn declared_names_are_the_listed_spellings_only() {
        let accepted = |n: &str| Arch::from_declared_name(n).map(Arch::name);
        for (n, want) in [
            ("x64", "x64"),
            ("amd64", "x64"),
            ("x86_64", "x64"),
            ("x86", "x86"),
            ("i386", "x86"),
            ("i686", "x86"),
            ("arm64", "arm64"),
            ("aarch64", "arm64"),
            (" AMD64 ", "x64"),
            ("AArch64", "arm64"),
        ] {
            assert_eq!(accepted(n), Some(want), "{n:?}");
        }
        for n in ["arm", "armv7l", "ia64", "i486", "i586", "ia32", "aarch64_be", "sparc", ""] {
            assert_eq!(accepted(n), None, "{n:?}");
        }
    }
}
