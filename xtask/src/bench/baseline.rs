//! The baseline of the regression check: which revision, and its native wheel, built in a git
//! worktree with this checkout's maturin and cached by commit under `target/bench/baselines/`.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

use super::callgrind;
use crate::{
    artifact::{self, Family},
    exec,
    python::Venv,
    term, test,
};

/// Where baselines are built and kept, relative to the project root.
const CACHE: &str = "target/bench/baselines";
/// The worktree a baseline is built from (one at a time: the checkout's lock sees to that).
const WORKTREE: &str = "target/bench/src";
/// The cargo target folder of baseline builds, shared between them so that a new baseline
/// compiles only what changed.
const CARGO_TARGET: &str = "target/bench/cargo";

/// What `--baseline` (or its default) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// `--baseline none`: no regression check, and the report says so.
    Skip,
    /// A revision to build.
    Revision(String),
    /// `--baseline-wheels DIR`: a native wheel built already.
    Wheels(PathBuf),
    /// No flag: the merge base of HEAD and `main`, or HEAD's parent when that is HEAD itself.
    Default,
}

impl Choice {
    pub fn of(baseline: Option<&str>, wheels: Option<&Path>) -> Choice {
        match (baseline, wheels) {
            (_, Some(dir)) => Choice::Wheels(dir.to_path_buf()),
            (Some("none"), None) => Choice::Skip,
            (Some(revision), None) => Choice::Revision(revision.to_owned()),
            (None, None) => Choice::Default,
        }
    }
}

/// The baseline's native wheel and what it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    /// How it was asked for: `main`, `HEAD~1`, a folder.
    pub asked: String,
    /// The commit it was built from (none for `--baseline-wheels`).
    pub commit: Option<String>,
    pub wheel: PathBuf,
    /// Its core instruction runner, when it was built from a revision that has one.
    pub core: Option<PathBuf>,
}

/// The revision `--baseline` names, as a full commit hash; one line naming it when git does
/// not know it.
pub fn resolve(sh: &Shell, revision: &str) -> anyhow::Result<String> {
    let spec = format!("{revision}^{{commit}}");
    let ran = exec::quiet(cmd!(sh, "git rev-parse --verify --quiet {spec}"))?;
    let sha = ran.stdout.trim();
    if !ran.success || sha.is_empty() {
        bail!("--baseline {revision}: git knows no such revision in this checkout");
    }
    Ok(sha.to_owned())
}

/// The default baseline: what this branch started from (the merge base with `main`, or with
/// `origin/main` where no local `main` exists, as in a pull request's CI checkout), or, on
/// `main` itself, HEAD's parent.
pub fn default_revision(sh: &Shell) -> anyhow::Result<String> {
    let head = resolve(sh, "HEAD")?;
    let base = ["main", "origin/main"].iter().find_map(|main| {
        exec::quiet(cmd!(sh, "git merge-base HEAD {main}"))
            .ok()
            .filter(|ran| ran.success)
            .map(|ran| ran.stdout.trim().to_owned())
            .filter(|sha| !sha.is_empty())
    });
    match base {
        Some(base) if base != head => Ok(base),
        _ => resolve(sh, "HEAD~1").map_err(|_| {
            anyhow::anyhow!(
                "no default baseline: HEAD has no parent commit in this checkout (a shallow \
                 clone?); give --baseline REF or --baseline-wheels DIR"
            )
        }),
    }
}

/// The native wheel of `commit`, built when the cache does not hold it yet.
pub fn wheel_of(sh: &Shell, dev: &Venv, commit: &str) -> anyhow::Result<PathBuf> {
    let cache = cache_of(sh, commit);
    if let Some(wheel) = native_wheel(&cache)? {
        term::info(format_args!(
            "bench: baseline {} already built: {}",
            short(commit),
            wheel.display()
        ));
        return Ok(wheel);
    }
    let worktree = sh.current_dir().join(WORKTREE);
    remove_worktree(sh, &worktree);
    let worktree_arg = worktree.as_os_str();
    exec::run(
        "baseline worktree",
        cmd!(
            sh,
            "git worktree add --detach --force {worktree_arg} {commit}"
        ),
    )
    .with_context(|| format!("check out the baseline {} in a worktree", short(commit)))?;
    let built = build(sh, dev, &worktree, &cache, commit);
    remove_worktree(sh, &worktree);
    built?;
    native_wheel(&cache)?.with_context(|| {
        format!(
            "the baseline build of {} left no native wheel in {}",
            short(commit),
            cache.display()
        )
    })
}

/// Builds the native wheel of the worktree into `cache`, through a staging folder so that an
/// interrupted build leaves no half a cache entry; and, where the revision has it, the core's
/// instruction runner beside it (`core_runner_in`), for the report's information.
fn build(
    sh: &Shell,
    dev: &Venv,
    worktree: &Path,
    cache: &Path,
    commit: &str,
) -> anyhow::Result<()> {
    if !worktree.join(test::NATIVE_MANIFEST).is_file() {
        bail!(
            "the baseline {} has no native backend ({} is missing)",
            short(commit),
            test::NATIVE_MANIFEST
        );
    }
    let staging = cache.with_extension("partial");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("remove {}", staging.display()))?;
    }
    fs::create_dir_all(&staging).with_context(|| format!("create {}", staging.display()))?;
    native_wheel_into(
        sh,
        dev,
        worktree,
        &staging,
        &format!("the baseline {}", short(commit)),
        &[],
    )?;
    let target = sh.current_dir().join(CARGO_TARGET);
    if worktree.join(CORE_RUNNER_SOURCE).is_file() {
        let built = core_runner(sh, worktree, &target)
            .with_context(|| format!("build the baseline {}'s core runner", short(commit)))?;
        let kept = core_runner_in(&staging);
        fs::create_dir_all(kept.parent().unwrap_or(&staging))
            .with_context(|| format!("create {}", staging.display()))?;
        fs::copy(&built, &kept)
            .with_context(|| format!("copy {} to {}", built.display(), kept.display()))?;
    }
    if cache.exists() {
        fs::remove_dir_all(cache).with_context(|| format!("remove {}", cache.display()))?;
    }
    fs::rename(&staging, cache)
        .with_context(|| format!("move {} to {}", staging.display(), cache.display()))
}

/// The cache entry of `commit`.
pub fn cache_of(sh: &Shell, commit: &str) -> PathBuf {
    sh.current_dir().join(CACHE).join(commit)
}

/// The source of the core's instruction runner: a revision without it has no core counts.
const CORE_RUNNER_SOURCE: &str = "benches/src/bin/core-instructions.rs";

/// Where a baseline's cache entry keeps its core runner.
pub fn core_runner_in(cache: &Path) -> PathBuf {
    cache.join("bin").join(callgrind::CORE_RUNNER)
}

/// Builds the core's instruction runner of the checkout at `source` into `target` (a cargo
/// target folder) and returns the binary's path.
pub fn core_runner(sh: &Shell, source: &Path, target: &Path) -> anyhow::Result<PathBuf> {
    let _dir = sh.push_dir(source);
    let (package, bin) = (callgrind::CORE_PACKAGE, callgrind::CORE_RUNNER);
    exec::run(
        "core runner",
        cmd!(sh, "cargo build --release --quiet -p {package} --bin {bin}")
            .env("CARGO_TARGET_DIR", target),
    )
    .context("build the core's instruction runner")?;
    let program = target
        .join("release")
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !program.is_file() {
        bail!("cargo built no {}", program.display());
    }
    Ok(program)
}

/// Builds the native wheel of the checkout at `source` into `out` with maturin, with the
/// cargo `features` given (none for anything that is compared as shipped); `what` names it in
/// errors.
pub fn native_wheel_into(
    sh: &Shell,
    dev: &Venv,
    source: &Path,
    out: &Path,
    what: &str,
    features: &[&str],
) -> anyhow::Result<()> {
    let maturin = dev.bin("maturin");
    let python = dev.python();
    let target = sh.current_dir().join(CARGO_TARGET);
    let feature_args: Vec<String> = if features.is_empty() {
        Vec::new()
    } else {
        vec!["--features".to_owned(), features.join(",")]
    };
    let _dir = sh.push_dir(source);
    let native = test::without_backend_warning(cmd!(
        sh,
        "{maturin} build --release --out {out} --interpreter {python} --compatibility pypi {feature_args...}"
    ))
    .env("CARGO_TARGET_DIR", target);
    exec::run("native wheel", native).with_context(|| format!("build {what}'s native wheel"))?;
    Ok(())
}

/// The one native wheel in `dir`, if `dir` exists and holds one.
pub fn native_wheel(dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let natives: Vec<PathBuf> = artifact::locate(dir)?
        .into_iter()
        .filter(|located| located.family == Family::Native)
        .map(|located| located.path)
        .collect();
    match natives.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => bail!(
            "{} holds {} native wheels; keep the one to compare with",
            dir.display(),
            natives.len()
        ),
    }
}

fn remove_worktree(sh: &Shell, worktree: &Path) {
    let path = worktree.as_os_str();
    // A worktree left by an interrupted run is removed first; its absence is no error.
    let _ = exec::quiet(cmd!(sh, "git worktree remove --force {path}"));
    let _ = exec::quiet(cmd!(sh, "git worktree prune"));
    if worktree.exists() {
        let _ = fs::remove_dir_all(worktree);
    }
}

/// A commit as reports show it.
pub fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_choose_the_baseline() {
        assert_eq!(Choice::of(None, None), Choice::Default);
        assert_eq!(Choice::of(Some("none"), None), Choice::Skip);
        assert_eq!(
            Choice::of(Some("main"), None),
            Choice::Revision("main".into())
        );
        assert_eq!(
            Choice::of(None, Some(Path::new("w"))),
            Choice::Wheels(PathBuf::from("w"))
        );
    }

    #[test]
    fn an_unknown_revision_is_one_line_naming_it() -> anyhow::Result<()> {
        let sh = crate::shell()?;
        let err = resolve(&sh, "no-such-branch-xyz")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            err,
            "--baseline no-such-branch-xyz: git knows no such revision in this checkout"
        );
        Ok(())
    }

    #[test]
    fn a_folder_with_two_native_wheels_is_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        assert_eq!(native_wheel(dir.path())?, None);
        fs::write(
            dir.path()
                .join("dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl"),
            "",
        )?;
        assert!(native_wheel(dir.path())?.is_some());
        fs::write(
            dir.path()
                .join("dictwalk-3.0.0a0-cp310-abi3-manylinux_2_34_x86_64.whl"),
            "",
        )?;
        assert!(native_wheel(dir.path()).is_err());
        Ok(())
    }
}
