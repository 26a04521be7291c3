//! `publish` against a real package index on loopback: pypiserver (pinned in
//! python/requirements-dev.txt, so in the dev venv) on 127.0.0.1, a port and a data folder of
//! its own per test, stopped when the test ends. The distributions are made here: the
//! checkout's real Python package as a pure wheel and as a wheel with the native tag (whose
//! `dictwalk._native` is a Python stand-in re-exporting the reference functions, so that the
//! smoke query reports the rust backend without a build of the extension), and an sdist.

use std::{
    fs,
    io::Write,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use xshell::Shell;

use super::*;
use crate::{
    drift::inject::{write_entries, Entry},
    gate::Verdict,
};

/// A pypiserver on 127.0.0.1, killed when dropped.
struct Server {
    child: Child,
    url: String,
    /// Where it keeps the uploaded files.
    data: PathBuf,
}

impl Server {
    fn start(venv: &Venv, data: &Path) -> anyhow::Result<Server> {
        fs::create_dir_all(data)?;
        let port = free_port()?;
        let child = Command::new(venv.python())
            .args(["-m", "pypiserver", "run", "-i", "127.0.0.1", "-p"])
            .arg(port.to_string())
            // Anyone may upload; no redirect to PyPI for a project it does not have.
            .args([
                "-a",
                ".",
                "-P",
                ".",
                "--disable-fallback",
                "--hash-algo",
                "sha256",
            ])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start pypiserver from the dev venv")?;
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            data: data.to_path_buf(),
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                bail!("pypiserver did not listen on port {port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    /// The files it holds.
    fn files(&self) -> anyhow::Result<Vec<String>> {
        crate::testing::file_names(&self.data)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (the OS's choice).
fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn checkout() -> anyhow::Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .context("the checkout above xtask/")
}

fn project_version(root: &Path) -> anyhow::Result<String> {
    let text = fs::read_to_string(root.join(version::PYPROJECT))?;
    version::toml_string(&text, &["project", "version"]).map_err(anyhow::Error::msg)
}

/// Every file of python/dictwalk/ as a wheel entry (no caches, no built extension).
fn package(root: &Path) -> anyhow::Result<Vec<Entry>> {
    let base = root.join("python");
    let mut entries = Vec::new();
    let mut todo = vec![base.join("dictwalk")];
    while let Some(dir) = todo.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path
                .strip_prefix(&base)?
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                if !name.ends_with("__pycache__") {
                    todo.push(path);
                }
            } else if !name.ends_with(".so") && !name.ends_with(".pyc") {
                entries.push(Entry::file(&name, &fs::read(&path)?));
            }
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// The stand-in for the extension module in the native-tagged test wheel.
const NATIVE_STAND_IN: &[u8] = b"from dictwalk.backends.python import (  # noqa: F401\n    \
    exists, get, get_path_filter, register_path_filter, run_filter_function, set, unset,\n)\n";

fn wheel(root: &Path, version: &str, tag: &str) -> anyhow::Result<Vec<u8>> {
    let mut entries = package(root)?;
    let pure = tag == "py3-none-any";
    if !pure {
        entries.push(Entry::file("dictwalk/_native.py", NATIVE_STAND_IN));
    }
    let info = format!("dictwalk-{version}.dist-info");
    let metadata = format!("Metadata-Version: 2.1\nName: dictwalk\nVersion: {version}\n");
    entries.push(Entry::file(
        &format!("{info}/METADATA"),
        metadata.as_bytes(),
    ));
    let wheel =
        format!("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {pure}\nTag: {tag}\n");
    entries.push(Entry::file(&format!("{info}/WHEEL"), wheel.as_bytes()));
    entries.push(Entry::file(&format!("{info}/RECORD"), b""));
    write_entries(&entries, true)
}

fn sdist(version: &str) -> anyhow::Result<Vec<u8>> {
    let pkg_info = format!("Metadata-Version: 2.1\nName: dictwalk\nVersion: {version}\n");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg_info.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(
        &mut header,
        format!("dictwalk-{version}/PKG-INFO"),
        pkg_info.as_bytes(),
    )?;
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    Ok(gz.finish()?)
}

/// One test's world: a pypiserver, the distributions, a GO gate.json naming them, and the
/// context of a publish to that server.
struct World {
    _dir: tempfile::TempDir,
    sh: Shell,
    venv: Venv,
    server: Server,
    root: PathBuf,
    reports: PathBuf,
    wheels: PathBuf,
    verify_dir: PathBuf,
    version: String,
}

impl World {
    fn new() -> anyhow::Result<World> {
        let root = checkout()?;
        let sh = Shell::new()?;
        sh.change_dir(&root);
        let venv = python::dev_venv(&sh)?;
        let dir = tempfile::tempdir()?;
        let server = Server::start(&venv, &dir.path().join("index"))?;
        let version = project_version(&root)?;
        let wheels = dir.path().join("wheels");
        fs::create_dir_all(&wheels)?;
        let native_tag = format!("cp310-abi3-manylinux_2_17_{}", std::env::consts::ARCH);
        for (file, bytes) in [
            (
                format!("dictwalk-{version}-py3-none-any.whl"),
                wheel(&root, &version, "py3-none-any")?,
            ),
            (
                format!("dictwalk-{version}-{native_tag}.whl"),
                wheel(&root, &version, &native_tag)?,
            ),
            (format!("dictwalk-{version}.tar.gz"), sdist(&version)?),
        ] {
            fs::write(wheels.join(file), bytes)?;
        }
        let world = World {
            reports: dir.path().join("reports"),
            verify_dir: dir.path().join("verify"),
            _dir: dir,
            sh,
            venv,
            server,
            root,
            wheels,
            version,
        };
        world.write_gate(|_| {})?;
        Ok(world)
    }

    /// A finished GO gate.json for commit `abc` on a clean tree naming the files as they are
    /// now, changed by `edit`.
    fn write_gate(&self, edit: impl FnOnce(&mut gate::Report)) -> anyhow::Result<()> {
        let mut report = gate::Report::placeholder(
            self.version.clone(),
            Some("abc".into()),
            Some(false),
            provenance::Environment::default(),
            0,
        );
        report.verdict = Verdict::Go;
        report.finished = true;
        report.reasons.clear();
        report.distributions = provenance::distributions(&self.wheels)?;
        edit(&mut report);
        fs::create_dir_all(&self.reports)?;
        fs::write(
            self.reports.join("gate.json"),
            serde_json::to_vec_pretty(&report)?,
        )?;
        Ok(())
    }

    fn context(&self, verify: bool) -> anyhow::Result<Context<'_>> {
        Ok(Context {
            sh: &self.sh,
            root: self.root.clone(),
            reports_dir: self.reports.clone(),
            wheel_dir: self.wheels.clone(),
            verify_dir: self.verify_dir.clone(),
            index: Index::new(&self.server.url, None)?,
            dry_run: false,
            trusted_publishing: false,
            verify,
            tree: Tree {
                commit: Some("abc".into()),
                dirty: Some(false),
                tags: Vec::new(),
            },
        })
    }

    /// A publish with the test's credentials (pypiserver takes any) in uv's environment.
    fn publish(&self, ctx: &Context<'_>) -> anyhow::Result<Conclusion> {
        let _user = self.sh.push_env(USERNAME_VAR, "loopback");
        let _password = self.sh.push_env(PASSWORD_VAR, "loopback");
        publish(ctx, &self.venv)
    }

    fn report(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&fs::read(
            self.reports.join(report::JSON),
        )?)?)
    }
}

fn outcomes(report: &serde_json::Value) -> Vec<String> {
    report["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| format!("{} {}", f["outcome"].as_str().unwrap_or("?"), f["file"]))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_first_publish_uploads_everything_and_installs_back_native_and_pure() -> anyhow::Result<()> {
    let world = World::new()?;
    let conclusion = world.publish(&world.context(true)?)?;
    assert_eq!(conclusion.status, Status::Passed, "{conclusion:?}");
    assert_eq!(world.server.files()?.len(), 3);
    let report = world.report()?;
    assert!(
        outcomes(&report).iter().all(|o| o.starts_with("uploaded")),
        "{report:#}"
    );
    let verified: Vec<(&str, &str)> = report["verified"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or(""),
                v["status"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        verified,
        [
            ("native wheel from the index -> rust backend", "passed"),
            ("pure wheel from the index -> python backend", "passed"),
        ]
    );
    assert!(!fs::read_to_string(world.reports.join(report::MARKDOWN))?.contains("loopback"));
    Ok(())
}

#[test]
fn an_identical_rerun_uploads_nothing_and_passes() -> anyhow::Result<()> {
    let world = World::new()?;
    let ctx = world.context(false)?;
    assert_eq!(world.publish(&ctx)?.status, Status::Passed);
    let first: Vec<(String, std::time::SystemTime)> = world
        .server
        .files()?
        .into_iter()
        .map(|f| {
            let modified = fs::metadata(world.server.data.join(&f)).and_then(|m| m.modified());
            (f, modified.unwrap_or(std::time::UNIX_EPOCH))
        })
        .collect();
    let again = world.publish(&ctx)?;
    assert_eq!(again.status, Status::Passed, "{again:?}");
    assert!(
        again.summary.starts_with("0 uploaded, 3 already there"),
        "{again:?}"
    );
    let report = world.report()?;
    assert!(
        outcomes(&report).iter().all(|o| o.starts_with("skipped")),
        "{report:#}"
    );
    let second: Vec<(String, std::time::SystemTime)> = world
        .server
        .files()?
        .into_iter()
        .map(|f| {
            let modified = fs::metadata(world.server.data.join(&f)).and_then(|m| m.modified());
            (f, modified.unwrap_or(std::time::UNIX_EPOCH))
        })
        .collect();
    assert_eq!(first, second, "a file was written again");
    Ok(())
}

#[test]
fn a_no_go_an_unfinished_or_another_commits_gate_is_refused_and_the_index_stays_empty(
) -> anyhow::Result<()> {
    let world = World::new()?;
    let ctx = world.context(false)?;
    for (edit, expected) in [
        (
            (|r: &mut gate::Report| {
                r.verdict = Verdict::NoGo;
                r.reasons = vec!["bench: INCONCLUSIVE: no baseline".into()];
            }) as fn(&mut gate::Report),
            "says NO-GO: bench: INCONCLUSIVE: no baseline",
        ),
        (|r| r.finished = false, "is unfinished"),
        (
            |r| r.commit = Some("0123456789ab".into()),
            "was made for commit 0123456789ab, HEAD is abc",
        ),
    ] {
        world.write_gate(edit)?;
        let conclusion = world.publish(&ctx)?;
        assert_eq!(conclusion.status, Status::Failed, "{conclusion:?}");
        assert!(
            conclusion.reasons.iter().any(|r| r.contains(expected)),
            "{expected}: {conclusion:?}"
        );
        assert_eq!(world.server.files()?, Vec::<String>::new());
        assert!(!world.reports.join(report::JSON).exists());
    }
    Ok(())
}

#[test]
fn a_wheel_changed_after_the_gate_is_refused_by_name() -> anyhow::Result<()> {
    let world = World::new()?;
    let pure = format!("dictwalk-{}-py3-none-any.whl", world.version);
    let path = world.wheels.join(&pure);
    let mut bytes = fs::read(&path)?;
    bytes.push(0);
    fs::write(&path, bytes)?;
    let conclusion = world.publish(&world.context(false)?)?;
    assert_eq!(conclusion.status, Status::Failed);
    assert_eq!(conclusion.reasons.len(), 1, "{conclusion:?}");
    assert!(
        conclusion.reasons[0].contains(&format!("{pure} changed after the gate judged it")),
        "{conclusion:?}"
    );
    assert_eq!(world.server.files()?, Vec::<String>::new());
    Ok(())
}

#[test]
fn a_file_on_the_index_with_other_bytes_is_refused_before_any_upload() -> anyhow::Result<()> {
    let world = World::new()?;
    let sdist = format!("dictwalk-{}.tar.gz", world.version);
    fs::write(world.server.data.join(&sdist), b"other bytes")?;
    let conclusion = world.publish(&world.context(false)?)?;
    assert_eq!(conclusion.status, Status::Failed, "{conclusion:?}");
    assert!(
        conclusion.reasons[0].contains(&format!("{sdist} is on")),
        "{conclusion:?}"
    );
    assert_eq!(world.server.files()?, [sdist]);
    Ok(())
}

#[test]
fn an_index_that_is_down_could_not_run_with_one_clear_line() -> anyhow::Result<()> {
    let world = World::new()?;
    let mut ctx = world.context(false)?;
    let down = format!("http://127.0.0.1:{}/", free_port()?);
    ctx.index = Index::new(&down, None)?;
    let err = match world.publish(&ctx) {
        Ok(conclusion) => bail!("published to nothing: {conclusion:?}"),
        Err(err) => format!("{err:#}"),
    };
    assert!(
        err.starts_with(&format!(
            "the index at {down}simple/dictwalk/ cannot be reached"
        )),
        "{err}"
    );
    assert!(!err.contains('\n'), "{err}");
    assert_eq!(
        crate::status::status_of(&Err(anyhow::anyhow!(err))),
        Status::CouldNotRun
    );
    Ok(())
}

#[test]
fn an_index_that_rejects_the_second_file_is_reported_and_a_rerun_completes_the_set(
) -> anyhow::Result<()> {
    let world = World::new()?;
    let ctx = world.context(false)?;
    // A folder where the second file (by name) would go: pypiserver refuses its upload as
    // a file that exists, and lists nothing for it.
    let pure = format!("dictwalk-{}-py3-none-any.whl", world.version);
    let blocker = world.server.data.join(&pure);
    fs::create_dir(&blocker)?;
    let first = world.publish(&ctx)?;
    assert_eq!(first.status, Status::Failed, "{first:?}");
    let report = world.report()?;
    let outcomes = outcomes(&report);
    assert!(outcomes[0].starts_with("uploaded"), "{outcomes:?}");
    assert!(outcomes[1].starts_with("missing"), "{outcomes:?}");
    assert!(
        first
            .reasons
            .iter()
            .any(|r| r.contains(&format!("{pure} is not on the index after the upload"))),
        "{first:?}"
    );

    fs::remove_dir(&blocker)?;
    let again = world.publish(&ctx)?;
    assert_eq!(again.status, Status::Passed, "{again:?}");
    let report = world.report()?;
    let outcomes = super::tests::outcomes(&report);
    assert!(outcomes[0].starts_with("skipped"), "{outcomes:?}");
    assert!(outcomes[1].starts_with("uploaded"), "{outcomes:?}");
    assert_eq!(world.server.files()?.len(), 3);
    Ok(())
}

#[test]
fn a_dry_run_checks_everything_and_uploads_nothing() -> anyhow::Result<()> {
    let world = World::new()?;
    let mut ctx = world.context(false)?;
    ctx.dry_run = true;
    // No credentials needed, none given.
    let conclusion = publish(&ctx, &world.venv)?;
    assert_eq!(conclusion.status, Status::Passed, "{conclusion:?}");
    assert!(
        conclusion.summary.contains("would upload 3 of 3 files"),
        "{conclusion:?}"
    );
    assert_eq!(world.server.files()?, Vec::<String>::new());
    assert!(!world.reports.join(report::JSON).exists());
    Ok(())
}
