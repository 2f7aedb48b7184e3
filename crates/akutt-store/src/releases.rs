//! Releases in the catalog (DOMAIN.md §12): which data version the public sees, through
//! which month, which months are final. A release is written once and never changed (the
//! catalog's triggers refuse it); what it changed against the previous one is stored with it.

use rusqlite::{params, OptionalExtension};

use crate::catalog::{now, Catalog};
use crate::{Result, StoreError};

/// One release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: i64,
    pub data_version: i64,
    /// The last month published (`YYYY-MM`).
    pub through: String,
    /// The last month whose figures are final (`endelig`); later ones are provisional.
    pub final_through: Option<String>,
    pub created_at: String,
    pub note: String,
    /// The public figures that differ from the previous release, as JSON
    /// (`[{"indicator", "group", "field", "old", "new"}]`).
    pub changes: String,
}

impl Release {
    /// `endelig` (final) or `foreløpig` (provisional) for a month of the release.
    pub fn status_of(&self, month: &str) -> &'static str {
        match &self.final_through {
            Some(f) if month <= f.as_str() => "endelig",
            _ => "foreløpig",
        }
    }
}

/// What a new release says.
pub struct NewRelease<'a> {
    pub data_version: i64,
    pub through: &'a str,
    pub final_through: Option<&'a str>,
    pub note: &'a str,
    pub changes: &'a str,
}

const COLUMNS: &str = "id, data_version, through, final_through, created_at, note, changes";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Release> {
    Ok(Release {
        id: r.get(0)?,
        data_version: r.get(1)?,
        through: r.get(2)?,
        final_through: r.get(3)?,
        created_at: r.get(4)?,
        note: r.get(5)?,
        changes: r.get(6)?,
    })
}

fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && (b"01".as_slice()..=b"12".as_slice()).contains(&&b[5..])
}

impl Catalog {
    /// Writes a release; refuses months that are not `YYYY-MM`, a final month after the
    /// release's last, and a data version older than the previous release's or not yet made.
    pub fn create_release(&mut self, r: &NewRelease<'_>) -> Result<Release> {
        if !is_month(r.through) || r.final_through.is_some_and(|f| !is_month(f)) {
            return Err(StoreError::Invalid(format!(
                "a release's months are YYYY-MM (through {}, final through {})",
                r.through,
                r.final_through.unwrap_or("-")
            )));
        }
        if r.final_through.is_some_and(|f| f > r.through) {
            return Err(StoreError::Invalid(format!(
                "final through {} is after through {}",
                r.final_through.unwrap_or(""),
                r.through
            )));
        }
        if r.data_version < 1 || r.data_version > self.latest_data_version()? {
            return Err(StoreError::Invalid(format!("no data version {}", r.data_version)));
        }
        if let Some(last) = self.latest_release()? {
            if r.data_version < last.data_version {
                return Err(StoreError::Invalid(format!(
                    "data version {} is older than release {}'s ({})",
                    r.data_version, last.id, last.data_version
                )));
            }
        }
        self.conn.execute(
            "INSERT INTO releases (data_version, through, final_through, created_at, note, changes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.data_version, r.through, r.final_through, now(), r.note, r.changes],
        )?;
        let id = self.conn.last_insert_rowid();
        self.release(id)?.ok_or_else(|| StoreError::Invalid(format!("release {id} vanished")))
    }

    /// Every release, oldest first.
    pub fn releases(&self) -> Result<Vec<Release>> {
        let mut st = self.conn.prepare(&format!("SELECT {COLUMNS} FROM releases ORDER BY id"))?;
        let out = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(out)
    }

    pub fn release(&self, id: i64) -> Result<Option<Release>> {
        Ok(self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM releases WHERE id = ?1"), [id], row)
            .optional()?)
    }

    /// The release the public sees: the newest.
    pub fn latest_release(&self) -> Result<Option<Release>> {
        Ok(self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM releases ORDER BY id DESC LIMIT 1"), [], row)
            .optional()?)
    }

    /// The current accepted submission of a kind, centre and period with this SHA-256, if any: a
    /// file identical to it is refused instead of becoming a new version (DOMAIN.md §12).
    pub fn current_with_digest(
        &self,
        kind: &str,
        centre: Option<&str>,
        period: (Option<&str>, Option<&str>),
        sha256: &str,
    ) -> Result<Option<(i64, i64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, version FROM submissions WHERE status = 'accepted' AND superseded_at IS NULL
                 AND kind = ?5 AND centre IS ?1 AND period_from IS ?2 AND period_to IS ?3 AND sha256 = ?4",
                params![centre, period.0, period.1, sha256, kind],
                |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
            )
            .optional()?)
    }

    /// The first month (YYYYMM) with incidents at a data version, as [`Catalog::last_month_at`].
    pub fn first_month_at(&self, data_version: i64) -> Result<Option<i32>> {
        if !self.has_column("submission_months", "first_month")? {
            return Ok(None);
        }
        Ok(self.conn.query_row(
            "SELECT MIN(NULLIF(m.first_month, 0))
             FROM submissions s JOIN submission_months m ON m.submission_id = s.id
             WHERE s.status = 'accepted' AND s.data_version <= ?1
             AND (s.superseded_at IS NULL OR s.superseded_at > ?1) AND s.kind = 'amk'",
            [data_version],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_checked() {
        assert!(is_month("2024-12") && is_month("2024-01"));
        assert!(
            !is_month("2024-13")
                && !is_month("2024-00")
                && !is_month("2024-1")
                && !is_month("24-12-")
        );
    }
}
