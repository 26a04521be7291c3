//! `cargo xtask drift --self-test`: injects each kind of drift into copies of the real
//! distributions and requires that the drift check names every one.

use std::{fs, path::Path};

use anyhow::{bail, Context};
use tabled::{builder::Builder, settings::Style};
use xshell::Shell;

use crate::{
    artifact,
    drift::report::{Report, TerminalEmitter},
    python,
    status::{Conclusion, Status},
    term::{self, Style as Paint},
};

use super::{
    inject::{Expect, Injection},
    Sources,
};

/// Where the mutated copies go, one directory per injection.
const WORK_DIR: &str = "target/drift-self-test";

pub fn run(sh: &Shell, dir: &Path, build: bool) -> anyhow::Result<Conclusion> {
    let baseline = super::check(sh, dir, build);
    if baseline.verdict != Status::Passed {
        eprint!(
            "{}",
            String::from_utf8_lossy(
                &crate::report::render(&TerminalEmitter, &baseline).unwrap_or_default()
            )
        );
        bail!(
            "the distributions in {} do not pass the drift check themselves ({}): the self-test \
             needs a clean baseline to inject into",
            dir.display(),
            super::report::describe(baseline.verdict)
        );
    }
    term::info("drift self-test: the real distributions have no drift; injecting");
    let dev = python::dev_venv(sh)?;
    let sources = Sources::read(&sh.current_dir())?;
    let located = artifact::locate(dir)?;
    let work = sh.current_dir().join(WORK_DIR);

    let mut table = Builder::default();
    table.push_record(["injected", "must be found as", "found"]);
    let mut missed = 0;
    for injection in Injection::ALL {
        let case_dir = work.join(injection.slug());
        if case_dir.exists() {
            fs::remove_dir_all(&case_dir)
                .with_context(|| format!("remove {}", case_dir.display()))?;
        }
        fs::create_dir_all(&case_dir).with_context(|| format!("create {}", case_dir.display()))?;
        for l in &located {
            fs::copy(&l.path, case_dir.join(&l.file))
                .with_context(|| format!("copy {}", l.path.display()))?;
        }
        let mut case_sources = sources.clone();
        injection
            .apply(&artifact::locate(&case_dir)?, &mut case_sources)
            .with_context(|| format!("inject {}", injection.slug()))?;
        let copies = artifact::locate(&case_dir)?;
        let report = super::compare(
            sh,
            &dev,
            &case_sources,
            &copies,
            &case_dir,
            injection.needs_api(),
        );
        let found = detected(injection.expect(), &report);
        let shown = match &found {
            Some(message) => message.clone(),
            None => {
                missed += 1;
                format!(
                    "NOT FOUND (verdict: {})",
                    super::report::describe(report.verdict)
                )
            }
        };
        term::info(format_args!(
            "drift self-test: {}: {}",
            injection.slug(),
            if found.is_some() {
                term::paint(Paint::Green, "found")
            } else {
                term::paint(Paint::Red, "NOT FOUND")
            }
        ));
        table.push_record([
            injection.describe().to_owned(),
            expected_text(injection.expect()),
            shown,
        ]);
    }
    let mut table = table.build();
    table.with(Style::sharp()).with(
        tabled::settings::Modify::new(tabled::settings::object::Columns::new(2..))
            .with(tabled::settings::Width::wrap(90).keep_words(true)),
    );
    println!("{table}");
    let total = Injection::ALL.len();
    Ok(if missed == 0 {
        Conclusion::new(
            Status::Passed,
            format!("self-test: all {total} injections found"),
        )
    } else {
        Conclusion::new(
            Status::Failed,
            format!("self-test: {missed} of {total} injections NOT found"),
        )
    })
}

fn expected_text(expect: Expect) -> String {
    match expect {
        Expect::Finding(check, text) => format!("{} finding naming {text:?}", check.name()),
        Expect::CannotRun(text) => format!("could not run: {text:?}"),
    }
}

/// The finding or problem that shows the injection was detected, as a line for the table.
pub fn detected(expect: Expect, report: &Report) -> Option<String> {
    match expect {
        Expect::Finding(check, text) => report
            .findings
            .iter()
            .find(|f| f.check == check && (f.subject.contains(text) || f.message.contains(text)))
            .map(|f| format!("{}: {}: {}", f.check.name(), f.subject, f.message)),
        Expect::CannotRun(text) => (report.verdict == Status::CouldNotRun)
            .then(|| report.problems.iter().find(|p| p.contains(text)).cloned())
            .flatten()
            .map(|p| format!("could not run: {p}")),
    }
}
