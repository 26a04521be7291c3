//! `cargo xtask publish`: uploads the distributions the gate judged, and only those, with
//! `uv publish`, then installs them back from the index and runs the smoke query.
//!
//! The order of a run: the arguments and the credentials (exit 2 before anything else), the
//! refusals (`refusals`: gate.json GO, finished, for this commit on a clean tree; the files
//! exactly the ones it names; the tree clean; the versions and the tag agree; exit 1), what the
//! index already has (`index.rs`; a same-named file with other bytes is a refusal), then one
//! `uv publish --check-url` of every file, what the index has after it, the verify installs
//! (`verify.rs`), and `publish.{json,md}`. Nothing is uploaded unless every check passed.

mod index;
pub mod report;
#[cfg(test)]
mod tests;
mod verify;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use xshell::{cmd, Shell};

use self::{
    index::{shown_url, Index, Listing},
    report::{File, MarkdownEmitter, Outcome, Report},
};
use crate::{
    exec, flags,
    gate::{self, provenance},
    python::{self, Venv},
    report::{publish_json_and_markdown, set_aside, shown, step_summary},
    status::{Conclusion, Status},
    term, version,
};

/// The variables uv reads credentials from; they are passed on to uv in its environment and
/// nowhere else.
pub const TOKEN_VAR: &str = "UV_PUBLISH_TOKEN";
const USERNAME_VAR: &str = "UV_PUBLISH_USERNAME";
const PASSWORD_VAR: &str = "UV_PUBLISH_PASSWORD";

/// Where the verify installs make their venvs.
const VERIFY_DIR: &str = "target/publish-verify";

/// The state of the checkout that the refusals judge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    /// HEAD, as the gate records it.
    pub commit: Option<String>,
    /// Whether the working tree has changes; `None` when git could not say.
    pub dirty: Option<bool>,
    /// The release tags (`v*`) HEAD is built from: `$GITHUB_REF`'s tag in CI, else the tags
    /// pointing at HEAD.
    pub tags: Vec<String>,
}

impl Tree {
    fn of(sh: &Shell) -> Tree {
        let mut tags: Vec<String> = match sh.var("GITHUB_REF") {
            Ok(reference) => reference
                .strip_prefix("refs/tags/")
                .map(str::to_owned)
                .into_iter()
                .collect(),
            Err(_) => Vec::new(),
        };
        if tags.is_empty() {
            tags = cmd!(sh, "git tag --points-at HEAD")
                .quiet()
                .ignore_stderr()
                .read()
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|tag| tag.starts_with('v'))
                .map(str::to_owned)
                .collect();
        }
        Tree {
            commit: gate::commit(sh),
            dirty: provenance::dirty(sh),
            tags,
        }
    }
}

/// Everything a publish run needs, with absolute paths.
pub struct Context<'a> {
    pub sh: &'a Shell,
    pub root: PathBuf,
    pub reports_dir: PathBuf,
    pub wheel_dir: PathBuf,
    /// Where the verify venvs go.
    pub verify_dir: PathBuf,
    pub index: Index,
    pub dry_run: bool,
    pub trusted_publishing: bool,
    pub verify: bool,
    pub tree: Tree,
}

impl flags::Publish {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let index = Index::new(&self.index, self.check_url.as_deref())?;
        if !self.dry_run && !self.trusted_publishing {
            credentials(|name| sh.var_os(name).filter(|v| !v.is_empty()).is_some())?;
        }
        let root = sh.current_dir();
        let ctx = Context {
            sh,
            reports_dir: root.join(&self.reports_dir),
            wheel_dir: root.join(&self.wheel_dir),
            verify_dir: root.join(VERIFY_DIR),
            index,
            dry_run: self.dry_run,
            trusted_publishing: self.trusted_publishing,
            verify: !self.no_verify,
            tree: Tree::of(sh),
            root,
        };
        let venv = python::dev_venv(sh)?;
        publish(&ctx, &venv)
    }
}

/// A token, or a user name and password, in the environment; else one line naming them.
fn credentials(set: impl Fn(&str) -> bool) -> anyhow::Result<()> {
    if set(TOKEN_VAR) || (set(USERNAME_VAR) && set(PASSWORD_VAR)) {
        return Ok(());
    }
    bail!(
        "no credentials: set {TOKEN_VAR} (an API token of the index), or {USERNAME_VAR} and \
         {PASSWORD_VAR}, or pass --trusted-publishing in CI"
    )
}

/// One distribution in the wheel folder.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Local {
    file: String,
    path: PathBuf,
    sha256: String,
}

/// The run, once the arguments are known to be good.
pub fn publish(ctx: &Context<'_>, venv: &Venv) -> anyhow::Result<Conclusion> {
    let gate_path = ctx.reports_dir.join("gate.json");
    let gate_shown = shown(&ctx.root, &gate_path);
    let Some(gate) = read_gate(&gate_path, &gate_shown)? else {
        return Ok(refusal(vec![format!(
            "{gate_shown} does not exist: run `cargo xtask gate` first"
        )]));
    };
    let sources = read_sources(&ctx.root)?;
    let locals = locals(&ctx.wheel_dir)?;
    let judged: Vec<provenance::Distribution> = locals
        .iter()
        .map(|l| provenance::Distribution {
            file: l.file.clone(),
            sha256: l.sha256.clone(),
        })
        .collect();
    let wheel_dir = shown(&ctx.root, &ctx.wheel_dir);
    let refused = refusals(&gate, &gate_shown, &judged, &wheel_dir, &ctx.tree, &sources);
    if !refused.is_empty() {
        return Ok(refusal(refused));
    }

    // What the index has already: the same bytes are skipped, other bytes refused.
    let before = index::listing(ctx.sh, venv, &ctx.index)?;
    let clashes: Vec<String> = locals
        .iter()
        .filter_map(|local| match before.get(&local.file) {
            Some(Some(sha)) if *sha != local.sha256 => Some(format!(
                "{} is on {} already with other bytes (sha256 {sha}, here {}): a file once \
                 published cannot be replaced; release a new version",
                local.file,
                shown_url(&ctx.index.simple),
                local.sha256
            )),
            Some(None) => Some(format!(
                "{} is on {} already, and the index does not say its sha256: it cannot be \
                 told from these bytes",
                local.file,
                shown_url(&ctx.index.simple)
            )),
            _ => None,
        })
        .collect();
    if !clashes.is_empty() {
        return Ok(refusal(clashes));
    }
    let to_upload: Vec<&Local> = locals
        .iter()
        .filter(|l| !before.contains_key(&l.file))
        .collect();
    if ctx.dry_run {
        for local in &locals {
            let action = if before.contains_key(&local.file) {
                "skip"
            } else {
                "upload"
            };
            println!("{action}\t{}", local.file);
        }
        return Ok(Conclusion::new(
            Status::Passed,
            format!(
                "dry run: every check passed; would upload {} of {} files to {} (nothing \
                 uploaded)",
                to_upload.len(),
                locals.len(),
                shown_url(&ctx.index.upload)
            ),
        ));
    }

    set_aside(&ctx.reports_dir, &[report::JSON, report::MARKDOWN])?;
    let mut report = Report::new(
        gate.version.clone(),
        shown_url(&ctx.index.upload),
        shown_url(&ctx.index.simple),
        gate_shown,
    );
    report.commit = gate.commit.clone();
    // What is known before the upload, in place until the run replaces it: an interrupted
    // upload leaves this report, which says what was on the index and what was pending.
    report.status = Status::CouldNotRun;
    report.summary = "unfinished: the upload is running, or it was interrupted".into();
    report.files = locals
        .iter()
        .map(|local| File {
            file: local.file.clone(),
            sha256: local.sha256.clone(),
            outcome: if before.contains_key(&local.file) {
                Outcome::Skipped
            } else {
                Outcome::Pending
            },
        })
        .collect();
    write_report(ctx, &report, false)?;
    report.status = Status::NotRun;
    let uploaded = upload(ctx, venv, &locals);
    let after = index::listing(ctx.sh, venv, &ctx.index);
    report.files = outcomes(&locals, &before, after.as_ref().ok());
    let mut status = Status::Passed;
    if let Err(err) = &uploaded {
        status = Status::Failed;
        report.reasons.push(format!("uv publish: {err:#}"));
    }
    if let Err(err) = &after {
        status = status.worst(Status::CouldNotRun);
        report.reasons.push(format!(
            "after the upload, the index could not be asked: {err:#}"
        ));
    }
    for file in report
        .files
        .iter()
        .filter(|f| f.outcome == Outcome::Missing)
    {
        status = status.worst(Status::Failed);
        report.reasons.push(format!(
            "{} is not on the index after the upload",
            file.file
        ));
    }
    if status == Status::Passed && ctx.verify {
        for verified in verify::verify(ctx, venv, &gate.version) {
            status = status.worst(verified.status);
            if verified.status != Status::Passed {
                report
                    .reasons
                    .push(format!("{}: {}", verified.name, verified.summary));
            }
            report.verified.push(verified);
        }
    }
    report.status = status;
    report.summary = format!(
        "{} uploaded, {} already there, of {} files{}",
        report.count(Outcome::Uploaded),
        report.count(Outcome::Skipped),
        report.files.len(),
        match (status, report.verified.is_empty()) {
            (Status::Passed, false) => "; installed back and smoke-tested",
            (Status::Passed, true) => "; not verified (--no-verify)",
            _ => "",
        }
    );
    let written = write_report(ctx, &report, true)?;
    let shown: Vec<String> = written.iter().map(|p| shown(&ctx.root, p)).collect();
    Ok(
        Conclusion::new(status, format!("{} ({})", report.summary, shown.join(", ")))
            .with_reasons(report.reasons),
    )
}

/// publish.json and publish.md; a `finished` report also goes to CI's step summary.
fn write_report(
    ctx: &Context<'_>,
    report: &Report,
    finished: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    let summary = step_summary(ctx.sh.var_os("GITHUB_STEP_SUMMARY")).filter(|_| finished);
    publish_json_and_markdown(
        "publish",
        &ctx.reports_dir,
        [report::JSON, report::MARKDOWN],
        report,
        &MarkdownEmitter,
        summary.as_deref(),
    )
}

fn refusal(reasons: Vec<String>) -> Conclusion {
    Conclusion::new(
        Status::Failed,
        format!("refused, nothing uploaded: {} reason(s)", reasons.len()),
    )
    .with_reasons(reasons)
}

/// gate.json; `None` when there is none (a refusal: no gate said GO), and an error of one line
/// naming it when it cannot be read as a gate report.
fn read_gate(path: &Path, shown: &str) -> anyhow::Result<Option<gate::Report>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("read {shown}")),
    };
    let report: gate::Report = serde_json::from_slice(&bytes)
        .map_err(|err| anyhow::anyhow!("{shown} is not a gate report: {err}"))?;
    if report.schema_version != crate::report::schema::GATE {
        bail!(
            "{shown} has schema_version {}, this xtask reads {}",
            report.schema_version,
            crate::report::schema::GATE
        );
    }
    Ok(Some(report))
}

/// The versions the sources state (pyproject.toml's first).
fn read_sources(root: &Path) -> anyhow::Result<Vec<version::Stated>> {
    let read = |name: &str| {
        std::fs::read_to_string(root.join(name)).with_context(|| format!("read {name}"))
    };
    Ok(version::in_sources(
        &read(version::CARGO_TOML)?,
        &read(version::PYPROJECT)?,
        &read(version::VERSION_PY)?,
    ))
}

fn locals(dir: &Path) -> anyhow::Result<Vec<Local>> {
    let hashed = provenance::distributions(dir)?;
    Ok(hashed
        .into_iter()
        .map(|d| Local {
            path: dir.join(&d.file),
            file: d.file,
            sha256: d.sha256,
        })
        .collect())
}

/// Why this upload must not happen, one line each; empty when it may.
fn refusals(
    gate: &gate::Report,
    gate_shown: &str,
    files: &[provenance::Distribution],
    wheel_dir: &str,
    tree: &Tree,
    sources: &[version::Stated],
) -> Vec<String> {
    let mut why = Vec::new();
    if gate.verdict != gate::Verdict::Go {
        why.push(format!(
            "{gate_shown} says {}: {}",
            gate.verdict.word(),
            gate.reasons
                .first()
                .map_or("no reason given", String::as_str)
        ));
    }
    if !gate.finished {
        why.push(format!(
            "{gate_shown} is unfinished: its gate is running or was interrupted"
        ));
    }
    match (&gate.commit, &tree.commit) {
        (Some(judged), Some(head)) if judged == head => {}
        (judged, head) => why.push(format!(
            "{gate_shown} was made for commit {}, HEAD is {}: run the gate on this commit",
            judged.as_deref().unwrap_or("(none)"),
            head.as_deref().unwrap_or("(unknown)")
        )),
    }
    if gate.dirty != Some(false) {
        why.push(format!(
            "{gate_shown} was made on a working tree with changes (or of unknown state)"
        ));
    }
    if tree.dirty != Some(false) {
        why.push("the working tree has changes (`git status`): commit or stash them".into());
    }
    if files.is_empty() {
        why.push(format!("{wheel_dir} holds no dictwalk distributions"));
    }
    for file in files {
        match gate.distributions.iter().find(|d| d.file == file.file) {
            None => why.push(format!(
                "{wheel_dir}/{} was not judged by the gate ({gate_shown} does not name it)",
                file.file
            )),
            Some(judged) if judged.sha256 != file.sha256 => why.push(format!(
                "{wheel_dir}/{} changed after the gate judged it (sha256 {}, gate.json says {})",
                file.file, file.sha256, judged.sha256
            )),
            Some(_) => {}
        }
    }
    for judged in &gate.distributions {
        if !files.iter().any(|f| f.file == judged.file) {
            why.push(format!(
                "{}, which the gate judged, is not in {wheel_dir}",
                judged.file
            ));
        }
    }
    for (place, problem) in version::disagreements(sources, None) {
        why.push(format!("{place}: {problem}"));
    }
    if let Some(Ok(version)) = sources.first().map(version::Stated::parse) {
        if version.pep440() != gate.version {
            why.push(format!(
                "{gate_shown} judged version {}, the sources say {}",
                gate.version,
                version.pep440()
            ));
        }
        for tag in &tree.tags {
            let named = tag.strip_prefix('v').unwrap_or(tag);
            if named != version.pep440() && named != version.semver() {
                why.push(format!(
                    "the tag {tag} is not the version {} (v{} or v{})",
                    version.pep440(),
                    version.pep440(),
                    version.semver()
                ));
            }
        }
    }
    why
}

/// One `uv publish` of every file: uv skips the ones the simple API already lists with the
/// same hash (`--check-url`). Credentials reach uv through the environment it inherits.
fn upload(ctx: &Context<'_>, venv: &Venv, locals: &[Local]) -> anyhow::Result<()> {
    let uv = venv.bin("uv");
    let url = &ctx.index.upload;
    let check = &ctx.index.simple;
    let trusted = if ctx.trusted_publishing {
        "always"
    } else {
        "never"
    };
    let files: Vec<&Path> = locals.iter().map(|l| l.path.as_path()).collect();
    term::info(format_args!(
        "publish: uploading {} files to {} (skipping what {} lists)",
        files.len(),
        shown_url(url),
        shown_url(check)
    ));
    let publish = cmd!(
        ctx.sh,
        "{uv} publish --no-progress --publish-url {url} --check-url {check} --trusted-publishing {trusted} {files...}"
    );
    exec::run("uv publish", publish).map(|_| ())
}

/// Each local file's outcome from the index's listing before and after the upload.
fn outcomes(locals: &[Local], before: &Listing, after: Option<&Listing>) -> Vec<File> {
    locals
        .iter()
        .map(|local| {
            let outcome = if before.contains_key(&local.file) {
                Outcome::Skipped
            } else {
                match after.map(|after| after.get(&local.file)) {
                    None => Outcome::Unknown,
                    Some(Some(Some(sha))) if *sha == local.sha256 => Outcome::Uploaded,
                    Some(Some(None)) => Outcome::Uploaded,
                    Some(_) => Outcome::Missing,
                }
            };
            File {
                file: local.file.clone(),
                sha256: local.sha256.clone(),
                outcome,
            }
        })
        .collect()
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::gate::{provenance::Distribution, Verdict};

    fn dist(file: &str, sha: &str) -> Distribution {
        Distribution {
            file: file.into(),
            sha256: sha.into(),
        }
    }

    fn sources(pep440: &str, semver: &str) -> Vec<version::Stated> {
        version::in_sources(
            &format!("[workspace.package]\nversion = \"{semver}\"\n"),
            &format!("[project]\nversion = \"{pep440}\"\n"),
            &format!("__version__ = \"{pep440}\"\n"),
        )
    }

    fn go() -> gate::Report {
        let mut report = gate::Report::placeholder(
            "3.0.0a1".into(),
            Some("abc".into()),
            Some(false),
            provenance::Environment::default(),
            0,
        );
        report.verdict = Verdict::Go;
        report.finished = true;
        report.reasons.clear();
        report.distributions = vec![dist("a.whl", "11"), dist("b.tar.gz", "22")];
        report
    }

    fn clean() -> Tree {
        Tree {
            commit: Some("abc".into()),
            dirty: Some(false),
            tags: Vec::new(),
        }
    }

    fn check(gate: &gate::Report, files: &[Distribution], tree: &Tree) -> Vec<String> {
        refusals(
            gate,
            "reports/gate.json",
            files,
            "target/wheels",
            tree,
            &sources("3.0.0a1", "3.0.0-alpha.1"),
        )
    }

    #[test]
    fn a_go_for_these_files_on_this_clean_commit_is_no_refusal() {
        let files = go().distributions;
        assert_eq!(check(&go(), &files, &clean()), Vec::<String>::new());
        let tagged = Tree {
            tags: vec!["v3.0.0a1".into(), "v3.0.0-alpha.1".into()],
            ..clean()
        };
        assert_eq!(check(&go(), &files, &tagged), Vec::<String>::new());
    }

    #[test]
    fn each_refusal_names_its_reason() {
        let files = go().distributions;
        let mut no_go = go();
        no_go.verdict = Verdict::NoGo;
        no_go.reasons = vec!["parity: FAILED: 2 failing cases".into()];
        assert_eq!(
            check(&no_go, &files, &clean()),
            ["reports/gate.json says NO-GO: parity: FAILED: 2 failing cases"]
        );
        let mut unfinished = go();
        unfinished.finished = false;
        assert!(check(&unfinished, &files, &clean())[0].contains("unfinished"));
        let other = Tree {
            commit: Some("def".into()),
            ..clean()
        };
        assert!(check(&go(), &files, &other)[0].contains("made for commit abc, HEAD is def"));
        let dirty = Tree {
            dirty: Some(true),
            ..clean()
        };
        assert!(check(&go(), &files, &dirty)[0].contains("working tree has changes"));
        let mut gate_dirty = go();
        gate_dirty.dirty = Some(true);
        assert!(check(&gate_dirty, &files, &clean())[0].contains("with changes"));
        let tagged = Tree {
            tags: vec!["v9.9.9".into()],
            ..clean()
        };
        assert_eq!(
            check(&go(), &files, &tagged),
            ["the tag v9.9.9 is not the version 3.0.0a1 (v3.0.0a1 or v3.0.0-alpha.1)"]
        );
    }

    #[test]
    fn the_files_must_be_exactly_the_judged_ones() {
        let changed = [dist("a.whl", "99"), dist("b.tar.gz", "22")];
        assert_eq!(
            check(&go(), &changed, &clean()),
            ["target/wheels/a.whl changed after the gate judged it (sha256 99, gate.json says 11)"]
        );
        let extra = [
            dist("a.whl", "11"),
            dist("b.tar.gz", "22"),
            dist("c.whl", "33"),
        ];
        assert!(check(&go(), &extra, &clean())[0].contains("c.whl was not judged by the gate"));
        let missing = [dist("a.whl", "11")];
        assert_eq!(
            check(&go(), &missing, &clean()),
            ["b.tar.gz, which the gate judged, is not in target/wheels"]
        );
        assert!(check(&go(), &[], &clean())
            .iter()
            .any(|r| r.contains("holds no dictwalk distributions")));
    }

    #[test]
    fn versions_must_agree_with_each_other_and_the_gate() {
        let files = go().distributions;
        let why = refusals(
            &go(),
            "g",
            &files,
            "w",
            &clean(),
            &sources("3.0.0a2", "3.0.0-alpha.1"),
        );
        assert_eq!(why.len(), 2, "{why:?}");
        assert!(why[0].starts_with("Cargo.toml"), "{why:?}");
        assert_eq!(why[1], "g judged version 3.0.0a1, the sources say 3.0.0a2");
    }

    #[test]
    fn credentials_need_a_token_or_both_halves() {
        assert!(credentials(|name| name == TOKEN_VAR).is_ok());
        assert!(credentials(|name| name != TOKEN_VAR).is_ok());
        let err = credentials(|name| name == USERNAME_VAR).err();
        let line = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(line.contains(TOKEN_VAR) && !line.contains('\n'), "{line}");
    }

    #[test]
    fn outcomes_follow_the_listings() {
        let local = |file: &str, sha: &str| Local {
            file: file.into(),
            path: PathBuf::from(file),
            sha256: sha.into(),
        };
        let locals = [local("a", "1"), local("b", "2"), local("c", "3")];
        let before = Listing::from([("a".to_owned(), Some("1".to_owned()))]);
        let after = Listing::from([
            ("a".to_owned(), Some("1".to_owned())),
            ("b".to_owned(), Some("2".to_owned())),
        ]);
        let got: Vec<Outcome> = outcomes(&locals, &before, Some(&after))
            .iter()
            .map(|f| f.outcome)
            .collect();
        assert_eq!(got, [Outcome::Skipped, Outcome::Uploaded, Outcome::Missing]);
        let unknown = outcomes(&locals, &before, None);
        assert_eq!(unknown[1].outcome, Outcome::Unknown);
    }
}
