//! Running a build or install step whose failure must be explained: its output is echoed to
//! stderr as it comes (stdout is kept for data), and an error names the command and repeats its
//! last lines.

use std::{
    collections::VecDeque,
    io::{BufRead, BufReader, Read},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    thread,
};

use anyhow::{bail, Context};
use xshell::Cmd;

use crate::term;

/// How many lines of a failed command's output the error repeats.
const TAIL_LINES: usize = 30;

/// What a command printed on stdout, and its exit status.
#[derive(Debug)]
pub struct Ran {
    pub success: bool,
    pub status: String,
    pub stdout: String,
    /// The last lines of its output (stdout and stderr, interleaved as they arrived).
    pub tail: Vec<String>,
}

/// Runs `cmd`, echoing its output to stderr indented under `label`; a non-zero exit is an error
/// that shows the command and its last output lines.
pub fn run(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    let shown = cmd.to_string();
    let ran = run_unchecked(label, cmd)?;
    if !ran.success {
        bail!("{}", failure(&shown, &ran));
    }
    Ok(ran)
}

/// Like `run`, but a non-zero exit is returned for the caller to judge.
pub fn run_unchecked(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    execute(label, cmd, true)
}

/// Like `run`, but stdout (data for the caller, such as JSON) is not echoed.
pub fn capture(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    let shown = cmd.to_string();
    let ran = execute(label, cmd, false)?;
    if !ran.success {
        bail!("{}", failure(&shown, &ran));
    }
    Ok(ran)
}

fn execute(label: &str, cmd: Cmd<'_>, echo_stdout: bool) -> anyhow::Result<Ran> {
    term::info(format_args!("{label}: $ {cmd}"));
    let shown = cmd.to_string();
    let mut child = Command::from(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("start `{shown}`"))?;
    let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
    let stdout = child
        .stdout
        .take()
        .map(|out| pump(out, &tail, true, echo_stdout));
    let stderr = child.stderr.take().map(|err| pump(err, &tail, false, true));
    let status = child
        .wait()
        .with_context(|| format!("wait for `{shown}`"))?;
    let stdout = match stdout.map(thread::JoinHandle::join) {
        Some(Ok(text)) => text,
        _ => String::new(),
    };
    if let Some(handle) = stderr {
        let _ = handle.join();
    }
    let tail = tail
        .lock()
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    Ok(Ran {
        success: status.success(),
        status: status.to_string(),
        stdout,
        tail,
    })
}

/// The error text for a command that failed.
pub fn failure(shown: &str, ran: &Ran) -> String {
    let lines = if ran.tail.is_empty() {
        "    (no output)".to_owned()
    } else {
        ran.tail
            .iter()
            .map(|line| format!("    {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "`{shown}` failed ({}); its last output lines:\n{lines}",
        ran.status
    )
}

/// Copies one output stream of the child to our stderr line by line, keeping the last lines;
/// returns everything it read when `keep_all` (the child's stdout, which may carry data).
fn pump(
    stream: impl Read + Send + 'static,
    tail: &Arc<Mutex<VecDeque<String>>>,
    keep_all: bool,
    echo: bool,
) -> thread::JoinHandle<String> {
    let tail = Arc::clone(tail);
    thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stream).split(b'\n') {
            let Ok(line) = line else { break };
            let line = String::from_utf8_lossy(&line).trim_end().to_owned();
            if keep_all {
                all.push_str(&line);
                all.push('\n');
            }
            if echo {
                eprintln!("    {line}");
            }
            if line.trim().is_empty() {
                continue;
            }
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use xshell::{cmd, Shell};

    #[test]
    fn a_failure_names_the_command_and_its_last_lines() -> anyhow::Result<()> {
        let sh = Shell::new()?;
        let script = "for i in $(seq 1 40); do echo line$i; done; echo oops >&2; exit 3";
        let err = run("demo", cmd!(sh, "sh -c {script}")).expect_err("exit 3 must fail");
        let text = err.to_string();
        assert!(text.contains("sh -c"), "{text}");
        assert!(text.contains("exit status: 3"), "{text}");
        assert!(text.contains("line40") && text.contains("oops"), "{text}");
        assert!(!text.contains("line10\n"), "only the tail: {text}");
        Ok(())
    }

    #[test]
    fn stdout_is_kept_for_the_caller() -> anyhow::Result<()> {
        let sh = Shell::new()?;
        let script = "echo data; echo log >&2";
        let ran = run("demo", cmd!(sh, "sh -c {script}"))?;
        assert!(ran.success);
        assert_eq!(ran.stdout, "data\n");
        Ok(())
    }
}
