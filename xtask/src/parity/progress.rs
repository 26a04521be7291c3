//! The run's progress on stderr: one indicatif bar over every (backend, case) pair, drawn only
//! on a terminal; off a terminal only a line per backend when it finishes.

use std::{
    io::IsTerminal,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::model::{BackendRun, CaseStatus};
use crate::term;

/// Shared by the backends' threads.
pub struct Progress {
    bar: ProgressBar,
    failing: AtomicUsize,
}

impl Progress {
    /// A bar for `total` pairs, drawn when stderr is a terminal.
    pub fn new(total: u64) -> Progress {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        // No colours in the template, so NO_COLOR has nothing to switch off.
        if let Ok(style) = ProgressStyle::with_template(
            "parity [{bar:40}] {pos}/{len} case runs, {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("0 failing");
        if !bar.is_hidden() {
            // Keeps the elapsed time moving while a worker is waited on.
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Progress {
            bar,
            failing: AtomicUsize::new(0),
        }
    }

    /// A bar that draws nothing, for the tests.
    #[cfg(test)]
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            failing: AtomicUsize::new(0),
        }
    }

    pub fn case_done(&self, status: CaseStatus) {
        if status.is_failure() {
            let failing = self.failing.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!("{failing} failing"));
        }
        self.bar.inc(1);
    }

    /// Cases that will not run (a backend stopped) still move the bar to its end.
    pub fn skipped(&self, count: usize) {
        self.bar.inc(count as u64);
    }

    /// A line when a backend has finished, printed above the bar.
    pub fn backend_done(&self, run: &BackendRun) {
        let counts = run.counts();
        let mut line = format!(
            "parity: {} finished in {:.1} s: {} pass, {} fail, {} mutated, {} declared, {} stale, {} n/a",
            run.backend,
            run.elapsed.as_secs_f64(),
            counts.pass,
            counts.fail,
            counts.mutated,
            counts.declared,
            counts.stale,
            counts.not_applicable
        );
        if counts.not_run > 0 {
            line.push_str(&format!(", {} not run", counts.not_run));
        }
        if let Some(why) = run.state.reason() {
            line.push_str(&format!(" ({}: {why})", run.state.name()));
        }
        self.bar.suspend(|| term::info(line));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
