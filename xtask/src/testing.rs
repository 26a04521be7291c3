//! Helpers the unit tests of several modules share.

use std::{fs, path::Path};

/// The names of the entries of `dir`, sorted.
pub fn file_names(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}
