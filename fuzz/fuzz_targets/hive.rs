//! Registry hives (regf): open, then the lookups `offline_os::read` makes in a
//! SOFTWARE and a SYSTEM hive, then a bounded walk reading every value's data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::offline_os::hive::{Hive, KeyNode};
use oemgate::source::{MemSource, ReadAt};

const CURRENT_VERSION: &str = "Microsoft\\Windows NT\\CurrentVersion";
const CV_VALUES: [&str; 8] = [
    "EditionID",
    "ProductName",
    "CurrentBuild",
    "CurrentBuildNumber",
    "CurrentMajorVersionNumber",
    "CurrentMinorVersionNumber",
    "CurrentVersion",
    "DigitalProductId",
];
/// Keys visited by the walk (the product never walks; this only reaches more cells).
const WALK_BUDGET: usize = 256;

fn values<S: ReadAt>(h: &Hive<S>, k: &KeyNode, names: &[&str]) {
    for n in names {
        if let Ok(Some(v)) = h.value(k, n) {
            let _ = v.as_string();
            let _ = v.as_dword();
        }
    }
}

fn walk<S: ReadAt>(h: &Hive<S>, k: &KeyNode, budget: &mut usize) {
    if let Ok(vs) = h.values(k) {
        for v in vs {
            let _ = h.value(k, &v.name);
        }
    }
    let Ok(subs) = h.subkeys(k) else { return };
    for s in subs {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        walk(h, &s, budget);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(h) = Hive::new(MemSource::new("fuzz", data.to_vec())) else { return };
    // SOFTWARE
    if let Ok(Some(cv)) = h.key(CURRENT_VERSION) {
        values(&h, &cv, &CV_VALUES);
    }
    // SYSTEM
    if let Ok(Some(sel)) = h.key("Select") {
        values(&h, &sel, &["Current"]);
    }
    for path in [
        "ControlSet001\\Control\\Nls\\Language",
        "ControlSet001\\Control\\MUI\\UILanguages",
        "ControlSet001\\Control\\Session Manager\\Environment",
    ] {
        if let Ok(Some(k)) = h.key(path) {
            values(&h, &k, &["InstallLanguage", "PROCESSOR_ARCHITECTURE"]);
            let _ = h.subkeys(&k);
        }
    }
    if let Ok(root) = h.root() {
        let mut budget = WALK_BUDGET;
        walk(&h, &root, &mut budget);
    }
});
