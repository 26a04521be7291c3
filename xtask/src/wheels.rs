//! `cargo xtask wheels`: builds the pure wheel and the sdist (uv) and the native wheel (maturin)
//! from the one pyproject.toml, then installs each into a fresh venv and checks it works.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use xshell::{cmd, Shell};

use crate::{
    artifact::{self, Family, Located},
    atomic, exec, flags,
    gate::{self, GateCheck},
    python::{self, Venv},
    status::{Conclusion, Status},
    steps::Steps,
    term, version,
};

/// Where the smoke tests make their venvs, one per scenario.
const SMOKE_DIR: &str = "target/wheels-smoke";

/// Written to `target/wheels-smoke/smoke_check.py` and run in a smoke venv with `python -I
/// smoke_check.py <backend> <version>`: imports the installed package (never the checkout: `-I`
/// keeps the script's directory, the working directory and PYTHONPATH off sys.path), prints one
/// line per check, and exits 1 when any failed.
pub const SMOKE: &str = r#"
import importlib.util
import sys

expected_backend, expected_version = sys.argv[1], sys.argv[2]
failed = 0


def check(ok, what):
    global failed
    print(("ok    " if ok else "FAIL  ") + what)
    failed += not ok


import dictwalk

check(dictwalk.__file__.startswith(sys.prefix), f"import dictwalk from the venv: {dictwalk.__file__}")
check(dictwalk.__version__ == expected_version, f"dictwalk.__version__ == {dictwalk.__version__!r}, expected {expected_version!r}")
name = dictwalk.backend_name()
check(name == expected_backend, f"dictwalk.backend_name() == {name!r}, expected {expected_backend!r}")
native = importlib.util.find_spec("dictwalk._native") is not None
check(native == (expected_backend == "rust"), f"dictwalk._native is {'present' if native else 'absent'}")
data = {"a": {"users": [{"id": 1, "name": "Ada", "active": True}, {"id": 2, "name": "Lin", "active": False}]}}
got = dictwalk.dictwalk.get(data, "a.users[?.active==True].name[]")
check(got == ["Ada"], f"dictwalk.get(data, 'a.users[?.active==True].name[]') == {got!r}")
got = dictwalk.dictwalk.get(data, "a.users.id[]|$sum")
check(got == 3, f"dictwalk.get(data, 'a.users.id[]|$sum') == {got!r}")
dictwalk.dictwalk.set(data, "a.users[?.id==2].active", True)
check(data["a"]["users"][1]["active"] is True, "dictwalk.set(data, 'a.users[?.id==2].active', True) wrote it")
sys.exit(1 if failed else 0)
"#;

impl flags::Wheels {
    pub fn run(self, sh: &Shell) -> anyhow::Result<Conclusion> {
        let dev = python::dev_venv(sh)?;
        let out = sh.current_dir().join(&self.wheel_dir);
        let built = build(sh, &dev, &out, &self.compatibility)?;
        for located in &built {
            println!(
                "{}\t{}\t{}",
                located.family.name(),
                located.path.display(),
                located.tag
            );
        }
        if self.no_smoke {
            return Ok(Conclusion::new(
                Status::Passed,
                format!("built {} distributions (no smoke tests)", built.len()),
            ));
        }
        Ok(smoke(sh, &dev, &built)?.finish())
    }
}

/// The wheels check of `cargo xtask gate`: build every distribution into the gate's wheel
/// folder and smoke-test each install. The file list (data on stdout) and the smoke steps'
/// table are the `wheels` command's: the gate shows only its own lines.
pub const GATE_CHECK: GateCheck = GateCheck {
    name: "wheels",
    does: "build the sdist, the pure and the native wheel, smoke-test them",
    needs: &[],
    reports: &[],
    run: for_gate,
};

fn for_gate(ctx: &gate::Context<'_>) -> Conclusion {
    let smoked = python::dev_venv(ctx.sh).and_then(|dev| {
        let built = build(ctx.sh, &dev, &ctx.wheel_dir, &ctx.compatibility)?;
        smoke(ctx.sh, &dev, &built)
    });
    match smoked {
        Ok(steps) if steps.status() == Status::Passed => Conclusion::new(
            Status::Passed,
            "built the sdist, the pure and the native wheel; every smoke test passed",
        ),
        Ok(steps) => {
            let failed = steps.finish();
            Conclusion::new(failed.status, "a smoke test failed (see its output above)")
                .with_reasons(vec![failed.summary])
        }
        Err(err) => Conclusion::of_error("the build could not run", &err),
    }
}

/// An executable of the development venv, or an error that says how to get it.
fn tool(venv: &Venv, name: &str) -> anyhow::Result<PathBuf> {
    let path = venv.bin(name);
    if !path.exists() {
        bail!(
            "{name} is not installed in {}, though python/requirements-dev.txt pins it: delete \
             {} and run again (xtask reinstalls the pins), or run `{} -m pip install -r \
             python/requirements-dev.txt`",
            venv.dir().display(),
            venv.dir().join("xtask-requirements.stamp").display(),
            venv.python().display()
        );
    }
    Ok(path)
}

/// The folder inside the wheel folder where a build puts its distributions until all three
/// are built.
const STAGING: &str = ".building";

/// Builds the sdist, the pure wheel and the native wheel into `out`, and returns them. They
/// are built into `out/.building/` first and replace the `dictwalk-*` distributions in `out`
/// (so no stale version is compared) only once all three exist: a build that fails or is
/// interrupted leaves the last complete set, never a set without its native wheel.
pub fn build(
    sh: &Shell,
    venv: &Venv,
    out: &Path,
    compatibility: &str,
) -> anyhow::Result<Vec<Located>> {
    let uv = tool(venv, "uv")?;
    let maturin = tool(venv, "maturin")?;
    let staging = out.join(STAGING);
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("remove {}", staging.display()))?;
    }
    fs::create_dir_all(&staging).with_context(|| format!("create {}", staging.display()))?;

    // Without --sdist/--wheel, uv builds the sdist and then the wheel from the unpacked sdist:
    // a file the sdist lacks fails the build here rather than on a user's machine.
    exec::run(
        "sdist + pure wheel",
        cmd!(sh, "{uv} build --out-dir {staging}"),
    )
    .context("build the sdist and the pure wheel with uv")?;
    let python = venv.python();
    // On Linux, zig (`python3 -m ziglang`, found through the dev venv first on PATH) links
    // the extension against the glibc of the tag asked for, not the host's.
    let zig = cfg!(target_os = "linux").then_some("--zig");
    let path = std::env::join_paths(
        venv.python()
            .parent()
            .map(Path::to_path_buf)
            .into_iter()
            .chain(sh.var_os("PATH").iter().flat_map(std::env::split_paths)),
    )
    .context("put the dev venv on PATH")?;
    let native = crate::test::without_backend_warning(cmd!(
        sh,
        "{maturin} build --release --out {staging} --interpreter {python} --compatibility {compatibility} --auditwheel check {zig...}"
    ))
    .env("PATH", path);
    exec::run("native wheel", native).context("build the native wheel with maturin")?;

    let staged = artifact::locate(&staging)?;
    let problems = artifact::incomplete(&staged, &staging);
    if !problems.is_empty() {
        bail!("the builds succeeded but: {}", problems.join("; "));
    }
    if cfg!(target_os = "linux") {
        for native in staged.iter().filter(|l| l.family == Family::Native) {
            audit_native(sh, venv, &native.path)?;
        }
    }
    replace_distributions(&staging, out)?;
    let built = artifact::locate(out)?;
    for located in &built {
        term::info(format_args!(
            "built {}: {} (tag {})",
            located.family.name(),
            located.file,
            located.tag
        ));
    }
    Ok(built)
}

/// The newest glibc a portable Linux wheel may need: manylinux2014's.
const MAX_GLIBC: (u32, u32) = (2, 17);

/// Holds the native wheel to its promises: `auditwheel show` must find it consistent with a
/// manylinux tag no newer than `MAX_GLIBC`, and `abi3audit --strict` must find every symbol
/// within the stable ABI of the Python it claims.
fn audit_native(sh: &Shell, venv: &Venv, wheel: &Path) -> anyhow::Result<()> {
    let auditwheel = tool(venv, "auditwheel")?;
    let shown = exec::capture("auditwheel show", cmd!(sh, "{auditwheel} show {wheel}"))
        .context("inspect the native wheel with auditwheel")?;
    let text = shown
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match consistent_glibc(&text) {
        Some(glibc) if glibc <= MAX_GLIBC => term::info(format_args!(
            "auditwheel: the native wheel needs glibc {}.{} at most",
            glibc.0, glibc.1
        )),
        Some(glibc) => bail!(
            "auditwheel: {} needs glibc {}.{}, newer than manylinux_{}_{}",
            wheel.display(),
            glibc.0,
            glibc.1,
            MAX_GLIBC.0,
            MAX_GLIBC.1
        ),
        None => bail!(
            "auditwheel show names no manylinux tag for {}: {text}",
            wheel.display()
        ),
    }
    let abi3audit = tool(venv, "abi3audit")?;
    exec::run("abi3audit", cmd!(sh, "{abi3audit} --strict {wheel}"))
        .context("abi3audit: the native wheel breaks its abi3 promise")?;
    Ok(())
}

/// The glibc of the tag `auditwheel show` finds the wheel consistent with ("is consistent with
/// the following platform tag: "manylinux_2_17_x86_64"").
fn consistent_glibc(text: &str) -> Option<(u32, u32)> {
    let after = text
        .split("consistent with the following platform tag:")
        .nth(1)?;
    let tag = after.trim_start().trim_start_matches('"');
    let rest = tag.strip_prefix("manylinux_")?;
    let mut parts = rest.split('_');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// Moves the distributions built in `staging` into `out` in place of the ones there, then
/// removes `staging`.
fn replace_distributions(staging: &Path, out: &Path) -> anyhow::Result<()> {
    for old in artifact::locate(out)? {
        fs::remove_file(&old.path).with_context(|| format!("remove {}", old.path.display()))?;
    }
    for new in artifact::locate(staging)? {
        let target = out.join(&new.file);
        fs::rename(&new.path, &target)
            .with_context(|| format!("move {} to {}", new.path.display(), target.display()))?;
    }
    fs::remove_dir_all(staging).with_context(|| format!("remove {}", staging.display()))
}

/// The install smoke tests, each a step, expecting the version pyproject.toml states.
fn smoke(sh: &Shell, dev: &Venv, built: &[Located]) -> anyhow::Result<Steps> {
    let pyproject = sh
        .read_file(version::PYPROJECT)
        .context("read pyproject.toml")?;
    let version = &version::toml_string(&pyproject, &["project", "version"])
        .map_err(|why| anyhow::anyhow!("pyproject.toml: {why}"))?;
    let of = |family: Family| -> anyhow::Result<&Path> {
        built
            .iter()
            .find(|l| l.family == family)
            .map(|l| l.path.as_path())
            .with_context(|| format!("find the {}", family.name()))
    };
    let (pure, native, sdist) = (of(Family::Pure)?, of(Family::Native)?, of(Family::Sdist)?);
    let root = sh.current_dir().join(SMOKE_DIR);
    let script = root.join("smoke_check.py");
    atomic::write(&script, SMOKE.as_bytes())?;
    let mut steps = Steps::default();

    let verdict = scenario(
        sh,
        dev,
        &script,
        &root.join("pure"),
        &[(pure, false, "python")],
        version,
    );
    steps.record("smoke: pure wheel -> python backend", verdict);
    let verdict = scenario(
        sh,
        dev,
        &script,
        &root.join("native"),
        &[(native, false, "rust")],
        version,
    );
    steps.record("smoke: native wheel -> rust backend", verdict);
    term::info(
        "smoke: pure then native: pip keeps an installed distribution of the same version, so \
         the native wheel goes in with --force-reinstall",
    );
    let verdict = scenario(
        sh,
        dev,
        &script,
        &root.join("pure-then-native"),
        &[(pure, false, "python"), (native, true, "rust")],
        version,
    );
    steps.record("smoke: pure then native -> rust backend", verdict);
    term::info(
        "smoke: sdist: pip builds it from source with its build backend uv_build (fetched into \
         an isolated build environment), which makes a pure install: python backend expected",
    );
    let verdict = scenario(
        sh,
        dev,
        &script,
        &root.join("sdist"),
        &[(sdist, false, "python")],
        version,
    );
    steps.record(
        "smoke: sdist (built by uv_build) -> python backend",
        verdict,
    );
    Ok(steps)
}

/// A fresh venv at `dir`; then, for each `(distribution, force_reinstall, backend)`, installs it
/// and runs the smoke checks expecting that backend.
fn scenario(
    sh: &Shell,
    dev: &Venv,
    script: &Path,
    dir: &Path,
    installs: &[(&Path, bool, &str)],
    version: &str,
) -> Conclusion {
    let python = python::venv_bin(dir, "python");
    let base = dev.python();
    if let Err(err) = exec::run("smoke venv", cmd!(sh, "{base} -m venv --clear {dir}")) {
        return Conclusion::new(Status::CouldNotRun, format!("{err:#}"));
    }
    for &(dist, force, backend) in installs {
        // Wheels install from the file alone; the sdist needs an index for its build backend,
        // and no cache, so that it really is built from source on every run.
        let is_wheel = dist.extension().is_some_and(|ext| ext == "whl");
        let source = if is_wheel {
            "--no-index"
        } else {
            "--no-cache-dir"
        };
        let force = force.then_some("--force-reinstall");
        let install = cmd!(
            sh,
            "{python} -m pip install --disable-pip-version-check --no-input --no-deps {source} {force...} {dist}"
        );
        if let Err(err) = exec::run("smoke install", install) {
            return Conclusion::new(Status::Failed, format!("{err:#}"));
        }
        let _dir = sh.push_dir(dir);
        let check = cmd!(sh, "{python} -I {script} {backend} {version}")
            .env_remove("PYTHONPATH")
            .env_remove("DICTWALK_BACKEND");
        match exec::run_unchecked("smoke checks", check) {
            Ok(ran) if ran.success => {}
            Ok(ran) => {
                return Conclusion::new(
                    Status::Failed,
                    format!(
                        "{} expecting the {backend} backend: a check failed ({})",
                        dist.display(),
                        ran.status
                    ),
                )
            }
            Err(err) => return Conclusion::new(Status::CouldNotRun, format!("{err:#}")),
        }
    }
    Conclusion::new(Status::Passed, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::file_names;

    #[test]
    fn the_glibc_comes_from_auditwheels_tag() {
        let text =
            "x.whl is consistent with the following platform tag: \"manylinux_2_17_x86_64\". \
                    The wheel references";
        assert_eq!(consistent_glibc(text), Some((2, 17)));
        let newer = "is consistent with the following platform tag: \"manylinux_2_34_aarch64\".";
        assert_eq!(consistent_glibc(newer), Some((2, 34)));
        assert_eq!(
            consistent_glibc("is consistent with the following platform tag: \"linux_x86_64\""),
            None
        );
        assert_eq!(consistent_glibc("nothing"), None);
    }

    #[test]
    fn a_complete_build_replaces_the_last_set_and_nothing_else() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let out = dir.path();
        let staging = out.join(STAGING);
        fs::create_dir_all(&staging)?;
        for old in [
            "dictwalk-2.9.0-py3-none-any.whl",
            "dictwalk-2.9.0-cp310-abi3-manylinux_2_34_x86_64.whl",
            "dictwalk-2.9.0.tar.gz",
            "notes.txt",
        ] {
            fs::write(out.join(old), "old")?;
        }
        for new in [
            "dictwalk-3.0.0a1-py3-none-any.whl",
            "dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl",
            "dictwalk-3.0.0a1.tar.gz",
            ".gitignore",
        ] {
            fs::write(staging.join(new), "new")?;
        }
        replace_distributions(&staging, out)?;
        assert_eq!(
            file_names(out)?,
            [
                "dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl",
                "dictwalk-3.0.0a1-py3-none-any.whl",
                "dictwalk-3.0.0a1.tar.gz",
                "notes.txt",
            ]
        );
        Ok(())
    }
}
