//! Record keys and cell keys of the cell-key method (DOMAIN.md §9): every counted unit
//! (incident, contact, mission, NEMSIS record, 113 call) carries a stable pseudo-random key
//! derived from a secret and the unit's identity; a cell's key is the sum of its units' keys.
//!
//! Keys live on the circle of 2³² values: a key `k` stands for `k / 2³²` in [0, 1), and the
//! sum modulo 1 of the method is the wrapping sum of `u32`s.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use siphasher::sip128::{Hasher128, SipHasher13};
use std::hash::Hasher;

/// The label under which the record-key secret is derived from the registry's
/// pseudonymisation key: the two secrets are never the same bytes.
pub const DERIVATION_LABEL: &[u8] = b"akutt cell-key record keys v1";

/// One unit's key, uniform on [0, 2³²).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RecordKey(pub u32);

/// A cell's key: the sum of its units' record keys modulo 2³² (the empty cell has key 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CellKey(pub u32);

impl CellKey {
    pub fn add(&mut self, key: RecordKey) {
        self.0 = self.0.wrapping_add(key.0);
    }

    /// Adds the keys of another cell (a cell's key is additive over disjoint parts).
    pub fn merge(&mut self, other: CellKey) {
        self.0 = self.0.wrapping_add(other.0);
    }
}

/// An exact count with its cell key: what a figure knows before it is published.
/// Serialises as the bare count (exact outputs: the CLI, the restricted area).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Count {
    pub n: u64,
    pub key: CellKey,
}

impl Count {
    /// Counts one unit.
    pub fn add(&mut self, key: RecordKey) {
        self.n += 1;
        self.key.add(key);
    }

    /// Counts `n` units whose keys sum to `key` (an incident's contacts, say).
    pub fn add_many(&mut self, n: u64, key: CellKey) {
        self.n += n;
        self.key.merge(key);
    }

    pub fn merge(&mut self, other: Count) {
        self.add_many(other.n, other.key);
    }
}

impl std::fmt::Display for Count {
    /// The exact count (never a public figure: those are `Public`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.n.fmt(f)
    }
}

impl serde::Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.n)
    }
}

/// Derives record keys from the secret: SipHash-1-3 (a keyed pseudo-random function) under
/// 128 bits derived by HMAC-SHA-256 from the registry's pseudonymisation key and
/// [`DERIVATION_LABEL`]. Whoever shares the key gets the same record keys on any machine,
/// in any ingest and any data version; without it the keys cannot be computed.
#[derive(Clone)]
pub struct RecordKeyer {
    k0: u64,
    k1: u64,
}

impl std::fmt::Debug for RecordKeyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKeyer(..)")
    }
}

/// The kinds of unit, part of each identity so that no two kinds share keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Incident,
    NemsisRecord,
    NemsisIncident,
    Call,
}

impl Unit {
    fn tag(self) -> &'static [u8] {
        match self {
            Unit::Incident => b"incident",
            Unit::NemsisRecord => b"nemsis-record",
            Unit::NemsisIncident => b"nemsis-incident",
            Unit::Call => b"call",
        }
    }
}

impl RecordKeyer {
    /// The keyer of a registry whose pseudonymisation key is `secret`.
    pub fn from_secret(secret: &[u8]) -> RecordKeyer {
        // HMAC accepts a key of any length; `new_from_slice` cannot fail for it.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(DERIVATION_LABEL);
        let out = mac.finalize().into_bytes();
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&out[i..i + 8]);
            u64::from_le_bytes(b)
        };
        RecordKeyer { k0: word(0), k1: word(8) }
    }

    fn hash(&self, unit: Unit, parts: &[&str]) -> (u64, u64) {
        let mut h = SipHasher13::new_with_keys(self.k0, self.k1);
        h.write(unit.tag());
        for p in parts {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            h.write_u64(p.len() as u64);
            h.write(p.as_bytes());
        }
        let out = h.finish128();
        (out.h1, out.h2)
    }

    /// The key of one unit of `unit` identified by `parts` (for a NEMSIS record: agency and
    /// UUID; for a call: centre and `Anrops-ID`).
    pub fn unit(&self, unit: Unit, parts: &[&str]) -> RecordKey {
        let (a, _) = self.hash(unit, parts);
        RecordKey(fold(a))
    }

    /// The keys of one incident of a centre and those of its contacts and missions.
    pub fn incident(&self, centre: &str, incident_id: &str) -> IncidentKeys {
        let (a, b) = self.hash(Unit::Incident, &[centre, incident_id]);
        IncidentKeys { key: RecordKey(fold(a)), seed: b }
    }
}

fn fold(x: u64) -> u32 {
    let [a, b, c, d, ..] = x.to_le_bytes();
    u32::from_le_bytes([a, b, c, d])
}

/// SplitMix64's finaliser: a bijection of 64 bits whose outputs for consecutive inputs look
/// independent; keyed here by the incident's secret seed.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The part of an incident a sub-unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Contact = 1,
    Mission = 2,
    RoadMission = 3,
    AirMission = 4,
}

/// One incident's record key and the secret seed from which the keys of its k-th contact
/// and k-th mission (in the order of the extract) follow.
#[derive(Debug, Clone, Copy)]
pub struct IncidentKeys {
    pub key: RecordKey,
    seed: u64,
}

impl IncidentKeys {
    /// The key of the `k`-th (0-based) unit of `part` of the incident.
    pub fn part(&self, part: Part, k: u32) -> RecordKey {
        let tweak = ((part as u64) << 32) | u64::from(k);
        RecordKey(fold(mix(self.seed ^ mix(tweak))))
    }

    /// The cell key of the incident's first `n` units of `part`.
    pub fn parts(&self, part: Part, n: u32) -> CellKey {
        let mut c = CellKey::default();
        for k in 0..n {
            c.add(self.part(part, k));
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_distinct_and_secret_dependent() {
        let a = RecordKeyer::from_secret(b"registry key");
        let b = RecordKeyer::from_secret(b"registry key");
        let other = RecordKeyer::from_secret(b"another key");
        let k = a.incident("OSL", "H-1").key;
        assert_eq!(k, b.incident("OSL", "H-1").key, "same secret, same identity: same key");
        assert_ne!(k, other.incident("OSL", "H-1").key, "another secret: another key");
        assert_ne!(k, a.incident("OSL", "H-2").key);
        assert_ne!(k, a.incident("BGO", "H-1").key);
        assert_ne!(
            a.unit(Unit::NemsisRecord, &["ab", "c"]),
            a.unit(Unit::NemsisRecord, &["a", "bc"])
        );
        assert_ne!(a.unit(Unit::Call, &["OSL", "1"]), a.unit(Unit::NemsisRecord, &["OSL", "1"]));
        let inc = a.incident("OSL", "H-1");
        assert_ne!(inc.part(Part::Contact, 0), inc.part(Part::Mission, 0));
        assert_ne!(inc.part(Part::Contact, 0), inc.part(Part::Contact, 1));
        let mut sum = CellKey::default();
        sum.add(inc.part(Part::Mission, 0));
        sum.add(inc.part(Part::Mission, 1));
        assert_eq!(inc.parts(Part::Mission, 2), sum);
    }

    #[test]
    fn record_keys_are_uniform() {
        // 64 bins over 64,000 incidents: each bin near 1,000 (chi-square well under its
        // 99.9 % point for 63 degrees of freedom, 103.4).
        let keyer = RecordKeyer::from_secret(b"uniformity");
        let mut bins = [0u32; 64];
        for i in 0..64_000 {
            let inc = keyer.incident("OSL", &i.to_string());
            bins[(inc.key.0 >> 26) as usize] += 1;
        }
        let chi: f64 = bins.iter().map(|&o| (f64::from(o) - 1000.0).powi(2) / 1000.0).sum();
        assert!(chi < 103.4, "chi-square {chi}");
        let mut bins = [0u32; 64];
        let inc = keyer.incident("OSL", "many missions");
        for k in 0..64_000 {
            bins[(inc.part(Part::Mission, k).0 >> 26) as usize] += 1;
        }
        let chi: f64 = bins.iter().map(|&o| (f64::from(o) - 1000.0).powi(2) / 1000.0).sum();
        assert!(chi < 103.4, "chi-square of sub-unit keys {chi}");
    }
}
