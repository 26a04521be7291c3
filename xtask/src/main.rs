//! `cargo xtask`: the project's developer automation (tests, lints, parity runs, benchmarks,
//! wheels and their drift check, the release version); see
//! `cargo xtask --help`.

mod artifact;
mod atomic;
mod bench;
mod drift;
mod exec;
mod flags;
mod gate;
mod lint;
mod lock;
mod metadata;
mod outcome;
mod parity;
mod python;
mod report;
mod steps;
mod term;
mod test;
mod version;
mod wheels;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Parser;
use xshell::Shell;

use crate::{flags::Subcommand, status::Status};

fn main() -> ExitCode {
    let flags = match flags::Xtask::try_parse() {
        Ok(flags) => flags,
        Err(err) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = err.print();
            return Status::of_parse_error(&err).into();
        }
    };
    // Held until the command has returned; `--help` and `--version` exited above, so they never
    // wait for it.
    let _lock = match project_root().and_then(|root| lock::for_command(&root, &flags)) {
        Ok(lock) => lock,
        Err(err) => {
            term::error(format_args!("{err:#}"));
            return Status::CouldNotRun.into();
        }
    };
    let result = shell().and_then(|sh| match flags.subcommand {
        Subcommand::Test(cmd) => cmd.run(&sh),
        Subcommand::Lint(cmd) => cmd.run(&sh),
        Subcommand::Parity(cmd) => cmd.run(&sh),
        Subcommand::Bench(cmd) => cmd.run(&sh),
        Subcommand::Wheels(cmd) => cmd.run(&sh),
        Subcommand::Drift(cmd) => cmd.run(&sh),
        Subcommand::Version(cmd) => cmd.run(&sh),
        Subcommand::Gate(cmd) => cmd.run(&sh),
    });
    if let Err(err) = &result {
        term::error(format_args!("{err:#}"));
    }
    crate::status::status_of(&result).into()
}

/// One shell for the whole run, rooted at the project root whatever directory cargo was run from.
fn shell() -> anyhow::Result<Shell> {
    let sh = Shell::new().context("create shell")?;
    sh.change_dir(project_root()?);
    Ok(sh)
}

fn project_root() -> anyhow::Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .context("find the project root above xtask/")
}
