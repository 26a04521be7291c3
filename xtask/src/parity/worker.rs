//! One worker process of a backend (`python/tests/worker.py`, or a fake in the tests), spoken to
//! in JSON Lines: a ready line first, then one reply per request, each awaited with a timeout.
//!
//! Three threads serve each worker so that nothing can block the run: a writer feeds stdin, a
//! reader turns stdout into a channel of lines (awaited with `recv_timeout`), and a third keeps
//! the last lines of stderr (in `exec::Tail`, as for any other command) for the message when
//! the worker dies.

use std::{
    ffi::OsString,
    fmt,
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use dictwalk_corpus::{Case, Outcome};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::exec::{self, Tail};
// The parity reports cut their texts with it; it is `exec`'s, so that every long message is cut
// the same way.
use crate::exec::clip_to;

/// How much of a worker's unexpected output a message quotes.
const QUOTE_LIMIT: usize = 200;
/// How many stderr lines are kept.
const STDERR_LINES: usize = 20;
/// How long a worker that closed its stdout (or its stdin was closed) may take to exit before it
/// is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// How to start a backend's worker, and what its ready line must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSpec {
    /// The backend's name, for messages.
    pub name: String,
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Variables to set (`Some`) or remove (`None`) in the worker's environment.
    pub env: Vec<(OsString, Option<OsString>)>,
    pub cwd: PathBuf,
    pub ready: ReadyCheck,
}

/// What the ready line must say; each `None` is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadyCheck {
    pub api: Option<String>,
    pub backend: Option<String>,
    pub version: Option<String>,
    /// `module` (the imported `dictwalk/__init__.py`) must be inside this directory: the venv.
    pub module_inside: Option<PathBuf>,
    /// ... and must not be inside this one: the checkout's own `python/`.
    pub module_outside: Option<PathBuf>,
    /// Whether `dictwalk._native` must import (`native` of the ready line).
    pub native: Option<bool>,
}

/// The worker's ready line: `{"ready": {"api", "version", "backend", "module"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready {
    pub api: String,
    pub version: Option<String>,
    /// `dictwalk.backend_name()`; `None` where it does not exist (dictwalk 2.6.0).
    pub backend: Option<String>,
    /// Where `dictwalk` was imported from.
    pub module: String,
    /// Whether `dictwalk._native` imports; said only by the `default` api.
    pub native: Option<bool>,
}

impl Ready {
    fn parse(line: &str) -> Result<Ready, String> {
        let value: Value = serde_json::from_str(line)
            .map_err(|_| format!("printed {} instead of a ready line", quote(line)))?;
        let Some(ready) = value.get("ready").and_then(Value::as_object) else {
            return Err(format!("printed {} instead of a ready line", quote(line)));
        };
        let text = |name: &str, required: bool| -> Result<Option<String>, String> {
            match ready.get(name) {
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(Value::Null) | None if !required => Ok(None),
                _ => Err(format!(
                    "its ready line has no string '{name}': {}",
                    quote(line)
                )),
            }
        };
        Ok(Ready {
            api: text("api", true)?.unwrap_or_default(),
            version: text("version", false)?,
            backend: text("backend", false)?,
            module: text("module", true)?.unwrap_or_default(),
            native: match ready.get("native") {
                Some(Value::Bool(native)) => Some(*native),
                Some(Value::Null) | None => None,
                Some(_) => {
                    return Err(format!(
                        "its ready line has a 'native' that is not a bool: {}",
                        quote(line)
                    ))
                }
            },
        })
    }

    /// `Err` says what the ready line got wrong.
    fn check(&self, check: &ReadyCheck) -> Result<(), String> {
        let field = |name: &str, got: Option<&str>, want: &Option<String>| match want {
            Some(want) if got != Some(want.as_str()) => Err(format!(
                "it reports {name} {}, expected '{want}'",
                got.map_or_else(|| "null".to_owned(), |got| format!("'{got}'"))
            )),
            _ => Ok(()),
        };
        field("api", Some(&self.api), &check.api)?;
        field("backend", self.backend.as_deref(), &check.backend)?;
        field("version", self.version.as_deref(), &check.version)?;
        if let Some(want) = check.native {
            if self.native != Some(want) {
                let can = if want { "cannot" } else { "can" };
                return Err(format!(
                    "the native module {can} be imported in it, so it does not run where it should"
                ));
            }
        }
        let module = canonical(Path::new(&self.module));
        if let Some(outside) = &check.module_outside {
            if module.starts_with(canonical(outside)) {
                return Err(format!(
                    "it imported dictwalk from {}, inside {}: the checkout's sources, not the \
                     installed package",
                    self.module,
                    outside.display()
                ));
            }
        }
        if let Some(inside) = &check.module_inside {
            if !module.starts_with(canonical(inside)) {
                return Err(format!(
                    "it imported dictwalk from {}, outside its environment {}",
                    self.module,
                    inside.display()
                ));
            }
        }
        Ok(())
    }
}

/// The path with symbolic links resolved where it exists, so that prefixes compare.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// Why one case got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    /// Whether the worker is gone or out of step, so it must be started again.
    pub restart: bool,
    /// How many cases, from this one on, may be the one that failed: 1, or (after a worker that
    /// was killed or died by a signal in the middle of a group, whose replies it writes at the
    /// group's end and took along) the rest of the group, which the caller asks again one at a
    /// time to find it ([`Worker::ask_all`]).
    pub suspects: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The worker exited or closed its output.
    Crash,
    /// No answer within the timeout; the worker was killed.
    Timeout,
    /// An answer that is not JSON, is for another case, or holds no valid outcome.
    Garbage,
    /// The worker said it could not run the request.
    Protocol,
    /// A read changed the document it was given (the outcome's `mutated`): whatever it
    /// returned, the case fails as a read that mutated the document.
    Mutated,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A running worker that has printed a valid ready line.
pub struct Worker {
    child: Child,
    /// Requests for the writer thread; dropping it closes the worker's stdin.
    requests: Option<mpsc::Sender<String>>,
    lines: mpsc::Receiver<Vec<u8>>,
    stderr: Arc<Mutex<Tail>>,
    stderr_done: mpsc::Receiver<()>,
    reaped: bool,
    /// Whether it exited with a status of its own (Python writes out what it buffered then),
    /// rather than by a signal or being killed.
    exited: bool,
    pub ready: Ready,
}

impl Worker {
    /// Starts the worker and waits up to `startup` for its ready line; `Err` says why it could
    /// not start, in one line.
    pub fn start(spec: &WorkerSpec, startup: Duration) -> Result<Worker, String> {
        let mut command = Command::new(&spec.program);
        command
            .args(&spec.args)
            .current_dir(&spec.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &spec.env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let mut child = command
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", spec.program.display()))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("its standard streams could not be connected".into());
        };
        let (requests, lines) = (writer(stdin), reader(stdout));
        let (stderr, stderr_done) = stderr_tail(stderr);
        let mut worker = Worker {
            child,
            requests: Some(requests),
            lines,
            stderr,
            stderr_done,
            reaped: false,
            exited: false,
            ready: Ready {
                api: String::new(),
                version: None,
                backend: None,
                module: String::new(),
                native: None,
            },
        };
        let line = match worker.lines.recv_timeout(startup) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                worker.kill();
                return Err(format!(
                    "no ready line within {}; it was killed",
                    seconds(startup)
                ));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!(
                    "it exited before its ready line ({})",
                    worker.death()
                ));
            }
        };
        let line = String::from_utf8_lossy(&line);
        let ready = Ready::parse(&line).and_then(|ready| {
            ready.check(&spec.ready)?;
            Ok(ready)
        });
        match ready {
            Ok(ready) => {
                worker.ready = ready;
                Ok(worker)
            }
            Err(why) => {
                worker.kill();
                Err(why)
            }
        }
    }

    /// Sends the case and waits up to `timeout` for its outcome.
    pub fn ask(&mut self, case: &Case, timeout: Duration) -> Result<Outcome, Failure> {
        let request = match serde_json::to_string(&Request::of(case)) {
            Ok(request) => request + "\n",
            Err(err) => {
                return Err(Failure {
                    kind: FailureKind::Protocol,
                    message: format!("the request cannot be written as JSON: {err}"),
                    restart: false,
                    suspects: 1,
                })
            }
        };
        let sent = self
            .requests
            .as_ref()
            .is_some_and(|requests| requests.send(request).is_ok());
        if !sent {
            return Err(Failure {
                kind: FailureKind::Crash,
                message: format!("the worker crashed: {}", self.death()),
                restart: true,
                suspects: 1,
            });
        }
        self.receive(&case.id, timeout)
    }

    /// Sends every case at once and reads the outcomes in order, each awaited up to `timeout`:
    /// the worker answers the next request while this side reads the last answer, so a batch
    /// costs no round trip per case. Consecutive cases on equal documents (a mutated path's
    /// five operations) go as one group, whose document is written and parsed once; the worker
    /// still answers each case on a line of its own, and writes a group's answers out together
    /// at its end (one write and one wake-up here per group, not per case), so the first answer
    /// of a group is awaited up to `timeout` for each of its cases. The answers stop after the
    /// first failure that needs a restart (the worker is gone, and the requests after it with
    /// it); the caller sends the rest again to a new worker. A worker that was killed or died by
    /// a signal in the middle of a group may have taken the answers before the failing case
    /// along, so that failure names the rest of the group as its `suspects`. A group's error
    /// outcomes carry no exception details (`context`, `cause`, `pickles`), which only a
    /// corpus expectation checks.
    pub fn ask_all(&mut self, cases: &[Case], timeout: Duration) -> Vec<Result<Outcome, Failure>> {
        let mut sent = 0;
        // Where each sent case's group ends, and whether the case opens it.
        let mut bounds = Vec::with_capacity(cases.len());
        for group in groups(cases) {
            let line = match group {
                [case] => serde_json::to_string(&Request::of(case)),
                [first, ..] => serde_json::to_string(&Group {
                    doc: &first.doc,
                    group: group.iter().map(Request::member_of).collect(),
                    details: false,
                }),
                [] => continue,
            };
            let Ok(line) = line else {
                break;
            };
            let queued = self
                .requests
                .as_ref()
                .is_some_and(|requests| requests.send(line + "\n").is_ok());
            if !queued {
                break;
            }
            sent += group.len();
            bounds.extend((0..group.len()).map(|k| (sent, k == 0)));
        }
        let mut answers = Vec::with_capacity(cases.len());
        for (i, case) in cases.iter().enumerate() {
            let (end, opens) = bounds.get(i).copied().unwrap_or((i + 1, true));
            let answer = if i < sent {
                let members = if opens { end - i } else { 1 };
                let answer = self.receive(&case.id, timeout.saturating_mul(members as u32));
                answer.map_err(|mut failure| {
                    if failure.restart && !self.exited {
                        failure.suspects = end - i;
                    }
                    failure
                })
            } else {
                // Not sent (it cannot be written as JSON, or the worker is gone): ask alone,
                // which says why.
                self.ask(case, timeout)
            };
            let stop = answer.as_ref().is_err_and(|failure| failure.restart);
            answers.push(answer);
            if stop {
                break;
            }
        }
        answers
    }

    /// Waits up to `timeout` for the reply to the request `id`, already sent.
    fn receive(&mut self, id: &str, timeout: Duration) -> Result<Outcome, Failure> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => self.judge_reply(id, &line),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                self.kill();
                Err(Failure {
                    kind: FailureKind::Timeout,
                    message: format!(
                        "no answer within the {} timeout; the worker was killed",
                        seconds(timeout)
                    ),
                    restart: true,
                    suspects: 1,
                })
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Failure {
                kind: FailureKind::Crash,
                message: format!("the worker crashed: {}", self.death()),
                restart: true,
                suspects: 1,
            }),
        }
    }

    /// Reads a reply line. A line that is not JSON or answers another case leaves the worker
    /// out of step, so it must be restarted; a well-formed reply for this case with a bad or
    /// missing outcome, or a protocol error, leaves it in step.
    fn judge_reply(&self, id: &str, line: &[u8]) -> Result<Outcome, Failure> {
        let garbage = |message: String, restart: bool| Failure {
            kind: FailureKind::Garbage,
            message,
            restart,
            suspects: 1,
        };
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(garbage(
                format!(
                    "the worker printed a line that is not UTF-8: {}",
                    quote(&String::from_utf8_lossy(line))
                ),
                true,
            ));
        };
        let Ok(mut reply) = serde_json::from_str::<Value>(text) else {
            return Err(garbage(
                format!("the worker printed {}, which is not JSON", quote(text)),
                true,
            ));
        };
        match reply.get("id") {
            Some(Value::String(got)) if got == id => {}
            Some(other) => {
                return Err(garbage(
                    format!(
                        "the worker answered for id {other} instead: {}",
                        quote(text)
                    ),
                    true,
                ))
            }
            None => {
                return Err(garbage(
                    format!("the worker's answer has no id: {}", quote(text)),
                    true,
                ))
            }
        }
        if let Some(problem) = reply.get("protocol_error") {
            let problem = problem
                .as_str()
                .map_or_else(|| problem.to_string(), str::to_owned);
            return Err(Failure {
                kind: FailureKind::Protocol,
                message: format!("the worker reported a protocol error: {}", clip(&problem)),
                restart: false,
                suspects: 1,
            });
        }
        let Some(outcome) = reply.as_object_mut().and_then(|map| map.remove("outcome")) else {
            return Err(garbage(
                format!(
                    "the worker's answer has neither outcome nor protocol_error: {}",
                    quote(text)
                ),
                false,
            ));
        };
        if let Some(change) = outcome.get("mutated") {
            let change = change
                .as_str()
                .map_or_else(|| change.to_string(), str::to_owned);
            return Err(Failure {
                kind: FailureKind::Mutated,
                message: format!("the read changed the document: {}", clip(&change)),
                restart: false,
                suspects: 1,
            });
        }
        Outcome::from_json(outcome).map_err(|why| {
            garbage(
                format!("the worker's outcome is malformed: {}", clip(&why)),
                false,
            )
        })
    }

    /// Closes the worker's stdin (its signal to exit 0) and waits a little for it to go.
    pub fn finish(mut self) {
        self.requests = None;
        self.reap(EXIT_GRACE);
    }

    /// Waits up to `grace` for the worker to exit, then kills it; returns its exit status.
    fn reap(&mut self, grace: Duration) -> String {
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.reaped = true;
                    self.exited = status.code().is_some();
                    return status.to_string();
                }
                Ok(None) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => {
                    self.kill();
                    return format!(
                        "it closed its output but did not exit within {}, so it was killed",
                        seconds(grace)
                    );
                }
                Err(err) => {
                    self.kill();
                    return format!("its status cannot be read: {err}");
                }
            }
        }
    }

    /// Why the worker is gone: its exit status and its last stderr line.
    fn death(&mut self) -> String {
        let status = self.reap(EXIT_GRACE);
        // The stderr thread ends when the pipe closes; wait for it briefly so the last line is
        // there, but never hang on a grandchild that holds the pipe open.
        let _ = self.stderr_done.recv_timeout(Duration::from_millis(500));
        let last = self
            .stderr
            .lock()
            .ok()
            .and_then(|tail| tail.last().map(str::to_owned));
        match last {
            Some(line) => format!("{status}; its last stderr line: {}", clip(&line)),
            None => format!("{status}; nothing on stderr"),
        }
    }

    fn kill(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.reaped = true;
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.requests = None;
        self.kill();
    }
}

/// A case as the worker reads it, borrowed: the form of `Case::request`, without copying the
/// document; inside a group, without its document (the group's).
#[derive(Serialize)]
struct Request<'a> {
    id: &'a str,
    op: &'a str,
    path: PathRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'a Value>,
    args: &'a Map<String, Value>,
}

impl<'a> Request<'a> {
    fn of(case: &'a Case) -> Request<'a> {
        Request {
            id: &case.id,
            op: case.op.name(),
            path: match &case.path_value {
                Some(value) => PathRef::Value(value),
                None => PathRef::Text(&case.path),
            },
            doc: Some(&case.doc),
            args: &case.args,
        }
    }

    fn member_of(case: &'a Case) -> Request<'a> {
        Request {
            doc: None,
            ..Request::of(case)
        }
    }
}

/// A case's path as `Case::request` sends it: its text, or the value of a path that is not a
/// JSON str (spec 1.1's wrong arguments, a str JSON cannot hold).
#[derive(Serialize)]
#[serde(untagged)]
enum PathRef<'a> {
    Text(&'a str),
    Value(&'a Value),
}

/// Cases on one document: `{"doc": ..., "group": [{"id", "op", "path", "args"}, ...],
/// "details": false}`.
#[derive(Serialize)]
struct Group<'a> {
    doc: &'a Value,
    group: Vec<Request<'a>>,
    /// Always false: the fuzzers compare outcomes by class and document
    /// ([`Outcome::agrees_with`]), so the workers skip an exception's details.
    details: bool,
}

/// The runs of consecutive cases whose documents are equal.
fn groups(cases: &[Case]) -> impl Iterator<Item = &[Case]> {
    cases.chunk_by(|a, b| a.doc == b.doc)
}

/// Feeds requests to the worker's stdin until the sender is dropped or the pipe breaks.
fn writer(mut stdin: impl Write + Send + 'static) -> mpsc::Sender<String> {
    let (sender, receiver) = mpsc::channel::<String>();
    thread::spawn(move || {
        for request in receiver {
            if stdin
                .write_all(request.as_bytes())
                .and_then(|()| stdin.flush())
                .is_err()
            {
                break;
            }
        }
    });
    sender
}

/// The worker's stdout as a channel of lines (without the line end); disconnected at EOF.
fn reader(stdout: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        loop {
            let mut line = Vec::new();
            match stdout.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        line.pop();
                    }
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            }
        }
    });
    receiver
}

/// Keeps the last non-blank lines of the worker's stderr; the receiver hears when it ends.
fn stderr_tail(stderr: impl Read + Send + 'static) -> (Arc<Mutex<Tail>>, mpsc::Receiver<()>) {
    let tail = Arc::new(Mutex::new(Tail::new(STDERR_LINES)));
    let (done, ended) = mpsc::channel();
    let kept = Arc::clone(&tail);
    thread::spawn(move || {
        exec::read_lines(stderr, &kept, |_| {});
        let _ = done.send(());
    });
    (tail, ended)
}

/// `10 s`, `0.5 s`.
pub fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// Text cut to a readable length on a character boundary.
pub fn clip(text: &str) -> String {
    clip_to(text, QUOTE_LIMIT)
}

/// Unexpected output, quoted and clipped: `'not json'`.
fn quote(text: &str) -> String {
    format!("{:?}", clip(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_cases_on_equal_documents_go_as_one_group() -> anyhow::Result<()> {
        let case = |id: &str, doc: Value| Case {
            id: id.into(),
            file: "f.json".into(),
            op: dictwalk_corpus::Op::Get,
            path: "a".into(),
            path_value: None,
            doc,
            args: Map::new(),
            expect: None,
            diverges: std::collections::BTreeMap::new(),
            note: None,
        };
        let cases = [
            case("a", serde_json::json!({"a": 1})),
            case("b", serde_json::json!({"a": 1})),
            case("c", serde_json::json!({"a": 2})),
            case("d", serde_json::json!({"a": 1})),
        ];
        let ids: Vec<Vec<&str>> = groups(&cases)
            .map(|group| group.iter().map(|c| c.id.as_str()).collect())
            .collect();
        assert_eq!(ids, [vec!["a", "b"], vec!["c"], vec!["d"]]);
        let line = serde_json::to_value(Group {
            doc: &cases[0].doc,
            group: cases[..2].iter().map(Request::member_of).collect(),
            details: false,
        })?;
        assert_eq!(
            line,
            serde_json::json!({"doc": {"a": 1}, "group": [
                {"id": "a", "op": "get", "path": "a", "args": {}},
                {"id": "b", "op": "get", "path": "a", "args": {}}], "details": false})
        );
        assert_eq!(
            serde_json::to_value(Request::of(&cases[2]))?,
            cases[2].request()
        );
        // A path that is not a JSON str goes as its value, as `Case::request` sends it.
        let mut not_str = case("e", serde_json::json!({}));
        not_str.path = "null".into();
        not_str.path_value = Some(Value::Null);
        assert_eq!(
            serde_json::to_value(Request::of(&not_str))?,
            not_str.request()
        );
        Ok(())
    }

    #[test]
    fn ready_lines_are_parsed_and_checked() -> Result<(), String> {
        let line = r#"{"ready": {"api": "rust", "version": "3.0.0a1", "backend": "rust", "module": "/v/lib/dictwalk/__init__.py"}}"#;
        let ready = Ready::parse(line)?;
        assert_eq!(ready.backend.as_deref(), Some("rust"));
        let want = |backend: &str| ReadyCheck {
            api: Some("rust".into()),
            backend: Some(backend.into()),
            version: Some("3.0.0a1".into()),
            module_inside: Some("/v".into()),
            module_outside: Some("/repo/python".into()),
            native: None,
        };
        ready.check(&want("rust"))?;
        let err = ready.check(&want("python")).expect_err("wrong backend");
        assert_eq!(err, "it reports backend 'rust', expected 'python'");
        let checkout = Ready {
            module: "/repo/python/dictwalk/__init__.py".into(),
            ..ready.clone()
        };
        let err = checkout
            .check(&ReadyCheck {
                module_outside: Some("/repo/python".into()),
                ..ReadyCheck::default()
            })
            .expect_err("the checkout's sources");
        assert!(err.contains("inside /repo/python"), "{err}");
        let legacy = Ready::parse(
            r#"{"ready": {"api": "legacy", "version": null, "backend": null, "module": "/l/x.py"}}"#,
        )?;
        assert_eq!((legacy.version, legacy.backend), (None, None));
        // The rollback's worker must say the native module imports where it runs.
        let rollback = Ready::parse(
            r#"{"ready": {"api": "default", "version": "3", "backend": "python", "module": "/v/d.py", "native": false}}"#,
        )?;
        let wants_native = ReadyCheck {
            native: Some(true),
            ..ReadyCheck::default()
        };
        let err = rollback.check(&wants_native).expect_err("no native module");
        assert!(err.contains("cannot be imported"), "{err}");
        let with_native = Ready {
            native: Some(true),
            ..rollback
        };
        with_native.check(&wants_native)?;
        for bad in [
            r#"{"ready": {"api": "x", "module": "/m", "native": "yes"}}"#,
            "hello",
            "{}",
            r#"{"ready": {"api": "x"}}"#,
            r#"{"ready": 1}"#,
        ] {
            assert!(Ready::parse(bad).is_err(), "{bad}");
        }
        Ok(())
    }
}
