//! Registry transaction logs: the input is two log files (`[u32 LE length of the
//! first][first][second]`), replayed as `SYSTEM.LOG1` and `SYSTEM.LOG2` over two dirty
//! primary hives from the fixtures (one whose logs are HvLE entries, one whose log is a
//! dirty vector), then the lookups `offline_os::read` makes in the replayed hive; each
//! once as given and once with every HvLE entry's hashes made right.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oemgate::offline_os::hive::marvin32::{REGF_LOG_SEED, marvin32};
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

/// The log with the hashes of every HvLE entry made right: libFuzzer cannot forge
/// Marvin32 hashes, so without this the mutations of an entry stop at its hash check.
fn rehashed(log: &[u8]) -> Vec<u8> {
    let mut b = log.to_vec();
    let mut at = 512;
    while let Some(head) = b.get(at..at + 40) {
        if &head[0..4] != b"HvLE" {
            break;
        }
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        if size < 512 || size % 512 != 0 || at + size > b.len() {
            break;
        }
        let h1 = marvin32(&b[at + 40..at + size], REGF_LOG_SEED);
        b[at + 24..at + 32].copy_from_slice(&h1.to_le_bytes());
        let h2 = marvin32(&b[at..at + 32], REGF_LOG_SEED);
        b[at + 32..at + 40].copy_from_slice(&h2.to_le_bytes());
        at += size;
    }
    b
}

fuzz_target!(|data: &[u8]| {
    let (log1, log2) = split(data);
    let (fixed1, fixed2) = (rehashed(log1), rehashed(log2));
    for (primary, (log1, log2)) in PRIMARIES.iter().flat_map(|p| [(p, (log1, log2)), (p, (&fixed1[..], &fixed2[..]))]) {
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
