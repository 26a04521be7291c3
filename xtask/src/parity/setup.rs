//! Setting up the real backends: the current version's wheels (built when missing or older than
//! their sources), each installed into its own venv only when the wheel changed, and how to
//! start each worker.
//!
//! `python` is the pure wheel in `.venvs/pure`, `rust` the native wheel in `.venvs/native`,
//! `legacy` dictwalk 2.6.0 in `.venvs/legacy`; each worker runs `python/tests/worker.py` under
//! `python -I`, from its venv's directory, so that `import dictwalk` finds the installed package
//! and never the checkout's `python/`. The ready line is checked for exactly that.

use std::{
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
    time::SystemTime,
};

use anyhow::{bail, Context};
use dictwalk_corpus::Backend;
use xshell::Shell;

use super::{
    runner::Plan,
    worker::{ReadyCheck, WorkerSpec},
};
use crate::{
    artifact::{self, Family, Located},
    python::{self, Venv},
    term, version, wheels,
};

/// The worker every Python backend runs.
pub const WORKER_SCRIPT: &str = "python/tests/worker.py";
pub const PURE_VENV: &str = ".venvs/pure";
pub const NATIVE_VENV: &str = ".venvs/native";

/// A plan for each backend, in the order given. A backend whose set-up fails gets
/// `Plan::CouldNotRun` with the reason; the others are still set up.
pub fn plans(
    sh: &Shell,
    backends: &[Backend],
    wheel_dir: &Path,
    build: bool,
) -> Vec<(Backend, Plan)> {
    let root = sh.current_dir();
    let script = root.join(WORKER_SCRIPT);
    let needs_wheels = backends
        .iter()
        .any(|b| matches!(b, Backend::Python | Backend::Rust));
    let wheels =
        needs_wheels.then(|| current_wheels(sh, wheel_dir, build).map_err(|e| format!("{e:#}")));
    backends
        .iter()
        .map(|&backend| {
            let plan = match backend {
                Backend::Core => Ok(Plan::Core),
                _ if !script.is_file() => Err(format!("{WORKER_SCRIPT} is missing")),
                Backend::Python | Backend::Rust => match &wheels {
                    Some(Ok(wheels)) => wheel_plan(sh, backend, wheels, &script),
                    Some(Err(why)) => Err(why.clone()),
                    None => Err("no wheels were prepared".to_owned()),
                },
                Backend::Legacy => legacy_plan(sh, &script),
            };
            let plan = plan.unwrap_or_else(|why| {
                term::warn(format_args!("parity: {backend} cannot run: {why}"));
                Plan::CouldNotRun(format!("set-up failed: {why}"))
            });
            (backend, plan)
        })
        .collect()
}

/// The wheels of the version that pyproject.toml states.
pub struct Wheels {
    pub base: Venv,
    pub version: String,
    pub pure: Located,
    pub native: Located,
}

/// Finds the pure and native wheels of the current version in `dir`; builds all the
/// distributions there first when one is missing (unless `build` is false).
pub fn current_wheels(sh: &Shell, dir: &Path, build: bool) -> anyhow::Result<Wheels> {
    let pyproject = sh
        .read_file(version::PYPROJECT)
        .context("read pyproject.toml")?;
    let stated = version::toml_string(&pyproject, &["project", "version"])
        .map_err(|why| anyhow::anyhow!("pyproject.toml: {why}"))?;
    let current = normalized(&stated);
    // The venvs are made from the development venv's interpreter, which also builds the wheels.
    let base = python::dev_venv(sh)?;
    let root = sh.current_dir();
    let shown = dir.strip_prefix(&root).unwrap_or(dir).display().to_string();
    let newest = newest_source(&root);
    let problem = |found: &Option<(Located, Located)>| match found {
        None => Some(format!(
            "no pure and native wheel of version {current} in {shown}"
        )),
        Some((pure, native)) => newest.as_ref().and_then(|(time, path)| {
            older_than(
                &[pure, native],
                *time,
                path.strip_prefix(&root).unwrap_or(path),
            )
        }),
    };
    let mut found = pick(&artifact::locate(dir)?, &current);
    if let Some(problem) = problem(&found) {
        if !build {
            bail!("{problem}: build them with `cargo xtask wheels`, or run without --no-build");
        }
        term::info(format_args!("parity: {problem}: building the wheels"));
        wheels::build(sh, &base, dir, crate::flags::defaults::COMPATIBILITY)?;
        found = pick(&artifact::locate(dir)?, &current);
    }
    let Some((pure, native)) = found else {
        bail!("no pure and native wheel of version {current} in {shown} after building them");
    };
    Ok(Wheels {
        base,
        version: current,
        pure,
        native,
    })
}

/// What the wheels are built from: a wheel older than any of these files is stale, even when
/// its version is the current one (the version changes only at releases).
const WHEEL_SOURCES: [&str; 6] = [
    "pyproject.toml",
    "python/dictwalk",
    "crates/dictwalk-core/Cargo.toml",
    "crates/dictwalk-core/src",
    "crates/dictwalk-py/Cargo.toml",
    "crates/dictwalk-py/src",
];

/// The most recently modified file of `WHEEL_SOURCES` under `root`, and when.
fn newest_source(root: &Path) -> Option<(SystemTime, PathBuf)> {
    let mut stack: Vec<PathBuf> = WHEEL_SOURCES.iter().map(|p| root.join(p)).collect();
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    while let Some(path) = stack.pop() {
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            // Byte code caches change whenever Python runs; they are not sources.
            if path.file_name().is_some_and(|name| name == "__pycache__") {
                continue;
            }
            if let Ok(entries) = fs::read_dir(&path) {
                stack.extend(entries.filter_map(|e| e.ok().map(|e| e.path())));
            }
        } else if is_build_output(&path) {
            continue;
        } else if let Ok(modified) = meta.modified() {
            if newest.as_ref().is_none_or(|(time, _)| modified > *time) {
                newest = Some((modified, path));
            }
        }
    }
    newest
}

/// Files that builds leave among the sources: `maturin develop` puts the extension module into
/// `python/dictwalk/`, and Python writes byte code.
fn is_build_output(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ["so", "pyd", "dylib", "pyc"].iter().any(|e| ext == *e))
}

/// Why the wheels are stale: the first one built before `source` last changed.
fn older_than(wheels: &[&Located], time: SystemTime, source: &Path) -> Option<String> {
    wheels.iter().find_map(|wheel| {
        let built = fs::metadata(&wheel.path).and_then(|m| m.modified()).ok()?;
        (built < time).then(|| format!("{} is older than {}", wheel.file, source.display()))
    })
}

/// A version in its PEP 440 spelling, as wheel names and `__version__` state it.
fn normalized(text: &str) -> String {
    version::Version::parse(text).map_or_else(|_| text.to_owned(), |v| v.pep440())
}

/// The single pure wheel and the first native wheel of `version`.
fn pick(found: &[Located], version: &str) -> Option<(Located, Located)> {
    let of = |family: Family| -> Vec<&Located> {
        found
            .iter()
            .filter(|l| l.family == family && normalized(&l.version) == version)
            .collect()
    };
    match (of(Family::Pure).as_slice(), of(Family::Native).first()) {
        ([pure], Some(native)) => Some(((*pure).clone(), (*native).clone())),
        _ => None,
    }
}

fn wheel_plan(
    sh: &Shell,
    backend: Backend,
    wheels: &Wheels,
    script: &Path,
) -> Result<Plan, String> {
    let (rel_dir, wheel) = match backend {
        Backend::Python => (PURE_VENV, &wheels.pure),
        _ => (NATIVE_VENV, &wheels.native),
    };
    let dir = python::wheel_venv(sh, &wheels.base, rel_dir, wheel).map_err(|e| format!("{e:#}"))?;
    let root = sh.current_dir();
    Ok(Plan::Worker(Box::new(worker_spec(
        backend,
        &dir,
        script,
        ReadyCheck {
            api: Some(backend.name().to_owned()),
            backend: Some(backend.name().to_owned()),
            version: Some(wheels.version.clone()),
            module_inside: Some(dir.clone()),
            module_outside: Some(root.join("python")),
            native: None,
        },
    ))))
}

/// The rollback rehearsal's worker: the native wheel's venv, `DICTWALK_BACKEND=python` and
/// the `default` api (the `dictwalk.dictwalk` object users get), which must report the
/// reference backend while the native module imports beside it.
pub fn rollback_plan(sh: &Shell, wheels: &Wheels, script: &Path) -> Result<Plan, String> {
    let dir = python::wheel_venv(sh, &wheels.base, NATIVE_VENV, &wheels.native)
        .map_err(|e| format!("{e:#}"))?;
    let root = sh.current_dir();
    let mut spec = worker_spec(
        Backend::Python,
        &dir,
        script,
        ReadyCheck {
            api: Some(ROLLBACK_API.to_owned()),
            backend: Some(Backend::Python.name().to_owned()),
            version: Some(wheels.version.clone()),
            module_inside: Some(dir.clone()),
            module_outside: Some(root.join("python")),
            native: Some(true),
        },
    );
    spec.name = "rollback".to_owned();
    if let Some(api) = spec.args.last_mut() {
        *api = OsString::from(ROLLBACK_API);
    }
    for (name, value) in &mut spec.env {
        if name == "DICTWALK_BACKEND" {
            *value = Some(OsString::from("python"));
        }
    }
    Ok(Plan::Worker(Box::new(spec)))
}

/// The worker api of the rollback rehearsal (worker.py's `default`).
pub const ROLLBACK_API: &str = "default";

fn legacy_plan(sh: &Shell, script: &Path) -> Result<Plan, String> {
    let venv = python::legacy_venv(sh).map_err(|e| format!("{e:#}"))?;
    let root = sh.current_dir();
    Ok(Plan::Worker(Box::new(worker_spec(
        Backend::Legacy,
        venv.dir(),
        script,
        ReadyCheck {
            api: Some("legacy".to_owned()),
            module_inside: Some(venv.dir().to_path_buf()),
            module_outside: Some(root.join("python")),
            ..ReadyCheck::default()
        },
    ))))
}

/// `<venv>/bin/python -I python/tests/worker.py --api <backend>`, run from the venv's directory
/// (which holds no `dictwalk` package) without PYTHONPATH, and with the backend left to the
/// installation (no DICTWALK_BACKEND).
fn worker_spec(backend: Backend, venv_dir: &Path, script: &Path, ready: ReadyCheck) -> WorkerSpec {
    WorkerSpec {
        name: backend.name().to_owned(),
        program: crate::python::venv_bin(venv_dir, "python"),
        args: vec![
            OsString::from("-I"),
            script.as_os_str().to_owned(),
            OsString::from("--api"),
            OsString::from(backend.name()),
        ],
        env: vec![
            (OsString::from("PYTHONPATH"), None),
            (OsString::from("DICTWALK_BACKEND"), None),
            // A panic in a native wheel (2.6.0's PanicException) kills the worker, which is
            // started again; a backtrace would only make each such restart slower.
            (OsString::from("RUST_BACKTRACE"), None),
        ],
        cwd: venv_dir.to_path_buf(),
        ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(family: Family, file: &str, version: &str) -> Located {
        Located {
            family,
            path: PathBuf::from(file),
            file: file.to_owned(),
            version: version.to_owned(),
            tag: String::new(),
            label: String::new(),
        }
    }

    #[test]
    fn a_wheel_older_than_a_source_file_is_stale() -> anyhow::Result<()> {
        let root = tempfile::tempdir()?;
        let source = root.path().join("python/dictwalk/backends/writer.py");
        fs::create_dir_all(root.path().join("python/dictwalk/backends/__pycache__"))?;
        fs::write(&source, "x = 1\n")?;
        fs::write(root.path().join("pyproject.toml"), "")?;
        let cache = root
            .path()
            .join("python/dictwalk/backends/__pycache__/writer.pyc");
        fs::write(&cache, "")?;
        let module = root.path().join("python/dictwalk/_native.abi3.so");
        fs::write(&module, "")?;
        let wheel_path = root.path().join("dictwalk-3.0.0a1-py3-none-any.whl");
        fs::write(&wheel_path, "")?;
        let set = |path: &Path, secs: u64| -> std::io::Result<()> {
            let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            fs::File::options()
                .write(true)
                .open(path)?
                .set_modified(time)
        };
        set(&root.path().join("pyproject.toml"), 1_000)?;
        set(&source, 2_000)?;
        set(&cache, 9_000)?;
        set(&module, 9_000)?;
        let mut wheel = located(Family::Pure, "dictwalk-3.0.0a1-py3-none-any.whl", "3.0.0a1");
        wheel.path = wheel_path.clone();
        let (time, newest) = newest_source(root.path()).ok_or_else(|| anyhow::anyhow!("none"))?;
        assert_eq!(newest, source, "byte code and built modules do not count");
        set(&wheel_path, 1_500)?;
        assert_eq!(
            older_than(&[&wheel], time, Path::new("python/dictwalk/backends/writer.py")),
            Some(
                "dictwalk-3.0.0a1-py3-none-any.whl is older than python/dictwalk/backends/writer.py"
                    .into()
            )
        );
        set(&wheel_path, 2_500)?;
        assert_eq!(older_than(&[&wheel], time, &newest), None);
        Ok(())
    }

    #[test]
    fn only_wheels_of_the_current_version_are_picked() {
        let pure = located(Family::Pure, "dictwalk-3.0.0a1-py3-none-any.whl", "3.0.0a1");
        let native = located(
            Family::Native,
            "dictwalk-3.0.0a1-cp310-abi3-x.whl",
            "3.0.0a1",
        );
        let old = located(Family::Native, "dictwalk-2.9.0-cp310-abi3-x.whl", "2.9.0");
        let found = vec![old.clone(), native.clone(), pure.clone()];
        assert_eq!(
            pick(&found, "3.0.0a1"),
            Some((pure.clone(), native.clone()))
        );
        assert_eq!(
            pick(&found, &normalized("3.0.0-alpha.1")),
            Some((pure.clone(), native))
        );
        assert_eq!(pick(&[old.clone(), pure.clone()], "3.0.0a1"), None);
        let two_pure = located(
            Family::Pure,
            "dictwalk-3.0.0a1-py2.py3-none-any.whl",
            "3.0.0a1",
        );
        assert_eq!(pick(&[pure, two_pure, old], "3.0.0a1"), None);
    }
}
