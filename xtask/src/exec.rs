//! Running a command whose failure must be explained: its output is echoed to stderr as it comes
//! (stdout is kept for data), and an error names the command and repeats its last lines.
//!
//! This is the one place that keeps a command's last lines (`Tail`, also fed by the parity
//! workers' stderr), formats them for an error (`indented`, `failure`) and cuts a long text
//! for a report (`clip_to`: the last lines of a long message, where a compiler or maturin
//! puts its error).

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
pub const TAIL_LINES: usize = 30;

/// The last non-blank lines of some output, as they arrive.
#[derive(Debug, Clone)]
pub struct Tail {
    lines: VecDeque<String>,
    keep: usize,
}

impl Tail {
    pub fn new(keep: usize) -> Tail {
        Tail {
            lines: VecDeque::with_capacity(keep),
            keep,
        }
    }

    /// Keeps `line` (without its line end) unless it is blank, dropping the oldest line once
    /// `keep` lines are held.
    pub fn push(&mut self, line: &str) {
        let line = line.trim_end();
        if line.trim().is_empty() || self.keep == 0 {
            return;
        }
        if self.lines.len() == self.keep {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_owned());
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines.iter().cloned().collect()
    }

    pub fn last(&self) -> Option<&str> {
        self.lines.back().map(String::as_str)
    }
}

/// Reads `stream` to its end line by line, keeping its last lines in `tail` and handing each
/// line (without its line end) to `each`. A stream that fails to read ends like one that closed:
/// the child is gone or its pipe broke, and what was read is all there is.
pub fn read_lines(stream: impl Read, tail: &Mutex<Tail>, mut each: impl FnMut(&str)) {
    for line in BufReader::new(stream).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end();
        each(line);
        // A poisoned lock means another reader panicked; the tail then goes without this line
        // rather than taking this reader down too.
        if let Ok(mut tail) = tail.lock() {
            tail.push(line);
        }
    }
}

/// What a command printed on stdout, and its exit status.
#[derive(Debug)]
pub struct Ran {
    pub success: bool,
    /// The exit code, or `None` when a signal ended the command.
    pub code: Option<i32>,
    pub status: String,
    pub stdout: String,
    /// The last lines of its output (stdout and stderr, interleaved as they arrived).
    pub tail: Vec<String>,
}

/// What happens to a command's output besides keeping its tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Echo {
    /// Both streams are copied to stderr, after a line that shows the command.
    All,
    /// Only stderr is copied: stdout is data for the caller (such as JSON).
    Stderr,
    /// Nothing is shown: a probe whose output matters only when it fails.
    Nothing,
}

/// Runs `cmd`, echoing its output to stderr indented under `label`; a non-zero exit is an error
/// that shows the command and its last output lines.
pub fn run(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    checked(label, cmd, Echo::All)
}

/// Like `run`, but a non-zero exit is returned for the caller to judge.
pub fn run_unchecked(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    execute(label, cmd, Echo::All)
}

/// Like `run`, but stdout (data for the caller, such as JSON) is not echoed.
pub fn capture(label: &str, cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    checked(label, cmd, Echo::Stderr)
}

/// Runs `cmd` without showing anything; the caller judges the exit and may show the tail.
/// `Err` only when it cannot be started.
pub fn quiet(cmd: Cmd<'_>) -> anyhow::Result<Ran> {
    execute("", cmd, Echo::Nothing)
}

fn checked(label: &str, cmd: Cmd<'_>, echo: Echo) -> anyhow::Result<Ran> {
    let shown = cmd.to_string();
    let ran = execute(label, cmd, echo)?;
    if !ran.success {
        bail!("{}", failure(&shown, &ran));
    }
    Ok(ran)
}

fn execute(label: &str, cmd: Cmd<'_>, echo: Echo) -> anyhow::Result<Ran> {
    if echo != Echo::Nothing {
        term::info(format_args!("{label}: $ {cmd}"));
    }
    let shown = cmd.to_string();
    let mut child = Command::from(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("start `{shown}`"))?;
    let tail = Arc::new(Mutex::new(Tail::new(TAIL_LINES)));
    let stdout = child
        .stdout
        .take()
        .map(|out| pump(out, &tail, true, echo == Echo::All));
    let stderr = child
        .stderr
        .take()
        .map(|err| pump(err, &tail, false, echo != Echo::Nothing));
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
    let tail = tail.lock().map(|t| t.lines()).unwrap_or_default();
    Ok(Ran {
        success: status.success(),
        code: status.code(),
        status: status.to_string(),
        stdout,
        tail,
    })
}

/// Lines indented under an error message; `(no output)` for none.
pub fn indented(lines: &[String]) -> String {
    if lines.is_empty() {
        return "    (no output)".to_owned();
    }
    lines
        .iter()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The error text for a command that failed.
pub fn failure(shown: &str, ran: &Ran) -> String {
    format!(
        "`{shown}` failed ({}); its last output lines:\n{}",
        ran.status,
        indented(&ran.tail)
    )
}

/// Copies one output stream of the child to our stderr line by line (when `echo`), keeping the
/// last lines; returns everything it read when `keep_all` (the child's stdout, which may carry
/// data).
fn pump(
    stream: impl Read + Send + 'static,
    tail: &Arc<Mutex<Tail>>,
    keep_all: bool,
    echo: bool,
) -> thread::JoinHandle<String> {
    let tail = Arc::clone(tail);
    thread::spawn(move || {
        let mut all = String::new();
        read_lines(stream, &tail, |line| {
            if keep_all {
                all.push_str(line);
                all.push('\n');
            }
            if echo {
                eprintln!("    {line}");
            }
        });
        all
    })
}

/// Text cut to about `limit` bytes for a report or a message, on character boundaries.
///
/// A single line keeps its start (what was expected, what came instead). A text of several
/// lines is the error of a command that failed: its first line says which command, and its last
/// lines say why (a compiler, pip and maturin print their error last, after pages of
/// progress), so both are kept and the lines between them are dropped.
pub fn clip_to(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let [first, rest @ ..] = lines.as_slice() else {
        return head(text, limit, text.len());
    };
    if rest.is_empty() {
        return head(text, limit, text.len());
    }
    // The first line gets at most a third of the room, so that a long command line cannot
    // crowd out the error below it; each later line at most a quarter, so that one long line
    // (maturin's last one is the whole cargo command) leaves room for the lines above it. The
    // last line always gets a place.
    let first = head(first, limit / 3, first.len());
    let mut room = limit.saturating_sub(first.len());
    let mut kept: Vec<String> = Vec::new();
    for line in rest.iter().rev() {
        let line = head(line, limit / 4, line.len());
        if !kept.is_empty() && line.len() + 1 > room {
            break;
        }
        room = room.saturating_sub(line.len() + 1);
        kept.push(line);
    }
    kept.reverse();
    let cut = rest.len() - kept.len();
    let marker = if cut == 0 {
        String::new()
    } else {
        format!(
            "\n    … ({cut} line{} cut)",
            if cut == 1 { "" } else { "s" }
        )
    };
    format!("{first}{marker}\n{}", kept.join("\n"))
}

/// The start of `text` within `limit` bytes, marked with the whole length when cut.
fn head(text: &str, limit: usize, whole: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({whole} bytes)", &text[..end])
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
        assert_eq!(ran.code, Some(0));
        assert_eq!(ran.stdout, "data\n");
        Ok(())
    }

    #[test]
    fn a_quiet_run_keeps_the_tail_and_leaves_the_judgement_to_the_caller() -> anyhow::Result<()> {
        let sh = Shell::new()?;
        let script = "echo out; echo err >&2; exit 4";
        let ran = quiet(cmd!(sh, "sh -c {script}"))?;
        assert!(!ran.success);
        assert_eq!(ran.code, Some(4));
        assert_eq!(ran.stdout, "out\n");
        let mut tail = ran.tail.clone();
        // The two streams are read by two threads: their order in the tail is not fixed.
        tail.sort();
        assert_eq!(tail, ["err", "out"]);
        let program = "/nonexistent/xtask-exec-test";
        let err = quiet(cmd!(sh, "{program}")).expect_err("cannot start");
        assert!(err.to_string().contains(program), "{err}");
        Ok(())
    }

    #[test]
    fn the_tail_keeps_the_last_non_blank_lines() {
        let mut tail = Tail::new(2);
        for line in ["a", "", "b  ", "   ", "c", "d\r"] {
            tail.push(line);
        }
        assert_eq!(tail.lines(), ["c", "d"]);
        assert_eq!(tail.last(), Some("d"));
        let tail = Mutex::new(Tail::new(5));
        let mut seen = Vec::new();
        read_lines(&b"one\n\ntwo\r\nthree"[..], &tail, |l| {
            seen.push(l.to_owned())
        });
        assert_eq!(seen, ["one", "", "two", "three"]);
        assert_eq!(
            tail.lock().map(|t| t.lines()).unwrap_or_default(),
            ["one", "two", "three"]
        );
        assert_eq!(indented(&[]), "    (no output)");
        assert_eq!(indented(&["x".into(), "y".into()]), "    x\n    y");
    }

    #[test]
    fn clip_keeps_short_text_and_cuts_a_line_on_a_char_boundary() {
        assert_eq!(clip_to("short", 10), "short");
        assert_eq!(clip_to("ééééé", 3), "é… (10 bytes)");
    }

    #[test]
    fn clip_keeps_the_first_and_the_last_lines_of_a_failed_build() {
        let mut text = format!(
            "set-up failed: `{} build --release` failed (exit status: 1); its last output lines:",
            "/very/long/path/to/.venv/bin/maturin".repeat(4)
        );
        for i in 1..=40 {
            text.push_str(&format!("\n       Compiling crate{i} v1.0.0"));
        }
        text.push_str("\n    error[E0425]: cannot find value `x` in this scope");
        text.push_str("\n    💥 maturin failed");
        let clipped = clip_to(&text, 200);
        assert!(
            clipped.starts_with("set-up failed: `/very/long"),
            "{clipped}"
        );
        assert!(clipped.ends_with("\n    💥 maturin failed"), "{clipped}");
        assert!(clipped.contains("error[E0425]"), "{clipped}");
        assert!(clipped.contains("lines cut)"), "{clipped}");
        assert!(!clipped.contains("crate1 "), "{clipped}");
        assert!(
            clipped.len() <= 200 + 40,
            "{} bytes: {clipped}",
            clipped.len()
        );
        // A long last line is cut, never dropped, and leaves room for the lines above it.
        let long_last = format!("first\n💥 maturin failed\n{}", "x".repeat(500));
        let clipped = clip_to(&long_last, 90);
        assert!(
            clipped.starts_with("first\n💥 maturin failed\nxxx"),
            "{clipped}"
        );
        assert!(clipped.ends_with("(500 bytes)"), "{clipped}");
    }
}
