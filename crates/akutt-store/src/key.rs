//! The pseudonymisation key (DOMAIN.md §9): a secret kept outside the data directory,
//! generated on first use into a file only its owner can read.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

const KEY_BYTES: usize = 32;

fn absolute(p: &Path) -> PathBuf {
    let base = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Resolve what exists (symlinks, ..) and keep the rest as written.
    let mut existing = base.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// Loads the key at `path`, creating it (32 random bytes, hex, mode 0600) when absent.
/// Refuses a key inside the data directory.
pub fn load_or_create(path: &Path, data_dir: &Path) -> Result<Vec<u8>> {
    let (key_abs, data_abs) = (absolute(path), absolute(data_dir));
    if key_abs.starts_with(&data_abs) {
        return Err(StoreError::Key(format!(
            "{} lies inside the data directory {}; keep the key elsewhere (--key-file or AKUTT_KEY_FILE)",
            key_abs.display(),
            data_abs.display()
        )));
    }
    if !path.exists() {
        create(path)?;
    }
    let text = fs::read_to_string(path)
        .map_err(|e| StoreError::Key(format!("{}: {e}", path.display())))?;
    let key = hex::decode(text.trim())
        .map_err(|_| StoreError::Key(format!("{}: not a hex-encoded key", path.display())))?;
    if key.len() < 16 {
        return Err(StoreError::Key(format!("{}: a key needs at least 16 bytes", path.display())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            fs::metadata(path).map_err(|e| StoreError::Key(e.to_string()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(StoreError::Key(format!(
                "{} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            )));
        }
    }
    Ok(key)
}

fn create(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(parent).map_err(|e| StoreError::Key(format!("{}: {e}", parent.display())))?;
    }
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| StoreError::Key(format!("no randomness: {e}")))?;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| StoreError::Key(format!("{}: {e}", path.display())))?;
    f.write_all(hex::encode(key).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| StoreError::Key(format!("{}: {e}", path.display())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_with_owner_only_mode_and_refuses_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        fs::create_dir_all(&data).unwrap();
        let key_path = dir.path().join("secrets/key");
        let k1 = load_or_create(&key_path, &data).unwrap();
        let k2 = load_or_create(&key_path, &data).unwrap();
        assert_eq!(k1, k2);
        assert_eq!(k1.len(), KEY_BYTES);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(load_or_create(&data.join("key"), &data).is_err());
    }
}
