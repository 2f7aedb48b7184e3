//! The data directory: where the catalog, the version files and temporary work live.
//!
//! ```text
//! DATA/catalog.sqlite      submissions, versions, mapping tables, reports
//! DATA/store/<name>/       one accepted submission version: incidents/contacts/patients/
//!                          actions .parquet and archive.csv (fødselsnummer pseudonymised)
//! DATA/tmp/                work in progress; anything here after a crash is removed
//! DATA/.lock               held while a writer works
//! ```

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::{io_err, private, Result};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Held while a process writes to the data directory; released on drop.
pub struct WriteLock {
    _file: File,
}

impl DataDir {
    /// Opens (creating if needed) a data directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<DataDir> {
        let root = root.into();
        for d in [root.clone(), root.join("store"), root.join("tmp")] {
            private::create_dir_all(&d).map_err(io_err(&d))?;
        }
        Ok(DataDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.root.join("catalog.sqlite")
    }

    pub fn store_dir(&self, name: &str) -> PathBuf {
        self.root.join("store").join(name)
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Takes the exclusive writer lock (blocks while another writer holds it).
    pub fn lock(&self) -> Result<WriteLock> {
        let path = self.root.join(".lock");
        let file = private::open_or_create(&path).map_err(io_err(&path))?;
        file.lock().map_err(io_err(&path))?;
        Ok(WriteLock { _file: file })
    }

    /// `tmp/uploads/`: files being received by the server, before their ingest. Garbage
    /// collection leaves them alone while young (an upload streams in without the write
    /// lock) and removes what a crashed server left after a day.
    pub fn uploads_dir(&self) -> Result<PathBuf> {
        let p = self.tmp_dir().join(UPLOADS);
        private::create_dir_all(&p).map_err(io_err(&p))?;
        Ok(p)
    }

    /// A fresh, empty work directory under `tmp/`.
    pub fn new_work_dir(&self, label: &str) -> Result<PathBuf> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = self.tmp_dir().join(format!("{label}-{}-{nanos}", std::process::id()));
        private::create_dir_all(&path).map_err(io_err(&path))?;
        Ok(path)
    }

    /// Moves a finished work directory into `store/` (atomic rename, then directory sync).
    pub fn publish(&self, work: &Path, name: &str) -> Result<PathBuf> {
        let target = self.store_dir(name);
        fs::rename(work, &target).map_err(io_err(&target))?;
        sync_dir(&self.root.join("store"))?;
        Ok(target)
    }

    /// Removes work left by crashed writers and version directories no catalog row names.
    /// Call with the write lock held.
    pub fn collect_garbage(&self, referenced: &[String]) -> Result<usize> {
        let mut removed = 0;
        let tmp = self.tmp_dir();
        for entry in fs::read_dir(&tmp).map_err(io_err(&tmp))?.flatten() {
            let p = entry.path();
            if entry.file_name() == UPLOADS {
                removed += remove_older_than(&p, std::time::Duration::from_secs(24 * 3600));
                continue;
            }
            let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
            removed += 1;
        }
        let store = self.root.join("store");
        for entry in fs::read_dir(&store).map_err(io_err(&store))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !referenced.contains(&name) {
                let _ = fs::remove_dir_all(entry.path());
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Syncs a directory so that renames and new entries in it survive a crash.
pub fn sync_dir(path: &Path) -> Result<()> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io_err(path))
}

/// The folder of `tmp/` that holds uploads being received.
const UPLOADS: &str = "uploads";

/// Removes the entries of `dir` last modified longer ago than `age`; returns how many.
fn remove_older_than(dir: &Path, age: std::time::Duration) -> usize {
    let Ok(entries) = fs::read_dir(dir) else { return 0 };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d > age));
        if old {
            let p = entry.path();
            let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
            removed += 1;
        }
    }
    removed
}
