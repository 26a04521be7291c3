//! `cargo xtask bench --suite`: the cross-backend scenario suite `benches/scenarios.py` (wall
//! time of every contestant side by side, for information), and with `--criterion` the
//! criterion benchmarks of the Rust core.

use std::{
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

use crate::{
    flags,
    python::{self, Requirements},
    status::{Conclusion, Status},
    steps, term, test,
};

const SCRIPT: &str = "benches/scenarios.py";
/// The pinned peer libraries, installed into `.venv` beside the development tools.
const REQUIREMENTS: Requirements = Requirements::File("benches/requirements.txt");
const STAMP: &str = "xtask-bench-requirements.stamp";

/// The suite's report in `--reports-dir` (`bench.json` is the regression check's).
const REPORT: &str = "bench-suite.json";

/// Runs the suite as `flags` say.
pub fn run(sh: &Shell, flags: &flags::Bench) -> anyhow::Result<Conclusion> {
    // Setup failures end the run with exit 2: without the contestants there is no verdict.
    let venv = python::dev_venv(sh)?;
    python::ensure_extra(sh, &venv, REQUIREMENTS, STAMP)?;
    let legacy = python::legacy_venv(sh)?;

    let mut suite_args: Vec<OsString> = Vec::new();
    if sh.path_exists(test::NATIVE_MANIFEST) {
        let built = test::build_native(sh, &venv);
        if built.status != Status::Passed {
            // An older extension may still be installed: timing it would judge stale code.
            let why = format!("the build {} ({})", built.status.label(), built.summary);
            term::warn(format_args!("{why}: the native backend is left out"));
            suite_args.extend(["--no-native".into(), why.into()]);
        }
    }
    if flags.quick {
        suite_args.push("--quick".into());
    }
    if flags.self_check {
        suite_args.push("--self-check".into());
    }
    let json = match &flags.json {
        Some(file) => sh.current_dir().join(file),
        None => sh.current_dir().join(&flags.reports_dir).join(REPORT),
    };
    suite_args.extend(["--json".into(), json.into_os_string()]);
    suite_args.extend(["--legacy-python".into(), legacy.python().into_os_string()]);

    let python = venv.python();
    let script = sh.current_dir().join(SCRIPT);
    let package_root = sh.current_dir().join("python");
    let suite = cmd!(sh, "{python} {script} {suite_args...}").env("PYTHONPATH", package_root);
    let status = steps::stream("scenarios", suite).context("run the scenario suite")?;
    let Some(mut outcome) = suite_outcome(status.code()) else {
        bail!("{SCRIPT} ended abnormally ({status})");
    };

    if flags.criterion {
        let mut args: Vec<&str> = flags.quick.then_some("--quick").into_iter().collect();
        if let Some(name) = &flags.criterion_save {
            args.extend(["--save-baseline", name]);
        }
        if let Some(name) = &flags.criterion_baseline {
            if !criterion_baseline_exists(&sh.current_dir().join("target/criterion"), name) {
                bail!(
                    "--criterion-baseline {name}: no criterion baseline of that name in \
                     target/criterion (save one with --criterion-save {name})"
                );
            }
            args.extend(["--baseline", name]);
        }
        let criterion = cmd!(sh, "cargo bench -p dictwalk-benches -- {args...}");
        let status =
            steps::stream("criterion", criterion).context("run the criterion benchmarks")?;
        // A bench that asserts a wrong result panics, so any failure is a finding.
        let criterion_outcome = if status.success() {
            Status::Passed
        } else {
            Status::Failed
        };
        outcome = outcome.worst(criterion_outcome);
    }

    let summary = match outcome {
        Status::Passed if flags.self_check => "every checked result as expected",
        Status::Passed => "every target MET",
        Status::Failed => "a target NOT MET or a wrong result",
        Status::Inconclusive => {
            "INCONCLUSIVE: a contestant is missing, so a target cannot be judged"
        }
        Status::CouldNotRun | Status::NotRun => "the suite could not run",
    };
    Ok(Conclusion::new(outcome, summary))
}

/// Whether criterion keeps a baseline `name` of any benchmark under `dir`
/// (`<dir>/<group>/<benchmark>/<name>/`).
fn criterion_baseline_exists(dir: &Path, name: &str) -> bool {
    let subdirs = |d: &Path| -> Vec<PathBuf> {
        fs::read_dir(d)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    };
    subdirs(dir)
        .iter()
        .flat_map(|group| subdirs(group))
        .any(|bench| bench.join(name).is_dir())
}

/// Reads `benches/scenarios.py`'s documented exit codes; `None` for anything else (a signal, or
/// a code it never gives).
fn suite_outcome(code: Option<i32>) -> Option<Status> {
    match code? {
        0 => Some(Status::Passed),
        1 => Some(Status::Failed),
        2 => Some(Status::CouldNotRun),
        3 => Some(Status::Inconclusive),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_codes_map_onto_the_outcomes_with_the_same_codes() {
        for outcome in [
            Status::Passed,
            Status::Failed,
            Status::CouldNotRun,
            Status::Inconclusive,
        ] {
            assert_eq!(
                suite_outcome(Some(i32::from(outcome.code()))),
                Some(outcome)
            );
        }
    }

    #[test]
    fn unknown_codes_and_signals_have_no_outcome() {
        assert_eq!(suite_outcome(None), None);
        assert_eq!(suite_outcome(Some(4)), None);
        assert_eq!(suite_outcome(Some(-1)), None);
        assert_eq!(suite_outcome(Some(101)), None);
    }

    #[test]
    fn a_criterion_baseline_is_found_by_its_folder() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        fs::create_dir_all(dir.path().join("read/get_abc/before"))?;
        fs::create_dir_all(dir.path().join("read/get_abc/base"))?;
        assert!(criterion_baseline_exists(dir.path(), "before"));
        assert!(!criterion_baseline_exists(dir.path(), "after"));
        assert!(!criterion_baseline_exists(
            &dir.path().join("missing"),
            "before"
        ));
        Ok(())
    }
}
