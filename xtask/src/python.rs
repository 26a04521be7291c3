//! Finding a host Python and keeping the project's virtual environments set up: each is created
//! once and pip-installs its requirements again only when they change.

use std::{
    ffi::OsString,
    fmt, fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use xshell::{cmd, Shell};

use crate::{artifact::Located, atomic, exec, term};

/// The oldest Python the project supports (pyproject.toml: `requires-python = ">=3.10"`).
pub const MIN_VERSION: Version = Version {
    major: 3,
    minor: 10,
    patch: 0,
};

/// Names the interpreter that creates the virtual environments; `python3` when unset.
pub const PYTHON_VAR: &str = "DICTWALK_PYTHON";

const INSTALL_HINT: &str =
    "hint: install Python >= 3.10 (on Debian or Ubuntu: `apt-get install python3 python3-venv`) \
     or point DICTWALK_PYTHON at one";

/// Prints `3.11.7`; written so that even Python 2 answers, and can then be told it is too old.
const VERSION_PROBE: &str = "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))";

/// Prints `3.11.7 True`: the version, and whether pip is there to install requirements with.
const VENV_PROBE: &str = "import sys, importlib.util; \
     print('%d.%d.%d' % tuple(sys.version_info[:3]), importlib.util.find_spec('pip') is not None)";

/// Inside each virtual environment: the fingerprint of the requirements last installed there
/// (extra sets installed with `ensure_extra` have stamp files of their own).
const STAMP_FILE: &str = "xtask-requirements.stamp";

/// The project's development environment.
pub const DEV_VENV: &str = ".venv";
pub const DEV_REQUIREMENTS: Requirements = Requirements::File("python/requirements-dev.txt");

/// The released dictwalk that the rewrite is compared with, in an environment of its own because
/// it has the same import name as this project.
const LEGACY_PIN: &str = "dictwalk==2.6.0";
const LEGACY_VENV: &str = ".venvs/legacy";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    /// Parses `MAJOR.MINOR.PATCH` as printed by the probes.
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.');
        let mut next = || parts.next()?.parse::<u32>().ok();
        let version = Version {
            major: next()?,
            minor: next()?,
            patch: next()?,
        };
        parts.next().is_none().then_some(version)
    }

    /// Virtual environments and compiled wheels are tied to the minor version.
    fn same_series(self, other: Version) -> bool {
        (self.major, self.minor) == (other.major, other.minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The interpreter that virtual environments are made from.
#[derive(Debug)]
pub struct HostPython {
    program: OsString,
    version: Version,
}

/// Finds `$DICTWALK_PYTHON` (or `python3`) and checks that it is recent enough.
pub fn find_host(sh: &Shell) -> anyhow::Result<HostPython> {
    let (program, origin) = match sh.var_os(PYTHON_VAR).filter(|value| !value.is_empty()) {
        Some(program) => (program, "from $DICTWALK_PYTHON"),
        None => (
            OsString::from("python3"),
            "the default; $DICTWALK_PYTHON chooses another",
        ),
    };
    let shown = program.to_string_lossy().into_owned();
    let ran = match exec::quiet(cmd!(sh, "{program} -c {VERSION_PROBE}")) {
        Ok(ran) => ran,
        Err(err) => bail!("cannot run Python `{shown}` ({origin}): {err:#}\n{INSTALL_HINT}"),
    };
    if !ran.success {
        bail!(
            "Python `{shown}` ({origin}) failed to report its version ({}):\n{}\n{INSTALL_HINT}",
            ran.status,
            exec::indented(&ran.tail)
        );
    }
    let stdout = ran.stdout;
    let Some(version) = Version::parse(&stdout) else {
        bail!(
            "`{shown}` ({origin}) does not look like Python: it printed {stdout:?}\n{INSTALL_HINT}"
        );
    };
    if version < MIN_VERSION {
        let Version { major, minor, .. } = MIN_VERSION;
        bail!(
            "`{shown}` ({origin}) is Python {version}, but dictwalk needs Python >= {major}.{minor}\n\
             {INSTALL_HINT}"
        );
    }
    Ok(HostPython { program, version })
}

/// What a virtual environment must have installed.
#[derive(Debug, Clone, Copy)]
pub enum Requirements {
    /// A requirements file, relative to the project root.
    File(&'static str),
    /// Pinned requirement specifiers such as `dictwalk==2.6.0`.
    Pins(&'static [&'static str]),
}

impl Requirements {
    fn describe(&self) -> String {
        match self {
            Requirements::File(path) => path.to_string(),
            Requirements::Pins(pins) => pins.join(" "),
        }
    }

    /// The bytes whose fingerprint decides whether pip must run again.
    fn fingerprint_input(&self, sh: &Shell) -> anyhow::Result<Vec<u8>> {
        match self {
            Requirements::File(path) => sh
                .read_binary_file(path)
                .with_context(|| format!("read requirements file {path}")),
            Requirements::Pins(pins) => Ok(pins.join("\n").into_bytes()),
        }
    }

    fn pip_args(&self, sh: &Shell) -> Vec<OsString> {
        match self {
            Requirements::File(path) => {
                vec!["-r".into(), sh.current_dir().join(path).into_os_string()]
            }
            Requirements::Pins(pins) => pins.iter().map(OsString::from).collect(),
        }
    }
}

/// A virtual environment that exists, runs, and has its requirements installed.
#[derive(Debug)]
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// An executable installed into the environment, by absolute path so that it does not depend
    /// on the working directory of the command.
    pub fn bin(&self, tool: &str) -> PathBuf {
        venv_bin(&self.dir, tool)
    }

    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }
}

/// An executable of the virtual environment at `dir`: `bin/NAME` on Unix, `Scripts\NAME.exe`
/// on Windows.
pub fn venv_bin(dir: &Path, tool: &str) -> PathBuf {
    venv_bin_for(dir, tool, cfg!(windows))
}

/// `venv_bin` for either platform, so that both layouts are tested everywhere.
fn venv_bin_for(dir: &Path, tool: &str, windows: bool) -> PathBuf {
    if windows {
        dir.join("Scripts").join(format!("{tool}.exe"))
    } else {
        dir.join("bin").join(tool)
    }
}

/// The project's development environment `.venv` with `python/requirements-dev.txt` installed.
pub fn dev_venv(sh: &Shell) -> anyhow::Result<Venv> {
    ensure_venv(sh, DEV_VENV, DEV_REQUIREMENTS)
}

/// dictwalk 2.6.0 in `.venvs/legacy`, shared by `cargo xtask parity` and `cargo xtask bench`.
pub fn legacy_venv(sh: &Shell) -> anyhow::Result<Venv> {
    ensure_venv(sh, LEGACY_VENV, Requirements::Pins(&[LEGACY_PIN]))
}

/// What was found at a virtual environment's place, and so what must be done there.
#[derive(Debug, PartialEq, Eq)]
enum Health {
    Ready,
    Missing,
    /// Exists but must be made again; the text says why.
    Unusable(String),
}

/// Decides from a probe of the environment's interpreter: `Ok((version, has_pip))`, or why it
/// did not answer.
fn judge_health(exists: bool, probe: Result<(Version, bool), String>, host: Version) -> Health {
    match probe {
        _ if !exists => Health::Missing,
        Err(why) => Health::Unusable(why),
        Ok((version, _)) if !version.same_series(host) => Health::Unusable(format!(
            "it runs Python {version}, the chosen interpreter is {host}"
        )),
        Ok((_, false)) => Health::Unusable("it has no pip".into()),
        Ok((_, true)) => Health::Ready,
    }
}

fn probe_venv(sh: &Shell, venv: &Venv) -> Result<(Version, bool), String> {
    let python = venv.python();
    let output = cmd!(sh, "{python} -c {VENV_PROBE}")
        .quiet()
        .ignore_status()
        .output();
    let output = output.map_err(|err| err.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "`{}` does not run ({})",
            python.display(),
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let parsed = stdout
        .split_once(' ')
        .and_then(|(version, pip)| Some((Version::parse(version)?, pip.trim() == "True")));
    parsed.ok_or_else(|| format!("`{}` printed {stdout:?}", python.display()))
}

/// Makes sure the virtual environment `rel_dir` (relative to the project root) exists, runs on the
/// host Python's version, and has `requirements` installed; does only what is missing.
pub fn ensure_venv(sh: &Shell, rel_dir: &str, requirements: Requirements) -> anyhow::Result<Venv> {
    let host = find_host(sh)?;
    let venv = Venv {
        dir: sh.current_dir().join(rel_dir),
    };
    let health = judge_health(
        sh.path_exists(&venv.dir),
        probe_venv(sh, &venv),
        host.version,
    );
    if health != Health::Ready {
        match &health {
            Health::Unusable(why) => term::info(format_args!("{rel_dir}: making it again: {why}")),
            _ => term::info(format_args!(
                "{rel_dir}: creating it with Python {}",
                host.version
            )),
        }
        create_venv(sh, &host, &venv, rel_dir, health == Health::Missing)?;
        if let Err(why) = probe_venv(sh, &venv) {
            bail!("{rel_dir} was created but does not work: {why}");
        }
    }

    install_if_changed(sh, &venv, rel_dir, requirements, STAMP_FILE)?;
    Ok(venv)
}

/// Installs more requirements into an environment that `ensure_venv` made, with a stamp file of
/// their own (`stamp`), so that neither set makes the other one look out of date.
pub fn ensure_extra(
    sh: &Shell,
    venv: &Venv,
    requirements: Requirements,
    stamp: &str,
) -> anyhow::Result<()> {
    let rel_dir = venv.dir.strip_prefix(sh.current_dir()).unwrap_or(&venv.dir);
    install_if_changed(
        sh,
        venv,
        &rel_dir.display().to_string(),
        requirements,
        stamp,
    )
}

/// pip-installs `requirements` unless the stamp file `stamp` in the environment says that exactly
/// these were installed last.
fn install_if_changed(
    sh: &Shell,
    venv: &Venv,
    rel_dir: &str,
    requirements: Requirements,
    stamp: &str,
) -> anyhow::Result<()> {
    let stamp = Stamp::new(
        venv.dir.join(stamp),
        &requirements.fingerprint_input(sh)?,
        None,
    );
    if stamp.is_current() {
        term::info(format_args!(
            "{rel_dir}: {} already installed",
            requirements.describe()
        ));
        return Ok(());
    }
    stamp.invalidate()?;
    term::info(format_args!(
        "{rel_dir}: installing {} with pip",
        requirements.describe()
    ));
    let python = venv.python();
    let args = requirements.pip_args(sh);
    let pip = cmd!(
        sh,
        "{python} -m pip install --disable-pip-version-check --no-input {args...}"
    );
    exec::run("pip install", pip).with_context(|| format!("pip install into {rel_dir}"))?;
    stamp.record()
}

fn create_venv(
    sh: &Shell,
    host: &HostPython,
    venv: &Venv,
    rel_dir: &str,
    fresh: bool,
) -> anyhow::Result<()> {
    let program = &host.program;
    let dir = &venv.dir;
    // `--clear` empties a broken environment (and its stamp) before making it again.
    let clear = (!fresh).then_some("--clear");
    let create = cmd!(sh, "{program} -m venv {clear...} {dir}");
    let shown = create.to_string();
    let ran = exec::run_unchecked("create venv", create)
        .with_context(|| format!("create the virtual environment {rel_dir}"))?;
    if !ran.success {
        bail!(
            "creating the virtual environment {rel_dir} failed: {}\n\
             hint: on Debian or Ubuntu the venv module is a separate package: `apt-get install python3-venv`",
            exec::failure(&shown, &ran)
        );
    }
    Ok(())
}

/// Inside a wheel's venv: the sha256 and name of the wheel installed there last.
const WHEEL_STAMP: &str = "xtask-wheel.stamp";

/// The venv `rel_dir` with `wheel` installed: made (from `base`'s interpreter) when missing or
/// broken, and the wheel pip-installed only when its sha256 differs from the stamp's.
pub fn wheel_venv(
    sh: &Shell,
    base: &Venv,
    rel_dir: &str,
    wheel: &Located,
) -> anyhow::Result<PathBuf> {
    let dir = sh.current_dir().join(rel_dir);
    let python = venv_bin(&dir, "python");
    let runs = cmd!(sh, "{python} -c pass")
        .quiet()
        .ignore_status()
        .output()
        .is_ok_and(|output| output.status.success());
    if !runs {
        term::info(format_args!("{rel_dir}: creating it"));
        let base = base.python();
        exec::run("venv", cmd!(sh, "{base} -m venv --clear {dir}"))
            .with_context(|| format!("create {rel_dir}"))?;
    }
    let bytes = fs::read(&wheel.path).with_context(|| format!("read {}", wheel.path.display()))?;
    let stamp = Stamp::new(dir.join(WHEEL_STAMP), &bytes, Some(&wheel.file));
    if stamp.is_current() {
        term::info(format_args!("{rel_dir}: {} already installed", wheel.file));
        return Ok(dir);
    }
    stamp.invalidate()?;
    let path = &wheel.path;
    let install = cmd!(
        sh,
        "{python} -m pip install --disable-pip-version-check --no-input --no-deps --no-index --force-reinstall {path}"
    );
    exec::run("venv install", install)
        .with_context(|| format!("install {} into {rel_dir}", wheel.file))?;
    stamp.record()?;
    Ok(dir)
}

/// A stamp file inside a virtual environment: the sha256 of what was installed there last
/// (the requirements' text, or a wheel's bytes), so that pip runs again only when that changed.
/// A stamp in another form (an older xtask wrote FNV-1a hashes) simply does not match, which
/// costs one reinstall.
#[derive(Debug)]
pub struct Stamp {
    path: PathBuf,
    wanted: String,
}

impl Stamp {
    /// The stamp at `path` for `installed`; `name` (a wheel's file name) is recorded beside the
    /// hash, for whoever reads the file.
    pub fn new(path: PathBuf, installed: &[u8], name: Option<&str>) -> Stamp {
        let hash = stamp_for(installed);
        let wanted = match name {
            Some(name) => format!("{hash} {name}"),
            None => hash,
        };
        Stamp { path, wanted }
    }

    /// Whether the stamp file records exactly this installation.
    pub fn is_current(&self) -> bool {
        fs::read_to_string(&self.path).is_ok_and(|text| text.trim() == self.wanted)
    }

    /// Removes the stamp before an install: a failed or interrupted install must not leave a
    /// stamp that vouches for what was there before.
    pub fn invalidate(&self) -> anyhow::Result<()> {
        match fs::remove_file(&self.path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(err).with_context(|| format!("remove {}", self.path.display()))
            }
            _ => Ok(()),
        }
    }

    /// Records the installation, after it succeeded.
    pub fn record(&self) -> anyhow::Result<()> {
        atomic::write(&self.path, format!("{}\n", self.wanted).as_bytes())
    }
}

/// The fingerprint recorded for what was installed: `sha256:<hex>`.
fn stamp_for(installed: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(installed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    #[test]
    fn parses_versions_printed_by_the_probe() {
        assert_eq!(Version::parse("3.11.7\n"), Some(v(3, 11, 7)));
        assert_eq!(Version::parse("3.10.0"), Some(v(3, 10, 0)));
        assert_eq!(Version::parse("2.7.18"), Some(v(2, 7, 18)));
        assert_eq!(Version::parse(""), None);
        assert_eq!(Version::parse("3.11"), None);
        assert_eq!(Version::parse("3.11.7.1"), None);
        assert_eq!(Version::parse("Python 3.11.7"), None);
        assert_eq!(Version::parse("3.x.1"), None);
    }

    #[test]
    fn minimum_version_is_compared_numerically() {
        assert!(v(3, 9, 18) < MIN_VERSION);
        assert!(v(2, 7, 18) < MIN_VERSION);
        assert!(v(3, 10, 0) >= MIN_VERSION);
        assert!(v(3, 13, 1) >= MIN_VERSION);
        // 3.9 < 3.10 although "3.9" > "3.10" as text.
        assert!(Version::parse("3.9.0") < Version::parse("3.10.0"));
        assert!(v(4, 0, 0) >= MIN_VERSION);
    }

    #[test]
    fn stamp_changes_with_any_byte_of_the_requirements() {
        let before = stamp_for(b"pytest==9.2.0\nruff==0.17.6\n");
        assert_eq!(before, stamp_for(b"pytest==9.2.0\nruff==0.17.6\n"));
        assert_ne!(before, stamp_for(b"pytest==9.2.0\nruff==0.17.7\n"));
        assert_ne!(before, stamp_for(b"pytest==9.2.0\nruff==0.17.6"));
        // The SHA-256 test vector of "abc" (FIPS 180-2).
        assert_eq!(
            stamp_for(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_stamp_is_current_only_after_it_was_recorded() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("xtask-requirements.stamp");
        let stamp = Stamp::new(path.clone(), b"pytest==9.2.0\n", None);
        assert!(!stamp.is_current(), "no stamp file yet");
        stamp.invalidate()?;
        // What an older xtask wrote: another hash of the same requirements.
        fs::write(&path, "fnv1a64:af63dc4c8601ec8c\n")?;
        assert!(!stamp.is_current(), "an FNV stamp counts as changed");
        stamp.record()?;
        assert!(stamp.is_current());
        assert!(!Stamp::new(path.clone(), b"pytest==9.2.1\n", None).is_current());
        let wheel = Stamp::new(path.clone(), b"pytest==9.2.0\n", Some("x.whl"));
        assert!(!wheel.is_current(), "the name is part of the stamp");
        stamp.invalidate()?;
        assert!(!path.exists() && !stamp.is_current());
        Ok(())
    }

    #[test]
    fn venv_executables_follow_the_platform_layout() {
        let dir = Path::new("v");
        assert_eq!(
            venv_bin_for(dir, "python", false),
            Path::new("v/bin/python")
        );
        assert_eq!(
            venv_bin_for(dir, "python", true),
            Path::new("v").join("Scripts").join("python.exe")
        );
        assert_eq!(venv_bin(dir, "uv"), venv_bin_for(dir, "uv", cfg!(windows)));
    }

    #[test]
    fn venv_health() {
        let host = v(3, 11, 7);
        assert_eq!(
            judge_health(false, Err("no such file".into()), host),
            Health::Missing
        );
        assert_eq!(
            judge_health(true, Ok((v(3, 11, 2), true)), host),
            Health::Ready
        );
        assert!(matches!(
            judge_health(true, Err("exit 127".into()), host),
            Health::Unusable(_)
        ));
        assert!(matches!(
            judge_health(true, Ok((v(3, 10, 2), true)), host),
            Health::Unusable(_)
        ));
        assert!(matches!(
            judge_health(true, Ok((v(3, 11, 7), false)), host),
            Health::Unusable(_)
        ));
    }
}
