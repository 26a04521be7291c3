//! `cargo xtask drift`: compares the pure wheel, the native wheel(s) and the sdist, and names every
//! difference in metadata, package files, version and backend API.

mod api;
pub(crate) mod inject;
pub mod report;
mod selftest;
#[cfg(test)]
mod tests;

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Context;
use xshell::Shell;

use crate::{
    artifact::{self, Contents, Family, Located},
    flags,
    gate::{self, GateCheck},
    metadata,
    python::{self, Venv},
    report::{publish_json_and_markdown, render, set_aside, step_summary},
    status::{Conclusion, Status},
    term,
    version::{self, Spelling, Stated},
    wheels,
};

use self::report::{
    Check, CheckSummary, Environment, Finding, MarkdownEmitter, Report, TerminalEmitter,
};

/// Package files both wheel families must ship: the typing marker and the native module's stub
/// (type checkers read it in either install).
const REQUIRED_FILES: [&str; 2] = ["dictwalk/py.typed", "dictwalk/_native.pyi"];

/// How many findings the gate lists; the rest are in drift.md.
const GATE_FINDINGS: usize = 20;

impl flags::Drift {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let dir = sh.current_dir().join(&self.wheel_dir);
        if self.self_test {
            return selftest::run(sh, &dir, !self.no_build);
        }
        let reports_dir = sh.current_dir().join(&self.reports_dir);
        set_aside(&reports_dir, &report::FILES)?;
        let report = check(sh, &dir, !self.no_build);
        publish(&report, &reports_dir, sh)?;
        Ok(conclusion(&report, &reports_dir.join(report::MARKDOWN)))
    }
}

/// The drift check of `cargo xtask gate`: the distributions the gate has just built, never
/// building others.
pub const GATE_CHECK: GateCheck = GateCheck {
    name: "drift",
    does: "compare the wheel families and the sdist",
    needs: &["wheels"],
    reports: &report::FILES,
    run: for_gate,
};

fn for_gate(ctx: &gate::Context<'_>) -> Conclusion {
    let report = check(ctx.sh, &ctx.wheel_dir, false);
    let mut conclusion = conclusion(&report, &ctx.reports_dir.join(report::MARKDOWN));
    if let Err(err) = publish(&report, &ctx.reports_dir, ctx.sh) {
        conclusion.status = Status::CouldNotRun;
        conclusion
            .reasons
            .push(format!("write the drift reports: {err:#}"));
    }
    conclusion
}

/// What a drift run concluded: the verdict in a line, then why it did not pass (the problems,
/// then the first findings).
fn conclusion(report: &Report, markdown: &Path) -> Conclusion {
    let findings = report.findings.len();
    let summary = match report.verdict {
        Status::Passed => "no drift between the wheel families and the sdist".to_owned(),
        Status::Failed => format!("{findings} difference(s) found"),
        _ => "the comparison could not run".to_owned(),
    };
    let mut reasons = report.problems.clone();
    reasons.extend(report.findings.iter().take(GATE_FINDINGS).map(|finding| {
        format!(
            "{} {}: {}",
            finding.check.name(),
            finding.subject,
            finding.message
        )
    }));
    if findings > GATE_FINDINGS {
        reasons.push(format!(
            "… {} more in {}",
            findings - GATE_FINDINGS,
            markdown.display()
        ));
    }
    Conclusion::new(report.verdict, summary).with_reasons(reasons)
}

/// The texts of the files in the source tree that state the version.
#[derive(Debug, Clone)]
pub struct Sources {
    pub cargo_toml: String,
    pub pyproject: String,
    pub version_py: String,
}

impl Sources {
    pub fn read(root: &Path) -> anyhow::Result<Sources> {
        let read = |path: &str| {
            std::fs::read_to_string(root.join(path)).with_context(|| format!("read {path}"))
        };
        Ok(Sources {
            cargo_toml: read(version::CARGO_TOML)?,
            pyproject: read(version::PYPROJECT)?,
            version_py: read(version::VERSION_PY)?,
        })
    }
}

/// The whole drift check: finds (or builds) the distributions, compares them, probes the API.
/// Never fails: what stops it becomes a problem in the report, whose verdict is then
/// `could_not_run`.
pub fn check(sh: &Shell, dir: &Path, build: bool) -> Report {
    let sources = match Sources::read(&sh.current_dir()) {
        Ok(sources) => sources,
        Err(err) => return could_not_run(format!("{err:#}")),
    };
    let dev = match python::dev_venv(sh) {
        Ok(dev) => dev,
        Err(err) => return could_not_run(format!("set up .venv: {err:#}")),
    };
    let located = match prepare(sh, &dev, dir, build) {
        Ok(located) => located,
        Err(err) => return could_not_run(format!("{err:#}")),
    };
    compare(sh, &dev, &sources, &located, dir, true)
}

/// Compares the distributions `located` (found in `dir`); with `probe_api`, also installs the
/// native wheel and compares the backends' API, else the API check is reported skipped.
pub fn compare(
    sh: &Shell,
    dev: &Venv,
    sources: &Sources,
    located: &[Located],
    dir: &Path,
    probe_api: bool,
) -> Report {
    // Paths relative to the project root: the report holds no host data outside `environment`.
    let root = sh.current_dir();
    let shown = dir.strip_prefix(&root).unwrap_or(dir);
    let mut problems = artifact::incomplete(located, shown);
    let mut env = environment();
    let mut analysis = analyse(sources, located);
    match &analysis.native_for_api {
        Some(native) if probe_api => match api::probe(sh, dev, native) {
            Ok(snapshot) => {
                env.python = Some(snapshot.python_version.clone());
                let found = api::diff(&snapshot);
                analysis.add(Check::Api, api::compared(&snapshot), found, false);
            }
            Err(err) => {
                problems.push(format!("the API probe failed: {err:#}"));
                analysis.summary(Check::Api, "-".into(), Status::CouldNotRun, 0);
            }
        },
        Some(_) => {
            let why = "not probed in this run";
            analysis.summary(Check::Api, why.into(), Status::NotRun, 0);
        }
        None => {
            let why = "no readable native wheel to install";
            analysis.summary(Check::Api, why.into(), Status::NotRun, 0);
        }
    }
    analysis.into_report(problems, env)
}

/// The distributions in `dir`, built first when one is missing and building is allowed.
fn prepare(sh: &Shell, dev: &Venv, dir: &Path, build: bool) -> anyhow::Result<Vec<Located>> {
    let located = artifact::locate(dir)?;
    let shown = dir.strip_prefix(sh.current_dir()).unwrap_or(dir);
    let missing = artifact::incomplete(&located, shown);
    if missing.is_empty() || !build {
        return Ok(located);
    }
    term::info(format_args!(
        "drift: building the distributions first ({})",
        missing.join("; ")
    ));
    wheels::build(sh, dev, dir, crate::flags::defaults::COMPATIBILITY)
}

fn could_not_run(problem: String) -> Report {
    Report::new(
        Vec::new(),
        Vec::new(),
        Vec::new(),
        vec![problem],
        environment(),
    )
}

fn environment() -> Environment {
    Environment {
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        python: None,
        generated_at_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

/// Writes the JSON and markdown reports, prints the table, and feeds CI's step summary.
pub fn publish(report: &Report, reports_dir: &Path, sh: &Shell) -> anyhow::Result<()> {
    let summary = step_summary(sh.var_os("GITHUB_STEP_SUMMARY"));
    let report = &Report {
        commit: crate::gate::commit(sh),
        ..report.clone()
    };
    publish_json_and_markdown(
        "drift",
        reports_dir,
        [report::JSON, report::MARKDOWN],
        report,
        &MarkdownEmitter,
        summary.as_deref(),
    )?;
    print!(
        "{}",
        String::from_utf8_lossy(&render(&TerminalEmitter, report)?)
    );
    Ok(())
}

/// What the file-level checks found, before the API probe joins in.
pub struct Analysis {
    artifacts: Vec<report::Artifact>,
    checks: Vec<CheckSummary>,
    findings: Vec<Finding>,
    /// The distributions that could not be read, each of which leaves the run without a
    /// verdict (`artifact::read` draws the line).
    problems: Vec<String>,
    /// A native wheel that could be read, to install for the API probe.
    pub native_for_api: Option<PathBuf>,
}

impl Analysis {
    fn summary(&mut self, check: Check, compared: String, status: Status, findings: usize) {
        self.checks.push(CheckSummary {
            check,
            compared,
            status,
            findings,
        });
    }

    /// Records a check's findings; `incomplete` when some input is missing or could not be read
    /// (a problem says why), so that a clean result is `skipped`, never `ok`.
    fn add(&mut self, check: Check, compared: String, found: Vec<Finding>, incomplete: bool) {
        let status = match (found.is_empty(), incomplete) {
            (false, _) => Status::Failed,
            (true, true) => Status::NotRun,
            (true, false) => Status::Passed,
        };
        self.summary(check, compared, status, found.len());
        self.findings.extend(found);
    }

    /// The report, with `problems` (what stopped the run outside the analysis) before the
    /// analysis's own.
    pub fn into_report(self, mut problems: Vec<String>, env: Environment) -> Report {
        problems.extend(self.problems);
        Report::new(self.artifacts, self.checks, self.findings, problems, env)
    }
}

/// Reads every distribution and runs the checks that need no Python: artifact, metadata,
/// files and version.
pub fn analyse(sources: &Sources, located: &[Located]) -> Analysis {
    let mut analysis = Analysis {
        artifacts: located.iter().map(Located::artifact).collect(),
        checks: Vec::new(),
        findings: Vec::new(),
        problems: Vec::new(),
        native_for_api: None,
    };
    // With a family missing, what was compared is only part of the story: checks that found
    // nothing say `skipped`, never `ok`.
    let missing_family = [Family::Pure, Family::Native, Family::Sdist]
        .iter()
        .any(|family| !located.iter().any(|l| l.family == *family));
    let mut read: Vec<Contents> = Vec::new();
    let mut artifact_findings = Vec::new();
    for l in located {
        match artifact::read(l) {
            Ok((contents, found)) => {
                if l.family == Family::Native && found.is_empty() {
                    analysis
                        .native_for_api
                        .get_or_insert_with(|| l.path.clone());
                }
                artifact_findings.extend(found);
                read.push(contents);
            }
            Err(why) => analysis.problems.push(why),
        }
    }
    let unreadable = analysis.problems.len();
    let compared = format!(
        "{} distributions: archive, METADATA, WHEEL tags, RECORD hashes and sizes",
        located.len()
    );
    if unreadable > 0 {
        // The problems say which could not be read; what the others showed is still listed.
        let count = artifact_findings.len();
        analysis.summary(Check::Artifact, compared, Status::CouldNotRun, count);
        analysis.findings.extend(artifact_findings);
    } else {
        analysis.add(Check::Artifact, compared, artifact_findings, missing_family);
    }
    let pure = read.iter().find(|c| c.located.family == Family::Pure);
    let others: Vec<&Contents> = read
        .iter()
        .filter(|c| c.located.family != Family::Pure)
        .collect();

    // Metadata: every other distribution against the pure wheel.
    let mut found = Vec::new();
    let mut incomplete = unreadable > 0 || missing_family;
    match pure {
        Some(pure) => {
            for other in &others {
                found.extend(metadata::compare(
                    &metadata::Side {
                        label: &pure.located.label,
                        metadata: &pure.metadata,
                    },
                    &metadata::Side {
                        label: &other.located.label,
                        metadata: &other.metadata,
                    },
                ));
            }
        }
        None => incomplete = true,
    }
    analysis.add(
        Check::Metadata,
        format!(
            "{} fields and the description, {} distributions",
            metadata::FIELD_COUNT,
            located.len()
        ),
        found,
        incomplete,
    );

    // Package files: each native wheel against the pure wheel.
    let natives: Vec<&Contents> = others
        .iter()
        .copied()
        .filter(|c| c.located.family == Family::Native)
        .collect();
    let (found, compared) = match pure {
        Some(pure) => compare_files(pure, &natives),
        None => (Vec::new(), "no readable pure wheel".to_owned()),
    };
    analysis.add(
        Check::Files,
        compared,
        found,
        pure.is_none() || natives.is_empty(),
    );

    // Versions: the sources, then what each distribution states.
    let mut stated =
        version::in_sources(&sources.cargo_toml, &sources.pyproject, &sources.version_py);
    for l in located {
        stated.push(Stated::new(
            format!("{} file name {}", l.label, l.file),
            Ok(l.version.clone()),
            Spelling::Pep440,
        ));
    }
    for c in &read {
        stated.extend(stated_by(c));
    }
    let found: Vec<Finding> = version::disagreements(&stated, None)
        .into_iter()
        .map(|(place, why)| Finding::new(Check::Version, place, why))
        .collect();
    analysis.add(
        Check::Version,
        format!("{} places", stated.len()),
        found,
        unreadable > 0 || missing_family,
    );
    analysis
}

/// The versions a distribution states inside: METADATA/PKG-INFO, its `_version.py`, and an
/// sdist's pyproject.toml.
fn stated_by(contents: &Contents) -> Vec<Stated> {
    let label = &contents.located.label;
    let mut stated = Vec::new();
    let field = if contents.located.family == Family::Sdist {
        "PKG-INFO"
    } else {
        "METADATA"
    };
    stated.push(Stated::new(
        format!("{label} {field} Version"),
        contents
            .metadata
            .get("Version")
            .map(str::to_owned)
            .ok_or_else(|| "has no Version".to_owned()),
        Spelling::Pep440,
    ));
    let version_py = contents.files.iter().find(|(path, _)| {
        *path == "dictwalk/_version.py" || path.ends_with("/dictwalk/_version.py")
    });
    let text = version_py
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .ok_or_else(|| "has no dictwalk/_version.py".to_owned());
    stated.push(Stated::new(
        format!("{label} dictwalk/_version.py __version__"),
        text.and_then(|t| version::version_py_string(&t)),
        Spelling::Pep440,
    ));
    if contents.located.family == Family::Sdist {
        let text = contents
            .files
            .get("pyproject.toml")
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .ok_or_else(|| "has no pyproject.toml".to_owned());
        stated.push(Stated::new(
            format!("{label} pyproject.toml [project] version"),
            text.and_then(|t| version::toml_string(&t, &["project", "version"])),
            Spelling::Pep440,
        ));
    }
    stated
}

/// Compiled code: an extension module or a shared library.
fn is_native_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".so")
        || name.contains(".so.")
        || name.ends_with(".pyd")
        || name.ends_with(".dylib")
}

/// The extension module `dictwalk._native` (`_native.abi3.so`, `_native.cp311-win_amd64.pyd`).
fn is_native_module(path: &str) -> bool {
    path.strip_prefix("dictwalk/_native.").is_some() && is_native_code(path)
}

/// A package file's bytes in the pure wheel and in a native wheel, where it is there.
type FilePair<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

fn compare_files(pure: &Contents, natives: &[&Contents]) -> (Vec<Finding>, String) {
    let mut found = Vec::new();
    let pure_files = pure.package_files();
    let pure_label = &pure.located.label;
    for path in pure_files.keys().filter(|p| is_native_code(p)) {
        found.push(Finding::new(
            Check::Files,
            *path,
            format!(
                "the {pure_label} contains native code; it must run anywhere on the python backend"
            ),
        ));
    }
    for required in REQUIRED_FILES {
        if !pure_files.contains_key(required) {
            found.push(Finding::new(
                Check::Files,
                required,
                format!("missing from the {pure_label}"),
            ));
        }
    }
    for native in natives {
        let label = &native.located.label;
        let files = native.package_files();
        let modules: Vec<&str> = files
            .keys()
            .copied()
            .filter(|p| is_native_module(p))
            .collect();
        match modules.as_slice() {
            [_] => {}
            [] => found.push(Finding::new(
                Check::Files,
                "dictwalk/_native.*",
                format!("the {label} has no extension module dictwalk._native"),
            )),
            many => found.push(Finding::new(
                Check::Files,
                "dictwalk/_native.*",
                format!(
                    "the {label} has {} extension modules: {}",
                    many.len(),
                    many.join(", ")
                ),
            )),
        }
        for required in REQUIRED_FILES {
            if !files.contains_key(required) {
                found.push(Finding::new(
                    Check::Files,
                    required,
                    format!("missing from the {label}"),
                ));
            }
        }
        let all: BTreeMap<&str, FilePair<'_>> = pure_files
            .keys()
            .chain(files.keys())
            .filter(|p| !is_native_module(p))
            .map(|p| (*p, (pure_files.get(p).copied(), files.get(p).copied())))
            .collect();
        for (path, sides) in all {
            let message = match sides {
                (Some(_), None) => format!("in the {pure_label} but not in the {label}"),
                (None, Some(_)) => format!("in the {label} but not in the {pure_label}"),
                (Some(a), Some(b)) if a != b => format!(
                    "differs: {} bytes ({}) in the {pure_label}, {} bytes ({}) in the {label}; {}",
                    a.len(),
                    short_hash(a),
                    b.len(),
                    short_hash(b),
                    metadata::first_difference(
                        &String::from_utf8_lossy(a),
                        &String::from_utf8_lossy(b)
                    )
                ),
                _ => continue,
            };
            found.push(Finding::new(Check::Files, path, message));
        }
    }
    let compared = format!(
        "{} package files of the pure wheel against {} native wheel{}",
        pure_files.len(),
        natives.len(),
        if natives.len() == 1 { "" } else { "s" }
    );
    (found, compared)
}

fn short_hash(bytes: &[u8]) -> String {
    let hash = artifact::record_hash(bytes);
    hash.chars().take("sha256=".len() + 12).collect()
}
