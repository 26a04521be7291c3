//! The workflows' lints, steps of `cargo xtask lint`: zizmor (a GitHub Actions analyser, with
//! `.github/zizmor.yml`) and check-jsonschema's built-in GitHub workflow schema, both pinned in
//! the dev venv, then shellcheck on every `run:` block and on `.ci/run` where Debian's
//! shellcheck is installed.

use std::path::PathBuf;

use xshell::{cmd, Shell};

use crate::{
    python::Venv,
    status::{Conclusion, Status},
    steps::{judge_exit_code, Steps},
};

const WORKFLOWS: &str = ".github/workflows";

/// Where the `run:` blocks are written as scripts for shellcheck.
const SCRIPTS: &str = "target/workflow-scripts";

/// Writes each `run:` block of the workflows given as arguments to `<out>/<file>.<job>.<n>.sh`
/// (bash, as GitHub runs them: `bash -e`), with the `${{ }}` expressions replaced by a plain
/// word so that shellcheck sees the shell only. ruamel.yaml comes with check-jsonschema.
const EXTRACT: &str = r##"
import pathlib, re, sys
from ruamel.yaml import YAML
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
for old in out.glob("*.sh"):
    old.unlink()
for name in sys.argv[2:]:
    workflow = YAML(typ="safe").load(pathlib.Path(name).read_text())
    for job_name, job in (workflow.get("jobs") or {}).items():
        for n, step in enumerate(job.get("steps") or []):
            if "run" in step:
                body = re.sub(r"\$\{\{.*?\}\}", "EXPR", step["run"])
                script = out / f"{pathlib.Path(name).stem}.{job_name}.{n}.sh"
                script.write_text("#!/usr/bin/env bash\nset -e\n" + body + "\n")
"##;

/// Every workflow lint as a step of `steps`.
pub fn check(sh: &Shell, venv: &Venv, steps: &mut Steps) {
    let files = match workflow_files(sh) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            steps.skip("workflows", format!("no {WORKFLOWS}/*.yml"));
            return;
        }
        Err(err) => {
            steps.record(
                "workflows",
                Conclusion::new(Status::CouldNotRun, format!("list {WORKFLOWS}: {err}")),
            );
            return;
        }
    };
    let zizmor = venv.bin("zizmor");
    steps.run(
        "zizmor",
        cmd!(sh, "{zizmor} --offline --no-progress {WORKFLOWS}"),
        judge_exit_code,
    );
    let schema = venv.bin("check-jsonschema");
    let paths = &files;
    steps.run(
        "workflow schema",
        cmd!(
            sh,
            "{schema} --builtin-schema vendor.github-workflows {paths...}"
        ),
        judge_exit_code,
    );
    if cmd!(sh, "shellcheck --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_err()
    {
        steps.skip(
            "shellcheck",
            "shellcheck is not installed (apt-get install shellcheck)",
        );
        return;
    }
    let python = venv.python();
    let out = sh.current_dir().join(SCRIPTS);
    if steps.run(
        "run: blocks",
        cmd!(sh, "{python} -I -c {EXTRACT} {out} {files...}"),
        judge_exit_code,
    ) != Status::Passed
    {
        return;
    }
    let mut scripts: Vec<PathBuf> = sh
        .read_dir(&out)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    scripts.sort();
    scripts.push(sh.current_dir().join(".ci/run"));
    steps.run(
        "shellcheck",
        cmd!(sh, "shellcheck {scripts...}"),
        judge_exit_code,
    );
}

fn workflow_files(sh: &Shell) -> anyhow::Result<Vec<PathBuf>> {
    let dir = sh.current_dir().join(WORKFLOWS);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files: Vec<PathBuf> = sh
        .read_dir(&dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}
