//! What the gate records about the files it judged and the tree and tools it judged them with:
//! each distribution's file name and sha256 (which `cargo xtask publish` holds the upload to),
//! whether the working tree was dirty, the toolchain versions and a readable UTC time.

use std::{fs, path::Path};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use xshell::{cmd, Shell};

use crate::{artifact, python};

/// One distribution the gate judged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Distribution {
    /// The file name, e.g. `dictwalk-3.0.0a1-py3-none-any.whl`.
    pub file: String,
    /// The sha256 of its bytes, in lower-case hex.
    pub sha256: String,
}

/// The host and tools of a gate run: the only part of gate.json that holds host data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// When the run finished (or, in the placeholder, started), as `2026-12-03T11:45:07Z`.
    pub generated_at: String,
    /// `rustc --version`, the dev venv's `maturin --version`, `uv --version` and `python
    /// --version`; `None` where the tool did not answer.
    pub rustc: Option<String>,
    pub maturin: Option<String>,
    pub uv: Option<String>,
    pub python: Option<String>,
}

/// The sha256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Every `dictwalk-*` distribution in `dir` with its sha256, sorted by file name.
pub fn distributions(dir: &Path) -> anyhow::Result<Vec<Distribution>> {
    let mut found = Vec::new();
    for located in artifact::locate(dir)? {
        let bytes =
            fs::read(&located.path).with_context(|| format!("read {}", located.path.display()))?;
        found.push(Distribution {
            file: located.file,
            sha256: sha256_hex(&bytes),
        });
    }
    found.sort();
    Ok(found)
}

/// Whether the working tree has changes, tracked or untracked (`git status --porcelain`);
/// `None` when git cannot say (no repository, no git).
pub fn dirty(sh: &Shell) -> Option<bool> {
    let output = cmd!(sh, "git status --porcelain")
        .quiet()
        .ignore_status()
        .ignore_stderr()
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| !output.stdout.iter().all(u8::is_ascii_whitespace))
}

/// The first line a tool prints for `--version`, or `None`.
fn version_of(sh: &Shell, program: &Path) -> Option<String> {
    let output = cmd!(sh, "{program} --version")
        .quiet()
        .ignore_status()
        .ignore_stderr()
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next()?.trim();
    (output.status.success() && !line.is_empty()).then(|| line.to_owned())
}

/// The toolchain as the gate's builds use it: rustc on PATH, and maturin, uv and Python of the
/// development venv (not set up here: a gate that could not set it up records `None`).
pub fn environment(sh: &Shell, now: u64) -> Environment {
    let venv = sh.current_dir().join(python::DEV_VENV);
    let tool = |name: &str| version_of(sh, &python::venv_bin(&venv, name));
    Environment {
        generated_at: utc_text(now),
        rustc: version_of(sh, Path::new("rustc")),
        maturin: tool("maturin"),
        uv: tool("uv"),
        python: tool("python"),
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC), without a date library:
/// Howard Hinnant's `civil_from_days`.
pub fn utc_text(unix: u64) -> String {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    // Shifted to start on 0000-03-01, so that a leap day is the last day of its year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_matches_known_dates() {
        for (unix, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (1_796_298_307, "2026-12-03T11:45:07Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
        ] {
            assert_eq!(utc_text(unix), text, "{unix}");
        }
    }

    #[test]
    fn distributions_are_hashed_and_others_ignored() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join("dictwalk-3.0.0a1-py3-none-any.whl"), b"abc")?;
        fs::write(dir.path().join("dictwalk-3.0.0a1.tar.gz"), b"")?;
        fs::write(dir.path().join("notes.txt"), b"x")?;
        let found = distributions(dir.path())?;
        assert_eq!(
            found,
            [
                Distribution {
                    file: "dictwalk-3.0.0a1-py3-none-any.whl".into(),
                    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                        .into(),
                },
                Distribution {
                    file: "dictwalk-3.0.0a1.tar.gz".into(),
                    sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                        .into(),
                },
            ]
        );
        Ok(())
    }
}
