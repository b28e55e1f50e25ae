//! The firmware parsers are pure functions over bytes: hammer them with mutated and cut
//! tables (a small deterministic fuzz) and check they answer Ok or Err, never panic,
//! and that every error is one line.

use std::path::Path;

use oemgate::firmware::{self, msdm, product_key, slic, smbios};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn fixture(p: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/firmware").join(p)).unwrap()
}

fn mutations(seed: u64, base: &[u8], rounds: usize, mut check: impl FnMut(&[u8])) {
    let mut rng = Rng(seed);
    for cut in 0..=base.len() {
        check(&base[..cut]);
    }
    for _ in 0..rounds {
        let mut t = base.to_vec();
        for _ in 0..1 + rng.below(4) {
            match rng.below(4) {
                0 if !t.is_empty() => {
                    let i = rng.below(t.len());
                    t[i] = rng.next() as u8;
                }
                1 if !t.is_empty() => {
                    let i = rng.below(t.len());
                    t[i] ^= 1 << rng.below(8);
                }
                2 => t.push(rng.next() as u8),
                _ => {
                    let n = rng.below(t.len() + 1);
                    t.truncate(n);
                }
            }
        }
        check(&t);
    }
}

fn one_line<T>(r: Result<T, oemgate::Error>) {
    if let Err(e) = r {
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}

#[test]
fn msdm_parser_never_panics() {
    let base = fixture("pro/MSDM");
    mutations(1, &base, 20_000, |t| {
        one_line(msdm::parse(t));
        one_line(firmware::oa3_from_msdm(t, "fuzz", &firmware::editions::Builtin));
    });
}

#[test]
fn slic_parser_never_panics() {
    let base = fixture("slic21/SLIC");
    let rsdt = fixture("slic21/RSDT");
    mutations(2, &base, 20_000, |t| {
        one_line(slic::parse(t));
        let roots = [firmware::RawTable { bytes: t.to_vec(), evidence: "fuzz".into() }];
        one_line(firmware::slic_from_tables(&base, "fuzz", &roots));
    });
    mutations(3, &rsdt, 5_000, |t| {
        let roots = [firmware::RawTable { bytes: t.to_vec(), evidence: "fuzz".into() }];
        // A damaged RSDT is a warning, never an error of the SLIC.
        assert!(firmware::slic_from_tables(&base, "fuzz", &roots).is_ok());
    });
}

#[test]
fn smbios_parser_never_panics() {
    let base = fixture("pro/DMI");
    mutations(4, &base, 20_000, |t| {
        one_line(smbios::parse_table(t));
        one_line(smbios::parse_rsmb(t));
    });
}

#[test]
fn key_parser_never_panics_and_agrees_with_the_encoder() {
    let mut rng = Rng(5);
    let symbols = b"BCDFGHJKMPQRTVWXY2346789N-A0a\xC3";
    for _ in 0..50_000 {
        let len = 27 + rng.below(5);
        let k: Vec<u8> = (0..len).map(|_| symbols[rng.below(symbols.len())]).collect();
        one_line(product_key::parse_at(&k, "key", 0));
    }
    for _ in 0..5_000 {
        let f = product_key::KeyFields {
            group_id: rng.next() as u32 & 0xF_FFFF,
            serial: rng.next() as u32 & 0x3FFF_FFFF,
            security: rng.next() & ((1 << 53) - 1),
            upgrade: rng.below(2) == 1,
            extra: false,
        };
        let key = product_key::encode(&f).expect("every 114-bit value has the N inside the key");
        match product_key::parse(&key).unwrap() {
            product_key::ProductKey::Modern(d) => {
                assert_eq!(d.fields, f, "{key}");
                assert!(d.checksum_ok());
            }
            other => panic!("{key}: {other:?}"),
        }
    }
}
