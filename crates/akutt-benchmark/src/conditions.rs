//! The Norwegian side's condition groups: which index criteria (`U.KK.NN`, DOMAIN.md §4)
//! count as cardiac arrest, STEMI or stroke. Data, not code (DOMAIN.md §4: "a configurable
//! table"): a `;`-separated CSV with the header `condition;urgency;chapter;criterion;comment`,
//! where an empty urgency or criterion matches any.

use akutt_nemsis::Condition;

/// The default table (`crates/akutt-benchmark/conditions.csv`), after DOMAIN.md §4.
pub const DEFAULT_CONDITIONS: &str = include_str!("../conditions.csv");

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConditionRule {
    pub condition: Condition,
    /// Urgency letter of the criterion (`A`, `H`, `V`), or any.
    pub urgency: Option<char>,
    /// Chapter `01`–`39`.
    pub chapter: String,
    /// Criterion number `NN`, or any.
    pub criterion: Option<String>,
    pub comment: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ConditionTable {
    pub rules: Vec<ConditionRule>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("condition table, line {line}: {message}")]
pub struct TableError {
    pub line: usize,
    pub message: String,
}

impl ConditionTable {
    /// Parses the CSV text; every bad line is an error naming its line.
    pub fn parse(text: &str) -> Result<ConditionTable, TableError> {
        let mut rules = Vec::new();
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h))
                if h.trim_start_matches('\u{feff}')
                    .trim()
                    .starts_with("condition;urgency;chapter;criterion") => {}
            _ => {
                return Err(TableError {
                    line: 1,
                    message: "the header must be condition;urgency;chapter;criterion;comment"
                        .into(),
                })
            }
        }
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(';').map(str::trim).collect();
            let err = |m: String| TableError { line: line_no, message: m };
            if f.len() < 4 {
                return Err(err(format!("expected at least 4 fields, found {}", f.len())));
            }
            let condition = Condition::parse(f[0]).ok_or_else(|| {
                err(format!("unknown condition {:?} (stemi, stroke, cardiac_arrest)", f[0]))
            })?;
            let urgency = match f[1] {
                "" => None,
                "A" | "H" | "V" => f[1].chars().next(),
                u => return Err(err(format!("urgency {u:?} is not A, H, V or empty"))),
            };
            let chapter_ok =
                f[2].len() == 2 && f[2].parse::<u8>().is_ok_and(|c| (1..=39).contains(&c));
            if !chapter_ok {
                return Err(err(format!("chapter {:?} is not 01–39", f[2])));
            }
            let criterion = match f[3] {
                "" => None,
                c if c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()) => Some(c.to_string()),
                c => return Err(err(format!("criterion {c:?} is not two digits or empty"))),
            };
            rules.push(ConditionRule {
                condition,
                urgency,
                chapter: f[2].to_string(),
                criterion,
                comment: f.get(4).copied().unwrap_or("").to_string(),
            });
        }
        Ok(ConditionTable { rules })
    }

    pub fn default_table() -> ConditionTable {
        ConditionTable::parse(DEFAULT_CONDITIONS).unwrap_or_default()
    }

    /// Whether an index criterion `U.KK.NN` falls in the condition.
    pub fn matches(&self, condition: Condition, criterion: &str) -> bool {
        let mut parts = criterion.trim().split('.');
        let (Some(u), Some(kk), Some(nn)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        self.rules.iter().any(|r| {
            r.condition == condition
                && r.chapter == kk
                && r.urgency.is_none_or(|want| u.len() == 1 && u.starts_with(want))
                && r.criterion.as_deref().is_none_or(|want| want == nn)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_follows_domain_section_4() {
        let t = ConditionTable::default_table();
        assert_eq!(t.rules.len(), 4);
        assert!(t.matches(Condition::CardiacArrest, "A.01.01"));
        assert!(t.matches(Condition::CardiacArrest, "A.02.05"));
        assert!(!t.matches(Condition::CardiacArrest, "H.01.01"), "only A-criteria of 01/02");
        assert!(t.matches(Condition::Stemi, "A.10.01"));
        assert!(t.matches(Condition::Stemi, "H.10.03"));
        assert!(t.matches(Condition::Stroke, "A.27.02"));
        assert!(!t.matches(Condition::Stroke, "A.10.01"));
        assert!(!t.matches(Condition::Stroke, "garbage"));
    }

    #[test]
    fn bad_lines_are_named() {
        let e = ConditionTable::parse(
            "condition;urgency;chapter;criterion;comment\nstemi;;10;;ok\nstemi;X;10;;bad\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("urgency"));
        assert_eq!(ConditionTable::parse("nope").unwrap_err().line, 1);
        let t = ConditionTable::parse(
            "condition;urgency;chapter;criterion;comment\nstroke;A;27;04;only one criterion\n",
        )
        .unwrap();
        assert!(t.matches(Condition::Stroke, "A.27.04"));
        assert!(!t.matches(Condition::Stroke, "A.27.05"));
    }
}
