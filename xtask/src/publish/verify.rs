//! Verify after upload: `dictwalk==VERSION` installed from the index into two fresh venvs, one
//! that may only take the native wheel and one that may only take the pure wheel, and the smoke
//! query of `cargo xtask wheels` run in each (the native one must report the rust backend).

use std::{fs, path::Path};

use anyhow::Context as _;
use xshell::cmd;

use super::{report::Verified, Context};
use crate::{
    atomic, exec,
    python::{venv_bin, Venv},
    status::Status,
    wheels::SMOKE,
};

/// Both installs, native first.
pub fn verify(ctx: &Context<'_>, dev: &Venv, version: &str) -> Vec<Verified> {
    [("native", "rust"), ("pure", "python")]
        .into_iter()
        .map(|(which, backend)| {
            let name = format!("{which} wheel from the index -> {backend} backend");
            let (status, summary) = match install_and_smoke(ctx, dev, version, which, backend) {
                Ok(()) => (
                    Status::Passed,
                    format!("dictwalk=={version} installed, smoke query passed"),
                ),
                Err(err) => (Status::Failed, format!("{err:#}")),
            };
            Verified {
                name,
                status,
                summary,
            }
        })
        .collect()
}

fn install_and_smoke(
    ctx: &Context<'_>,
    dev: &Venv,
    version: &str,
    which: &str,
    backend: &str,
) -> anyhow::Result<()> {
    let sh = ctx.sh;
    let dir = ctx.verify_dir.join(which);
    let base = dev.python();
    // Without pip of its own: the dev venv's pip installs into it (`pip --python`), which
    // saves seconds per venv and installs the same way.
    exec::run(
        "verify venv",
        cmd!(sh, "{base} -m venv --clear --without-pip {dir}"),
    )
    .with_context(|| format!("create {}", dir.display()))?;
    let python = venv_bin(&dir, "python");
    let index = &ctx.index.simple;
    let requirement = format!("dictwalk=={version}");
    let pip = [
        "-m",
        "pip",
        "--disable-pip-version-check",
        "--no-input",
        "--python",
    ];
    if which == "native" {
        // Binary wheels only: pip takes the most specific tag it supports, the native one.
        exec::run(
            "verify install",
            cmd!(sh, "{base} {pip...} {python} install --no-cache-dir --only-binary :all: --no-deps --index-url {index} {requirement}"),
        )
        .context("install the native wheel from the index")?;
    } else {
        // Only a `py3-none-any` wheel fits a platform of `any` and an abi of `none`: the pure
        // one, downloaded from the index and then installed from the file.
        let download = ctx.verify_dir.join("pure-download");
        if download.exists() {
            fs::remove_dir_all(&download)
                .with_context(|| format!("remove {}", download.display()))?;
        }
        exec::run(
            "verify download",
            cmd!(sh, "{base} {pip...} {python} download --no-cache-dir --only-binary :all: --platform any --implementation py --abi none --python-version 3.10 --no-deps --index-url {index} -d {download} {requirement}"),
        )
        .context("download the pure wheel from the index")?;
        let wheel = only_wheel(&download)?;
        exec::run(
            "verify install",
            cmd!(
                sh,
                "{base} {pip...} {python} install --no-index --no-deps {wheel}"
            ),
        )
        .context("install the pure wheel")?;
    }
    let script = ctx.verify_dir.join("smoke_check.py");
    atomic::write(&script, SMOKE.as_bytes())?;
    let _dir = sh.push_dir(&dir);
    let smoke = cmd!(sh, "{python} -I {script} {backend} {version}")
        .env_remove("PYTHONPATH")
        .env_remove("DICTWALK_BACKEND");
    exec::run("verify smoke", smoke).context("the smoke query failed")?;
    Ok(())
}

fn only_wheel(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let mut wheels = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "whl") {
            wheels.push(path);
        }
    }
    match wheels.as_slice() {
        [one] => Ok(one.clone()),
        _ => anyhow::bail!(
            "pip downloaded {} wheels into {}, expected one",
            wheels.len(),
            dir.display()
        ),
    }
}
