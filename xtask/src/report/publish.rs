//! Publication, the same for every report: when a run starts the work a report describes, the
//! earlier report is set aside into `<reports-dir>/not-current/`; when the run has produced its
//! replacement, the new report is written atomically and the set-aside copy goes. So a report
//! where readers look is always a finished run's, a run that stops midway (Ctrl-C, a crash)
//! leaves none that could be taken for its own, and a run that never starts its work (bad
//! input) touches nothing.

use std::{
    ffi::OsString,
    fs,
    path::{Path, PathBuf},
};

use anyhow::Context;

use serde::Serialize;

use super::{render, Emitter, Json};
use crate::{atomic, term};

/// The folder, inside the reports folder, that holds the reports a running (or interrupted) run
/// is replacing.
pub const NOT_CURRENT: &str = "not-current";

/// Moves each report of `names` present in `dir` to `dir/not-current/`, replacing an older copy
/// there. Returns nothing to undo: the copies are the last good reports until `publish`
/// replaces them.
pub fn set_aside(dir: &Path, names: &[&str]) -> anyhow::Result<()> {
    let aside = dir.join(NOT_CURRENT);
    for name in names {
        let current = dir.join(name);
        if !current.exists() {
            continue;
        }
        fs::create_dir_all(&aside).with_context(|| format!("create {}", aside.display()))?;
        let target = aside.join(name);
        fs::rename(&current, &target)
            .with_context(|| format!("move {} to {}", current.display(), target.display()))?;
    }
    Ok(())
}

/// Writes each `(name, contents)` into `dir` atomically, in order, removes the set-aside copies
/// of those names, and appends `summary` (markdown) to `step_summary` when given (CI's
/// `$GITHUB_STEP_SUMMARY`, which another program owns, so it is appended to, never replaced).
/// `label` prefixes the "wrote" lines on stderr.
pub fn publish(
    label: &str,
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    step_summary: Option<(&Path, &[u8])>,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        atomic::write(&path, contents)?;
        term::info(format_args!("{label}: wrote {}", path.display()));
        written.push(path);
    }
    let aside = dir.join(NOT_CURRENT);
    for (name, _) in files {
        let stale = aside.join(name);
        if stale.exists() {
            fs::remove_file(&stale).with_context(|| format!("remove {}", stale.display()))?;
        }
    }
    // Only an empty folder goes; failing to remove it is no error (another report is there).
    let _ = fs::remove_dir(&aside);
    if let Some((file, markdown)) = step_summary {
        atomic::append(file, markdown)?;
    }
    Ok(written)
}

/// A report in its two usual formats: `json` (the shared `Json` renderer) and `markdown`
/// (rendered by `emitter`, and also appended to `step_summary` when given), published as
/// `publish` does.
pub fn publish_json_and_markdown<R: Serialize>(
    label: &str,
    dir: &Path,
    [json, markdown]: [&str; 2],
    report: &R,
    emitter: &dyn Emitter<R>,
    step_summary: Option<&Path>,
) -> anyhow::Result<Vec<PathBuf>> {
    let rendered = render(emitter, report)?;
    let files = [(json, render(&Json, report)?), (markdown, rendered.clone())];
    publish(
        label,
        dir,
        &files,
        step_summary.map(|file| (file, rendered.as_slice())),
    )
}

/// CI's step summary file (`$GITHUB_STEP_SUMMARY`), when set and not empty.
pub fn step_summary(value: Option<OsString>) -> Option<PathBuf> {
    value.filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::file_names;

    #[test]
    fn set_aside_then_publish_leaves_only_the_new_reports() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let reports = dir.path();
        fs::write(reports.join("a.json"), "old a")?;
        fs::write(reports.join("b.md"), "old b")?;
        fs::write(reports.join("other.json"), "another command's")?;
        set_aside(reports, &["a.json", "b.md", "missing.xml"])?;
        assert_eq!(file_names(reports)?, [NOT_CURRENT, "other.json"]);
        assert_eq!(
            fs::read_to_string(reports.join(NOT_CURRENT).join("a.json"))?,
            "old a"
        );

        let summary = reports.join("summary.md");
        publish(
            "test",
            reports,
            &[("a.json", b"new a".to_vec()), ("b.md", b"new b".to_vec())],
            Some((&summary, b"# new\n")),
        )?;
        assert_eq!(
            file_names(reports)?,
            ["a.json", "b.md", "other.json", "summary.md"]
        );
        assert_eq!(fs::read_to_string(reports.join("a.json"))?, "new a");
        assert_eq!(fs::read_to_string(&summary)?, "# new\n");
        Ok(())
    }

    #[test]
    fn an_interrupted_run_leaves_the_last_reports_set_aside() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let reports = dir.path();
        fs::write(reports.join("a.json"), "last good")?;
        set_aside(reports, &["a.json"])?;
        // The run stops here. A second run sets aside again: the last good report stays.
        set_aside(reports, &["a.json"])?;
        assert_eq!(
            fs::read_to_string(reports.join(NOT_CURRENT).join("a.json"))?,
            "last good"
        );
        assert!(!reports.join("a.json").exists());
        Ok(())
    }

    #[test]
    fn the_step_summary_needs_a_non_empty_value() {
        assert_eq!(step_summary(None), None);
        assert_eq!(step_summary(Some(OsString::new())), None);
        assert_eq!(
            step_summary(Some("/tmp/s.md".into())),
            Some(PathBuf::from("/tmp/s.md"))
        );
    }
}
