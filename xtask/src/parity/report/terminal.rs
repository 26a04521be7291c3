//! The terminal summary on stdout: the backends table drawn with `tabled`, what did not run to
//! the end, the baseline counts, then the failing cases, clipped.

use std::io;

use tabled::{builder::Builder, settings::Style};

use crate::report::Emitter;
use crate::{exec::clip_to, parity::model::ParityRun};

/// How many failing cases are listed; the rest are in parity.md and parity.json.
const FAILURES_SHOWN: usize = 40;
/// The widest failure line.
const LINE_WIDTH: usize = 160;

pub struct TerminalEmitter;

impl Emitter<ParityRun> for TerminalEmitter {
    fn emit(&self, out: &mut dyn io::Write, run: &ParityRun) -> io::Result<()> {
        let mut table = Builder::default();
        table.push_record([
            "backend", "cases", "pass", "fail", "mutated", "declared", "stale", "n/a", "not run",
            "time",
        ]);
        for backend in &run.backends {
            let c = backend.counts();
            table.push_record([
                backend.backend.name().to_owned(),
                c.cases.to_string(),
                c.pass.to_string(),
                c.fail.to_string(),
                c.mutated.to_string(),
                c.declared.to_string(),
                c.stale.to_string(),
                c.not_applicable.to_string(),
                c.not_run.to_string(),
                format!("{:.1} s", backend.elapsed.as_secs_f64()),
            ]);
        }
        writeln!(out, "{}", table.build().with(Style::sharp()))?;
        for backend in &run.backends {
            if let Some(why) = backend.state.reason() {
                writeln!(
                    out,
                    "{} {}: {}",
                    backend.backend,
                    backend.state.name().replace('_', " "),
                    clip_to(why, 2 * LINE_WIDTH)
                )?;
            }
        }
        if let Some(comparison) = &run.baseline {
            writeln!(out, "against {}: {}", comparison.file, comparison.summary())?;
        }
        let failures: Vec<String> = run
            .backends
            .iter()
            .flat_map(|b| {
                b.failures().map(move |r| {
                    let line = format!("{} {} {}: {}", b.backend, r.status.label(), r.id, r.detail);
                    clip_to(&line, LINE_WIDTH)
                })
            })
            .collect();
        if !failures.is_empty() {
            writeln!(out, "failing cases:")?;
            for line in failures.iter().take(FAILURES_SHOWN) {
                writeln!(out, "  {line}")?;
            }
            if failures.len() > FAILURES_SHOWN {
                writeln!(
                    out,
                    "  … {} more in parity.md and parity.json",
                    failures.len() - FAILURES_SHOWN
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parity::report::tests::sample, report::render};

    #[test]
    fn terminal_report() -> anyhow::Result<()> {
        insta::assert_snapshot!(String::from_utf8(render(&TerminalEmitter, &sample())?)?);
        Ok(())
    }
}
