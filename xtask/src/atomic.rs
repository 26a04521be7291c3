//! The one way `cargo xtask` writes a generated file: atomically, so a reader never sees half of it.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use anyhow::Context;

/// Writes `contents` to `path`: into a temporary file in the same directory (a rename is atomic
/// only within one file system), flushed to disk, then renamed over `path`. A run that dies
/// midway leaves the old file or none, never a truncated one. Creates missing parent directories.
pub fn write(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = parent_dir(path);
    fs::create_dir_all(&dir).with_context(|| format!("create directory {}", dir.display()))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".xtask-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| format!("create a temporary file in {}", dir.display()))?;
    // A temporary file is private (0600); the file it replaces keeps its mode, a new one gets
    // the usual 0644 (less the umask, which created files are subject to anyway).
    let permissions = fs::metadata(path)
        .map(|existing| existing.permissions())
        .ok()
        .or_else(default_permissions);
    if let Some(permissions) = permissions {
        temp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("set the permissions of {}", temp.path().display()))?;
    }
    temp.write_all(contents)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("write {}", temp.path().display()))?;
    temp.persist(path)
        .map_err(|err| err.error)
        .with_context(|| format!("rename the temporary file to {}", path.display()))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    // Elsewhere a temporary file gets the ordinary permissions already.
    None
}

/// Appends `contents` to `path`, creating it when missing. Only for files that another program
/// owns and collects from (such as `$GITHUB_STEP_SUMMARY`), where replacing would lose its text.
pub fn append(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("open {} for appending", path.display()))?;
    file.write_all(contents)
        .with_context(|| format!("append to {}", path.display()))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_readable_by_all_and_a_replaced_one_keeps_its_mode() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("report.json");
        write(&path, b"{}")?;
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o644);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        write(&path, b"[]")?;
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        Ok(())
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("nested/report.json");
        write(&path, b"first, longer contents")?;
        write(&path, b"second")?;
        assert_eq!(fs::read(&path)?, b"second");
        let names = crate::testing::file_names(&dir.path().join("nested"))?;
        assert_eq!(names, ["report.json"]);
        Ok(())
    }

    #[test]
    fn append_keeps_what_was_there() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("summary.md");
        append(&path, b"a\n")?;
        append(&path, b"b\n")?;
        assert_eq!(fs::read_to_string(&path)?, "a\nb\n");
        Ok(())
    }
}
