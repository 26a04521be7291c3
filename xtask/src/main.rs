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
mod migration;
mod parity;
mod publish;
mod python;
mod report;
mod status;
mod steps;
mod term;
mod test;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tidy;
mod version;
mod wheels;
mod workflows;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Parser;
use xshell::Shell;

use crate::{
    flags::Subcommand,
    status::{closing_line, status_of, status_of_parse_error, Status},
};

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let flags = match flags::Xtask::try_parse_from(&args) {
        Ok(flags) => flags,
        Err(err) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = err.print();
            return status_of_parse_error(&err).into();
        }
    };
    flags::warn_renamed(&args);
    let command = flags.subcommand.name();
    // Held until the command has returned; `--help` and `--version` exited above, so they never
    // wait for it.
    let _lock = match project_root().and_then(|root| lock::for_command(&root, &flags)) {
        Ok(lock) => lock,
        Err(err) => {
            let status = Status::CouldNotRun;
            eprintln!("{}", closing_line(command, status, format_args!("{err:#}")));
            return status.into();
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
        Subcommand::Publish(cmd) => cmd.run(&sh),
        Subcommand::Status(cmd) => cmd.run(&sh),
        Subcommand::Report(cmd) => cmd.run(&sh),
    });
    let status = status_of(&result);
    match &result {
        Ok(conclusion) => {
            for reason in &conclusion.reasons {
                term::info(format_args!("{command}:   - {reason}"));
            }
            eprintln!("{}", closing_line(command, status, &conclusion.summary));
        }
        Err(err) => eprintln!("{}", closing_line(command, status, format_args!("{err:#}"))),
    }
    status.into()
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
