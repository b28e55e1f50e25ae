//! Registry transaction logs: the input is two log files (`[u32 LE length of the
//! first][first][second]`), replayed as `SYSTEM.LOG1` and `SYSTEM.LOG2` over two dirty
//! primary hives from the fixtures (one whose logs are HvLE entries, one whose log is a
//! dirty vector), then the lookups `offline_os::read` makes in the replayed hive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::offline_os::hive::replay::{LogSource, recover};
use oemgate::source::{MemSource, ReadAt};

const PRIMARIES: [&[u8]; 2] = [
    include_bytes!("../../fixtures/hives/dirty-hvle/Windows/System32/config/SYSTEM"),
    include_bytes!("../../fixtures/hives/dirty-dirt/Windows/System32/config/SYSTEM"),
];

fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else { return (data, &[]) };
    let n = (u32::from_le_bytes(*len) as usize).min(rest.len());
    rest.split_at(n)
}

fuzz_target!(|data: &[u8]| {
    let (log1, log2) = split(data);
    for primary in PRIMARIES {
        let logs = || -> Vec<LogSource> {
            vec![
                ("SYSTEM.LOG1".into(), Ok(Box::new(MemSource::new("log1", log1.to_vec())) as Box<dyn ReadAt>)),
                ("SYSTEM.LOG2".into(), Ok(Box::new(MemSource::new("log2", log2.to_vec())) as Box<dyn ReadAt>)),
            ]
        };
        let Ok((h, rec)) = recover(MemSource::new("SYSTEM", primary.to_vec()), logs, "SYSTEM", "SYSTEM") else {
            continue;
        };
        let _ = rec.summary();
        if let Ok(Some(sel)) = h.key("Select") {
            let _ = h.value(&sel, "Current");
        }
        for path in [
            "ControlSet001\\Control\\Nls\\Language",
            "ControlSet001\\Control\\MUI\\UILanguages",
            "ControlSet001\\Control\\Session Manager\\Environment",
        ] {
            if let Ok(Some(k)) = h.key(path) {
                let _ = h.subkeys(&k);
                if let Ok(vs) = h.values(&k) {
                    for v in vs {
                        let _ = h.value(&k, &v.name);
                    }
                }
            }
        }
    }
});
