//! The fødselsnummer: the keyed pseudonym that replaces it (§9); its check digits (rule W205)
//! live in `akutt_model::fnr`, where the extract reader screens every value with them.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use akutt_model::fnr::{complete_fnr, is_valid_fnr};

/// Replaces a fødselsnummer by a keyed pseudonym: HMAC-SHA-256 under a secret key kept
/// outside the data store, hex-encoded. Same person, same key → same pseudonym; without
/// the key the pseudonym cannot be reversed or recomputed from a guessed number.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

impl Pseudonymiser {
    pub fn new(key: &[u8]) -> Pseudonymiser {
        Pseudonymiser {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
        }
    }

    pub fn pseudonym(&self, fnr: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(fnr.trim().as_bytes());
        let out = mac.finalize().into_bytes();
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(2 * out.len());
        for b in out {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
        }
        s
    }
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonym_is_hex_hmac_sha256() {
        // The published HMAC-SHA-256 example (RFC 4231 style test vector from Wikipedia).
        let p = Pseudonymiser::new(b"key");
        assert_eq!(
            p.pseudonym("The quick brown fox jumps over the lazy dog"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let a = Pseudonymiser::new(b"key-a");
        let b = Pseudonymiser::new(b"key-b");
        assert_eq!(a.pseudonym("01010150053"), a.pseudonym("01010150053"));
        assert_ne!(a.pseudonym("01010150053"), b.pseudonym("01010150053"));
        assert_eq!(a.pseudonym("01010150053").len(), 64);
        assert!(!a.pseudonym("01010150053").contains("01010150053"));
    }
}
