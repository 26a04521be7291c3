//! `reports/junit.xml` for CI test views, written by quick-junit: a test suite per backend and a
//! test case per corpus case. Fail and stale are failures, a case that did not run is an error
//! (it must not look fine), n/a is skipped, and a declared divergence passes with its reason
//! in the case's output.

use std::io;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::parity::model::{CaseStatus, ParityRun};
use crate::report::Emitter;

pub struct JunitEmitter;

impl Emitter<ParityRun> for JunitEmitter {
    fn emit(&self, out: &mut dyn io::Write, run: &ParityRun) -> io::Result<()> {
        report(run)
            .serialize(out)
            .map_err(|err| io::Error::other(err.to_string()))
    }
}

fn report(run: &ParityRun) -> Report {
    let mut report = Report::new("dictwalk parity");
    report.set_time(run.elapsed);
    for backend in &run.backends {
        let mut suite = TestSuite::new(format!("parity {}", backend.backend));
        suite.set_time(backend.elapsed);
        if let Some(why) = backend.state.reason() {
            suite.set_system_err(format!("{}: {why}", backend.state.name()));
        }
        for result in &backend.results {
            let status = match result.status {
                CaseStatus::Pass | CaseStatus::Declared => TestCaseStatus::success(),
                CaseStatus::Fail | CaseStatus::Mutated | CaseStatus::Stale => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status
                        .set_type(result.status.label())
                        .set_message(result.detail.as_str());
                    status
                }
                CaseStatus::NotRun => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                    status
                        .set_type("not run")
                        .set_message(result.detail.as_str());
                    status
                }
                CaseStatus::NotApplicable => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(result.detail.as_str());
                    status
                }
            };
            let mut case = TestCase::new(result.id.as_str(), status);
            case.set_classname(format!("{}.{}", backend.backend, result.file))
                .set_time(result.elapsed);
            if result.status == CaseStatus::Declared {
                case.set_system_out(format!("declared divergence: {}", result.detail));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parity::report::tests::sample, report::render};

    #[test]
    fn junit_report() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&JunitEmitter, &sample())?)?;
        insta::assert_snapshot!(text);
        Ok(())
    }

    #[test]
    fn the_xml_reads_back_with_the_same_counts() -> anyhow::Result<()> {
        let run = sample();
        let text = String::from_utf8(render(&JunitEmitter, &run)?)?;
        let parsed = Report::deserialize_from_str(&text)?;
        assert_eq!(parsed.test_suites.len(), run.backends.len());
        assert_eq!(
            parsed.tests,
            run.backends.len() * run.selection.case_ids.len()
        );
        // rust: a fail, a crash and a stale declaration; legacy: four cases not run.
        assert_eq!((parsed.failures, parsed.errors, parsed.skipped), (3, 4, 1));
        let rust = &parsed.test_suites[1];
        assert_eq!(rust.name.as_str(), "parity rust");
        let crashed = rust
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == "f.sum")
            .ok_or_else(|| anyhow::anyhow!("no f.sum"))?;
        match &crashed.status {
            TestCaseStatus::NonSuccess { message, .. } => {
                let message = message.as_ref().map(|m| m.as_str()).unwrap_or_default();
                assert!(message.contains("the worker crashed"), "{message}");
            }
            other => anyhow::bail!("f.sum is {other:?}"),
        }
        Ok(())
    }
}
