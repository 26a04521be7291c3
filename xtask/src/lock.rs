//! One writing `cargo xtask` at a time in a checkout: a command that writes `target/` or
//! `reports/` (or the sources) holds an OS file lock on `target/xtask.lock` while it runs, and a
//! second one waits for it, or with `--no-wait` fails at once.
//!
//! Two such commands at once share `.venv`, `.venvs/native`, `target/wheels` and maturin's
//! output, and both fail to build (or worse, one compares the other's half-written wheel). The
//! lock is the OS's (flock on Unix), not the file's existence: the OS releases it when the
//! process ends, however it ends, so a killed run never leaves a stale lock behind. The file
//! only names the holder (its pid and command line) for the message of the one that waits.

use std::{
    fs::{self, File},
    io::{Read, Seek, SeekFrom, Write},
    path::Path,
};

use anyhow::{bail, Context};
use fs4::{FileExt, TryLockError};

use crate::flags::{Subcommand, Xtask};

/// The lock file, relative to the project root.
pub const LOCK_FILE: &str = "target/xtask.lock";

/// Held for as long as the command runs; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct Lock {
    /// The open file is what holds the lock: closing it releases it.
    _file: File,
}

/// Whether `command` needs the checkout to itself. Every command is named here, so that a new
/// one has to decide.
fn needed(command: &Subcommand) -> bool {
    match command {
        // Each of these builds into target/, sets up the venvs, or writes reports/.
        Subcommand::Test(_)
        | Subcommand::Lint(_)
        | Subcommand::Parity(_)
        | Subcommand::Bench(_)
        | Subcommand::Wheels(_)
        | Subcommand::Drift(_)
        | Subcommand::Gate(_)
        // Reads target/wheels and reports/, writes reports/ and its verify venvs.
        | Subcommand::Publish(_)
        // Reads reports/, which a running command may have set aside, and writes index.html.
        | Subcommand::Report(_) => true,
        // Setting the version rewrites the sources that the others build from; `--check` only
        // reads them.
        Subcommand::Version(version) => !version.check,
        // Reads reports that are each replaced atomically and writes only status.{json,md},
        // atomically, so it never waits for a long gate; a report the gate has set aside is
        // shown as missing, which it is.
        Subcommand::Status(_) => false,
    }
}

/// The checkout's lock for the parsed command line, when its command needs one.
pub fn for_command(root: &Path, flags: &Xtask) -> anyhow::Result<Option<Lock>> {
    if !needed(&flags.subcommand) {
        return Ok(None);
    }
    checkout(root, &command_line(), flags.no_wait).map(Some)
}

/// Takes the checkout's lock at `root`/`LOCK_FILE` for `command` (the command line, for the
/// message of a second run): waits for another holder with a message on stderr, or with
/// `no_wait` fails at once.
fn checkout(root: &Path, command: &str, no_wait: bool) -> anyhow::Result<Lock> {
    acquire(&root.join(LOCK_FILE), command, no_wait, |holder| {
        crate::term::info(format_args!(
            "waiting for another cargo xtask in this checkout ({holder}) to finish; \
             --no-wait to fail instead"
        ));
    })
}

/// Takes the lock at `path`; `waiting` is told who holds it before this run starts to wait.
pub fn acquire(
    path: &Path,
    command: &str,
    no_wait: bool,
    waiting: impl FnOnce(&str),
) -> anyhow::Result<Lock> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    // Neither truncated nor created anew on open: the holder's name must stay readable until
    // this run holds the lock itself.
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("open the lock file {}", path.display()))?;
    // Called through the trait: std's inherent File::try_lock (Rust 1.89) has the same name, and
    // would be chosen on newer compilers.
    match FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = holder(&mut file);
            if no_wait {
                bail!(
                    "another cargo xtask is running in this checkout ({holder}); run this one \
                     when it has finished, or without --no-wait to wait for it"
                );
            }
            waiting(&holder);
            FileExt::lock(&file)
                .with_context(|| format!("wait for the lock on {}", path.display()))?;
        }
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("lock {}", path.display()));
        }
    }
    name_holder(&mut file, command).with_context(|| format!("write {}", path.display()))?;
    Ok(Lock { _file: file })
}

/// `pid 4242: cargo xtask parity --backend core`, as the holder wrote it.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let read = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match (read, text.trim()) {
        // The holder writes its name just after it takes the lock, so a run that comes in
        // between finds the file empty (or not yet rewritten).
        (Ok(_), "") | (Err(_), _) => "its pid is not known yet".to_owned(),
        (Ok(_), text) => text.to_owned(),
    }
}

fn name_holder(file: &mut File, command: &str) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    // One line, whatever the arguments held.
    let command = command.replace(['\n', '\r'], " ");
    writeln!(file, "pid {}: {command}", std::process::id())?;
    file.flush()
}

/// This run's command line, as the message of a waiting run shows it: `cargo xtask parity …`.
fn command_line() -> String {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    if args.is_empty() {
        "cargo xtask".to_owned()
    } else {
        format!("cargo xtask {}", args.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{sync::mpsc, thread};

    #[test]
    fn a_second_run_with_no_wait_fails_naming_the_holder() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("target/xtask.lock");
        let first = acquire(&path, "cargo xtask parity --backend core", true, |_| {})?;
        let err = acquire(&path, "cargo xtask gate", true, |_| {}).expect_err("the lock is held");
        let text = format!("{err:#}");
        assert_eq!(
            text,
            format!(
                "another cargo xtask is running in this checkout (pid {}: cargo xtask parity \
                 --backend core); run this one when it has finished, or without --no-wait to \
                 wait for it",
                std::process::id()
            )
        );
        assert!(!text.contains('\n'), "one line: {text}");
        drop(first);
        // Released: the next run gets it at once, and the file names the new holder.
        let _second = acquire(&path, "cargo xtask gate", true, |_| {})?;
        let named = fs::read_to_string(&path)?;
        assert_eq!(
            named,
            format!("pid {}: cargo xtask gate\n", std::process::id())
        );
        Ok(())
    }

    #[test]
    fn a_waiting_run_goes_on_when_the_holder_releases_the_lock() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("xtask.lock");
        let first = acquire(&path, "cargo xtask parity", false, |_| {})?;
        let (told, waiting) = mpsc::channel();
        let (got, acquired) = mpsc::channel();
        let second = {
            let path = path.clone();
            thread::spawn(move || -> anyhow::Result<()> {
                let lock = acquire(&path, "cargo xtask test", false, |holder| {
                    let _ = told.send(holder.to_owned());
                })?;
                let _ = got.send(());
                drop(lock);
                Ok(())
            })
        };
        // The second run says whom it waits for, and cannot have the lock while it is held.
        let holder = waiting.recv()?;
        assert_eq!(
            holder,
            format!("pid {}: cargo xtask parity", std::process::id())
        );
        assert_eq!(acquired.try_recv(), Err(mpsc::TryRecvError::Empty));
        drop(first);
        acquired.recv()?;
        second
            .join()
            .map_err(|_| anyhow::anyhow!("the waiting thread panicked"))??;
        assert_eq!(
            fs::read_to_string(&path)?,
            format!("pid {}: cargo xtask test\n", std::process::id())
        );
        Ok(())
    }

    #[test]
    fn no_wait_is_accepted_anywhere_and_only_version_check_goes_without_the_lock() {
        use clap::Parser;
        let parse = |args: &[&str]| Xtask::try_parse_from(args).map_err(|e| e.to_string());
        for args in [
            &["xtask", "--no-wait", "parity"][..],
            &["xtask", "parity", "--no-wait", "--backend", "core"],
        ] {
            let flags = parse(args).expect("parses");
            assert!(flags.no_wait, "{args:?}");
            assert!(needed(&flags.subcommand), "{args:?}");
        }
        let flags = parse(&["xtask", "drift"]).expect("parses");
        assert!(!flags.no_wait && needed(&flags.subcommand));
        let check = parse(&["xtask", "version", "--check"]).expect("parses");
        assert!(!needed(&check.subcommand));
        let set = parse(&["xtask", "version", "3.0.0"]).expect("parses");
        assert!(needed(&set.subcommand));
    }

    #[test]
    fn a_lock_file_left_behind_is_not_a_lock() -> anyhow::Result<()> {
        // What a killed run leaves: the file with its name, but no OS lock on it.
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("xtask.lock");
        fs::write(&path, "pid 1: cargo xtask gate\n")?;
        let _lock = acquire(&path, "cargo xtask drift", true, |_| {})?;
        Ok(())
    }
}
