//! Reading one call log: header and encoding, the file-level rules F001–F004, rows grouped
//! by `Anrops-ID` (E107), and each call validated by the rules of DOMAIN.md §11.

use std::collections::HashMap;
use std::io::Read;

use akutt_model::call::{CallRecord, Outcome};
use akutt_model::centre::centre;
use akutt_model::fnr::mask_fnr;
use akutt_model::time::{format_oslo, oslo_date, parse_date, parse_datetime, LocalResolution};
use akutt_model::{CodeList, Finding, Instant, Linje, RuleCode, Severity};
use akutt_rules::{reporting_period, MappingTable};
use chrono::NaiveDate;
use csv::{ByteRecord, ReaderBuilder};
use sha2::{Digest, Sha256};

use crate::columns::CallColumn;

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// W221: a wait before answer longer than this is implausible (15 minutes).
const MAX_WAIT_S: i64 = 15 * 60;
/// W221: a call longer than this is implausible (4 hours).
const MAX_DURATION_S: i64 = 4 * 3600;

/// True when the first line of a file (its header) names the column `Anrops-ID`: a call
/// log, never an extract of import format v1 (§11).
pub fn looks_like_call_log(head: &[u8]) -> bool {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    line.windows(9).any(|w| w == b"Anrops-ID")
}

/// What reading a call log found.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    /// SHA-256 of the bytes read (lowercase hex) and their number.
    pub sha256: String,
    pub bytes: u64,
    /// `UTF-8`, `UTF-8 (BOM)` or `Windows-1252`; `None` without a readable header.
    pub encoding: Option<&'static str>,
    /// `Kode for helseforetak/Enhet` and the reporting period, from the first data row.
    pub centre: Option<String>,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// Data rows read (blank rows left out).
    pub rows: u64,
    /// Calls seen: distinct `Anrops-ID`s, and each row without one.
    pub calls_seen: u64,
    /// The accepted calls, in file order (none when the file is rejected).
    pub calls: Vec<CallRecord>,
    /// Every finding, file-level ones first; values have fødselsnummer masked.
    pub findings: Vec<Finding>,
    /// Remarks that reject nothing (unknown columns, exact repeats).
    pub notices: Vec<String>,
    /// Queues looked up in code list `linje`, and those that mapped.
    pub queues_looked_up: u64,
    pub queues_mapped: u64,
    /// Share of non-empty cells per column present, over data rows (0..1).
    pub completeness: Vec<(&'static str, f64)>,
}

impl CallLog {
    /// A file-level finding rejects the whole file.
    pub fn is_rejected(&self) -> bool {
        self.findings.iter().any(|f| f.severity() == Severity::File)
    }

    /// Calls rejected by an error (all of them when the file is rejected).
    pub fn calls_rejected(&self) -> u64 {
        self.calls_seen.saturating_sub(self.calls.len() as u64)
    }
}

/// Hashes what passes through it, and counts its lines: the csv crate's own line numbers
/// are one short after a CR LF line end and after a blank line (rust-csv issues #395 and
/// #208), and switchboards on Windows write CR LF.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
    /// Offsets of the line feeds read but not yet passed by a record.
    newlines: std::collections::VecDeque<u64>,
    /// Line feeds passed so far.
    lines_passed: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
            newlines: std::collections::VecDeque::new(),
            lines_passed: 0,
        }
    }

    /// The 1-based line of a record read up to byte `end` (the reader's position after it:
    /// past the first byte of its terminator) with `inner` line feeds in its quoted fields.
    /// Line feeds before its terminator are the lines before it and inside it. Records come
    /// in order of their bytes.
    fn line_of(&mut self, end: u64, inner: u64) -> u64 {
        while self.newlines.front().is_some_and(|&nl| nl + 1 < end) {
            self.newlines.pop_front();
            self.lines_passed += 1;
        }
        (self.lines_passed + 1).saturating_sub(inner).max(1)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                self.newlines.push_back(self.bytes + i as u64);
            }
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// One data row: its line and its values by column (trimmed, empty = missing, fødselsnummer
/// masked).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawCall {
    line: u64,
    values: [Option<String>; CallColumn::ALL.len()],
}

impl RawCall {
    fn get(&self, c: CallColumn) -> Option<&str> {
        self.values[c as usize].as_deref()
    }
}

/// Reads a call log. `mapping_of` is asked once, with the file's centre, for the mapping
/// table its queues are looked up in (code list `linje`; without entries for it, queues are
/// national codes). Never fails: an unreadable input is an F003 finding.
pub fn read<R: Read>(input: R, mapping_of: impl FnOnce(Option<&str>) -> MappingTable) -> CallLog {
    let mut log = CallLog::default();
    let mut rdr = ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .flexible(true)
        .from_reader(Hashing::new(input));
    let mut record = ByteRecord::new();
    let raws = read_rows(&mut rdr, &mut record, &mut log);
    // The rest of the input, for the checksum, when reading stopped early.
    while let Ok(true) = rdr.read_byte_record(&mut record) {}
    let mut hashing = rdr.into_inner();
    // And what a read error left unread (an error of the input itself stays an error).
    let _ = std::io::copy(&mut hashing, &mut std::io::sink());
    log.sha256 = hashing.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    log.bytes = hashing.bytes;
    let Some(raws) = raws else { return log };

    // Rows grouped by Anrops-ID, in order of first appearance (E107).
    let mut groups: Vec<(RawCall, Vec<u64>)> = Vec::new();
    let mut without_id: Vec<RawCall> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut repeats = 0u64;
    for raw in raws {
        let Some(id) = raw.get(CallColumn::AnropsId).map(str::to_string) else {
            without_id.push(raw);
            continue;
        };
        match at.get(&id) {
            Some(&g) if same_content(&groups[g].0, &raw) => repeats += 1,
            Some(&g) => groups[g].1.push(raw.line),
            None => {
                at.insert(id, groups.len());
                groups.push((raw, Vec::new()));
            }
        }
    }
    log.calls_seen = (groups.len() + without_id.len()) as u64;
    if log.is_rejected() {
        return log;
    }
    if repeats > 0 {
        log.notices.push(format!(
            "{repeats} rad(er) gjentar en tidligere rad nøyaktig (samme Anrops-ID og innhold) og telles én gang / \
             {repeats} row(s) repeat an earlier row exactly (same Anrops-ID and content) and are counted once"
        ));
    }
    for raw in &without_id {
        log.findings.push(
            Finding::new(
                RuleCode::E102,
                format!("«{}» mangler", CallColumn::AnropsId.name()),
                format!("«{}» is missing", CallColumn::AnropsId.name()),
            )
            .at_line(raw.line)
            .column(CallColumn::AnropsId.name()),
        );
    }
    let table = mapping_of(log.centre.as_deref());
    let period = reporting_period(log.period_from, log.period_to);
    let own = log.centre.clone().unwrap_or_default();
    for (raw, differing) in &groups {
        let id = raw.get(CallColumn::AnropsId).unwrap_or_default();
        if !differing.is_empty() {
            for line in differing {
                log.findings.push(
                    Finding::new(
                        RuleCode::E107,
                        format!(
                            "Anrops-ID «{id}» står også på linje {} med annet innhold",
                            raw.line
                        ),
                        format!(
                            "Anrops-ID «{id}» also stands on line {} with other content",
                            raw.line
                        ),
                    )
                    .at_line(*line)
                    .incident(id)
                    .column(CallColumn::AnropsId.name())
                    .value(id),
                );
            }
            continue;
        }
        let mut ck = Checker { raw, id, findings: Vec::new() };
        let call = ck.validate(&table, period, &own, &mut log);
        log.findings.append(&mut ck.findings);
        if let Some(call) = call {
            log.calls.push(call);
        }
    }
    log
}

/// Exact repeats are counted once; any difference (also in an optional column) is E107.
fn same_content(a: &RawCall, b: &RawCall) -> bool {
    a.values == b.values
}

/// The header and the data rows; `None` when a file-level finding stops the read.
fn read_rows<R: Read>(
    rdr: &mut csv::Reader<Hashing<R>>,
    record: &mut ByteRecord,
    log: &mut CallLog,
) -> Option<Vec<RawCall>> {
    let read_error = |rdr: &mut csv::Reader<Hashing<R>>, e: &csv::Error| {
        let end = rdr.position().byte();
        let line = e.position().map_or(1, |_| rdr.get_mut().line_of(end, 0));
        Finding::new(RuleCode::F003, format!("lesefeil: {e}"), format!("read error: {e}"))
            .at_line(line)
    };
    match rdr.read_byte_record(record) {
        Ok(true) => {}
        Ok(false) => {
            log.findings
                .push(Finding::new(RuleCode::F003, "filen er tom", "the file is empty").at_line(1));
            return None;
        }
        Err(e) => {
            log.findings.push(read_error(rdr, &e));
            return None;
        }
    }
    let mut names: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
    let had_bom = names.first_mut().is_some_and(|f| match f.strip_prefix(BOM) {
        Some(rest) => {
            *f = rest.to_vec();
            true
        }
        None => false,
    });
    if names.iter().any(|f| f.contains(&0)) {
        log.findings.push(
            Finding::new(
                RuleCode::F003,
                "NUL-tegn i overskriften (UTF-16 eller binærfil?)",
                "NUL bytes in the header (UTF-16 or a binary file?)",
            )
            .at_line(1),
        );
        return None;
    }
    let utf8 = names.iter().all(|f| std::str::from_utf8(f).is_ok());
    let decode = move |b: &[u8]| -> String {
        if utf8 {
            String::from_utf8_lossy(b).into_owned()
        } else {
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0.into_owned()
        }
    };
    // Position of each known column (the first, when named twice).
    let mut position: [Option<usize>; CallColumn::ALL.len()] = [None; CallColumn::ALL.len()];
    for (i, raw) in names.iter().enumerate() {
        let name = decode(raw);
        let name = name.trim();
        match CallColumn::parse(name) {
            Some(c) if position[c as usize].is_none() => position[c as usize] = Some(i),
            Some(_) => log.notices.push(format!(
                "kolonnen «{name}» står to ganger; den første brukes / column «{name}» appears twice; the first is used"
            )),
            None if name.is_empty() => {}
            None => log.notices.push(format!(
                "ukjent kolonne «{}» ignoreres / unknown column «{}» ignored",
                mask_fnr(name),
                mask_fnr(name)
            )),
        }
    }
    if position.iter().all(Option::is_none) {
        log.findings.push(
            Finding::new(
                RuleCode::F003,
                "første linje er ikke en gjenkjennelig overskriftsrad",
                "the first line is not a recognisable header row",
            )
            .at_line(1),
        );
        return None;
    }
    log.encoding = Some(match (utf8, had_bom) {
        (true, true) => "UTF-8 (BOM)",
        (true, false) => "UTF-8",
        (false, _) => "Windows-1252",
    });
    for c in
        CallColumn::ALL.into_iter().filter(|c| c.is_required() && position[*c as usize].is_none())
    {
        log.findings.push(
            Finding::new(RuleCode::F001, format!("«{}»", c.name()), format!("«{}»", c.name()))
                .at_line(1)
                .column(c.name()),
        );
    }

    let mut rows: Vec<RawCall> = Vec::new();
    let mut filled = [0u64; CallColumn::ALL.len()];
    let mut mixed_reported = false;
    let mut differs_reported = [false; CallColumn::ALL.len()];
    loop {
        match rdr.read_byte_record(record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                log.findings.push(read_error(rdr, &e));
                break;
            }
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let inner: usize = record.iter().map(|f| f.iter().filter(|b| **b == b'\n').count()).sum();
        let end = rdr.position().byte();
        let line = rdr.get_mut().line_of(end, inner as u64);
        let mut values: [Option<String>; CallColumn::ALL.len()] = Default::default();
        for c in CallColumn::ALL {
            let Some(bytes) = position[c as usize].and_then(|p| record.get(p)) else { continue };
            if utf8 && !mixed_reported && std::str::from_utf8(bytes).is_err() {
                mixed_reported = true;
                log.findings.push(
                    Finding::new(
                        RuleCode::F003,
                        "overskriften er UTF-8, men denne raden er ikke gyldig UTF-8 (blandet tegnkoding)",
                        "the header is UTF-8 but this row is not valid UTF-8 (mixed encodings)",
                    )
                    .at_line(line)
                    .column(c.name()),
                );
            }
            let text = decode(bytes);
            let text = mask_fnr(text.trim()).into_owned();
            if !text.is_empty() {
                filled[c as usize] += 1;
                values[c as usize] = Some(text);
            }
        }
        let raw = RawCall { line, values };
        if let Some(first) = rows.first() {
            for c in CallColumn::ALL.into_iter().filter(|c| c.is_submission_level()) {
                if !differs_reported[c as usize] && first.get(c) != raw.get(c) {
                    differs_reported[c as usize] = true;
                    log.findings.push(
                        Finding::new(
                            RuleCode::F002,
                            format!(
                                "«{}» er «{}» her, men «{}» på linje {}",
                                c.name(),
                                raw.get(c).unwrap_or(""),
                                first.get(c).unwrap_or(""),
                                first.line
                            ),
                            format!(
                                "«{}» is «{}» here but «{}» on line {}",
                                c.name(),
                                raw.get(c).unwrap_or(""),
                                first.get(c).unwrap_or(""),
                                first.line
                            ),
                        )
                        .at_line(line)
                        .column(c.name()),
                    );
                }
            }
        }
        rows.push(raw);
    }
    log.rows = rows.len() as u64;
    if rows.is_empty() {
        log.findings.push(Finding::new(RuleCode::F004, "", "").at_line(2));
        return None;
    }
    if log.rows > 0 {
        log.completeness = CallColumn::ALL
            .into_iter()
            .filter(|c| position[*c as usize].is_some())
            .map(|c| (c.name(), filled[c as usize] as f64 / log.rows as f64))
            .collect();
    }
    submission_values(&rows[0], log);
    Some(rows)
}

/// Centre and period from the first data row (F001 when empty or not a date).
fn submission_values(first: &RawCall, log: &mut CallLog) {
    let line = first.line;
    let date = |c: CallColumn, log: &mut CallLog| -> Option<NaiveDate> {
        let raw = first.get(c);
        let Some(raw) = raw else {
            log.findings.push(
                Finding::new(
                    RuleCode::F001,
                    format!("«{}» er tom", c.name()),
                    format!("«{}» is empty", c.name()),
                )
                .at_line(line)
                .column(c.name()),
            );
            return None;
        };
        match parse_date(raw) {
            Ok(d) => Some(d),
            Err(_) => {
                log.findings.push(
                    Finding::new(
                        RuleCode::F001,
                        format!("«{}» er ikke en dato (dd.mm.åååå)", c.name()),
                        format!("«{}» is not a date (dd.mm.yyyy)", c.name()),
                    )
                    .at_line(line)
                    .column(c.name())
                    .value(raw),
                );
                None
            }
        }
    };
    let from = date(CallColumn::DatoFra, log);
    let to = date(CallColumn::DatoTil, log);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            log.findings.push(
                Finding::new(
                    RuleCode::F001,
                    "«Dato fra» er etter «Dato til»",
                    "«Dato fra» is after «Dato til»",
                )
                .at_line(line)
                .column(CallColumn::DatoTil.name())
                .value(t.format("%d.%m.%Y").to_string()),
            );
        }
    }
    log.period_from = from;
    log.period_to = to;
    log.centre = first.get(CallColumn::Sentralkode).map(str::to_string);
    if log.centre.is_none() {
        let c = CallColumn::Sentralkode.name();
        log.findings.push(
            Finding::new(RuleCode::F001, format!("«{c}» er tom"), format!("«{c}» is empty"))
                .at_line(line)
                .column(c),
        );
    }
}

/// True when the clock of a date-time has seconds (§11: seconds required).
fn has_seconds(s: &str) -> bool {
    let Some(at) = s.find([' ', 'T']) else { return false };
    let clock = s[at + 1..].trim_start();
    let clock = clock.split(['Z', '+', '-']).next().unwrap_or(clock);
    clock.matches(':').count() >= 2
}

/// The rules of §11 for one call.
struct Checker<'a> {
    raw: &'a RawCall,
    id: &'a str,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn push(&mut self, code: RuleCode, c: CallColumn, nb: String, en: String) {
        let mut f =
            Finding::new(code, nb, en).at_line(self.raw.line).incident(self.id).column(c.name());
        if let Some(v) = self.raw.get(c) {
            f = f.value(v);
        }
        self.findings.push(f);
    }

    fn missing(&mut self, c: CallColumn) {
        self.push(
            RuleCode::E102,
            c,
            format!("«{}» mangler", c.name()),
            format!("«{}» is missing", c.name()),
        );
    }

    /// A date-time value; `required` makes a missing one E102.
    fn time(&mut self, c: CallColumn, required: bool) -> Option<LocalResolution> {
        let Some(v) = self.raw.get(c) else {
            if required {
                self.missing(c);
            }
            return None;
        };
        match parse_datetime(v) {
            Ok(t) if has_seconds(v) => Some(t),
            _ => {
                self.push(
                    RuleCode::E102,
                    c,
                    format!("«{v}» i «{}» er ikke dato og klokkeslett med sekunder (dd.mm.åååå tt:mm:ss)", c.name()),
                    format!("«{v}» in «{}» is not a date and time with seconds (dd.mm.yyyy hh:mm:ss)", c.name()),
                );
                None
            }
        }
    }

    /// Resolves a local time after `floor` on the call's time axis (W208, W209).
    fn resolve(&mut self, c: CallColumn, r: LocalResolution, floor: Option<Instant>) -> Instant {
        let t = r.resolve_after(floor);
        match r {
            LocalResolution::Ambiguous { earlier, .. } => {
                let which = if t == earlier {
                    ("den tidligste", "the earlier")
                } else {
                    ("den seneste", "the later")
                };
                self.push(
                    RuleCode::W208,
                    c,
                    format!("tolket som {} ({})", which.0, format_oslo(t)),
                    format!("read as {} ({})", which.1, format_oslo(t)),
                );
            }
            LocalResolution::Shifted(_) => self.push(
                RuleCode::W209,
                c,
                format!("flyttet til {}", format_oslo(t)),
                format!("moved to {}", format_oslo(t)),
            ),
            LocalResolution::Exact(_) => {}
        }
        t
    }

    fn validate(
        &mut self,
        table: &MappingTable,
        period: Option<(Instant, Instant)>,
        own: &str,
        log: &mut CallLog,
    ) -> Option<CallRecord> {
        let received = self.time(CallColumn::Mottatt, true);
        let answered = self.time(CallColumn::Besvart, false);
        let ended = self.time(CallColumn::Avsluttet, true);
        let outcome = match self.raw.get(CallColumn::Utfall) {
            None => {
                self.missing(CallColumn::Utfall);
                None
            }
            Some(v) => {
                let o = Outcome::parse(v);
                if o.is_none() {
                    self.push(
                        RuleCode::E102,
                        CallColumn::Utfall,
                        format!("«{v}» i «Utfall» er ikke BESVART, AVBRUTT eller OVERFLYTTET"),
                        format!("«{v}» in «Utfall» is not BESVART, AVBRUTT or OVERFLYTTET"),
                    );
                }
                o
            }
        };
        // Times along the call's axis: ringing, answer, end.
        let received = received.map(|r| self.resolve(CallColumn::Mottatt, r, None));
        let answered = answered.map(|r| self.resolve(CallColumn::Besvart, r, received));
        let ended = ended.map(|r| self.resolve(CallColumn::Avsluttet, r, answered.or(received)));

        let linje = match self.raw.get(CallColumn::Ko) {
            None => {
                self.missing(CallColumn::Ko);
                None
            }
            Some(queue) => {
                log.queues_looked_up += 1;
                let date = received.and_then(oslo_date);
                let found = table.lookup(CodeList::Linje, queue, date).and_then(Linje::parse);
                match found {
                    Some(_) => log.queues_mapped += 1,
                    None => self.push(
                        RuleCode::E105,
                        CallColumn::Ko,
                        format!("kodeverk linje, kode «{queue}»"),
                        format!("code list linje, code «{queue}»"),
                    ),
                }
                found
            }
        };

        if let Some(o) = outcome {
            if o == Outcome::Answered && self.raw.get(CallColumn::Besvart).is_none() {
                self.push(
                    RuleCode::E121,
                    CallColumn::Besvart,
                    "«Utfall» er BESVART, men «Besvart dato/tid» er tom".into(),
                    "«Utfall» is BESVART but «Besvart dato/tid» is empty".into(),
                );
            }
            if o != Outcome::Answered && self.raw.get(CallColumn::Besvart).is_some() {
                self.push(
                    RuleCode::E121,
                    CallColumn::Besvart,
                    format!("«Besvart dato/tid» er fylt ut, men «Utfall» er {o}"),
                    format!("«Besvart dato/tid» is filled in but «Utfall» is {o}"),
                );
            }
        }
        if let (Some(r), Some(a)) = (received, answered) {
            if a < r {
                self.push(
                    RuleCode::E122,
                    CallColumn::Besvart,
                    format!("besvart {} før mottatt {}", format_oslo(a), format_oslo(r)),
                    format!("answered {} before received {}", format_oslo(a), format_oslo(r)),
                );
            }
        }
        if let Some(e) = ended {
            let before = [(received, "mottatt", "received"), (answered, "besvart", "answered")]
                .into_iter()
                .find(|(t, _, _)| t.is_some_and(|t| e < t));
            if let Some((Some(t), nb, en)) = before {
                self.push(
                    RuleCode::E122,
                    CallColumn::Avsluttet,
                    format!("avsluttet {} før {nb} {}", format_oslo(e), format_oslo(t)),
                    format!("ended {} before {en} {}", format_oslo(e), format_oslo(t)),
                );
            }
        }
        let moved_to = self.raw.get(CallColumn::OverflyttetTil);
        if outcome == Some(Outcome::Overflowed) {
            let problem = match moved_to {
                None => Some((
                    "«Overflyttet til» er tom".to_string(),
                    "«Overflyttet til» is empty".to_string(),
                )),
                Some(c) if centre(c).is_none() => Some((
                    format!("«{c}» er ikke en kjent sentralkode"),
                    format!("«{c}» is not a known centre code"),
                )),
                Some(c) if c == own => Some((
                    format!("«{c}» er sentralen selv"),
                    format!("«{c}» is the centre itself"),
                )),
                Some(_) => None,
            };
            if let Some((nb, en)) = problem {
                self.push(RuleCode::E123, CallColumn::OverflyttetTil, nb, en);
            }
        }
        if let (Some(r), Some((start, end))) = (received, period) {
            if r < start || r >= end {
                let (f, t) = (log.period_from, log.period_to);
                let fmt = |d: Option<NaiveDate>| {
                    d.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default()
                };
                self.push(
                    RuleCode::E104,
                    CallColumn::Mottatt,
                    format!(
                        "«Anrop mottatt» {} ligger utenfor perioden {}–{}",
                        format_oslo(r),
                        fmt(f),
                        fmt(t)
                    ),
                    format!(
                        "«Anrop mottatt» {} lies outside the period {}–{}",
                        format_oslo(r),
                        fmt(f),
                        fmt(t)
                    ),
                );
            }
        }
        if self.findings.iter().any(|f| f.severity() == Severity::Error) {
            return None;
        }
        let (received, ended, outcome, linje) = (received?, ended?, outcome?, linje?);
        let call = CallRecord {
            line: self.raw.line,
            id: self.id.to_string(),
            queue: self.raw.get(CallColumn::Ko).unwrap_or_default().to_string(),
            linje,
            received,
            answered,
            ended,
            outcome,
            moved_to: moved_to.map(str::to_string),
            contact: self.raw.get(CallColumn::Henvendelsesnummer).map(str::to_string),
        };
        if let Some(w) = call.wait_s().filter(|w| *w > MAX_WAIT_S) {
            self.push(
                RuleCode::W221,
                CallColumn::Besvart,
                format!("ventet {w} s før svar (over 15 minutter)"),
                format!("waited {w} s before answer (over 15 minutes)"),
            );
        }
        let d = call.duration_s();
        if d > MAX_DURATION_S {
            self.push(
                RuleCode::W221,
                CallColumn::Avsluttet,
                format!("anropet varte {d} s (over 4 timer)"),
                format!("the call lasted {d} s (over 4 hours)"),
            );
        }
        Some(call)
    }
}
