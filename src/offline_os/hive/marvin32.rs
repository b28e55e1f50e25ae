//! Marvin32, the 64-bit keyed checksum that guards the log entries of the Windows 8.1+
//! transaction log format (`HvLE`). Written from the algorithm's public description;
//! checked against the published test vectors of .NET's `Marvin` tests.

/// The seed of both hashes in an `HvLE` log entry: the bytes 82 EF 4D 88 7A 4E 55 C5
/// read as a little-endian 64-bit number.
pub const REGF_LOG_SEED: u64 = u64::from_le_bytes([0x82, 0xEF, 0x4D, 0x88, 0x7A, 0x4E, 0x55, 0xC5]);

/// Marvin32 of `data` under `seed`: the low 32 bits of the result are the first state
/// word, the high 32 bits the second.
pub fn marvin32(data: &[u8], seed: u64) -> u64 {
    let mut lo = seed as u32;
    let mut hi = (seed >> 32) as u32;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        lo = lo.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        mix(&mut lo, &mut hi);
    }
    // The 0 to 3 bytes left, little-endian, followed by the padding byte 0x80.
    let last = words.remainder().iter().rev().fold(0x80u32, |acc, &b| (acc << 8) | u32::from(b));
    lo = lo.wrapping_add(last);
    mix(&mut lo, &mut hi);
    mix(&mut lo, &mut hi);
    (u64::from(hi) << 32) | u64::from(lo)
}

fn mix(lo: &mut u32, hi: &mut u32) {
    *hi ^= *lo;
    *lo = lo.rotate_left(20);
    *lo = lo.wrapping_add(*hi);
    *hi = hi.rotate_left(9);
    *hi ^= *lo;
    *lo = lo.rotate_left(27);
    *lo = lo.wrapping_add(*hi);
    *hi = hi.rotate_left(19);
}

#[cfg(test)]
mod tests {
    use super::marvin32;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// The test vectors published with .NET's Marvin implementation (MarvinTests.cs).
    #[test]
    fn published_test_vectors() {
        const SEED1: u64 = 0x004F_B61A_001B_DBCC;
        const SEED2: u64 = 0x804F_B61A_001B_DBCC;
        const SEED3: u64 = 0x804F_B61A_801B_DBCC;
        let data = ["", "af", "e70f", "37f495", "8642dc59", "153fb79826", "0932e6246c47", "ab427ea8d10fc7"];
        let seed1 = [
            0x30ED35C100CD3C7D,
            0x48E73FC77D75DDC1,
            0xB5F6E1FC485DBFF8,
            0xF0B07C789B8CF7E8,
            0x7008F2E87E9CF556,
            0xE6C08C6DA2AFA997,
            0x6F04BF1A5EA24060,
            0xE11847E4F0678C41,
        ];
        let seed2 = [
            0x10A9D5D3996FD65D,
            0x68201F91960EBF91,
            0x64B581631F6AB378,
            0xE1F2DFA6E5131408,
            0x36289D9654FB49F6,
            0x0A06114B13464DBD,
            0xD6DD5E40AD1BC2ED,
            0xE203987DBA252FB3,
        ];
        for (i, d) in data.iter().enumerate() {
            assert_eq!(marvin32(&hex(d), SEED1), seed1[i], "seed 1, {d:?}");
            assert_eq!(marvin32(&hex(d), SEED2), seed2[i], "seed 2, {d:?}");
        }
        let seed3 = [
            ("00", 0xA37FB0DA2ECAE06C),
            ("FF", 0xFECEF370701AE054),
            ("00FF", 0xA638E75700048880),
            ("FF00", 0xBDFB46D969730E2A),
            ("FF00FF", 0x9D8577C0FE0D30BF),
            ("00FF00", 0x4F9FBDDE15099497),
            ("00FF00FF", 0x24EAA279D9A529CA),
            ("FF00FF00", 0xD3BEC7726B057943),
            ("FF00FF00FF", 0x920B62BBCA3E0B72),
            ("00FF00FF00", 0x1D7DDF9DFDF3C1BF),
            ("00FF00FF00FF", 0xEC21276A17E821A5),
            ("FF00FF00FF00", 0x6911A53CA8C12254),
            ("FF00FF00FF00FF", 0xFDFD187B1D3CE784),
            ("00FF00FF00FF00", 0x71876F2EFB1B0EE8),
        ];
        for (d, want) in seed3 {
            assert_eq!(marvin32(&hex(d), SEED3), want, "seed 3, {d:?}");
        }
    }
}
