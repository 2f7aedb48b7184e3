//! Files and folders of the data directory are private to the registry's user: folders are
//! created 0700 and files 0600, set explicitly rather than left to the umask (issue 14), and
//! [`wider_than_private`] finds what is not (for the warning of `akutt serve`).

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The mode of a folder of the data directory.
pub const DIR_MODE: u32 = 0o700;
/// The mode of a file of the data directory.
pub const FILE_MODE: u32 = 0o600;

/// Creates a folder and its missing parents, each 0700.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new().recursive(true).mode(DIR_MODE).create(path)
}

/// Creates (or truncates) a file for writing, 0600.
pub fn create_file(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new().write(true).create(true).truncate(true).mode(FILE_MODE).open(path)
}

/// Opens a file for writing without truncating it, creating it 0600.
pub fn open_or_create(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new().write(true).create(true).truncate(false).mode(FILE_MODE).open(path)
}

/// Sets a file written by someone else (SQLite) to 0600, if it exists.
pub fn restrict_file(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o077 != 0 => {
            fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Every entry under `root` (itself included) that group or others may read, write or enter.
pub fn wider_than_private(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let Ok(m) = fs::symlink_metadata(&p) else { continue };
        if m.permissions().mode() & 0o077 != 0 {
            out.push(p.clone());
        }
        if m.is_dir() {
            if let Ok(entries) = fs::read_dir(&p) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
        }
    }
    out.sort();
    out
}
