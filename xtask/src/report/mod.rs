//! What every report of `cargo xtask` shares: one `Emitter` trait over any report model (ruff's
//! emitters: a renderer per format), the JSON renderer, the markdown helpers, the
//! schema-version policy, and publication (`publish.rs`: reports set aside when a run starts
//! its work, written atomically when it has produced their replacements, then CI's step
//! summary). Each command's report model and its other renderers live under that command's
//! module (`drift/report/`, `parity/report/`, `gate/report.rs`).

pub mod html;
pub mod markdown;
mod publish;

use std::io;

use serde::Serialize;

pub use self::publish::{publish, publish_json_and_markdown, set_aside, step_summary, NOT_CURRENT};

/// The layout versions of the JSON reports, in one place. The policy: a report's version is
/// bumped whenever one of its fields changes meaning or goes away (a new field does not bump
/// it), and a reader refuses a version it does not know rather than guess (see
/// `parity/baseline.rs`).
pub mod schema {
    /// `reports/drift.json`.
    pub const DRIFT: u32 = 1;
    /// `reports/parity.json` (also read back as the next run's baseline).
    pub const PARITY: u32 = 1;
    /// `reports/gate.json` (2: the `rollback` check and `default_backend`).
    pub const GATE: u32 = 2;
    /// `reports/bench.json`.
    pub const BENCH: u32 = 1;
    /// `reports/fuzz-mutate.json` (`cargo xtask parity --fuzz N --mutate`).
    pub const FUZZ_MUTATE: u32 = 1;
    /// `reports/publish.json`.
    pub const PUBLISH: u32 = 1;
    /// `reports/status.json` (`cargo xtask status`).
    pub const STATUS: u32 = 1;
    /// Each line of `reports/history.jsonl` (one per gate run).
    pub const HISTORY: u32 = 1;
}

/// Renders a report model `R` in one format.
pub trait Emitter<R: ?Sized> {
    fn emit(&self, out: &mut dyn io::Write, report: &R) -> io::Result<()>;
}

/// A report rendered into memory.
pub fn render<R: ?Sized>(emitter: &dyn Emitter<R>, report: &R) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    emitter.emit(&mut out, report)?;
    Ok(out)
}

/// The JSON format of any serializable model: pretty-printed, ending in a newline.
pub struct Json;

impl<R: Serialize + ?Sized> Emitter<R> for Json {
    fn emit(&self, out: &mut dyn io::Write, report: &R) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}

/// A path as reports name it: relative to the project root when inside it, so that reports
/// hold no host paths outside their `environment` block.
pub fn shown(root: &std::path::Path, path: &std::path::Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_and_ends_in_a_newline() -> io::Result<()> {
        let text = render(&Json, &serde_json::json!({"a": [1]}))?;
        assert_eq!(text, b"{\n  \"a\": [\n    1\n  ]\n}\n");
        Ok(())
    }

    #[test]
    fn shown_paths_are_relative_to_the_root_when_inside_it() {
        use std::path::Path;
        assert_eq!(
            shown(Path::new("/p"), Path::new("/p/reports/a.json")),
            "reports/a.json"
        );
        assert_eq!(shown(Path::new("/p"), Path::new("/q/a.json")), "/q/a.json");
    }
}
