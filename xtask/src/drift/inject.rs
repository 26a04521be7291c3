//! Kinds of drift to inject into copies of distributions, each with the finding that must name
//! it: used by the unit tests (on small synthetic wheels) and by `cargo xtask drift --self-test`
//! (on the real ones).

use std::{
    fs,
    io::{Cursor, Read, Write},
    path::Path,
};

use anyhow::{bail, Context};
use zip::{write::SimpleFileOptions, CompressionMethod, ZipArchive, ZipWriter};

use crate::{
    artifact::{self, Located},
    drift::report::{Check, Family},
};

use super::Sources;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injection {
    /// The native wheel's METADATA says another Summary (RECORD updated to match).
    MetadataField,
    /// The native wheel carries a Python file the pure one lacks (RECORD updated).
    ExtraFile,
    /// A Python file of the native wheel has other bytes (RECORD updated).
    ChangedFile,
    /// The native wheel's METADATA states another version (RECORD updated).
    WheelVersion,
    /// Cargo.toml states another version than pyproject.toml.
    CargoVersion,
    /// The pure wheel carries the extension module (what an in-tree `maturin develop` build
    /// once put into it).
    NativeCodeInPure,
    /// The reference backend's `get` gets another docstring, in both wheels alike (so the files
    /// agree and only the API differs). Needs the Python probe: self-test only.
    ApiDocstring,
    /// The native wheel is cut in half: no longer a zip.
    CorruptZip,
    /// A file of the native wheel changes but RECORD does not.
    RecordMismatch,
    /// The native wheel loses its METADATA (RECORD updated).
    MissingMetadata,
    /// The native wheel is gone, and building is not allowed.
    MissingFamily,
}

/// What must come out of the drift check for an injection to count as detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A finding of this check whose subject or message contains the text.
    Finding(Check, &'static str),
    /// The run cannot reach a verdict, with a problem containing the text.
    CannotRun(&'static str),
}

impl Injection {
    pub const ALL: [Injection; 11] = [
        Injection::MetadataField,
        Injection::ExtraFile,
        Injection::ChangedFile,
        Injection::WheelVersion,
        Injection::CargoVersion,
        Injection::NativeCodeInPure,
        Injection::ApiDocstring,
        Injection::CorruptZip,
        Injection::RecordMismatch,
        Injection::MissingMetadata,
        Injection::MissingFamily,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Injection::MetadataField => "metadata-field",
            Injection::ExtraFile => "extra-file",
            Injection::ChangedFile => "changed-file",
            Injection::WheelVersion => "wheel-version",
            Injection::CargoVersion => "cargo-version",
            Injection::NativeCodeInPure => "native-code-in-pure",
            Injection::ApiDocstring => "api-docstring",
            Injection::CorruptZip => "corrupt-zip",
            Injection::RecordMismatch => "record-mismatch",
            Injection::MissingMetadata => "missing-metadata",
            Injection::MissingFamily => "missing-family",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Injection::MetadataField => "native METADATA Summary changed",
            Injection::ExtraFile => "extra dictwalk/injected.py in the native wheel",
            Injection::ChangedFile => "dictwalk/errors.py changed in the native wheel",
            Injection::WheelVersion => "native METADATA Version 9.9.9",
            Injection::CargoVersion => "Cargo.toml version 9.9.9",
            Injection::NativeCodeInPure => "extension module inside the pure wheel",
            Injection::ApiDocstring => "python backend's get.__doc__ changed",
            Injection::CorruptZip => "native wheel truncated to half",
            Injection::RecordMismatch => "dictwalk/errors.py changed, RECORD not",
            Injection::MissingMetadata => "native wheel without METADATA",
            Injection::MissingFamily => "native wheel deleted (--no-build)",
        }
    }

    pub fn expect(self) -> Expect {
        match self {
            Injection::MetadataField => Expect::Finding(Check::Metadata, "Summary"),
            Injection::ExtraFile => Expect::Finding(Check::Files, "dictwalk/injected.py"),
            Injection::ChangedFile => Expect::Finding(Check::Files, "dictwalk/errors.py"),
            Injection::WheelVersion => Expect::Finding(Check::Version, "METADATA Version"),
            Injection::CargoVersion => Expect::Finding(Check::Version, "Cargo.toml"),
            Injection::NativeCodeInPure => Expect::Finding(Check::Files, "contains native code"),
            Injection::ApiDocstring => Expect::Finding(Check::Api, "__doc__ differs"),
            // A distribution that cannot be read leaves nothing to compare: no verdict, never
            // "drift" (`artifact::read` draws the line).
            Injection::CorruptZip => Expect::CannotRun("not a valid zip"),
            Injection::RecordMismatch => {
                Expect::Finding(Check::Artifact, "dictwalk/errors.py: RECORD says")
            }
            Injection::MissingMetadata => Expect::CannotRun("METADATA"),
            Injection::MissingFamily => Expect::CannotRun("no native wheel"),
        }
    }

    /// Whether detecting it needs the Python probe of the API check.
    pub fn needs_api(self) -> bool {
        self == Injection::ApiDocstring
    }

    /// Applies the injection to copies of the distributions (`located`, files that may be
    /// changed) and to the source texts.
    pub fn apply(self, located: &[Located], sources: &mut Sources) -> anyhow::Result<()> {
        let of = |family: Family| -> anyhow::Result<&Path> {
            located
                .iter()
                .find(|l| l.family == family)
                .map(|l| l.path.as_path())
                .with_context(|| format!("no {} to inject into", family.name()))
        };
        match self {
            Injection::MetadataField => edit_wheel(of(Family::Native)?, true, |entries| {
                edit_metadata(entries, |line| {
                    line.starts_with("Summary:")
                        .then(|| "Summary: An injected summary".to_owned())
                })
            }),
            Injection::ExtraFile => edit_wheel(of(Family::Native)?, true, |entries| {
                entries.push(Entry::file("dictwalk/injected.py", b"INJECTED = True\n"));
                Ok(())
            }),
            Injection::ChangedFile => {
                edit_wheel(of(Family::Native)?, true, |e| append_to_errors_py(e))
            }
            Injection::WheelVersion => edit_wheel(of(Family::Native)?, true, |entries| {
                edit_metadata(entries, |line| {
                    line.starts_with("Version:")
                        .then(|| "Version: 9.9.9".to_owned())
                })
            }),
            Injection::CargoVersion => {
                sources.cargo_toml = version_in_cargo(&sources.cargo_toml)?;
                Ok(())
            }
            Injection::NativeCodeInPure => edit_wheel(of(Family::Pure)?, true, |entries| {
                entries.push(Entry::file("dictwalk/_native.abi3.so", b"\x7fELF injected"));
                Ok(())
            }),
            Injection::ApiDocstring => {
                for family in [Family::Pure, Family::Native] {
                    edit_wheel(of(family)?, true, |entries| {
                        let path = "dictwalk/backends/python/__init__.py";
                        let entry = entries
                            .iter_mut()
                            .find(|e| e.name == path)
                            .with_context(|| format!("find {path}"))?;
                        entry
                            .data
                            .extend_from_slice(b"\nget.__doc__ = \"An injected docstring.\"\n");
                        Ok(())
                    })?;
                }
                Ok(())
            }
            Injection::CorruptZip => {
                let path = of(Family::Native)?;
                let bytes = fs::read(path).with_context(|| format!("read {}", path.display()))?;
                fs::write(path, &bytes[..bytes.len() / 2])
                    .with_context(|| format!("write {}", path.display()))
            }
            Injection::RecordMismatch => {
                edit_wheel(of(Family::Native)?, false, |e| append_to_errors_py(e))
            }
            Injection::MissingMetadata => edit_wheel(of(Family::Native)?, true, |entries| {
                let before = entries.len();
                entries.retain(|e| !e.name.ends_with(".dist-info/METADATA"));
                if entries.len() == before {
                    bail!("the wheel has no METADATA to remove");
                }
                Ok(())
            }),
            Injection::MissingFamily => {
                let path = of(Family::Native)?;
                fs::remove_file(path).with_context(|| format!("remove {}", path.display()))
            }
        }
    }
}

fn append_to_errors_py(entries: &mut [Entry]) -> anyhow::Result<()> {
    let entry = entries
        .iter_mut()
        .find(|e| e.name == "dictwalk/errors.py")
        .context("find dictwalk/errors.py")?;
    entry.data.extend_from_slice(b"# injected\n");
    Ok(())
}

fn version_in_cargo(cargo_toml: &str) -> anyhow::Result<String> {
    let version = crate::version::Version::parse("9.9.9").map_err(anyhow::Error::msg)?;
    crate::version::set_cargo(cargo_toml, &version)
}

/// Rewrites the METADATA lines for which `edit` returns a replacement.
fn edit_metadata(
    entries: &mut [Entry],
    edit: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let entry = entries
        .iter_mut()
        .find(|e| e.name.ends_with(".dist-info/METADATA"))
        .context("find METADATA")?;
    let text = String::from_utf8_lossy(&entry.data).into_owned();
    let mut changed = false;
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| match edit(line) {
            Some(new) if !changed => {
                changed = true;
                new
            }
            _ => line.to_owned(),
        })
        .collect();
    if !changed {
        bail!("no METADATA line to change");
    }
    entry.data = lines.join("\n").into_bytes();
    Ok(())
}

/// One member of a wheel.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

impl Entry {
    pub fn file(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.to_owned(),
            data: data.to_vec(),
            mode: 0o644,
        }
    }
}

/// Every file of a wheel, in order.
pub fn read_entries(bytes: &[u8]) -> anyhow::Result<Vec<Entry>> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).context("open the wheel as a zip")?;
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index)?;
        if file.is_dir() {
            continue;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        entries.push(Entry {
            name: file.name().to_owned(),
            mode: file.unix_mode().unwrap_or(0o644),
            data,
        });
    }
    Ok(entries)
}

/// A wheel of `entries`; with `fix_record`, its RECORD is written anew to match them (the
/// RECORD entry goes last, as the wheel spec recommends).
pub fn write_entries(entries: &[Entry], fix_record: bool) -> anyhow::Result<Vec<u8>> {
    let mut entries = entries.to_vec();
    if fix_record {
        let record_name = entries
            .iter()
            .map(|e| e.name.as_str())
            .find(|n| n.ends_with(".dist-info/RECORD"))
            .context("find RECORD")?
            .to_owned();
        entries.retain(|e| e.name != record_name);
        let mut record = String::new();
        for e in &entries {
            record.push_str(&format!(
                "{},{},{}\n",
                e.name,
                artifact::record_hash(&e.data),
                e.data.len()
            ));
        }
        record.push_str(&format!("{record_name},,\n"));
        entries.push(Entry::file(&record_name, record.as_bytes()));
    }
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for e in &entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(e.mode & 0o777);
        writer.start_file(e.name.as_str(), options)?;
        writer.write_all(&e.data)?;
    }
    Ok(writer.finish()?.into_inner())
}

/// Reads the wheel at `path`, lets `edit` change its members, and writes it back.
pub fn edit_wheel(
    path: &Path,
    fix_record: bool,
    edit: impl FnOnce(&mut Vec<Entry>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let bytes = fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let mut entries = read_entries(&bytes)?;
    edit(&mut entries)?;
    let new = write_entries(&entries, fix_record)?;
    fs::write(path, new).with_context(|| format!("write {}", path.display()))
}
