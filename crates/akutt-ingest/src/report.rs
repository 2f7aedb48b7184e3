//! The data-quality report of a submission, as JSON (the CLI contract of `akutt ingest
//! --json`) and as readable text.

use std::collections::BTreeMap;
use std::fmt::Write;

use akutt_model::Finding;
use serde::{Deserialize, Serialize};

/// Findings listed one by one in a report; beyond this only the per-rule counts grow, so a
/// report stays small whatever the file size (`findings_not_listed` says how many).
pub const MAX_LISTED_FINDINGS: usize = 100_000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmissionOut {
    pub id: i64,
    pub centre: Option<String>,
    pub period: Period,
    pub version: Option<i64>,
    /// `accepted` or `rejected`.
    pub status: String,
    pub file: String,
    pub sha256: String,
    pub encoding: Option<String>,
    pub mapping_version: Option<i64>,
    /// The data version at which this submission became visible (accepted only).
    pub data_version: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Counts {
    pub rows: u64,
    pub incidents: u64,
    pub incidents_accepted: u64,
    pub incidents_rejected: u64,
    pub contacts: u64,
    pub patients: u64,
    pub actions: u64,
    pub missions: u64,
    /// Call logs only (DOMAIN.md §11): calls seen (distinct `Anrops-ID`s), accepted and
    /// rejected; absent from the reports of extracts and NEMSIS files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_accepted: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_rejected: Option<u64>,
}

impl std::ops::AddAssign<&Counts> for Counts {
    /// Totals over several files (`akutt ingest DIR`).
    fn add_assign(&mut self, c: &Counts) {
        self.rows += c.rows;
        self.incidents += c.incidents;
        self.incidents_accepted += c.incidents_accepted;
        self.incidents_rejected += c.incidents_rejected;
        self.contacts += c.contacts;
        self.patients += c.patients;
        self.actions += c.actions;
        self.missions += c.missions;
        let add = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.calls = add(self.calls, c.calls);
        self.calls_accepted = add(self.calls_accepted, c.calls_accepted);
        self.calls_rejected = add(self.calls_rejected, c.calls_rejected);
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingOut {
    pub code: String,
    pub severity: String,
    pub line: Option<u64>,
    pub incident: Option<String>,
    pub column: Option<String>,
    pub value: Option<String>,
    /// Norwegian (bokmål).
    pub message: String,
    pub message_en: String,
}

impl From<&Finding> for FindingOut {
    fn from(f: &Finding) -> Self {
        FindingOut {
            code: f.code.code().to_string(),
            severity: f.severity().as_str().to_string(),
            line: f.line,
            incident: f.incident.clone(),
            column: f.column.clone(),
            value: f.value.clone(),
            message: f.message_nb.clone(),
            message_en: f.message_en.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    pub looked_up: u64,
    pub mapped: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub submission: SubmissionOut,
    pub counts: Counts,
    pub findings: Vec<FindingOut>,
    /// Findings beyond [`MAX_LISTED_FINDINGS`], counted in `findings_per_rule` only.
    pub findings_not_listed: u64,
    pub findings_per_rule: BTreeMap<String, u64>,
    /// Share of non-empty cells per column present in the file (0..1), over data rows.
    pub completeness: BTreeMap<String, f64>,
    pub mapping_coverage: BTreeMap<String, Coverage>,
    /// First and last `t0` of the accepted incidents (Oslo time).
    pub time_range: Option<Period>,
    /// Notices that reject nothing (unknown or duplicate columns).
    pub notices: Vec<String>,
    /// True while the registry holds synthetic data only (set by the caller).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub synthetic: bool,
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The report as text a centre can act on, Norwegian first with English alongside.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let sub = &self.submission;
        let status_nb = if sub.status == "accepted" { "GODKJENT" } else { "AVVIST" };
        let _ = writeln!(s, "Datakvalitetsrapport / data-quality report");
        let _ = writeln!(s, "==========================================");
        let _ = writeln!(s, "Fil / file:              {}", sub.file);
        let _ = writeln!(s, "SHA-256:                 {}", sub.sha256);
        let _ = writeln!(
            s,
            "Innsending / submission: {} (versjon/version {})",
            sub.id,
            sub.version.map_or("-".into(), |v| v.to_string())
        );
        let _ = writeln!(s, "Sentral / centre:        {}", sub.centre.as_deref().unwrap_or("-"));
        let _ = writeln!(
            s,
            "Periode / period:        {} – {}",
            sub.period.from.as_deref().unwrap_or("?"),
            sub.period.to.as_deref().unwrap_or("?")
        );
        if let Some(e) = &sub.encoding {
            let _ = writeln!(s, "Tegnkoding / encoding:   {e}");
        }
        let _ = writeln!(s, "Status:                  {status_nb} / {}", sub.status.to_uppercase());
        if let Some(dv) = sub.data_version {
            let _ = writeln!(s, "Dataversjon / data version: {dv}");
        }
        let c = &self.counts;
        let _ = writeln!(s, "\nAntall / counts");
        let _ = writeln!(s, "  rader / rows                  {:>10}", c.rows);
        if let (Some(n), Some(a), Some(r)) = (c.calls, c.calls_accepted, c.calls_rejected) {
            let _ = writeln!(s, "  anrop / calls                 {n:>10}");
            let _ = writeln!(s, "    godkjent / accepted         {a:>10}");
            let _ = writeln!(s, "    avvist / rejected           {r:>10}");
        }
        // A call log has calls only; its incident counts would be zeros.
        if c.calls.is_none() {
            let _ = writeln!(s, "  hendelser / incidents         {:>10}", c.incidents);
            let _ = writeln!(s, "    godkjent / accepted         {:>10}", c.incidents_accepted);
            let _ = writeln!(s, "    avvist / rejected           {:>10}", c.incidents_rejected);
            let _ = writeln!(s, "  henvendelser / contacts       {:>10}", c.contacts);
            let _ = writeln!(s, "  pasienter / patients          {:>10}", c.patients);
            let _ = writeln!(s, "  tiltak / actions              {:>10}", c.actions);
            let _ = writeln!(s, "  oppdrag / missions            {:>10}", c.missions);
        }
        if let Some(r) = &self.time_range {
            let _ = writeln!(
                s,
                "  tidsrom / time range          {} – {}",
                r.from.as_deref().unwrap_or("?"),
                r.to.as_deref().unwrap_or("?")
            );
        }
        let _ = writeln!(s, "\nFunn per regel / findings per rule");
        if self.findings_per_rule.is_empty() {
            let _ = writeln!(s, "  ingen / none");
        }
        for (code, n) in &self.findings_per_rule {
            let title = akutt_model::RuleCode::parse(code).map(|c| c.title_en()).unwrap_or("");
            let _ = writeln!(s, "  {code} {n:>8}  {title}");
        }
        if !self.mapping_coverage.is_empty() {
            let _ = writeln!(s, "\nKodedekning / mapping coverage");
            for (list, cov) in &self.mapping_coverage {
                let _ = writeln!(
                    s,
                    "  {list:<14} {:>6.1} %  ({} / {})",
                    cov.share * 100.0,
                    cov.mapped,
                    cov.looked_up
                );
            }
        }
        if !self.completeness.is_empty() {
            let _ = writeln!(s, "\nKompletthet / completeness (under 100 %)");
            let mut any = false;
            for (col, share) in self.completeness.iter().filter(|(_, v)| **v < 1.0) {
                any = true;
                let _ = writeln!(s, "  {:>6.1} %  {col}", share * 100.0);
            }
            if !any {
                let _ = writeln!(s, "  alle kolonner er fullstendige / every column is complete");
            }
        }
        for n in &self.notices {
            let _ = writeln!(s, "Merknad / notice: {n}");
        }
        if !self.findings.is_empty() {
            let _ = writeln!(s, "\nFunn / findings (linje, regel, hendelse, kolonne, verdi)");
            for f in self.findings.iter().take(200) {
                let _ = writeln!(
                    s,
                    "  line {:>7}  {} {:<7}  {}  {}  {}\n      {}\n      {}",
                    f.line.map_or("-".into(), |l| l.to_string()),
                    f.code,
                    f.severity,
                    f.incident.as_deref().unwrap_or("-"),
                    f.column.as_deref().unwrap_or("-"),
                    f.value.as_deref().map_or(String::from("-"), |v| format!("«{v}»")),
                    f.message,
                    f.message_en
                );
            }
            let more = self.findings.len().saturating_sub(200) as u64 + self.findings_not_listed;
            if more > 0 {
                let _ = writeln!(s, "  … {more} more: see the JSON report (--json)");
            }
        }
        s
    }
}
