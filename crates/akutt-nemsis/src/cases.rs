//! The NEMSIS case definitions for STEMI, stroke and cardiac arrest, implemented by intent
//! (NEMSIS TAC, "Case Definitions", 2025; their XQuery has path slips: the ECG rhythm sits
//! under `eVitals.CardiacRhythmGroup` and the protocol group path is misspelt, so elements are
//! matched by name and codes by prefix, wherever they sit in the record).

use crate::record::PcrRecord;

/// A condition of the common benchmark set.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Stemi,
    Stroke,
    CardiacArrest,
}

impl Condition {
    pub const ALL: [Condition; 3] = [Condition::Stemi, Condition::Stroke, Condition::CardiacArrest];

    pub fn id(self) -> &'static str {
        match self {
            Condition::Stemi => "stemi",
            Condition::Stroke => "stroke",
            Condition::CardiacArrest => "cardiac_arrest",
        }
    }

    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.id() == s)
    }

    /// Whether the NEMSIS record meets this condition's case definition.
    pub fn matches(self, r: &PcrRecord) -> bool {
        match self {
            Condition::Stemi => is_stemi(r),
            Condition::Stroke => is_stroke(r),
            Condition::CardiacArrest => is_cardiac_arrest(r),
        }
    }
}

/// `eVitals.03` STEMI rhythms: anterior, inferior, lateral, posterior ischemia.
const STEMI_ECG: [&str; 4] = ["9901051", "9901053", "9901055", "9901057"];
/// `eVitals.03` "Other" ECG finding, which counts together with an angina impression.
const ECG_OTHER: &str = "9901021";
/// `eProtocols.01` Cardiac – Chest Pain – STEMI; Neurologic – Stroke/TIA.
const PROTOCOL_STEMI: &str = "9914143";
const PROTOCOL_STROKE: &str = "9914145";
/// `eDisposition.24` pre-arrival activation: STEMI; Stroke.
const ACTIVATION_STEMI: &str = "4224013";
const ACTIVATION_STROKE: &str = "4224015";
/// `eVitals.29` stroke scale score positive.
const STROKE_SCALE_POSITIVE: &str = "3329005";
/// `eArrest.01` arrest before / after EMS arrival; `eArrest.02` cardiac (presumed) etiology.
const ARREST_BEFORE_EMS: &str = "3001003";
const ARREST_AFTER_EMS: &str = "3001005";
const ETIOLOGY_CARDIAC: &str = "3002001";

fn any_code(r: &PcrRecord, prefixes: &[&str]) -> bool {
    r.symptoms_impressions.iter().any(|c| prefixes.iter().any(|p| c.starts_with(p)))
}

/// STEMI: an acute ST-elevation infarction code (I21.0–I21.3) among symptoms and
/// impressions; or a STEMI rhythm on the ECG; or an angina code (I20, I20.0, I20.9) with an
/// "other" ECG finding; or the STEMI protocol; or a STEMI team activation.
pub fn is_stemi(r: &PcrRecord) -> bool {
    any_code(r, &["I21.0", "I21.1", "I21.2", "I21.3"])
        || r.ecg.iter().any(|c| STEMI_ECG.contains(&c.as_str()))
        || (r.symptoms_impressions.iter().any(|c| matches!(c.as_str(), "I20" | "I20.0" | "I20.9"))
            && r.ecg.iter().any(|c| c == ECG_OTHER))
        || r.protocols.iter().any(|c| c == PROTOCOL_STEMI)
        || r.team_activation.iter().any(|c| c == ACTIVATION_STEMI)
}

/// Stroke: a code starting G45, G46, I60, I61 or I63 among symptoms and impressions (the
/// published regular expression anchors only its first alternative; the intent is "starts
/// with" for all five); or a positive stroke scale; or the stroke protocol; or a stroke team
/// activation.
pub fn is_stroke(r: &PcrRecord) -> bool {
    any_code(r, &["G45", "G46", "I60", "I61", "I63"])
        || r.stroke_scale.iter().any(|c| c == STROKE_SCALE_POSITIVE)
        || r.protocols.iter().any(|c| c == PROTOCOL_STROKE)
        || r.team_activation.iter().any(|c| c == ACTIVATION_STROKE)
}

/// Cardiac arrest: a cardiac-arrest code (I46) among symptoms and impressions, and an
/// arrest of presumed cardiac etiology: before EMS arrival (etiology cardiac or not
/// recorded) or after EMS arrival (etiology cardiac).
pub fn is_cardiac_arrest(r: &PcrRecord) -> bool {
    let etiology = r.arrest_etiology.as_deref();
    any_code(r, &["I46"])
        && match r.arrest.as_deref() {
            Some(ARREST_BEFORE_EMS) => etiology.is_none() || etiology == Some(ETIOLOGY_CARDIAC),
            Some(ARREST_AFTER_EMS) => etiology == Some(ETIOLOGY_CARDIAC),
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(f: impl FnOnce(&mut PcrRecord)) -> PcrRecord {
        let mut r = PcrRecord::default();
        f(&mut r);
        r
    }

    #[test]
    fn stemi_by_each_route() {
        assert!(is_stemi(&rec(|r| r.symptoms_impressions = vec!["I21.3".into()])));
        assert!(is_stemi(&rec(|r| r.symptoms_impressions = vec!["I21.09".into()])));
        assert!(
            !is_stemi(&rec(|r| r.symptoms_impressions = vec!["I21.4".into()])),
            "NSTEMI is not STEMI"
        );
        assert!(is_stemi(&rec(|r| r.ecg = vec!["9901055".into()])));
        assert!(
            !is_stemi(&rec(|r| r.ecg = vec!["9901021".into()])),
            "'other' ECG alone is not enough"
        );
        assert!(is_stemi(&rec(|r| {
            r.ecg = vec!["9901021".into()];
            r.symptoms_impressions = vec!["I20.9".into()];
        })));
        assert!(is_stemi(&rec(|r| r.protocols = vec!["9914143".into()])));
        assert!(is_stemi(&rec(|r| r.team_activation = vec!["4224013".into()])));
        assert!(!is_stemi(&PcrRecord::default()));
    }

    #[test]
    fn stroke_prefixes_are_all_anchored() {
        assert!(is_stroke(&rec(|r| r.symptoms_impressions = vec!["I63.9".into()])));
        assert!(is_stroke(&rec(|r| r.symptoms_impressions = vec!["G45.9".into()])));
        assert!(
            !is_stroke(&rec(|r| r.symptoms_impressions = vec!["Z86.I63".into()])),
            "I63 inside a code is not a stroke"
        );
        assert!(is_stroke(&rec(|r| r.stroke_scale = vec!["3329005".into()])));
        assert!(!is_stroke(&rec(|r| r.stroke_scale = vec!["3329001".into()])));
    }

    #[test]
    fn cardiac_arrest_needs_code_and_cardiac_etiology() {
        let base = |arrest: &str, etiology: Option<&str>| {
            rec(|r| {
                r.symptoms_impressions = vec!["I46.9".into()];
                r.arrest = Some(arrest.into());
                r.arrest_etiology = etiology.map(str::to_string);
            })
        };
        assert!(is_cardiac_arrest(&base("3001003", Some("3002001"))));
        assert!(is_cardiac_arrest(&base("3001003", None)));
        assert!(!is_cardiac_arrest(&base("3001003", Some("3002015"))), "trauma etiology");
        assert!(is_cardiac_arrest(&base("3001005", Some("3002001"))));
        assert!(!is_cardiac_arrest(&base("3001005", None)));
        assert!(!is_cardiac_arrest(&base("3001001", Some("3002001"))));
        assert!(!is_cardiac_arrest(&rec(|r| r.arrest = Some("3001003".into()))), "no I46 code");
    }
}
