//! The streaming reader of a NEMSIS v3.5 EMSDataSet: one pass over any `BufRead`, bounded
//! memory whatever the input (depth, text run and per-record list limits), a DOCTYPE refused
//! outright (no entity expansion of any kind), and every problem a [`Finding`] with its line.
//!
//! The reader checks well-formedness, the root element and its namespace, and takes from each
//! `PatientCareReport` what [`PcrRecord`] holds. Schema validity is the XSD's job
//! (`akutt-xsd`), run by the caller as a second pass.

use std::collections::HashSet;
use std::io::{self, BufRead, Read};

use akutt_model::{Finding, RuleCode, Severity};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::record::{Instant, PcrRecord};

/// The NEMSIS XML namespace.
pub const NAMESPACE: &str = "http://www.nemsis.org";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Bounds that keep memory flat for any input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest element nesting accepted (the v3.5 schema needs under 12).
    pub max_depth: usize,
    /// Longest run of bytes without a `<` or `>` (a text node or a tag): bounds the buffer.
    pub max_run_bytes: usize,
    /// Most codes kept per list per record (symptoms, ECG, protocols…).
    pub max_codes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_depth: 64, max_run_bytes: 4 << 20, max_codes: 1000 }
    }
}

/// What one pass over a file gives.
#[derive(Debug, Default)]
pub struct Summary {
    /// `Header/DemographicGroup/dAgency.02`: the agency number of the submitting agency.
    pub agency: Option<String>,
    /// `<PatientCareReport>` elements seen (accepted or not).
    pub reports_seen: u64,
    /// Records handed to the callback.
    pub records_accepted: u64,
    pub findings: Vec<Finding>,
    /// First and last `eTimes.01`/`.03` instant among the accepted records.
    pub time_range: Option<(Instant, Instant)>,
}

impl Summary {
    /// True when a file-level finding rejects the whole file.
    pub fn is_rejected(&self) -> bool {
        self.findings.iter().any(|f| f.severity() == Severity::File)
    }
}

/// Reads every record of a whole file into memory (tests, small files).
pub fn read_all(input: impl BufRead) -> (Summary, Vec<PcrRecord>) {
    let mut records = Vec::new();
    let summary = read(input, Limits::default(), |r| records.push(r));
    (summary, records)
}

/// A `BufRead` that fails once a run of bytes without `<` or `>` grows past a limit, so
/// the XML reader never buffers an unbounded text node or tag.
struct Guarded<R> {
    inner: R,
    run: usize,
    limit: usize,
    tripped: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<R: BufRead> Read for Guarded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guarded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.over() {
            return Err(io::Error::other("run of bytes without markup over the limit"));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            for &b in &buf[..amt.min(buf.len())] {
                if b == b'<' || b == b'>' {
                    self.run = 0;
                } else {
                    self.run += 1;
                    if self.run > self.limit {
                        self.tripped.set(true);
                    }
                }
            }
        }
        self.inner.consume(amt);
    }
}

impl<R> Guarded<R> {
    fn over(&self) -> bool {
        self.tripped.get()
    }
}

/// One open element.
struct Frame {
    name: String,
    missing: bool,
    negative: bool,
    has_children: bool,
}

struct State {
    stack: Vec<Frame>,
    text: String,
    in_pcr: Option<PcrRecord>,
    uuids: HashSet<String>,
    line: u64,
}

fn finding(code: RuleCode, line: u64, nb: impl AsRef<str>, en: impl AsRef<str>) -> Finding {
    Finding::new(code, nb, en).at_line(line)
}

/// Reads an EMSDataSet from `input`, calling `on_record` with each accepted record as soon
/// as its `</PatientCareReport>` is read. Never panics; never buffers more than the limits.
pub fn read(input: impl BufRead, limits: Limits, mut on_record: impl FnMut(PcrRecord)) -> Summary {
    let mut summary = Summary::default();
    let tripped = std::rc::Rc::new(std::cell::Cell::new(false));
    let guarded =
        Guarded { inner: input, run: 0, limit: limits.max_run_bytes, tripped: tripped.clone() };
    let mut r = NsReader::from_reader(guarded);
    r.config_mut().expand_empty_elements = true;
    r.config_mut().check_end_names = true;
    let mut st = State {
        stack: Vec::new(),
        text: String::new(),
        in_pcr: None,
        uuids: HashSet::new(),
        line: 1,
    };
    let mut buf = Vec::new();
    let mut root_seen = false;
    let fail = |summary: &mut Summary, line: u64, nb: String, en: String| {
        summary.findings.push(finding(RuleCode::F101, line, nb, en));
    };
    loop {
        buf.clear();
        let event = r.read_resolved_event_into(&mut buf);
        if tripped.get() {
            let l = limits.max_run_bytes;
            fail(
                &mut summary,
                st.line,
                format!("tekst eller tagg lengre enn {l} byte"),
                format!("a text or tag longer than {l} bytes"),
            );
            return summary;
        }
        let (ns, ev) = match event {
            Ok(x) => x,
            Err(e) => {
                let msg = e.to_string();
                fail(
                    &mut summary,
                    st.line,
                    format!("XML-feil: {msg}"),
                    format!("XML error: {msg}"),
                );
                return summary;
            }
        };
        let event_line = st.line;
        st.line += bytecount_newlines(&ev);
        match ev {
            Event::DocType(_) => {
                fail(
                    &mut summary,
                    event_line,
                    "DOCTYPE er ikke tillatt".into(),
                    "DOCTYPE is not allowed".into(),
                );
                return summary;
            }
            Event::Start(e) => {
                if st.stack.len() >= limits.max_depth {
                    let d = limits.max_depth;
                    fail(
                        &mut summary,
                        event_line,
                        format!("elementene er nøstet dypere enn {d} nivåer"),
                        format!("elements nested deeper than {d} levels"),
                    );
                    return summary;
                }
                let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let in_nemsis =
                    matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == NAMESPACE.as_bytes());
                if !root_seen {
                    root_seen = true;
                    if local != "EMSDataSet" || !in_nemsis {
                        let nsname = match &ns {
                            ResolveResult::Bound(n) => {
                                String::from_utf8_lossy(n.as_ref()).into_owned()
                            }
                            _ => "(intet navnerom / no namespace)".into(),
                        };
                        summary.findings.push(
                            finding(
                                RuleCode::F102,
                                event_line,
                                format!("rotelementet er {local} i navnerommet {nsname}; ventet EMSDataSet i {NAMESPACE}"),
                                format!("the root element is {local} in namespace {nsname}; expected EMSDataSet in {NAMESPACE}"),
                            )
                            .column(local),
                        );
                        return summary;
                    }
                }
                let (mut missing, mut negative) = (false, false);
                let mut uuid = None;
                for a in e.attributes().with_checks(true) {
                    let a = match a {
                        Ok(a) => a,
                        Err(err) => {
                            fail(
                                &mut summary,
                                event_line,
                                format!("ugyldig attributt: {err}"),
                                format!("invalid attribute: {err}"),
                            );
                            return summary;
                        }
                    };
                    let (ans, key) = r.resolve_attribute(a.key);
                    let key = key.as_ref();
                    let value = a.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
                    let is_xsi =
                        matches!(&ans, ResolveResult::Bound(n) if n.as_ref() == XSI.as_bytes());
                    match key {
                        b"nil" if is_xsi => missing |= value == "true" || value == "1",
                        b"NV" => missing = true,
                        b"PN" => negative = true,
                        b"UUID" => uuid = Some(value),
                        _ => {}
                    }
                }
                if let Some(parent) = st.stack.last_mut() {
                    parent.has_children = true;
                }
                if local == "PatientCareReport" && st.in_pcr.is_none() {
                    summary.reports_seen += 1;
                    st.in_pcr = Some(PcrRecord {
                        uuid: uuid.unwrap_or_default(),
                        line: event_line,
                        ..PcrRecord::default()
                    });
                }
                st.text.clear();
                st.stack.push(Frame { name: local, missing, negative, has_children: false });
            }
            Event::End(_) => {
                let Some(frame) = st.stack.pop() else {
                    fail(
                        &mut summary,
                        event_line,
                        "sluttagg uten starttagg".into(),
                        "end tag without a start tag".into(),
                    );
                    return summary;
                };
                if frame.name == "PatientCareReport"
                    && st.stack.iter().all(|f| f.name != "PatientCareReport")
                {
                    if let Some(mut rec) = st.in_pcr.take() {
                        if rec.agency.is_none() {
                            rec.agency = summary.agency.clone();
                        }
                        finish_record(rec, &mut st.uuids, &mut summary, &mut on_record);
                    }
                } else if !frame.has_children {
                    let value = std::mem::take(&mut st.text);
                    let value = value.trim();
                    if !frame.missing && !frame.negative && !value.is_empty() {
                        take_value(&frame.name, value, event_line, &mut st, &mut summary, limits);
                    }
                }
                st.text.clear();
            }
            Event::Text(t) => {
                if st.stack.last().is_some_and(|f| !f.has_children) {
                    match t.unescape() {
                        Ok(s) => st.text.push_str(&s),
                        Err(e) => {
                            fail(
                                &mut summary,
                                event_line,
                                format!("ugyldig tekst: {e}"),
                                format!("invalid text: {e}"),
                            );
                            return summary;
                        }
                    }
                }
            }
            Event::CData(c) => {
                if st.stack.last().is_some_and(|f| !f.has_children) {
                    st.text.push_str(&String::from_utf8_lossy(&c));
                }
            }
            Event::Eof => {
                if !st.stack.is_empty() {
                    let open = st.stack.last().map(|f| f.name.clone()).unwrap_or_default();
                    summary.findings.push(
                        finding(
                            RuleCode::F101,
                            st.line,
                            format!("filen slutter før <{open}> er lukket (avkortet fil?)"),
                            format!("the file ends before <{open}> is closed (truncated file?)"),
                        )
                        .column(open),
                    );
                    return summary;
                }
                break;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::Empty(_) => {}
        }
    }
    if !root_seen {
        summary.findings.push(finding(
            RuleCode::F101,
            1,
            "filen har ikke noe rotelement",
            "the file has no root element",
        ));
    } else if summary.reports_seen == 0 {
        summary.findings.push(finding(RuleCode::F104, 1, "", ""));
    }
    summary
}

fn bytecount_newlines(ev: &Event<'_>) -> u64 {
    let raw: &[u8] = match ev {
        Event::Start(e) | Event::Empty(e) => e.as_ref(),
        Event::End(e) => e.as_ref(),
        Event::Text(t) => t.as_ref(),
        Event::CData(t) => t.as_ref(),
        Event::Comment(t) | Event::DocType(t) => t.as_ref(),
        Event::Decl(d) => d.as_ref(),
        Event::PI(p) => p.as_ref(),
        Event::Eof => &[],
    };
    raw.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Parses a NEMSIS date-time (ISO 8601 with a UTC offset) into whole seconds since the epoch.
pub fn parse_time(s: &str) -> Option<Instant> {
    chrono::DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.timestamp())
}

fn take_value(
    element: &str,
    value: &str,
    line: u64,
    st: &mut State,
    summary: &mut Summary,
    limits: Limits,
) {
    let in_header_group =
        st.in_pcr.is_none() && st.stack.iter().any(|f| f.name == "DemographicGroup");
    if in_header_group && element == "dAgency.02" && summary.agency.is_none() {
        summary.agency = Some(value.to_string());
        return;
    }
    let Some(rec) = st.in_pcr.as_mut() else { return };
    let push = |v: &mut Vec<String>| {
        if v.len() < limits.max_codes {
            v.push(value.to_string());
        }
    };
    let set = |slot: &mut Option<String>| {
        if slot.is_none() {
            *slot = Some(value.to_string());
        }
    };
    match element {
        "eRecord.01" => set(&mut rec.pcr_number),
        "eResponse.01" => set(&mut rec.agency),
        "eResponse.03" => set(&mut rec.incident_number),
        "eResponse.04" => set(&mut rec.response_number),
        "eResponse.05" => set(&mut rec.type_of_service),
        "eResponse.07" => set(&mut rec.unit_capability),
        "eResponse.23" => set(&mut rec.response_mode),
        "eDisposition.27" => set(&mut rec.unit_disposition),
        "eArrest.01" => set(&mut rec.arrest),
        "eArrest.02" => set(&mut rec.arrest_etiology),
        "eSituation.09" | "eSituation.10" | "eSituation.11" | "eSituation.12" => {
            push(&mut rec.symptoms_impressions)
        }
        "eVitals.03" => push(&mut rec.ecg),
        "eVitals.29" => push(&mut rec.stroke_scale),
        "eProtocols.01" => push(&mut rec.protocols),
        "eDisposition.24" => push(&mut rec.team_activation),
        e if e.starts_with("eTimes.") => {
            let t = parse_time(value);
            if t.is_none() {
                summary.findings.push(
                    finding(
                        RuleCode::W252,
                        line,
                        format!("{e} = {value:?} er ikke en ISO 8601-tid med UTC-forskyvning"),
                        format!("{e} = {value:?} is not an ISO 8601 time with a UTC offset"),
                    )
                    .incident(rec.uuid.clone())
                    .column(e)
                    .value(value),
                );
            }
            rec.times.set(e, t);
        }
        _ => {}
    }
}

fn finish_record(
    rec: PcrRecord,
    uuids: &mut HashSet<String>,
    summary: &mut Summary,
    on_record: &mut impl FnMut(PcrRecord),
) {
    if !uuids.insert(rec.uuid.clone()) {
        summary.findings.push(
            finding(
                RuleCode::E151,
                rec.line,
                format!("UUID {} er allerede brukt i filen", rec.uuid),
                format!("UUID {} is already used in this file", rec.uuid),
            )
            .incident(rec.uuid.clone())
            .column("PatientCareReport/@UUID")
            .value(rec.uuid.clone()),
        );
        return;
    }
    // W251: each time point against the latest one before it in the expected order.
    let mut latest: Option<(&str, Instant)> = None;
    for (name, t) in rec.times.in_order() {
        let Some(t) = t else { continue };
        if let Some((before, tb)) = latest {
            if t < tb {
                summary.findings.push(
                    finding(
                        RuleCode::W251,
                        rec.line,
                        format!("{name} ligger {} s før {before}", tb - t),
                        format!("{name} lies {} s before {before}", tb - t),
                    )
                    .incident(rec.uuid.clone())
                    .column(name),
                );
                continue;
            }
        }
        latest = Some((name, t));
    }
    for t in [rec.times.psap_call, rec.times.unit_notified].into_iter().flatten() {
        summary.time_range = Some(match summary.time_range {
            Some((a, b)) => (a.min(t), b.max(t)),
            None => (t, t),
        });
    }
    summary.records_accepted += 1;
    on_record(rec);
}
