//! Streaming reads of an extract: [`scan_and_fold`] (file-level checks and rows into
//! incidents in one pass, for files whose incidents' rows stand together), and the two
//! passes it falls back to, [`scan`] (file-level checks) and [`fold`] (rows into incidents);
//! [`scan_head`] reads only the header and first row.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};
use std::rc::Rc;

use akutt_model::fnr::{find_fnr, mask_fnr_in_place};
use akutt_model::time::parse_date;
use akutt_model::{Finding, RuleCode};
use chrono::NaiveDate;
use csv::{ByteRecord, ReaderBuilder};
use sha2::{Digest, Sha256};

use crate::columns::{Column, Level};

/// The character encoding of an extract (DOMAIN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Windows1252,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Windows1252 => "Windows-1252",
        }
    }

    fn decode<'a>(self, bytes: &'a [u8]) -> std::borrow::Cow<'a, str> {
        match self {
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
            _ => String::from_utf8_lossy(bytes),
        }
    }
}

/// Decodes a whole small text file the way extracts are read: UTF-8 (a BOM dropped) when it
/// is valid UTF-8, otherwise Windows-1252. Used for mapping-table files.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => Encoding::Windows1252.decode(bytes).into_owned(),
    }
}

/// The header of an extract: where each known column stands.
#[derive(Debug, Clone)]
pub struct Header {
    index: [Option<usize>; Column::COUNT],
    /// Header names as written (decoded, trimmed), in file order.
    pub names: Vec<String>,
    /// The header record as raw bytes (BOM removed), for writing an archive copy.
    pub raw: ByteRecord,
}

impl Header {
    fn new(raw: ByteRecord, encoding: Encoding) -> (Header, Vec<String>) {
        let mut index = [None; Column::COUNT];
        let mut names = Vec::with_capacity(raw.len());
        let mut notices = Vec::new();
        for (i, field) in raw.iter().enumerate() {
            let name = encoding.decode(field).trim().to_string();
            match Column::from_name(&name) {
                Some(c) if index[c.index()].is_none() => index[c.index()] = Some(i),
                Some(_) => notices.push(format!(
                    "Kolonnen «{name}» står to ganger; den første brukes / column «{name}» appears twice; the first is used"
                )),
                None => notices.push(format!(
                    "Ukjent kolonne «{name}» ignoreres / unknown column «{name}» is ignored"
                )),
            }
            names.push(name);
        }
        (Header { index, names, raw }, notices)
    }

    /// The field position of a column, if the header has it.
    pub fn position(&self, column: Column) -> Option<usize> {
        self.index[column.index()]
    }

    pub fn has(&self, column: Column) -> bool {
        self.position(column).is_some()
    }

    /// The columns present, in [`Column`] order.
    pub fn columns(&self) -> impl Iterator<Item = Column> + '_ {
        Column::ALL.iter().copied().filter(|c| self.has(*c))
    }
}

/// The submission-level values of an extract (they must be equal on every row).
#[derive(Debug, Clone, Default)]
pub struct SubmissionInfo {
    pub values: HashMap<Column, String>,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
}

impl SubmissionInfo {
    /// The centre code (`Kode for helseforetak/Enhet`).
    pub fn centre(&self) -> Option<&str> {
        self.get(Column::Sentralkode)
    }

    pub fn get(&self, column: Column) -> Option<&str> {
        self.values.get(&column).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// What the first pass learnt about a file.
#[derive(Debug, Clone)]
pub struct Scan {
    pub sha256: String,
    pub bytes: u64,
    pub encoding: Encoding,
    pub header: Option<Header>,
    /// Data rows (the header not counted).
    pub rows: u64,
    pub submission: SubmissionInfo,
    /// File-level findings (F001–F004). Any of them rejects the file.
    pub findings: Vec<Finding>,
    /// Notices that reject nothing (unknown or duplicate columns).
    pub notices: Vec<String>,
    last_row: IdMap,
}

impl Scan {
    pub fn is_rejected(&self) -> bool {
        !self.findings.is_empty()
    }
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    /// The first bytes of the input (the csv reader removes a BOM before we see it).
    head: Vec<u8>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if self.head.len() < 3 {
            let take = (3 - self.head.len()).min(n);
            self.head.extend_from_slice(&buf[..take]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

fn csv_reader<R: Read>(r: R) -> csv::Reader<R> {
    ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(r)
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Removes a UTF-8 BOM from the first field; tells whether there was one.
fn strip_bom(record: &ByteRecord) -> (ByteRecord, bool) {
    match record.get(0) {
        Some(first) if first.starts_with(BOM) => {
            let mut out = ByteRecord::new();
            out.push_field(&first[BOM.len()..]);
            for f in record.iter().skip(1) {
                out.push_field(f);
            }
            (out, true)
        }
        _ => (record.clone(), false),
    }
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// A 64-bit hash of an incident id (FNV-1a, then a final mix). Only equality matters:
/// two ids sharing a hash make the single pass fall back to two passes, and [`fold`] hand
/// their incidents over at the end; never a wrong result.
fn id_hash(id: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The map from id hash to last row: keys are hashes already, so they are used as they are.
#[derive(Default, Clone, Copy)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type IdMap = HashMap<u64, u64, std::hash::BuildHasherDefault<Prehashed>>;

/// Newline offsets read but not yet asked about, for physical line numbers. The csv crate's
/// `Position::line` is one short for records after a CRLF terminator
/// (BurntSushi/rust-csv#395), so lines are counted here from the bytes themselves. Queries
/// come in increasing byte order, so only newlines between the last query and the read
/// buffer's end are held (bounded memory).
#[derive(Default)]
struct NewlineLog {
    pending: VecDeque<u64>,
    counted: u64,
    read: u64,
}

type SharedLog = Rc<RefCell<NewlineLog>>;

/// A reader that logs where its newlines are.
struct Lines<R> {
    inner: R,
    log: SharedLog,
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.log.borrow_mut();
        let base = log.read;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            log.pending.push_back(base + i as u64);
        }
        log.read += n as u64;
        Ok(n)
    }
}

/// The 1-based physical line of a record starting at byte `byte` (a newline at `byte`
/// itself is the unconsumed half of a CRLF terminator, so it counts too).
fn line_at(log: &SharedLog, byte: u64) -> u64 {
    let mut log = log.borrow_mut();
    while log.pending.front().is_some_and(|&nl| nl <= byte) {
        log.pending.pop_front();
        log.counted += 1;
    }
    log.counted + 1
}

fn record_line(log: &SharedLog, record: &ByteRecord) -> u64 {
    record.position().map_or(0, |p| line_at(log, p.byte()))
}

/// Pass 1: hashes the file, detects its encoding, matches the header and checks the
/// file-level rules F001–F004. Reads the whole input; never fails (a read error is F003).
pub fn scan<R: Read>(input: R) -> Scan {
    scan_rows(input, u64::MAX)
}

/// The header and the first data row only: what the submission is (centre, period) and
/// whether its header already rejects it, before the whole file is read. `sha256`, `bytes`
/// and `rows` cover only what was read (the whole file when the header is unusable).
pub fn scan_head<R: Read>(input: R) -> Scan {
    scan_rows(input, 1)
}

/// [`scan`] of the header and at most `limit` data rows.
fn scan_rows<R: Read>(input: R, limit: u64) -> Scan {
    let (mut rdr, log, mut scan, mut record) = scan_header(input);
    if let Some(header) = scan.header.clone() {
        let mut rows = RowScanner::new(&header);
        while rows.ordinal < limit && next_record(&mut rdr, &mut record, &mut scan) {
            let line = record_line(&log, &record);
            rows.row(&record, line, &mut scan);
        }
        rows.finish(&mut scan);
    } else {
        // Still read to the end for the checksum.
        while let Ok(true) = rdr.read_byte_record(&mut record) {}
    }
    finish_hash(rdr, &mut scan);
    scan
}

type ScanReader<R> = csv::Reader<Lines<HashingReader<R>>>;

/// Reads and checks the header row; the reader is left at the first data row.
fn scan_header<R: Read>(input: R) -> (ScanReader<R>, SharedLog, Scan, ByteRecord) {
    let log = SharedLog::default();
    let mut rdr = csv_reader(Lines {
        inner: HashingReader { inner: input, hasher: Sha256::new(), bytes: 0, head: Vec::new() },
        log: log.clone(),
    });
    let mut scan = Scan {
        sha256: String::new(),
        bytes: 0,
        encoding: Encoding::Utf8,
        header: None,
        rows: 0,
        submission: SubmissionInfo::default(),
        findings: Vec::new(),
        notices: Vec::new(),
        last_row: IdMap::default(),
    };
    let mut record = ByteRecord::new();
    match rdr.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => scan
            .findings
            .push(Finding::new(RuleCode::F003, "filen er tom", "the file is empty").at_line(1)),
        Err(e) => scan.findings.push(read_error(&e)),
    }
    if scan.findings.is_empty() {
        let (raw, stripped) = strip_bom(&record);
        let had_bom = stripped || rdr.get_ref().inner.head.starts_with(BOM);
        if raw.iter().any(|f| f.contains(&0)) {
            scan.findings.push(
                Finding::new(
                    RuleCode::F003,
                    "NUL-tegn i overskriften (UTF-16 eller binærfil?)",
                    "NUL bytes in the header (UTF-16 or a binary file?)",
                )
                .at_line(1),
            );
        } else {
            let header_utf8 = raw.iter().all(|f| std::str::from_utf8(f).is_ok());
            scan.encoding = match (header_utf8, had_bom) {
                (true, true) => Encoding::Utf8Bom,
                (true, false) => Encoding::Utf8,
                (false, _) => Encoding::Windows1252,
            };
            let (header, notices) = Header::new(raw, scan.encoding);
            scan.notices = notices;
            if header.columns().next().is_none() {
                scan.findings.push(
                    Finding::new(
                        RuleCode::F003,
                        "første linje er ikke en gjenkjennelig overskriftsrad",
                        "the first line is not a recognisable header row",
                    )
                    .at_line(1),
                );
            } else {
                for c in Column::ALL.iter().filter(|c| c.is_required() && !header.has(**c)) {
                    scan.findings.push(
                        Finding::new(
                            RuleCode::F001,
                            format!("«{}»", c.name()),
                            format!("«{}»", c.name()),
                        )
                        .at_line(1)
                        .column(c.name()),
                    );
                }
                scan.header = Some(header);
            }
        }
    }
    (rdr, log, scan, record)
}

/// Reads the next data row; a read error becomes an F003 finding and ends the rows.
fn next_record<R: Read>(rdr: &mut ScanReader<R>, record: &mut ByteRecord, scan: &mut Scan) -> bool {
    match rdr.read_byte_record(record) {
        Ok(more) => more,
        Err(e) => {
            scan.findings.push(read_error(&e));
            false
        }
    }
}

fn finish_hash<R: Read>(rdr: ScanReader<R>, scan: &mut Scan) {
    let hashing = rdr.into_inner().inner;
    scan.sha256 = hex(&hashing.hasher.finalize());
    scan.bytes = hashing.bytes;
}

/// The per-row part of pass 1: F002 (submission values equal on every row), F003 (mixed
/// encodings) and the incident-id → last-row map that lets [`fold`] close incidents.
struct RowScanner {
    submission_cols: Vec<(Column, usize)>,
    names: Vec<String>,
    first_values: Vec<Vec<u8>>,
    reported_f002: Vec<bool>,
    id_pos: Option<usize>,
    ordinal: u64,
    encoding_reported: bool,
}

impl RowScanner {
    fn new(header: &Header) -> RowScanner {
        let submission_cols: Vec<(Column, usize)> = Column::of_level(Level::Submission)
            .filter_map(|c| header.position(c).map(|p| (c, p)))
            .collect();
        RowScanner {
            reported_f002: vec![false; submission_cols.len()],
            submission_cols,
            names: header.names.clone(),
            first_values: Vec::new(),
            id_pos: header.position(Column::Hendelsesnummer),
            ordinal: 0,
            encoding_reported: false,
        }
    }

    /// Checks one data row. Returns its trimmed incident id (empty when missing), whether
    /// that id had been seen on an earlier row, and the row as text when the file is UTF-8
    /// and the row too.
    fn row<'r>(
        &mut self,
        record: &'r ByteRecord,
        line: u64,
        scan: &mut Scan,
    ) -> (&'r [u8], bool, Option<&'r str>) {
        let utf8 = if scan.encoding == Encoding::Windows1252 { None } else { utf8_row(record) };
        if scan.encoding != Encoding::Windows1252 && !self.encoding_reported && utf8.is_none() {
            if let Some((i, _)) =
                record.iter().enumerate().find(|(_, f)| std::str::from_utf8(f).is_err())
            {
                self.encoding_reported = true;
                let column = self.names.get(i).cloned();
                let mut f = Finding::new(
                    RuleCode::F003,
                    "overskriften er UTF-8, men denne raden er ikke gyldig UTF-8 (blandet tegnkoding)",
                    "the header is UTF-8 but this row is not valid UTF-8 (mixed encodings)",
                )
                .at_line(line);
                if let Some(c) = column {
                    f = f.column(c);
                }
                scan.findings.push(f);
            }
        }
        if self.ordinal == 0 {
            self.first_values = self
                .submission_cols
                .iter()
                .map(|(_, p)| trim_bytes(record.get(*p).unwrap_or(b"")).to_vec())
                .collect();
        } else {
            for (k, (c, p)) in self.submission_cols.iter().enumerate() {
                let v = trim_bytes(record.get(*p).unwrap_or(b""));
                if !self.reported_f002[k] && v != self.first_values[k].as_slice() {
                    self.reported_f002[k] = true;
                    let shown = scan.encoding.decode(v).into_owned();
                    let first = scan.encoding.decode(&self.first_values[k]).into_owned();
                    scan.findings.push(
                        Finding::new(
                            RuleCode::F002,
                            format!("«{shown}» her, «{first}» på første rad"),
                            format!("«{shown}» here, «{first}» on the first row"),
                        )
                        .at_line(line)
                        .column(c.name())
                        .value(shown),
                    );
                }
            }
        }
        let id = self.id_pos.map_or(&b""[..], |p| trim_bytes(record.get(p).unwrap_or(b"")));
        let seen = !id.is_empty() && scan.last_row.insert(id_hash(id), self.ordinal).is_some();
        self.ordinal += 1;
        (id, seen, utf8)
    }

    /// After the last row: F004, the submission values, the period and the centre (F001).
    fn finish(self, scan: &mut Scan) {
        scan.rows = self.ordinal;
        if self.ordinal == 0 {
            scan.findings.push(Finding::new(RuleCode::F004, "", "").at_line(1));
            return;
        }
        for ((c, _), v) in self.submission_cols.iter().zip(&self.first_values) {
            scan.submission.values.insert(*c, scan.encoding.decode(v).into_owned());
        }
        check_period(scan);
        if scan.header.as_ref().is_some_and(|h| h.has(Column::Sentralkode))
            && scan.submission.centre().is_none()
        {
            let c = Column::Sentralkode.name();
            scan.findings.push(
                Finding::new(RuleCode::F001, format!("«{c}» er tom"), format!("«{c}» is empty"))
                    .at_line(2)
                    .column(c),
            );
        }
    }
}

fn check_period(scan: &mut Scan) {
    let mut parse = |c: Column| -> Option<NaiveDate> {
        let raw = scan.submission.values.get(&c)?.clone();
        if raw.is_empty() {
            scan.findings.push(
                Finding::new(
                    RuleCode::F001,
                    format!("«{}» er tom", c.name()),
                    format!("«{}» is empty", c.name()),
                )
                .at_line(2)
                .column(c.name()),
            );
            return None;
        }
        match parse_date(&raw) {
            Ok(d) => Some(d),
            Err(_) => {
                scan.findings.push(
                    Finding::new(
                        RuleCode::F001,
                        format!("«{}» er ikke en dato (dd.mm.åååå)", c.name()),
                        format!("«{}» is not a date (dd.mm.yyyy)", c.name()),
                    )
                    .at_line(2)
                    .column(c.name())
                    .value(raw),
                );
                None
            }
        }
    };
    let from = parse(Column::DatoFra);
    let to = parse(Column::DatoTil);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            scan.findings.push(
                Finding::new(
                    RuleCode::F001,
                    "«Dato fra» er etter «Dato til»",
                    "«Dato fra» is after «Dato til»",
                )
                .at_line(2)
                .column(Column::DatoTil.name())
                .value(t.format("%d.%m.%Y").to_string()),
            );
        }
    }
    scan.submission.period_from = from;
    scan.submission.period_to = to;
}

fn read_error(e: &csv::Error) -> Finding {
    let line = e.position().map_or(1, |p| p.line());
    Finding::new(RuleCode::F003, format!("lesefeil: {e}"), format!("read error: {e}")).at_line(line)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One data row, decoded: the text of its known columns and where each (trimmed) value
/// stands, so that a value is found by column without searching or trimming again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// 1-based line where the row starts.
    pub line: u64,
    text: String,
    /// Per [`Column`]: the trimmed value's byte range in `text` (empty when absent).
    spans: [(u32, u32); Column::COUNT],
}

impl RawRow {
    /// Decodes a row as read: a UTF-8 row is validated once and kept as it is; anything else
    /// is read as Windows-1252, field by field.
    pub fn new(line: u64, record: &ByteRecord, encoding: Encoding, header: &Header) -> RawRow {
        let utf8 = if encoding == Encoding::Windows1252 { None } else { utf8_row(record) };
        RawRow::decoded(line, record, utf8, encoding, header)
    }

    /// [`RawRow::new`] given the row's text when it has been found to be UTF-8.
    fn decoded(
        line: u64,
        record: &ByteRecord,
        utf8: Option<&str>,
        encoding: Encoding,
        header: &Header,
    ) -> RawRow {
        let mut spans = [(0u32, 0u32); Column::COUNT];
        let text = match utf8 {
            Some(text) => {
                for c in Column::ALL {
                    if let Some(r) = header.position(*c).and_then(|p| record.range(p)) {
                        spans[c.index()] = trimmed_span(text, r.start, r.end);
                    }
                }
                text.to_string()
            }
            None => {
                let mut text = String::with_capacity(record.as_slice().len());
                for c in Column::ALL {
                    if let Some(f) = header.position(*c).and_then(|p| record.get(p)) {
                        let start = text.len();
                        text.push_str(&encoding.decode(f));
                        spans[c.index()] = trimmed_span(&text, start, text.len());
                    }
                }
                text
            }
        };
        RawRow { line, text: screened(text, &spans), spans }
    }

    /// The trimmed value of a column; `None` when the column is absent or the cell empty
    /// (or white space only). (`header` is the one the row was read with.)
    pub fn get<'a>(&'a self, _header: &Header, column: Column) -> Option<&'a str> {
        self.value(column)
    }

    /// The trimmed value of a column; `None` when absent or empty.
    pub fn value(&self, column: Column) -> Option<&str> {
        let (a, b) = self.spans[column.index()];
        if a < b {
            self.text.get(a as usize..b as usize)
        } else {
            None
        }
    }
}

/// The row's text with every valid fødselsnummer outside the `Fødselsnummer` column masked
/// (DOMAIN.md §9): the one place every value of a row passes, so a number that slid into
/// another column (a stray `;`) reaches no rule, finding, report or table in clear. Masking
/// keeps lengths, so the spans stay right.
fn screened(text: String, spans: &[(u32, u32); Column::COUNT]) -> String {
    let fnr = Column::Fodselsnummer.index();
    let hit = |i: usize, (a, b): (u32, u32)| {
        i != fnr
            && a < b
            && text.get(a as usize..b as usize).is_some_and(|v| find_fnr(v.as_bytes()).is_some())
    };
    if !spans.iter().enumerate().any(|(i, s)| hit(i, *s)) {
        return text;
    }
    let mut bytes = text.into_bytes();
    for (i, (a, b)) in spans.iter().enumerate() {
        if i != fnr {
            if let Some(v) = bytes.get_mut(*a as usize..*b as usize) {
                mask_fnr_in_place(v);
            }
        }
    }
    // Only ASCII digits became ASCII `*`: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The byte range of `text[start..end]` without surrounding white space (`str::trim`).
fn trimmed_span(text: &str, start: usize, end: usize) -> (u32, u32) {
    let field = &text[start..end];
    let trimmed = trim_field(field);
    let offset = trimmed.as_ptr() as usize - field.as_ptr() as usize;
    let a = start + offset;
    // A field beyond 4 GiB into its row cannot be addressed: it reads as empty rather than
    // as some other part of the row.
    match (u32::try_from(a), u32::try_from(a + trimmed.len())) {
        (Ok(a), Ok(b)) => (a, b),
        _ => (0, 0),
    }
}

/// All rows of one incident, in file order.
#[derive(Debug, Clone)]
pub struct RawIncident {
    pub id: String,
    pub rows: Vec<RawRow>,
}

impl RawIncident {
    pub fn first_line(&self) -> u64 {
        self.rows.first().map_or(0, |r| r.line)
    }
}

/// What [`fold`] hands over, in file order of completion.
pub enum Event<'a> {
    /// Every data row as read (raw bytes), with the byte offset reached: for archiving and
    /// progress.
    Row { line: u64, record: &'a ByteRecord, offset: u64 },
    /// An incident whose last row has been read.
    Incident(RawIncident),
    /// A row without `Hendelsesnummer` (rule E101).
    MissingId(Box<RawRow>),
}

/// Pass 2: reads the rows again and hands each incident over as soon as its last row has
/// been read (as noted by [`scan`]). Only incidents still open are held in memory.
pub fn fold<R: Read>(input: R, scan: &Scan, mut on: impl FnMut(Event<'_>)) -> io::Result<()> {
    let Some(header) = scan.header.as_ref() else { return Ok(()) };
    let id_pos = header.position(Column::Hendelsesnummer);
    let log = SharedLog::default();
    let mut rdr = csv_reader(Lines { inner: input, log: log.clone() });
    let mut record = ByteRecord::new();
    // Skip the header.
    if !rdr.read_byte_record(&mut record).map_err(io::Error::other)? {
        return Ok(());
    }
    let mut open: HashMap<Box<[u8]>, RawIncident> = HashMap::new();
    let mut ordinal: u64 = 0;
    while rdr.read_byte_record(&mut record).map_err(io::Error::other)? {
        let line = record_line(&log, &record);
        let offset = record.position().map_or(0, |p| p.byte());
        on(Event::Row { line, record: &record, offset });
        let row = RawRow::new(line, &record, scan.encoding, header);
        let id = id_pos.map(|p| trim_bytes(record.get(p).unwrap_or(b""))).unwrap_or(b"");
        if id.is_empty() {
            on(Event::MissingId(Box::new(row)));
        } else {
            let done = scan.last_row.get(&id_hash(id)) == Some(&ordinal);
            let entry = match open.get_mut(id) {
                Some(e) => e,
                None => open.entry(id.into()).or_insert_with(|| RawIncident {
                    id: scan.encoding.decode(id).into_owned(),
                    rows: Vec::with_capacity(2),
                }),
            };
            entry.rows.push(row);
            if done {
                if let Some(inc) = open.remove(id) {
                    on(Event::Incident(inc));
                }
            }
        }
        ordinal += 1;
    }
    // Incidents left open (two ids sharing a hash, or a file that changed since the scan).
    let mut rest: Vec<RawIncident> = open.into_values().collect();
    rest.sort_by_key(RawIncident::first_line);
    for inc in rest {
        on(Event::Incident(inc));
    }
    Ok(())
}

/// How [`scan_and_fold`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folded {
    /// Every row was folded: the events are the same as [`fold`]'s after [`scan`].
    All,
    /// Folding stopped early because an incident id reappeared after other incidents (rows
    /// of an incident not contiguous) or the file is rejected; the scan still covers the
    /// whole file, so [`fold`] can be run with it.
    Stopped,
}

/// Both passes in one, for the common file whose rows of an incident stand together: scans
/// the whole file as [`scan`] does and, while each incident's rows are contiguous, hands
/// incidents over as [`fold`] would (an incident ends where the next one begins). At the
/// first id that reappears, or the first file-level finding, folding stops (events already
/// handed over are then to be discarded) and only the scan goes on.
pub fn scan_and_fold<R: Read>(input: R, mut on: impl FnMut(Event<'_>)) -> (Scan, Folded) {
    let (mut rdr, log, mut scan, mut record) = scan_header(input);
    let Some(header) = scan.header.clone() else {
        while let Ok(true) = rdr.read_byte_record(&mut record) {}
        finish_hash(rdr, &mut scan);
        return (scan, Folded::Stopped);
    };
    let mut rows = RowScanner::new(&header);
    let mut folding = scan.findings.is_empty();
    let mut current: Option<(Vec<u8>, RawIncident)> = None;
    while next_record(&mut rdr, &mut record, &mut scan) {
        let line = record_line(&log, &record);
        let (id, seen, utf8) = rows.row(&record, line, &mut scan);
        if !folding {
            continue;
        }
        if !scan.findings.is_empty() {
            folding = false;
            continue;
        }
        let offset = record.position().map_or(0, |p| p.byte());
        let row = RawRow::decoded(line, &record, utf8, scan.encoding, &header);
        if id.is_empty() {
            on(Event::Row { line, record: &record, offset });
            on(Event::MissingId(Box::new(row)));
            continue;
        }
        match &mut current {
            Some((open_id, inc)) if open_id.as_slice() == id => inc.rows.push(row),
            _ => {
                if seen {
                    folding = false;
                    current = None;
                    continue;
                }
                if let Some((_, inc)) = current.take() {
                    on(Event::Incident(inc));
                }
                let mut rows = Vec::with_capacity(4);
                rows.push(row);
                let inc = RawIncident { id: scan.encoding.decode(id).into_owned(), rows };
                current = Some((id.to_vec(), inc));
            }
        }
        on(Event::Row { line, record: &record, offset });
    }
    rows.finish(&mut scan);
    finish_hash(rdr, &mut scan);
    if !scan.findings.is_empty() {
        folding = false;
    }
    if folding {
        if let Some((_, inc)) = current {
            on(Event::Incident(inc));
        }
    }
    (scan, if folding { Folded::All } else { Folded::Stopped })
}

/// The row's bytes as text when every field is valid UTF-8: the whole row is checked once,
/// then that no field starts inside a character (fields are contiguous in the row, so their
/// starts are all the inner boundaries).
fn utf8_row(record: &ByteRecord) -> Option<&str> {
    let text = std::str::from_utf8(record.as_slice()).ok()?;
    (text.is_ascii() || record.iter().all(|f| f.first().is_none_or(|b| !(0x80..0xC0).contains(b))))
        .then_some(text)
}

/// `str::trim`, with a fast path for the common field that has nothing to trim.
fn trim_field(v: &str) -> &str {
    match (v.as_bytes().first(), v.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => v,
        _ => v.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::decode_text;

    #[test]
    fn decode_text_reads_utf8_bom_and_windows_1252() {
        assert_eq!(decode_text("innringer;Nødetat;BPH".as_bytes()), "innringer;Nødetat;BPH");
        assert_eq!(decode_text(b"\xEF\xBB\xBFsted;H;HJEM"), "sted;H;HJEM");
        assert_eq!(decode_text(b"innringer;N\xF8detat;BPH"), "innringer;Nødetat;BPH");
    }
}
