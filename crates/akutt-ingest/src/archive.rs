//! The archive copy of an extract: every row as read, `;`-separated, with the
//! fødselsnummer replaced (DOMAIN.md §9: the clear value never reaches disk).

use std::io::{self, Write};

use akutt_model::fnr::{find_fnr, mask_fnr_in_place};
use csv::ByteRecord;

/// Writes records byte for byte as the csv crate's writer would (`;` between fields, a field
/// quoted only where it must be, `\n` after each record). Most rows need no quoting: their
/// fields are copied as they are, without the csv writer's per-byte state machine; the rest
/// go through the csv writer itself (a fresh one per record).
pub(crate) struct ArchiveWriter<W: Write> {
    out: W,
}

impl<W: Write> ArchiveWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        ArchiveWriter { out }
    }

    /// Writes one record; with `replace = Some((position, value))` the field at `position`
    /// is written as `value` instead.
    pub(crate) fn write(
        &mut self,
        record: &ByteRecord,
        replace: Option<(usize, &[u8])>,
    ) -> io::Result<()> {
        // The csv writer quotes a lone empty field (so the record is not an empty line) and
        // any field holding a delimiter, a quote or a line break.
        let plain = record.len() > 1
            && !needs_quotes(record.as_slice())
            && replace.is_none_or(|(_, v)| !needs_quotes(v));
        if !plain {
            return self.write_quoted(record, replace);
        }
        for (i, field) in fields(record, replace).enumerate() {
            if i > 0 {
                self.out.write_all(b";")?;
            }
            self.out.write_all(field)?;
        }
        self.out.write_all(b"\n")
    }

    fn write_quoted(
        &mut self,
        record: &ByteRecord,
        replace: Option<(usize, &[u8])>,
    ) -> io::Result<()> {
        let mut quoting =
            csv::WriterBuilder::new().delimiter(b';').flexible(true).from_writer(Vec::new());
        quoting.write_record(fields(record, replace))?;
        let bytes = quoting.into_inner().map_err(|e| e.into_error())?;
        self.out.write_all(&bytes)
    }

    /// The underlying writer (everything written has been handed to it).
    pub(crate) fn into_inner(self) -> W {
        self.out
    }
}

/// The record with every valid fødselsnummer masked in every field but `fnr_column` (which
/// the caller pseudonymises): `None` when there is none, the usual case, found by one pass
/// over each field's bytes (fields, not the record's joined bytes, whose digit runs merge) (DOMAIN.md §9: a number in another column, or in a column the
/// registry does not read, is not archived in clear).
pub(crate) fn screened(record: &ByteRecord, fnr_column: Option<usize>) -> Option<ByteRecord> {
    let hit = |i: usize, f: &[u8]| Some(i) != fnr_column && find_fnr(f).is_some();
    if !record.iter().enumerate().any(|(i, f)| hit(i, f)) {
        return None;
    }
    let mut out = ByteRecord::with_capacity(record.as_slice().len(), record.len());
    let mut field = Vec::new();
    for (i, f) in record.iter().enumerate() {
        field.clear();
        field.extend_from_slice(f);
        if Some(i) != fnr_column {
            mask_fnr_in_place(&mut field);
        }
        out.push_field(&field);
    }
    Some(out)
}

/// What the csv crate's writer makes of the record (with the replacement applied): the
/// reference [`ArchiveWriter`] is checked against in tests and by the fuzz target.
pub(crate) fn written_by_csv_writer(
    record: &ByteRecord,
    replace: Option<(usize, &[u8])>,
) -> Vec<u8> {
    let mut out = ArchiveWriter::new(Vec::new());
    // Writing into memory cannot fail.
    let _ = out.write_quoted(record, replace);
    out.into_inner()
}

/// [`ArchiveWriter::write`] into memory.
pub(crate) fn written(record: &ByteRecord, replace: Option<(usize, &[u8])>) -> Vec<u8> {
    let mut out = ArchiveWriter::new(Vec::new());
    let _ = out.write(record, replace);
    out.into_inner()
}

/// The record's fields, the one at `replace.0` (if any) replaced by `replace.1`.
fn fields<'a>(
    record: &'a ByteRecord,
    replace: Option<(usize, &'a [u8])>,
) -> impl Iterator<Item = &'a [u8]> {
    record.iter().enumerate().map(move |(i, f)| match replace {
        Some((p, v)) if p == i => v,
        _ => f,
    })
}

fn needs_quotes(bytes: &[u8]) -> bool {
    memchr::memchr3(b'"', b';', b'\n', bytes).is_some() || memchr::memchr(b'\r', bytes).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_outside_the_fnr_column_are_masked_in_the_archive() {
        let n = akutt_model::fnr::complete_fnr("150388100").unwrap_or_default();
        assert_eq!(n.len(), 11, "a valid synthetic number");
        let dashed = format!("{}-{}", &n[..6], &n[6..]);
        let rec = ByteRecord::from(vec!["H1", "", n.as_str(), "0301", dashed.as_str()]);
        let out = screened(&rec, Some(1)).unwrap();
        let fields: Vec<&[u8]> = out.iter().collect();
        assert_eq!(fields, [&b"H1"[..], b"", b"***********", b"0301", b"******-*****"]);
        // The fødselsnummer column itself is left to the caller (it pseudonymises it).
        let own = ByteRecord::from(vec!["H1", n.as_str()]);
        assert_eq!(screened(&own, Some(1)), None);
        // Digits that merely run together across fields are no number.
        let apart = ByteRecord::from(vec!["1503", "8810062"]);
        assert_eq!(screened(&apart, None), None);
    }

    fn check(fields: &[&[u8]], replace: Option<(usize, &[u8])>) {
        let record = ByteRecord::from(fields.to_vec());
        let expected = written_by_csv_writer(&record, replace);
        assert!(!expected.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&written(&record, replace)),
            String::from_utf8_lossy(&expected),
            "{fields:?} {replace:?}"
        );
    }

    #[test]
    fn writes_what_the_csv_writer_writes() {
        check(&[b"OSL", b"2024-001", b"", b"01.02.2024 10:00:00"], None);
        check(&[b"OSL", b"12345678901", b"x"], Some((1, b"PSEUDONYM:ab12")));
        check(&[b"a;b", b"c"], None);
        check(&[b"say \"hi\"", b"c"], None);
        check(&[b"line\nbreak", b"c"], None);
        check(&[b"cr\rhere", b"c"], None);
        check(&[b"plain", b"c"], Some((0, b"needs;quotes")));
        check(&[b"was;quoted", b"c"], Some((0, b"plain")));
        check(&[b""], None);
        check(&[b"one"], None);
        check(&[b"", b""], None);
        check(&[b" spaced ", "Nødetat".as_bytes(), b"\xF8"], None);
        check(&[], None);
    }

    #[test]
    fn writes_what_the_csv_writer_writes_for_every_small_record() {
        // Every record of up to three fields drawn from awkward pieces, with and without a
        // replacement.
        let pieces: [&[u8]; 8] = [b"", b"a", b";", b"\"", b"\n", b"\r\n", b" ", b"#x"];
        let mut records: Vec<Vec<&[u8]>> = vec![vec![]];
        for _ in 0..3 {
            let longer: Vec<Vec<&[u8]>> = records
                .iter()
                .flat_map(|r| pieces.iter().map(move |p| [r.clone(), vec![*p]].concat()))
                .collect();
            records.extend(longer);
        }
        for r in &records {
            check(r, None);
            if !r.is_empty() {
                check(r, Some((r.len() - 1, b"PSEUDONYM:00")));
            }
        }
    }

    #[test]
    fn consecutive_records_follow_each_other() {
        let mut a = ArchiveWriter::new(Vec::new());
        a.write(&ByteRecord::from(vec!["a", "b"]), None).unwrap();
        a.write(&ByteRecord::from(vec!["c;d", "e"]), None).unwrap();
        a.write(&ByteRecord::from(vec!["f", "g"]), Some((1, b"h"))).unwrap();
        assert_eq!(a.into_inner(), b"a;b\n\"c;d\";e\nf;h\n");
    }
}
