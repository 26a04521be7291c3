//! `reports/index.html`: one self-contained page of the gate's evidence, made from the JSON
//! reports already in the reports folder (`cargo xtask report`, and the gate at its end). Its
//! sections: the verdict and the default-backend decision, the checks, parity by area, drift,
//! the benchmarks with their charts and trend, and the migration board.
//!
//! `sources.rs` reads each report on its own: one that is missing, cut short or of an unknown
//! `schema_version` leaves its section saying "missing" with the reason, and the command exits 2
//! naming the file (the page is still written with what could be read, so that the rest can be
//! seen). Each section names the report it came from, its commit and time, and says so when that
//! commit is not HEAD. `page.rs` turns the reports into the template's model, `charts.rs` draws
//! the charts (plotters' SVG backend), and `templates/index.html.jinja` is the page (minijinja,
//! embedded at compile time, HTML autoescaping on). The page loads nothing: its CSS and SVG are
//! inline and it has no script. `browser.rs` (a test) opens it in headless Chromium.

#[cfg(test)]
mod browser;
mod charts;
mod page;
mod sources;

use std::path::{Path, PathBuf};

use anyhow::Context;
use minijinja::{AutoEscape, Environment};
use xshell::Shell;

use crate::{
    flags,
    report::{publish, shown},
    status::{Conclusion, Status},
    term,
};

/// The page's file name in the reports folder.
pub const PAGE: &str = "index.html";

const TEMPLATE: &str = include_str!("templates/index.html.jinja");

/// A rendered page and the reasons of the reports it could not use, one line each.
pub struct Page {
    pub html: String,
    pub missing: Vec<String>,
}

impl flags::Report {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let root = sh.current_dir();
        let dir = root.join(&self.reports_dir);
        if !dir.is_dir() {
            anyhow::bail!(
                "the reports folder {} does not exist (cargo xtask gate writes it)",
                shown(&root, &dir)
            );
        }
        let (path, missing) = write(sh, &root, &dir)?;
        Ok(conclusion(&shown(&root, &path), missing))
    }
}

/// Exit 2 when some report could not be used: the page was written, but it cannot show all of
/// the evidence.
fn conclusion(page: &str, missing: Vec<String>) -> Conclusion {
    if missing.is_empty() {
        Conclusion::new(Status::Passed, format!("wrote {page} from every report"))
    } else {
        let n = missing.len();
        Conclusion::new(
            Status::CouldNotRun,
            format!(
                "wrote {page}, but {n} report{} could not be used",
                if n == 1 { "" } else { "s" }
            ),
        )
        .with_reasons(missing)
    }
}

/// Renders the page from the reports in `dir` and publishes it atomically; returns its path and
/// the reasons of the reports it could not use.
pub fn write(sh: &Shell, root: &Path, dir: &Path) -> anyhow::Result<(PathBuf, Vec<String>)> {
    let page = render(root, dir, crate::gate::full_commit(sh).as_deref())?;
    let written = publish("report", dir, &[(PAGE, page.html.into_bytes())], None)?;
    let path = written.into_iter().next().unwrap_or_else(|| dir.join(PAGE));
    Ok((path, page.missing))
}

/// What the gate calls once its reports are written: the page, whose failures are only
/// warned about (the gate's verdict is gate.json's, and the page is a view of it).
pub fn after_gate(sh: &Shell, root: &Path, dir: &Path) {
    match write(sh, root, dir) {
        Ok((_, missing)) => {
            for reason in missing {
                term::warn(format_args!("report: the page shows as missing: {reason}"));
            }
        }
        Err(err) => term::warn(format_args!("report: {PAGE} was not written: {err:#}")),
    }
}

/// The page for the reports in `dir`, `head` being the commit checked out (none outside git).
pub fn render(root: &Path, dir: &Path, head: Option<&str>) -> anyhow::Result<Page> {
    let model = page::build(root, dir, head)?;
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("index.html", TEMPLATE)
        .context("parse the page's template")?;
    let html = env
        .get_template("index.html")
        .and_then(|template| template.render(minijinja::value::Serde(&model)))
        .context("render the page's template")?;
    Ok(Page {
        html,
        missing: model.missing,
    })
}

/// The names a Chromium goes by on Linux distributions, in the order they are looked for.
const CHROMIUM: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome-stable",
    "google-chrome",
];

/// The Chromium the browser test drives: `$CHROME` when set to a file, else the first of
/// `CHROMIUM` on the PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROME").map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| CHROMIUM.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The line `cargo xtask test` and the test itself print where no Chromium is found.
pub const NO_CHROMIUM: &str = "no Chromium found (install Debian's chromium, or set CHROME): \
     the browser test of reports/index.html is skipped";

/// The fixture reports the tests render: `xtask/tests/report/`.
#[cfg(test)]
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/report")
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    /// The fixture commit the reports describe (`xtask/tests/report/*.json`).
    pub const FIXTURE_HEAD: &str = "1a2b3c4d5e6f00112233445566778899aabbccdd";

    fn fixture_page() -> anyhow::Result<Page> {
        render(&fixtures(), &fixtures(), Some(FIXTURE_HEAD))
    }

    #[test]
    fn every_section_is_there_with_its_origin() -> anyhow::Result<()> {
        let page = fixture_page()?;
        assert_eq!(page.missing, Vec::<String>::new());
        for (id, _) in page::SECTIONS {
            assert!(page.html.contains(&format!("<section id=\"{id}\"")), "{id}");
        }
        assert!(page.html.contains("From <code>parity.json</code>"));
        assert_eq!(
            page.html.matches("<figure>").count(),
            4,
            "a chart per scenario"
        );
        assert!(page.html.contains("Not measured by this run: plain."));
        // The history's five runs in three charts; its cut line skipped and counted.
        let trend = &page.html[page.html.find("<section id=\"trend\"").unwrap_or(0)..];
        let trend = &trend[..trend.find("</section>").unwrap_or(trend.len())];
        assert!(trend.contains("5 gate runs"), "{trend}");
        assert!(trend.contains("1 line skipped"));
        assert_eq!(trend.matches("<svg").count(), 3);
        // The bench report alone is of another commit than HEAD, and the page says so there.
        assert_eq!(page.html.matches("This is not HEAD").count(), 1);
        let bench = &page.html[page.html.find("<section id=\"bench\"").unwrap_or(0)..];
        let end = bench.find("</section>").unwrap_or(bench.len());
        assert!(bench[..end].contains("This is not HEAD"));
        assert!(page.html.contains("Default backend: keep"));
        assert!(page.html.contains("not met"));
        Ok(())
    }

    #[test]
    fn the_page_names_no_url_and_loads_nothing() -> anyhow::Result<()> {
        let html = fixture_page()?.html;
        for needle in [
            "http:", "https:", "src=", "url(", "@import", "<link", "<script",
        ] {
            assert!(!html.contains(needle), "the page holds {needle}");
        }
        Ok(())
    }

    #[test]
    fn text_from_the_reports_is_escaped() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for entry in fs::read_dir(fixtures())? {
            let entry = entry?;
            fs::copy(entry.path(), dir.path().join(entry.file_name()))?;
        }
        let gate = dir.path().join("gate.json");
        let text = fs::read_to_string(&gate)?.replacen(
            "\"reasons\": [",
            "\"reasons\": [\"<script>alert(1)</script>\", ",
            1,
        );
        fs::write(&gate, text)?;
        let html = render(dir.path(), dir.path(), Some(FIXTURE_HEAD))?.html;
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;alert(1)"));
        Ok(())
    }

    #[test]
    fn a_gate_report_of_schema_1_keeps_the_default_and_has_no_rollback() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for entry in fs::read_dir(fixtures())? {
            let entry = entry?;
            fs::copy(entry.path(), dir.path().join(entry.file_name()))?;
        }
        let gate = dir.path().join("gate.json");
        let mut value: serde_json::Value = serde_json::from_str(&fs::read_to_string(&gate)?)?;
        value["schema_version"] = 1.into();
        if let Some(object) = value.as_object_mut() {
            object.remove("default_backend");
        }
        if let Some(checks) = value["checks"].as_array_mut() {
            checks.retain(|check| check["name"] != "rollback");
        }
        fs::write(&gate, serde_json::to_string(&value)?)?;
        let page = render(dir.path(), dir.path(), Some(FIXTURE_HEAD))?;
        assert!(page.missing.is_empty(), "{:?}", page.missing);
        assert!(page.html.contains("Default backend: keep"));
        assert!(page.html.contains("records no default-backend decision"));
        assert!(page.html.contains("Not run by this gate"));
        Ok(())
    }

    #[test]
    fn a_bad_report_is_a_missing_section_and_exit_2_naming_the_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        for entry in fs::read_dir(fixtures())? {
            let entry = entry?;
            fs::copy(entry.path(), dir.path().join(entry.file_name()))?;
        }
        let bench = dir.path().join("bench.json");
        let text = fs::read_to_string(&bench)?;
        fs::write(&bench, &text[..text.len() / 3])?;
        fs::remove_file(dir.path().join("status.json"))?;
        let page = render(dir.path(), dir.path(), Some(FIXTURE_HEAD))?;
        assert_eq!(page.missing.len(), 2, "{:?}", page.missing);
        assert!(page.missing[0].starts_with("bench.json is not valid JSON (cut short"));
        assert_eq!(
            page.missing[1],
            "status.json is missing (cargo xtask status writes it)"
        );
        assert!(page.html.contains("Missing: bench.json is not valid JSON"));
        // The bench figures of the cut report are not shown as current.
        assert!(!page.html.contains("<figure>"), "a chart of the cut report");
        let conclusion = conclusion("reports/index.html", page.missing);
        assert_eq!(conclusion.status.code(), 2);
        assert_eq!(conclusion.reasons.len(), 2);
        Ok(())
    }
}
