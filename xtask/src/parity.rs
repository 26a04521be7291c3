//! `cargo xtask parity`: runs the parity corpus on one backend with `python/tests/differential.py`.
//! A first, minimal runner: one backend per call, the script's report and exit code as they are.

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

use crate::{
    flags::{self, ParityBackend},
    outcome::Outcome,
    python, steps,
};

const SCRIPT: &str = "python/tests/differential.py";

impl flags::Parity {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Outcome> {
        let script = sh.current_dir().join(SCRIPT);
        let backend = self.backend.name();
        let verbose = self.verbose.then_some("--verbose");
        let status = match self.backend {
            ParityBackend::Legacy => {
                let venv = python::legacy_venv(sh)?;
                let python = venv.python();
                // `import dictwalk` must find 2.6.0 in the venv, never this project's `python/`:
                // no PYTHONPATH, and a working directory with no `dictwalk` package in it. The
                // script's own directory (`python/tests`) is on sys.path for its `corpus` module.
                let _dir = sh.push_dir(venv.dir());
                let run = cmd!(sh, "{python} {script} --backend {backend} {verbose...}")
                    .env_remove("PYTHONPATH");
                steps::stream("parity", run).context("run the parity corpus on dictwalk 2.6.0")?
            }
            ParityBackend::Python => {
                let venv = python::dev_venv(sh)?;
                let python = venv.python();
                let package_root = sh.current_dir().join("python");
                let run = cmd!(sh, "{python} {script} --backend {backend} {verbose...}")
                    .env("PYTHONPATH", package_root);
                steps::stream("parity", run)
                    .context("run the parity corpus on the python backend")?
            }
        };
        // The script's own codes: 0 agrees, 1 undeclared or stale differences, 2 malformed corpus.
        match status.code() {
            Some(0) => Ok(Outcome::Pass),
            Some(1) => Ok(Outcome::Fail),
            Some(2) => Ok(Outcome::CannotRun),
            _ => bail!("{SCRIPT} ended abnormally ({status})"),
        }
    }
}
