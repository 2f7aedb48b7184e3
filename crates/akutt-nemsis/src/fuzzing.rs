//! The body of the NEMSIS fuzz target (`fuzz/fuzz_targets/nemsis.rs`), shared with the test
//! that replays its seed corpus: read arbitrary bytes and check what must hold for any input.

use akutt_model::Severity;

use crate::reader::{read, Limits};

/// Reads `data` as an EMSDataSet. Panics only when an invariant is broken.
pub fn run(data: &[u8]) {
    let limits = Limits { max_depth: 64, max_run_bytes: 1 << 16, max_codes: 100 };
    let mut seen = 0u64;
    let s = read(data, limits, |r| {
        seen += 1;
        assert!(r.symptoms_impressions.len() <= 100 && r.ecg.len() <= 100, "lists stay bounded");
        assert!(r.line >= 1);
    });
    assert_eq!(seen, s.records_accepted, "every accepted record reached the callback");
    assert!(s.records_accepted <= s.reports_seen);
    for f in &s.findings {
        assert!(f.line.is_some_and(|l| l >= 1), "every finding names a line: {f:?}");
        assert!(!f.message_en.is_empty() && !f.message_nb.is_empty());
    }
    if s.reports_seen == 0 {
        assert!(s.is_rejected(), "a file without records is rejected");
    }
    let _ = Severity::File;
}
