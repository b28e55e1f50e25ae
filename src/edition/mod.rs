//! Every Windows EditionID the product knows, in one table, each with explicit
//! attributes. Every edition predicate of the rules reads this table: nothing is guessed
//! from the spelling of an id (a `ProfessionalWorkstation` ends in `n` and is no N
//! edition). An id that is not in the table is unknown, and unknown fails closed.
//!
//! A leaf module: it depends on nothing else in the crate.

/// What kind of licence an edition is, as the reimaging rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Home editions: no downgrade rights, no qualifying OS for a Volume Licensing upgrade.
    Home,
    /// Professional-class: the qualifying OS for the Enterprise/Education upgrade.
    Professional,
    /// Enterprise and Education: Volume Licensing upgrades, not eligible on their own.
    VlUpgrade,
    /// Other volume-licensed or OEM-only client editions (LTSC, Government, IoT, SE).
    OtherClient,
    /// Windows Server editions.
    Server,
}

/// What a licence of this edition entitles today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entitles {
    /// The edition itself.
    Itself,
    /// A Windows 8/8.1 edition without a Windows 10/11 namesake: the edition it entitles
    /// today (per Microsoft's Windows 10 upgrade edition mapping).
    Edition(&'static str),
    /// No edition the rules can compare: the reason, said to the operator.
    Unknown(&'static str),
}

/// One EditionID and its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edition {
    pub id: &'static str,
    /// Names an operator may type for it (besides the id).
    pub aliases: &'static [&'static str],
    pub class: Class,
    /// An N (or KN) edition: without the media components.
    pub n: bool,
    /// Carries downgrade rights (an allow-list: Professional-class, Enterprise/Education,
    /// Windows 7 Ultimate and Vista Business, Server Standard/Datacenter/Enterprise).
    pub downgrade_rights: bool,
    /// A qualifying OS for the Enterprise/Education upgrade (Professional-class).
    pub qualifies_for_vl_upgrade: bool,
    pub entitles: Entitles,
}

impl Edition {
    pub fn is_home(&self) -> bool {
        self.class == Class::Home
    }
    pub fn is_vl_upgrade(&self) -> bool {
        self.class == Class::VlUpgrade
    }
    pub fn is_server(&self) -> bool {
        self.class == Class::Server
    }
}

const fn ed(
    id: &'static str,
    aliases: &'static [&'static str],
    class: Class,
    n: bool,
    downgrade_rights: bool,
    qualifies_for_vl_upgrade: bool,
    entitles: Entitles,
) -> Edition {
    Edition { id, aliases, class, n, downgrade_rights, qualifies_for_vl_upgrade, entitles }
}

use Class::{Home, OtherClient, Professional, Server, VlUpgrade};
use Entitles::Itself;

const WINDOWS_10_S: &str = "a Windows 10 S (EditionID Cloud) key: Windows 10 S could be switched to Windows 10 Pro (or, for schools, Pro Education), but the key itself names no edition the rules can compare; declare the licensed edition from the COA (--licensed-edition)";
const WINDOWS_RT: &str = "a Windows RT 8/8.1 (EditionID CoreARM) key: Windows RT has no Windows 10/11 successor edition; declare the licensed edition from the COA (--licensed-edition)";

/// The table. `n`, `downgrade_rights` and `qualifies_for_vl_upgrade` are explicit for
/// every row; an edition not listed here is unknown.
pub const EDITIONS: &[Edition] = &[
    // Windows 10/11 (and 8/8.1, 7 where the id is the same)
    ed("Core", &["Home"], Home, false, false, false, Itself),
    ed("CoreN", &["Home N"], Home, true, false, false, Itself),
    ed("CoreSingleLanguage", &["Home Single Language"], Home, false, false, false, Itself),
    ed("CoreCountrySpecific", &["Home China", "Home Country Specific"], Home, false, false, false, Itself),
    ed("Professional", &["Pro"], Professional, false, true, true, Itself),
    ed("ProfessionalN", &["Pro N"], Professional, true, true, true, Itself),
    ed("ProfessionalWorkstation", &["Pro for Workstations"], Professional, false, true, true, Itself),
    ed("ProfessionalWorkstationN", &["Pro N for Workstations"], Professional, true, true, true, Itself),
    ed("ProfessionalEducation", &["Pro Education"], Professional, false, true, true, Itself),
    ed("ProfessionalEducationN", &["Pro Education N"], Professional, true, true, true, Itself),
    // Windows 11 Pro China / Single Language: no published downgrade or upgrade rule, so none.
    ed("ProfessionalCountrySpecific", &["Pro China"], OtherClient, false, false, false, Itself),
    ed("ProfessionalSingleLanguage", &["Pro Single Language"], OtherClient, false, false, false, Itself),
    ed("Education", &[], VlUpgrade, false, true, false, Itself),
    ed("EducationN", &[], VlUpgrade, true, true, false, Itself),
    ed("Enterprise", &[], VlUpgrade, false, true, false, Itself),
    ed("EnterpriseN", &[], VlUpgrade, true, true, false, Itself),
    ed("EnterpriseS", &["Enterprise LTSC"], OtherClient, false, true, false, Itself),
    ed("EnterpriseSN", &["Enterprise N LTSC"], OtherClient, true, true, false, Itself),
    ed("EnterpriseG", &["Enterprise G"], OtherClient, false, true, false, Itself),
    ed("EnterpriseGN", &["Enterprise G N"], OtherClient, true, true, false, Itself),
    ed("IoTEnterprise", &["IoT Enterprise"], OtherClient, false, false, false, Itself),
    ed("IoTEnterpriseK", &["IoT Enterprise K"], OtherClient, false, false, false, Itself),
    ed("IoTEnterpriseS", &["IoT Enterprise LTSC"], OtherClient, false, false, false, Itself),
    ed("IoTEnterpriseSK", &["IoT Enterprise LTSC K"], OtherClient, false, false, false, Itself),
    ed("CloudEdition", &["SE"], OtherClient, false, false, false, Itself),
    ed("CloudEditionN", &["SE N"], OtherClient, true, false, false, Itself),
    // Windows 7 and Vista
    ed("Ultimate", &[], Professional, false, true, true, Itself),
    ed("UltimateN", &[], Professional, true, true, true, Itself),
    ed("Business", &[], Professional, false, true, true, Itself),
    ed("BusinessN", &[], Professional, true, true, true, Itself),
    ed("HomePremium", &["Home Premium"], Home, false, false, false, Itself),
    ed("HomePremiumN", &["Home Premium N"], Home, true, false, false, Itself),
    ed("HomeBasic", &["Home Basic"], Home, false, false, false, Itself),
    ed("HomeBasicN", &["Home Basic N"], Home, true, false, false, Itself),
    ed("Starter", &[], Home, false, false, false, Itself),
    ed("StarterN", &[], Home, true, false, false, Itself),
    // Windows 8/8.1 editions without a Windows 10/11 namesake: the edition they entitle.
    ed("CoreConnected", &["Windows 8.1 with Bing"], Home, false, false, false, Entitles::Edition("Core")),
    ed("CoreConnectedN", &[], Home, true, false, false, Entitles::Edition("CoreN")),
    ed("CoreConnectedSingleLanguage", &[], Home, false, false, false, Entitles::Edition("CoreSingleLanguage")),
    ed("CoreConnectedCountrySpecific", &[], Home, false, false, false, Entitles::Edition("CoreCountrySpecific")),
    ed(
        "ProfessionalStudent",
        &["Pro for Students"],
        Professional,
        false,
        true,
        true,
        Entitles::Edition("Professional"),
    ),
    ed("ProfessionalStudentN", &[], Professional, true, true, true, Entitles::Edition("ProfessionalN")),
    ed("CoreARM", &["Windows RT"], Home, false, false, false, Entitles::Unknown(WINDOWS_RT)),
    ed("Cloud", &["Windows 10 S"], OtherClient, false, false, false, Entitles::Unknown(WINDOWS_10_S)),
    ed("CloudN", &["Windows 10 S N"], OtherClient, true, false, false, Entitles::Unknown(WINDOWS_10_S)),
    // Windows Server
    ed("ServerStandard", &["Server Standard", "Standard"], Server, false, true, false, Itself),
    ed("ServerDatacenter", &["Server Datacenter", "Datacenter"], Server, false, true, false, Itself),
    ed("ServerEnterprise", &["Server Enterprise"], Server, false, true, false, Itself),
    ed("ServerSolution", &["Server Essentials", "Essentials"], Server, false, false, false, Itself),
    ed("ServerWeb", &["Server Web"], Server, false, false, false, Itself),
    ed("ServerWinFoundation", &["Server Foundation", "Foundation"], Server, false, false, false, Itself),
    ed("ServerStorageStandard", &["Storage Server Standard"], Server, false, false, false, Itself),
    ed("ServerStorageWorkgroup", &["Storage Server Workgroup"], Server, false, false, false, Itself),
];

/// The table row for an EditionID as Windows writes it (any case). Server Core
/// installations report `ServerStandardCore` (older releases) or `ServerStandardCor`
/// (install images of Windows Server 2016 and later): the same licence as
/// `ServerStandard`. Only a server id of the table is matched that way; anything else
/// (e.g. the semi-annual `ServerDatacenterACor`) stays unknown.
pub fn lookup(id: &str) -> Option<&'static Edition> {
    let id = id.trim();
    let exact = |s: &str| EDITIONS.iter().find(|e| e.id.eq_ignore_ascii_case(s));
    exact(id).or_else(|| {
        let lower = id.to_ascii_lowercase();
        let stripped = lower.strip_suffix("core").or_else(|| lower.strip_suffix("cor"))?;
        exact(stripped).filter(|e| e.is_server())
    })
}

/// The canonical EditionID for what an operator typed ("pro", "Professional", "Home N"...).
pub fn canonical(typed: &str) -> Option<&'static str> {
    let s = typed.trim();
    lookup(s).or_else(|| EDITIONS.iter().find(|e| e.aliases.iter().any(|a| a.eq_ignore_ascii_case(s)))).map(|e| e.id)
}

/// What a licence of `id` entitles today: `Ok(edition)` (the edition itself, or its
/// Windows 10/11 successor), `Err(reason)` when it entitles no edition the rules can
/// compare, or when the id is not in the table.
pub fn entitled(id: &str) -> std::result::Result<&'static Edition, String> {
    let Some(e) = lookup(id) else {
        return Err(format!(
            "a licence of EditionID {id:?}, which is not in the product's edition table (unknown editions fail closed)"
        ));
    };
    match e.entitles {
        Entitles::Itself => Ok(e),
        Entitles::Edition(to) => lookup(to).ok_or_else(|| format!("EditionID {id:?} entitles {to:?}, unknown")),
        Entitles::Unknown(why) => Err(why.to_string()),
    }
}

/// Both ids are known and name the same licence.
pub fn same(a: &str, b: &str) -> bool {
    matches!((lookup(a), lookup(b)), (Some(x), Some(y)) if x.id == y.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_successors_exist() {
        let mut ids: Vec<String> = EDITIONS.iter().map(|e| e.id.to_ascii_lowercase()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
        for e in EDITIONS {
            if let Entitles::Edition(to) = e.entitles {
                let t = lookup(to).unwrap();
                assert_eq!(t.entitles, Entitles::Itself, "{}", e.id);
                assert_eq!(t.n, e.n, "{}: N-ness kept", e.id);
            }
            // Downgrade rights and qualification are allow-lists: no Home edition has them.
            if e.is_home() {
                assert!(!e.downgrade_rights && !e.qualifies_for_vl_upgrade, "{}", e.id);
            }
        }
    }

    #[test]
    fn n_is_an_attribute_not_a_suffix() {
        assert!(!lookup("ProfessionalWorkstation").unwrap().n);
        assert!(!lookup("ProfessionalEducation").unwrap().n);
        assert!(!lookup("Education").unwrap().n);
        assert!(lookup("EnterpriseN").unwrap().n && lookup("ProfessionalWorkstationN").unwrap().n);
    }

    #[test]
    fn lookups() {
        assert_eq!(canonical("pro"), Some("Professional"));
        assert_eq!(canonical("HOME"), Some("Core"));
        assert_eq!(canonical("Datacenter"), Some("ServerDatacenter"));
        assert_eq!(canonical("Pro-ish"), None);
        assert!(same("ServerStandardCore", "ServerStandard"));
        assert!(same("ServerDatacenterCor", "ServerDatacenter"));
        assert!(lookup("ServerDatacenterACor").is_none());
        assert!(lookup("ProfessionalCor").is_none(), "only server ids have Server Core forms");
        assert!(!same("CoreCore", "Core"));
        assert!(!same("Mystery", "Mystery"), "unknown ids are never the same licence");
        assert_eq!(entitled("CoreConnected").unwrap().id, "Core");
        assert_eq!(entitled("ProfessionalStudentN").unwrap().id, "ProfessionalN");
        assert!(entitled("Cloud").unwrap_err().contains("Windows 10 S"));
        assert!(entitled("Nope").is_err());
    }
}
