//! The release version in its two spellings (SemVer for Cargo, PEP 440 for Python), the files
//! that state it, and `cargo xtask version`, which sets or checks it in all of them.

use std::fmt;

use anyhow::{anyhow, bail, Context};
use toml_edit::DocumentMut;
use xshell::{cmd, Shell};

use crate::{
    atomic, flags,
    status::{Conclusion, Status},
    term,
};

pub const CARGO_TOML: &str = "Cargo.toml";
pub const PYPROJECT: &str = "pyproject.toml";
pub const VERSION_PY: &str = "python/dictwalk/_version.py";

const FORMS: &str = "expected MAJOR.MINOR.PATCH, optionally with -alpha.N, -beta.N or -rc.N \
                     (SemVer) or aN, bN or rcN (PEP 440), e.g. 3.0.0-alpha.1 or 3.0.0a1";

/// A pre-release: the only kinds that have a spelling in both SemVer and PEP 440.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pre {
    Alpha(u64),
    Beta(u64),
    Rc(u64),
}

/// A release version; `semver()` and `pep440()` spell it for Cargo and for Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Option<Pre>,
}

impl Version {
    /// Parses Cargo's spelling: `3.0.0`, `3.0.0-alpha.1`, `3.0.0-beta.2`, `3.0.0-rc.1`.
    pub fn parse_semver(text: &str) -> Result<Version, String> {
        let invalid = |why: &str| format!("invalid SemVer version {text:?}: {why}");
        if text.contains('+') {
            return Err(invalid("build metadata (+...) has no PEP 440 spelling"));
        }
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let (major, minor, patch) = parse_core(core).ok_or_else(|| invalid(FORMS))?;
        let pre = match pre {
            None => None,
            Some(pre) => {
                let (kind, number) = pre.split_once('.').ok_or_else(|| invalid(FORMS))?;
                let number = parse_number(number).ok_or_else(|| invalid(FORMS))?;
                Some(match kind {
                    "alpha" => Pre::Alpha(number),
                    "beta" => Pre::Beta(number),
                    "rc" => Pre::Rc(number),
                    _ => return Err(invalid(FORMS)),
                })
            }
        };
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Parses the canonical PEP 440 spelling: `3.0.0`, `3.0.0a1`, `3.0.0b2`, `3.0.0rc1`.
    pub fn parse_pep440(text: &str) -> Result<Version, String> {
        let invalid = || format!("invalid PEP 440 version {text:?}: {FORMS}");
        let split = text
            .find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len());
        let (core, pre) = text.split_at(split);
        let (major, minor, patch) = parse_core(core).ok_or_else(invalid)?;
        let pre = if pre.is_empty() {
            None
        } else {
            let (kind, number) = pre
                .find(|c: char| c.is_ascii_digit())
                .map(|at| pre.split_at(at))
                .ok_or_else(invalid)?;
            let number = parse_number(number).ok_or_else(invalid)?;
            Some(match kind {
                "a" => Pre::Alpha(number),
                "b" => Pre::Beta(number),
                "rc" => Pre::Rc(number),
                _ => return Err(invalid()),
            })
        };
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// Either spelling, as a user may type it.
    pub fn parse(text: &str) -> Result<Version, String> {
        let text = text.trim();
        Version::parse_semver(text)
            .or_else(|_| Version::parse_pep440(text))
            .map_err(|_| format!("invalid version {text:?}: {FORMS}"))
    }

    pub fn semver(&self) -> String {
        let Version {
            major,
            minor,
            patch,
            pre,
        } = self;
        match pre {
            None => format!("{major}.{minor}.{patch}"),
            Some(Pre::Alpha(n)) => format!("{major}.{minor}.{patch}-alpha.{n}"),
            Some(Pre::Beta(n)) => format!("{major}.{minor}.{patch}-beta.{n}"),
            Some(Pre::Rc(n)) => format!("{major}.{minor}.{patch}-rc.{n}"),
        }
    }

    pub fn pep440(&self) -> String {
        let Version {
            major,
            minor,
            patch,
            pre,
        } = self;
        match pre {
            None => format!("{major}.{minor}.{patch}"),
            Some(Pre::Alpha(n)) => format!("{major}.{minor}.{patch}a{n}"),
            Some(Pre::Beta(n)) => format!("{major}.{minor}.{patch}b{n}"),
            Some(Pre::Rc(n)) => format!("{major}.{minor}.{patch}rc{n}"),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.semver())
    }
}

fn parse_core(core: &str) -> Option<(u64, u64, u64)> {
    let mut parts = core.split('.');
    let mut next = || parse_number(parts.next()?);
    let triple = (next()?, next()?, next()?);
    parts.next().is_none().then_some(triple)
}

/// A numeric identifier: digits only, no leading zero (SemVer forbids them, and PEP 440's
/// canonical form drops them).
fn parse_number(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// Which spelling a place uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    SemVer,
    Pep440,
}

/// A version as one place states it: a file, a wheel's METADATA, a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// Where, e.g. `Cargo.toml [workspace.package] version`.
    pub place: String,
    /// The text found there, or why none could be read.
    pub text: Result<String, String>,
    pub spelling: Spelling,
}

impl Stated {
    pub fn new(place: impl Into<String>, text: Result<String, String>, spelling: Spelling) -> Self {
        Stated {
            place: place.into(),
            text,
            spelling,
        }
    }

    pub fn parse(&self) -> Result<Version, String> {
        let text = self.text.as_ref().map_err(Clone::clone)?;
        match self.spelling {
            Spelling::SemVer => Version::parse_semver(text),
            Spelling::Pep440 => Version::parse_pep440(text),
        }
    }
}

/// The versions the source tree states, the one `[project] version` in pyproject.toml first:
/// that is the one place the version comes from, the others follow it.
pub fn in_sources(cargo_toml: &str, pyproject: &str, version_py: &str) -> Vec<Stated> {
    vec![
        Stated::new(
            "pyproject.toml [project] version",
            toml_string(pyproject, &["project", "version"]),
            Spelling::Pep440,
        ),
        Stated::new(
            "Cargo.toml [workspace.package] version",
            toml_string(cargo_toml, &["workspace", "package", "version"]),
            Spelling::SemVer,
        ),
        Stated::new(
            "python/dictwalk/_version.py __version__",
            version_py_string(version_py),
            Spelling::Pep440,
        ),
    ]
}

/// Every place that does not agree with the first readable one (or with `expected`, when given),
/// as `(place, message)`.
pub fn disagreements(stated: &[Stated], expected: Option<Version>) -> Vec<(String, String)> {
    let reference = match expected {
        Some(version) => Some((version, "the command line".to_owned())),
        None => stated
            .iter()
            .find_map(|s| Some((s.parse().ok()?, s.place.clone()))),
    };
    let mut found = Vec::new();
    for s in stated {
        match (s.parse(), &reference) {
            (Err(why), _) => found.push((s.place.clone(), why)),
            (Ok(version), Some((want, origin))) if version != *want => {
                let shown = s.text.as_deref().unwrap_or_default();
                let other_spelling = match s.spelling {
                    Spelling::SemVer => format!("PEP 440 {}", version.pep440()),
                    Spelling::Pep440 => format!("SemVer {}", version.semver()),
                };
                found.push((
                    s.place.clone(),
                    format!(
                        "says {shown} ({other_spelling}), but {origin} says {} (SemVer {})",
                        want.pep440(),
                        want.semver()
                    ),
                ));
            }
            _ => {}
        }
    }
    found
}

/// A string at `keys` in a TOML document.
pub fn toml_string(text: &str, keys: &[&str]) -> Result<String, String> {
    let doc: DocumentMut = text
        .parse()
        .map_err(|err| format!("not valid TOML: {err}"))?;
    let mut item = doc.as_item();
    for key in keys {
        item = item
            .get(key)
            .ok_or_else(|| format!("has no {}", keys.join(".")))?;
    }
    item.as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} is not a string", keys.join(".")))
}

/// The string assigned to `__version__` in `_version.py`.
pub fn version_py_string(text: &str) -> Result<String, String> {
    let (_, literal) = version_py_line(text).ok_or("has no `__version__ = \"...\"` line")?;
    Ok(literal.to_owned())
}

/// The line that assigns `__version__`, and the string literal's contents on it.
fn version_py_line(text: &str) -> Option<(&str, &str)> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("__version__")?.trim_start();
        let rest = rest.strip_prefix('=')?.trim();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let inner = rest[1..].strip_suffix(quote)?;
        (!inner.contains(quote)).then_some((line, inner))
    })
}

/// Sets a string at `keys`, keeping the comments and spacing around it and everywhere else.
fn set_toml_string(text: &str, keys: &[&str], new: &str) -> anyhow::Result<String> {
    let mut doc: DocumentMut = text.parse().context("parse TOML")?;
    let mut item = doc.as_item_mut();
    for key in keys {
        item = item
            .get_mut(key)
            .with_context(|| format!("find {}", keys.join(".")))?;
    }
    let value = item
        .as_value_mut()
        .filter(|value| value.is_str())
        .with_context(|| format!("{} is not a string", keys.join(".")))?;
    let decor = value.decor().clone();
    *value = toml_edit::Value::from(new);
    *value.decor_mut() = decor;
    Ok(doc.to_string())
}

pub fn set_cargo(text: &str, version: &Version) -> anyhow::Result<String> {
    set_toml_string(
        text,
        &["workspace", "package", "version"],
        &version.semver(),
    )
}

pub fn set_pyproject(text: &str, version: &Version) -> anyhow::Result<String> {
    set_toml_string(text, &["project", "version"], &version.pep440())
}

pub fn set_version_py(text: &str, version: &Version) -> anyhow::Result<String> {
    let (line, old) =
        version_py_line(text).context("find the `__version__ = \"...\"` line in _version.py")?;
    let new_line = line.replacen(old, &version.pep440(), 1);
    Ok(text.replacen(line, &new_line, 1))
}

impl flags::Version {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let wanted = self
            .version
            .as_deref()
            .map(Version::parse)
            .transpose()
            .map_err(|err| anyhow!(err))?;
        let read = |path: &str| sh.read_file(path).with_context(|| format!("read {path}"));
        let (cargo, pyproject, version_py) =
            (read(CARGO_TOML)?, read(PYPROJECT)?, read(VERSION_PY)?);

        if self.check {
            let stated = in_sources(&cargo, &pyproject, &version_py);
            for s in &stated {
                let shown = s.text.as_deref().unwrap_or("?");
                let both = s.parse().map_or_else(
                    |_| "-".to_owned(),
                    |v| format!("{} = {}", v.semver(), v.pep440()),
                );
                println!("{:<42} {shown:<16} {both}", s.place);
            }
            let problems = disagreements(&stated, wanted);
            for (place, why) in &problems {
                term::error(format_args!("{place}: {why}"));
            }
            if problems.is_empty() {
                return Ok(Conclusion::new(
                    Status::Passed,
                    "Cargo.toml, pyproject.toml and _version.py agree",
                ));
            }
            let target = wanted
                .or_else(|| stated.iter().find_map(|s| s.parse().ok()))
                .map_or_else(|| "<VERSION>".to_owned(), |v| v.semver());
            return Ok(Conclusion::new(
                Status::Failed,
                format!(
                    "{} place(s) disagree; set them all with `cargo xtask version {target}`",
                    problems.len()
                ),
            ));
        }

        let Some(version) = wanted else {
            bail!("give the new version (`cargo xtask version 3.0.0-alpha.2`) or --check");
        };
        let root = sh.current_dir();
        let edits = [
            (CARGO_TOML, set_cargo(&cargo, &version)?),
            (PYPROJECT, set_pyproject(&pyproject, &version)?),
            (VERSION_PY, set_version_py(&version_py, &version)?),
        ];
        for (path, text) in &edits {
            atomic::write(&root.join(path), text.as_bytes())?;
            term::info(format_args!("version: wrote {path}"));
        }
        // The workspace members' versions are recorded in Cargo.lock too; `--workspace` updates
        // only those entries, and `--offline` keeps every dependency as it is locked.
        cmd!(sh, "cargo update --workspace --offline")
            .run()
            .context("update the workspace's versions in Cargo.lock")?;
        println!("{} {}", version.semver(), version.pep440());
        Ok(Conclusion::new(
            Status::Passed,
            format!("set {} ({}) everywhere", version.semver(), version.pep440()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u64, minor: u64, patch: u64, pre: Option<Pre>) -> Version {
        Version {
            major,
            minor,
            patch,
            pre,
        }
    }

    #[test]
    fn the_two_spellings_map_onto_each_other() {
        let cases = [
            ("3.0.0", "3.0.0", v(3, 0, 0, None)),
            ("3.0.0-alpha.1", "3.0.0a1", v(3, 0, 0, Some(Pre::Alpha(1)))),
            ("3.1.2-beta.12", "3.1.2b12", v(3, 1, 2, Some(Pre::Beta(12)))),
            ("10.0.0-rc.0", "10.0.0rc0", v(10, 0, 0, Some(Pre::Rc(0)))),
        ];
        for (semver, pep440, version) in cases {
            assert_eq!(Version::parse_semver(semver), Ok(version), "{semver}");
            assert_eq!(Version::parse_pep440(pep440), Ok(version), "{pep440}");
            assert_eq!(Version::parse(semver), Ok(version));
            assert_eq!(Version::parse(pep440), Ok(version));
            assert_eq!(version.semver(), semver);
            assert_eq!(version.pep440(), pep440);
        }
    }

    #[test]
    fn versions_without_a_mapping_are_rejected() {
        for bad in [
            "",
            "3",
            "3.0",
            "3.0.0.0",
            "v3.0.0",
            "03.0.0",
            "3.0.01",
            "3.0.0-alpha",
            "3.0.0-alpha1",
            "3.0.0-dev.1",
            "3.0.0+build.5",
            "3.0.0a",
            "3.0.0c1",
            "3.0.0.a1",
            "3.0.0-a1",
            "3.0.0a01",
            "3.0.0a1.post1",
            "3.0.0 a1",
            "x.y.z",
        ] {
            let err = Version::parse(bad).expect_err(bad);
            assert!(err.starts_with("invalid version"), "{bad}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        assert!(Version::parse_semver("3.0.0a1").is_err());
        assert!(Version::parse_pep440("3.0.0-alpha.1").is_err());
    }

    const CARGO: &str = "[workspace]\nmembers = [\"xtask\"]\n\n[workspace.package]\n\
        # The release version; pyproject.toml states it in PEP 440.\n\
        version = \"3.0.0-alpha.1\"   # keep in step\nedition = \"2021\"\n\n[dependencies]\n\
        version = \"not this one\"\n";
    const PYPROJECT_TEXT: &str =
        "[project]\nname = \"dictwalk\"\nversion = \"3.0.0a1\" # one place\n\
        keywords = [\"dict\",  \"json\"]\n";
    const VERSION_PY_TEXT: &str = "\"\"\"The package version.\"\"\"\n\n__version__ = \"3.0.0a1\"\n";

    #[test]
    fn setting_keeps_comments_and_formatting() -> anyhow::Result<()> {
        let new = v(3, 0, 0, Some(Pre::Beta(2)));
        let cargo = set_cargo(CARGO, &new)?;
        assert_eq!(
            cargo,
            CARGO.replace("version = \"3.0.0-alpha.1\"", "version = \"3.0.0-beta.2\"")
        );
        let pyproject = set_pyproject(PYPROJECT_TEXT, &new)?;
        assert_eq!(pyproject, PYPROJECT_TEXT.replace("3.0.0a1", "3.0.0b2"));
        let version_py = set_version_py(VERSION_PY_TEXT, &new)?;
        assert_eq!(version_py, VERSION_PY_TEXT.replace("3.0.0a1", "3.0.0b2"));
        assert!(disagreements(&in_sources(&cargo, &pyproject, &version_py), Some(new)).is_empty());
        Ok(())
    }

    #[test]
    fn reads_each_place() {
        let stated = in_sources(CARGO, PYPROJECT_TEXT, VERSION_PY_TEXT);
        let texts: Vec<_> = stated.iter().map(|s| s.text.clone()).collect();
        assert_eq!(
            texts,
            [
                Ok("3.0.0a1".to_owned()),
                Ok("3.0.0-alpha.1".to_owned()),
                Ok("3.0.0a1".to_owned())
            ]
        );
        assert!(disagreements(&stated, None).is_empty());
        assert_eq!(
            version_py_string("__version__ = '1.2.3'\n"),
            Ok("1.2.3".into())
        );
        assert!(version_py_string("version = '1.2.3'\n").is_err());
        assert!(toml_string("[project]\n", &["project", "version"]).is_err());
    }

    #[test]
    fn names_each_place_that_disagrees() {
        let cargo = CARGO.replace("3.0.0-alpha.1", "3.0.0-alpha.2");
        let stated = in_sources(&cargo, PYPROJECT_TEXT, "__version__ = \"3.0\"\n");
        let found = disagreements(&stated, None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "Cargo.toml [workspace.package] version");
        assert!(
            found[0].1.contains("3.0.0-alpha.2") && found[0].1.contains("3.0.0a1"),
            "{}",
            found[0].1
        );
        assert_eq!(found[1].0, "python/dictwalk/_version.py __version__");
        assert!(found[1].1.contains("invalid PEP 440 version \"3.0\""));
        // Given an expected version, every place is held to it.
        let all = disagreements(
            &in_sources(CARGO, PYPROJECT_TEXT, VERSION_PY_TEXT),
            Some(v(3, 0, 0, None)),
        );
        assert_eq!(all.len(), 3);
    }
}
