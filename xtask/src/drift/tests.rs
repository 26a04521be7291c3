//! The drift check on small synthetic distributions in the real formats (zip wheels with
//! METADATA, WHEEL and a valid RECORD; a gzip tar sdist with PKG-INFO): no drift when they
//! agree, and each kind of injected drift found and named. The same injections run on the real
//! wheels in the ignored end-to-end test (`cargo xtask drift --self-test`).

use std::{fs, io::Write, path::Path};

use super::{
    inject::{edit_wheel, write_entries, Entry, Expect, Injection},
    selftest::detected,
    *,
};
use crate::status::Status;

const PURE_TAG: &str = "py3-none-any";
const NATIVE_TAG: &str = "cp310-abi3-manylinux_2_17_x86_64";

fn metadata(content_type: &str) -> String {
    format!(
        "Metadata-Version: 2.4\nName: dictwalk\nVersion: 3.0.0a1\n\
         Summary: Read and mutate nested dicts and lists with path expressions\n\
         Keywords: dict,json,path\nLicense-Expression: MIT\n\
         Classifier: Programming Language :: Python :: 3\nClassifier: Typing :: Typed\n\
         Requires-Python: >=3.10\nProject-URL: Repository, https://example.invalid/dictwalk\n\
         Description-Content-Type: {content_type}\n\n# dictwalk\n\nReads and mutates dicts.\n"
    )
}

fn package() -> Vec<Entry> {
    vec![
        Entry::file(
            "dictwalk/__init__.py",
            b"from dictwalk._version import __version__\n",
        ),
        Entry::file("dictwalk/_version.py", b"__version__ = \"3.0.0a1\"\n"),
        Entry::file(
            "dictwalk/errors.py",
            b"class DictWalkError(Exception):\n    pass\n",
        ),
        Entry::file("dictwalk/py.typed", b""),
        Entry::file("dictwalk/_native.pyi", b"def get(data, path): ...\n"),
        Entry::file(
            "dictwalk/backends/python/__init__.py",
            b"def get(data, path):\n    \"\"\"Return it.\"\"\"\n",
        ),
    ]
}

fn wheel(tag: &str) -> anyhow::Result<Vec<u8>> {
    let pure = tag == PURE_TAG;
    let mut entries = package();
    if !pure {
        entries.push(Entry::file(
            "dictwalk/_native.abi3.so",
            b"\x7fELF not really",
        ));
    }
    let dist_info = "dictwalk-3.0.0a1.dist-info";
    let content_type = if pure {
        "text/markdown"
    } else {
        "text/markdown; charset=UTF-8; variant=GFM"
    };
    entries.push(Entry::file(
        &format!("{dist_info}/METADATA"),
        metadata(content_type).as_bytes(),
    ));
    let wheel_file =
        format!("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {pure}\nTag: {tag}\n");
    entries.push(Entry::file(
        &format!("{dist_info}/WHEEL"),
        wheel_file.as_bytes(),
    ));
    entries.push(Entry::file(&format!("{dist_info}/RECORD"), b""));
    write_entries(&entries, true)
}

fn sdist() -> anyhow::Result<Vec<u8>> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("PKG-INFO".into(), metadata("text/markdown").into_bytes()),
        (
            "pyproject.toml".into(),
            b"[project]\nname = \"dictwalk\"\nversion = \"3.0.0a1\"\n".to_vec(),
        ),
    ];
    for entry in package() {
        files.push((format!("python/{}", entry.name), entry.data));
    }
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(
            &mut header,
            format!("dictwalk-3.0.0a1/{path}"),
            data.as_slice(),
        )?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    Ok(gz.finish()?)
}

fn sources() -> Sources {
    Sources {
        cargo_toml: "[workspace.package]\nversion = \"3.0.0-alpha.1\"\n".into(),
        pyproject: "[project]\nname = \"dictwalk\"\nversion = \"3.0.0a1\"\n".into(),
        version_py: "__version__ = \"3.0.0a1\"\n".into(),
    }
}

fn synthetic(dir: &Path) -> anyhow::Result<()> {
    fs::write(
        dir.join(format!("dictwalk-3.0.0a1-{PURE_TAG}.whl")),
        wheel(PURE_TAG)?,
    )?;
    fs::write(
        dir.join(format!("dictwalk-3.0.0a1-{NATIVE_TAG}.whl")),
        wheel(NATIVE_TAG)?,
    )?;
    fs::write(dir.join("dictwalk-3.0.0a1.tar.gz"), sdist()?)?;
    Ok(())
}

/// The report of every check but the API probe (which needs Python; its diff has its own
/// tests in `api.rs`), which is recorded as agreeing so that a clean run can say "no drift".
fn report_for(dir: &Path, sources: &Sources) -> anyhow::Result<Report> {
    let located = artifact::locate(dir)?;
    let problems = artifact::incomplete(&located, dir);
    let mut analysis = analyse(sources, &located);
    analysis.add(
        Check::Api,
        "not probed in unit tests".into(),
        Vec::new(),
        false,
    );
    Ok(analysis.into_report(problems, Environment::default()))
}

#[test]
fn agreeing_distributions_have_no_drift() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    synthetic(dir.path())?;
    let report = report_for(dir.path(), &sources())?;
    assert_eq!(report.findings, [], "{:#?}", report.findings);
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!(report.verdict, Status::Passed);
    assert_eq!(report.artifacts.len(), 3);
    assert!(
        report.checks.iter().all(|c| c.status == Status::Passed),
        "{:?}",
        report.checks
    );
    Ok(())
}

#[test]
fn every_injection_is_found_and_named() -> anyhow::Result<()> {
    for injection in Injection::ALL {
        if injection.needs_api() {
            continue;
        }
        let dir = tempfile::tempdir()?;
        synthetic(dir.path())?;
        let mut sources = sources();
        injection.apply(&artifact::locate(dir.path())?, &mut sources)?;
        let report = report_for(dir.path(), &sources)?;
        assert_ne!(report.verdict, Status::Passed, "{injection:?}");
        let found = detected(injection.expect(), &report);
        assert!(
            found.is_some(),
            "{injection:?} not found as {:?}; findings: {:#?}; problems: {:?}",
            injection.expect(),
            report.findings,
            report.problems
        );
    }
    Ok(())
}

/// Renames the synthetic native wheel to carry `tag` (its WHEEL file says the same).
fn retag_native(dir: &Path, tag: &str) -> anyhow::Result<()> {
    let old = dir.join(format!("dictwalk-3.0.0a1-{NATIVE_TAG}.whl"));
    edit_wheel(&old, true, |entries| {
        let entry = entries.iter_mut().find(|e| e.name.ends_with("/WHEEL"));
        let entry = entry.ok_or_else(|| anyhow::anyhow!("no WHEEL"))?;
        entry.data = String::from_utf8_lossy(&entry.data)
            .replace(NATIVE_TAG, tag)
            .into_bytes();
        Ok(())
    })?;
    fs::rename(&old, dir.join(format!("dictwalk-3.0.0a1-{tag}.whl")))?;
    Ok(())
}

#[test]
fn a_native_tag_beyond_manylinux_2_17_or_a_wrong_abi3_claim_is_drift() -> anyhow::Result<()> {
    for (tag, expected) in [
        ("cp310-abi3-manylinux_2_34_x86_64", "needs glibc 2.34"),
        ("cp311-abi3-manylinux_2_17_x86_64", "claims abi3 from cp311"),
    ] {
        let dir = tempfile::tempdir()?;
        synthetic(dir.path())?;
        retag_native(dir.path(), tag)?;
        let report = report_for(dir.path(), &sources())?;
        let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{tag}: {messages:?}"
        );
    }
    Ok(())
}

#[test]
fn a_missing_family_is_never_no_drift() -> anyhow::Result<()> {
    for lost in ["py3-none-any.whl", "manylinux_2_17_x86_64.whl", ".tar.gz"] {
        let dir = tempfile::tempdir()?;
        synthetic(dir.path())?;
        for entry in fs::read_dir(dir.path())? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(lost) {
                fs::remove_file(path)?;
            }
        }
        let report = report_for(dir.path(), &sources())?;
        assert_eq!(report.verdict, Status::CouldNotRun, "{lost}");
        assert_eq!(report.verdict, Status::CouldNotRun);
        assert!(
            report.problems.iter().any(|p| p.starts_with("no ")),
            "{:?}",
            report.problems
        );
    }
    let empty = tempfile::tempdir()?;
    let report = report_for(empty.path(), &sources())?;
    assert_eq!(report.verdict, Status::CouldNotRun);
    assert_eq!(report.problems.len(), 3);
    Ok(())
}

#[test]
fn the_findings_of_an_injection_name_the_difference() -> anyhow::Result<()> {
    // Beyond "found": the messages say what differs, between which distributions.
    let dir = tempfile::tempdir()?;
    synthetic(dir.path())?;
    let mut changed = sources();
    Injection::MetadataField.apply(&artifact::locate(dir.path())?, &mut changed)?;
    let report = report_for(dir.path(), &changed)?;
    let summary: Vec<_> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert!(
        summary[0].contains("\"An injected summary\" in native wheel"),
        "{}",
        summary[0]
    );
    assert!(summary[0].contains("in pure wheel"), "{}", summary[0]);

    let dir = tempfile::tempdir()?;
    synthetic(dir.path())?;
    let mut changed = sources();
    Injection::RecordMismatch.apply(&artifact::locate(dir.path())?, &mut changed)?;
    let report = report_for(dir.path(), &changed)?;
    let record: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == Check::Artifact)
        .collect();
    assert_eq!(record.len(), 2, "the hash and the size: {record:#?}");
    for finding in &record {
        assert!(finding.subject.ends_with(&format!("{NATIVE_TAG}.whl")));
        assert!(finding
            .message
            .starts_with("RECORD does not match: dictwalk/errors.py: RECORD says"));
    }
    assert!(
        record[0].message.contains("sha256="),
        "{}",
        record[0].message
    );
    assert!(record[1].message.contains("size"), "{}", record[1].message);
    Ok(())
}

/// The synthetic distribution of `family` in `dir`.
fn path_of(dir: &Path, family: Family) -> anyhow::Result<std::path::PathBuf> {
    artifact::locate(dir)?
        .into_iter()
        .find(|l| l.family == family)
        .map(|l| l.path)
        .ok_or_else(|| anyhow::anyhow!("no {} in {}", family.name(), dir.display()))
}

#[test]
fn an_unreadable_distribution_means_the_run_could_not_run() -> anyhow::Result<()> {
    // Each breaks one distribution so that it cannot be compared at all; the run then has no
    // verdict (exit 2), and its problem names the file and why.
    type Break = fn(&Path) -> anyhow::Result<()>;
    let cases: [(&str, Family, Break, &str); 7] = [
        (
            "not a zip",
            Family::Native,
            |p| Ok(fs::write(p, b"<html>not found</html>")?),
            "not a valid zip archive",
        ),
        (
            "truncated zip",
            Family::Pure,
            |p| {
                let bytes = fs::read(p)?;
                Ok(fs::write(p, &bytes[..bytes.len() / 2])?)
            },
            "not a valid zip archive",
        ),
        (
            "damaged member",
            Family::Native,
            |p| {
                // Stored, not deflated, so that the flipped byte is a file's data and only the
                // CRC-32 can notice it.
                let mut entries = super::inject::read_entries(&fs::read(p)?)?;
                entries.retain(|e| !e.name.ends_with("RECORD"));
                entries.push(Entry::file("dictwalk-3.0.0a1.dist-info/RECORD", b""));
                let mut bytes = stored(&entries)?;
                let at = find(&bytes, b"class DictWalkError")
                    .ok_or_else(|| anyhow::anyhow!("no errors.py"))?;
                bytes[at] ^= 0x20;
                Ok(fs::write(p, bytes)?)
            },
            "cannot be read",
        ),
        (
            "no METADATA",
            Family::Native,
            |p| {
                edit_wheel(p, true, |entries| {
                    entries.retain(|e| !e.name.ends_with("/METADATA"));
                    Ok(())
                })
            },
            "has no dictwalk-3.0.0a1.dist-info/METADATA",
        ),
        (
            "no .dist-info",
            Family::Pure,
            |p| {
                edit_wheel(p, false, |entries| {
                    entries.retain(|e| !e.name.contains(".dist-info/"));
                    Ok(())
                })
            },
            "has no .dist-info directory",
        ),
        (
            "sdist not a gzip tar",
            Family::Sdist,
            |p| Ok(fs::write(p, b"PK\x03\x04 not a tar")?),
            "not a valid .tar.gz",
        ),
        (
            "sdist without PKG-INFO",
            Family::Sdist,
            |p| {
                let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let mut tar = tar::Builder::new(gz);
                let mut header = tar::Header::new_gnu();
                header.set_size(2);
                header.set_mode(0o644);
                header.set_cksum();
                tar.append_data(&mut header, "dictwalk-3.0.0a1/README.md", &b"# "[..])?;
                Ok(fs::write(p, tar.into_inner()?.finish()?)?)
            },
            "has no dictwalk-3.0.0a1/PKG-INFO",
        ),
    ];
    for (name, family, damage, why) in cases {
        let dir = tempfile::tempdir()?;
        synthetic(dir.path())?;
        let path = path_of(dir.path(), family)?;
        damage(&path)?;
        let report = report_for(dir.path(), &sources())?;
        assert_eq!(report.verdict, Status::CouldNotRun, "{name}: {report:#?}");
        assert_eq!(report.verdict, Status::CouldNotRun, "{name}");
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.starts_with(&format!("{file}: ")) && p.contains(why)),
            "{name}: {:?}",
            report.problems
        );
        let artifact = report.checks.iter().find(|c| c.check == Check::Artifact);
        assert_eq!(
            artifact.map(|c| c.status),
            Some(Status::CouldNotRun),
            "{name}"
        );
    }
    Ok(())
}

#[test]
fn a_readable_but_inconsistent_distribution_is_drift() -> anyhow::Result<()> {
    // Each of these can be read and compared, and what is wrong with it is a finding: drift
    // (exit 1), with no problem, so never "could not run".
    type Break = fn(&Path) -> anyhow::Result<()>;
    let cases: [(&str, Family, Break, &str); 5] = [
        (
            "RECORD hash mismatch",
            Family::Native,
            |p| {
                edit_wheel(p, false, |entries| {
                    let entry = entries.iter_mut().find(|e| e.name == "dictwalk/errors.py");
                    entry
                        .ok_or_else(|| anyhow::anyhow!("no errors.py"))?
                        .data
                        .push(b'#');
                    Ok(())
                })
            },
            "RECORD does not match: dictwalk/errors.py",
        ),
        (
            "wrong tag",
            Family::Pure,
            |p| {
                edit_wheel(p, true, |entries| {
                    let entry = entries.iter_mut().find(|e| e.name.ends_with("/WHEEL"));
                    let entry = entry.ok_or_else(|| anyhow::anyhow!("no WHEEL"))?;
                    entry.data = String::from_utf8_lossy(&entry.data)
                        .replace("Tag: py3-none-any", "Tag: cp310-abi3-manylinux_2_34_x86_64")
                        .into_bytes();
                    Ok(())
                })
            },
            "WHEEL declares the tags",
        ),
        (
            "native code in the pure wheel",
            Family::Pure,
            |p| {
                edit_wheel(p, true, |entries| {
                    entries.push(Entry::file("dictwalk/_native.abi3.so", b"\x7fELF"));
                    Ok(())
                })
            },
            "contains native code",
        ),
        (
            "no WHEEL",
            Family::Native,
            |p| {
                edit_wheel(p, true, |entries| {
                    entries.retain(|e| !e.name.ends_with("/WHEEL"));
                    Ok(())
                })
            },
            "has no dictwalk-3.0.0a1.dist-info/WHEEL",
        ),
        (
            "misnamed .dist-info",
            Family::Native,
            |p| {
                edit_wheel(p, true, |entries| {
                    for entry in entries.iter_mut() {
                        entry.name = entry
                            .name
                            .replace("dictwalk-3.0.0a1.dist-info", "dictwalk-3.0.0.dist-info");
                    }
                    Ok(())
                })
            },
            "its metadata directory is dictwalk-3.0.0.dist-info",
        ),
    ];
    for (name, family, damage, why) in cases {
        let dir = tempfile::tempdir()?;
        synthetic(dir.path())?;
        damage(&path_of(dir.path(), family)?)?;
        let report = report_for(dir.path(), &sources())?;
        assert_eq!(report.problems, Vec::<String>::new(), "{name}");
        assert_eq!(
            report.verdict,
            Status::Failed,
            "{name}: {:#?}",
            report.findings
        );
        assert_eq!(report.verdict, Status::Failed, "{name}");
        assert!(
            report.findings.iter().any(|f| f.message.contains(why)),
            "{name}: {:#?}",
            report.findings
        );
    }
    Ok(())
}

/// A wheel of `entries` stored without compression.
fn stored(entries: &[Entry]) -> anyhow::Result<Vec<u8>> {
    use zip::{write::SimpleFileOptions, CompressionMethod, ZipWriter};
    let mut writer = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for e in entries {
        let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
        writer.start_file(e.name.as_str(), options)?;
        writer.write_all(&e.data)?;
    }
    Ok(writer.finish()?.into_inner())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn expectations_of_the_injections_do_not_match_a_clean_report() -> anyhow::Result<()> {
    // Guards the self-test itself: an expectation that a clean run satisfies proves nothing.
    let dir = tempfile::tempdir()?;
    synthetic(dir.path())?;
    let clean = report_for(dir.path(), &sources())?;
    for injection in Injection::ALL {
        assert_eq!(detected(injection.expect(), &clean), None, "{injection:?}");
        assert!(matches!(
            injection.expect(),
            Expect::Finding(..) | Expect::CannotRun(_)
        ));
    }
    Ok(())
}

#[test]
#[ignore = "builds the real wheels with uv and maturin and makes venvs; `cargo xtask drift --self-test` runs the same"]
fn self_test_on_the_real_wheels() -> anyhow::Result<()> {
    let sh = crate::shell()?;
    let dir = sh.current_dir().join(crate::flags::defaults::WHEEL_DIR);
    assert_eq!(selftest::run(&sh, &dir, true)?.status, Status::Passed);
    Ok(())
}
