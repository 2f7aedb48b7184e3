//! The body of the call-log fuzz target (`fuzz/fuzz_targets/calls.rs`), shared with the test
//! that replays its seed corpus: read arbitrary bytes as a 113 call log (DOMAIN.md §11) and
//! check what must hold for any input.

use akutt_model::call::Outcome;
use akutt_model::fnr::mask_fnr;
use akutt_model::Severity;
use akutt_rules::MappingTable;

/// A mapping table with `linje` entries, so both lookups (local and national codes) run.
const MAPPING: &str = "kodeverk;lokal_kode;nasjonal_kode;gyldig_fra;gyldig_til\nlinje;Nødlinje;113;;\nlinje;Legevakt;LV;;\n";

/// Reads `data` as a call log, with and without a mapping table. Panics only when an
/// invariant is broken.
pub fn run(data: &[u8]) {
    for mapping in [None, MappingTable::parse(MAPPING).ok()] {
        let log = crate::read(data, |_| mapping.unwrap_or_default());
        check(&log);
    }
}

fn check(log: &crate::CallLog) {
    assert!(log.calls.len() as u64 <= log.calls_seen, "no more calls accepted than seen");
    assert!(log.calls_seen <= log.rows, "a call is at least one row");
    if log.is_rejected() {
        assert!(log.calls.is_empty(), "a rejected file stores no call");
        assert_eq!(log.calls_rejected(), log.calls_seen);
    }
    let mut ids = std::collections::BTreeSet::new();
    for c in &log.calls {
        assert!(ids.insert(c.id.as_str()), "an accepted call id is unique: {}", c.id);
        assert!(c.line >= 2, "a call is on a data line");
        assert!(c.ended >= c.received, "E122 keeps the times in order");
        match c.outcome {
            Outcome::Answered => {
                let a = c.answered.expect("E121: an answered call has its answer time");
                assert!(c.received <= a && a <= c.ended, "E122");
            }
            _ => assert!(c.answered.is_none(), "E121: only an answered call has one"),
        }
        if c.outcome == Outcome::Overflowed {
            let to = c.moved_to.as_deref().expect("E123: an overflowed call names its centre");
            assert!(akutt_model::centre::centre(to).is_some(), "E123: {to} is a known centre");
            assert_ne!(Some(to), log.centre.as_deref(), "E123: not its own centre");
        }
        for v in [&c.id, &c.queue].into_iter().chain(c.contact.as_ref()) {
            assert_eq!(mask_fnr(v), v.as_str(), "a fødselsnummer never leaves the reader");
        }
    }
    for f in &log.findings {
        if f.severity() != Severity::File {
            assert!(f.line.is_some_and(|l| l >= 2), "a row finding names its line: {f:?}");
        }
        for v in [&f.value, &f.incident].into_iter().flatten() {
            assert_eq!(mask_fnr(v), v.as_str(), "a fødselsnummer never reaches a finding");
        }
        assert!(!f.message_en.is_empty() && !f.message_nb.is_empty());
        for m in [&f.message_en, &f.message_nb] {
            assert_eq!(mask_fnr(m), m.as_str(), "a fødselsnummer never reaches a message");
        }
    }
}
