//! Finding the distributions in a directory and reading them: a wheel (a zip whose RECORD must
//! match its contents) or an sdist (a gzip-compressed tar), each checked for being well formed.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    io::Read,
    path::{Path, PathBuf},
};

use anyhow::Context;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    drift::report::{Artifact, Check, Finding},
    metadata::Metadata,
};

/// Which kind of distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `py3-none-any`: the reference backend only.
    Pure,
    /// A platform wheel with the extension module `dictwalk._native`.
    Native,
    /// The source distribution.
    Sdist,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Pure => "pure wheel",
            Family::Native => "native wheel",
            Family::Sdist => "sdist",
        }
    }
}

/// The distribution name, as it appears at the start of file names.
pub const DIST_NAME: &str = "dictwalk";

/// A distribution file found in a directory, classified by its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Located {
    pub family: Family,
    pub path: PathBuf,
    pub file: String,
    pub version: String,
    /// `py3-none-any`, `cp310-abi3-manylinux_2_34_x86_64`; `source` for the sdist.
    pub tag: String,
    /// How messages name it: the family, plus the tag when there are several of the family.
    pub label: String,
}

impl Located {
    pub fn artifact(&self) -> Artifact {
        Artifact {
            family: self.family,
            file: self.file.clone(),
            version: self.version.clone(),
            tag: self.tag.clone(),
        }
    }
}

/// The parts of a wheel's file name (PEP 427).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    pub name: String,
    pub version: String,
    pub python: String,
    pub abi: String,
    pub platform: String,
}

impl WheelName {
    pub fn parse(file: &str) -> Option<WheelName> {
        let stem = file.strip_suffix(".whl")?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, rest) = match parts.as_slice() {
            [name, version, python, abi, platform] => (name, version, [python, abi, platform]),
            [name, version, _build, python, abi, platform] => {
                (name, version, [python, abi, platform])
            }
            _ => return None,
        };
        let [python, abi, platform] = rest.map(|part| (*part).to_owned());
        Some(WheelName {
            name: (*name).to_owned(),
            version: (*version).to_owned(),
            python,
            abi,
            platform,
        })
    }

    pub fn tag(&self) -> String {
        format!("{}-{}-{}", self.python, self.abi, self.platform)
    }

    /// Every tag the name stands for: each part may be a `.`-separated set.
    pub fn expanded_tags(&self) -> BTreeSet<String> {
        let mut tags = BTreeSet::new();
        for python in self.python.split('.') {
            for abi in self.abi.split('.') {
                for platform in self.platform.split('.') {
                    tags.insert(format!("{python}-{abi}-{platform}"));
                }
            }
        }
        tags
    }

    pub fn is_pure(&self) -> bool {
        self.abi == "none" && self.platform == "any"
    }
}

/// The version in an sdist's file name (`dictwalk-3.0.0a1.tar.gz`).
pub fn sdist_version(file: &str) -> Option<&str> {
    file.strip_prefix(DIST_NAME)?
        .strip_prefix('-')?
        .strip_suffix(".tar.gz")
}

/// Every `dictwalk-*` wheel and sdist in `dir`, sorted; other files are ignored.
pub fn locate(dir: &Path) -> anyhow::Result<Vec<Located>> {
    let mut found = Vec::new();
    if !dir.exists() {
        return Ok(found);
    }
    for entry in fs::read_dir(dir).with_context(|| format!("list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("list {}", dir.display()))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if let Some(name) = WheelName::parse(&file).filter(|n| n.name == DIST_NAME) {
            let family = if name.is_pure() {
                Family::Pure
            } else {
                Family::Native
            };
            found.push(Located {
                family,
                path,
                tag: name.tag(),
                version: name.version,
                file,
                label: String::new(),
            });
        } else if let Some(version) = sdist_version(&file) {
            found.push(Located {
                family: Family::Sdist,
                path,
                version: version.to_owned(),
                tag: "source".to_owned(),
                file,
                label: String::new(),
            });
        }
    }
    found.sort();
    label(&mut found);
    Ok(found)
}

fn label(found: &mut [Located]) {
    let mut counts: BTreeMap<Family, usize> = BTreeMap::new();
    for located in found.iter() {
        *counts.entry(located.family).or_default() += 1;
    }
    for located in found.iter_mut() {
        located.label = if counts[&located.family] > 1 {
            format!("{} {}", located.family.name(), located.tag)
        } else {
            located.family.name().to_owned()
        };
    }
}

/// Why a set of distributions cannot be compared: a family missing, or more than one pure wheel
/// or sdist (stale files of another version, most likely).
pub fn incomplete(found: &[Located], dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (family, pattern) in [
        (Family::Pure, "dictwalk-*-py3-none-any.whl"),
        (Family::Native, "dictwalk-*-<python>-<abi>-<platform>.whl"),
        (Family::Sdist, "dictwalk-*.tar.gz"),
    ] {
        let of_family: Vec<&str> = found
            .iter()
            .filter(|l| l.family == family)
            .map(|l| l.file.as_str())
            .collect();
        if of_family.is_empty() {
            problems.push(format!(
                "no {} ({pattern}) in {}: build it with `cargo xtask wheels`",
                family.name(),
                dir.display()
            ));
        } else if of_family.len() > 1 && family != Family::Native {
            problems.push(format!(
                "{} {}s in {} ({}): remove the stale ones (`cargo xtask wheels` clears them)",
                of_family.len(),
                family.name(),
                dir.display(),
                of_family.join(", ")
            ));
        }
    }
    problems
}

/// A distribution read into memory.
#[derive(Debug, Clone)]
pub struct Contents {
    pub located: Located,
    /// Every regular file: a wheel's by its path in the zip, an sdist's by its path below the
    /// top directory (`PKG-INFO`, `python/dictwalk/__init__.py`).
    pub files: BTreeMap<String, Vec<u8>>,
    /// A wheel's METADATA or an sdist's PKG-INFO.
    pub metadata: Metadata,
}

impl Contents {
    /// The files of the installed package: a wheel's entries outside `*.dist-info/` and
    /// `*.data/`.
    pub fn package_files(&self) -> BTreeMap<&str, &[u8]> {
        self.files
            .iter()
            .filter(|(path, _)| {
                let top = path.split('/').next().unwrap_or_default();
                !top.ends_with(".dist-info") && !top.ends_with(".data")
            })
            .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
            .collect()
    }
}

/// A distribution that could not be read far enough to be compared; the text names the file
/// and says why.
pub type Unreadable = String;

/// Reads a distribution and checks that it is well formed: its contents and a finding for each
/// thing wrong with it, or why it cannot be read at all.
///
/// The line between the two: a distribution is unreadable when the comparison cannot get its
/// inputs from it, that is when its archive cannot be opened or a member cannot be unpacked
/// (not a zip or a gzip tar, truncated, a bad checksum), or it has no one metadata file
/// (a wheel's `.dist-info/METADATA`, an sdist's `PKG-INFO`) for the metadata and version checks
/// to read. Then the drift run could not run (exit 2): saying "drift" would claim a comparison
/// that never happened. Anything else is a readable distribution that is inconsistent (RECORD
/// against the files, WHEEL's tags against the file name, a misnamed `.dist-info`, no WHEEL or
/// RECORD, native code in the pure wheel): a finding, so drift (exit 1).
pub fn read(located: &Located) -> Result<(Contents, Vec<Finding>), Unreadable> {
    let unreadable = |why: String| format!("{}: {why}", located.file);
    let bytes =
        fs::read(&located.path).map_err(|err| unreadable(format!("cannot be read: {err}")))?;
    match located.family {
        Family::Sdist => read_sdist(located, &bytes),
        Family::Pure | Family::Native => read_wheel(located, &bytes),
    }
    .map_err(unreadable)
}

fn read_wheel(located: &Located, bytes: &[u8]) -> Result<(Contents, Vec<Finding>), String> {
    let finding = |message: String| Finding::new(Check::Artifact, &located.file, message);
    let mut findings = Vec::new();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|err| format!("not a valid zip archive: {err}"))?;
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|err| format!("zip entry #{index} cannot be read: {err}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_owned();
        let mut data = Vec::new();
        // A corrupt entry (bad deflate data, a CRC-32 mismatch) fails here.
        entry
            .read_to_end(&mut data)
            .map_err(|err| format!("zip entry {name} cannot be read: {err}"))?;
        files.insert(name, data);
    }

    let dist_infos: BTreeSet<&str> = files
        .keys()
        .filter_map(|path| path.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    let expected_dist_info = format!("{DIST_NAME}-{}.dist-info", located.version);
    let dist_info = match dist_infos.iter().copied().collect::<Vec<_>>().as_slice() {
        [] => return Err("has no .dist-info directory, so no METADATA".into()),
        [one] => {
            if *one != expected_dist_info {
                findings.push(finding(format!(
                    "its metadata directory is {one}, the file name says {expected_dist_info}"
                )));
            }
            (*one).to_owned()
        }
        many => {
            return Err(format!(
                "has {} .dist-info directories ({}), so no one METADATA to compare",
                many.len(),
                many.join(", ")
            ))
        }
    };

    let metadata = match files.get(&format!("{dist_info}/METADATA")) {
        Some(text) => Metadata::parse(&String::from_utf8_lossy(text)),
        None => return Err(format!("has no {dist_info}/METADATA")),
    };
    match files.get(&format!("{dist_info}/WHEEL")) {
        Some(text) => findings.extend(check_wheel_file(located, &String::from_utf8_lossy(text))),
        None => findings.push(finding(format!("has no {dist_info}/WHEEL"))),
    }
    let record_path = format!("{dist_info}/RECORD");
    match files.get(&record_path) {
        Some(record) => findings.extend(
            verify_record(&String::from_utf8_lossy(record), &record_path, &files)
                .into_iter()
                .map(|why| finding(format!("RECORD does not match: {why}"))),
        ),
        None => findings.push(finding(format!("has no {record_path}"))),
    }
    let contents = Contents {
        located: located.clone(),
        files,
        metadata,
    };
    Ok((contents, findings))
}

/// The newest glibc a native Linux wheel may need: manylinux2014's (`manylinux_2_17`).
pub const PORTABLE_GLIBC: (u32, u32) = (2, 17);

/// The Python tag of the one abi3 wheel: the oldest Python the project supports.
const ABI3_PYTHON: &str = "cp310";

/// The glibc a `manylinux_X_Y_arch` platform tag needs (the legacy aliases `manylinux1`,
/// `manylinux2010` and `manylinux2014` are at most 2.17); `None` for other platforms.
pub fn manylinux_glibc(platform: &str) -> Option<(u32, u32)> {
    if let Some(rest) = platform.strip_prefix("manylinux_") {
        let mut parts = rest.split('_');
        return Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?));
    }
    [
        ("manylinux2014_", (2, 17)),
        ("manylinux2010_", (2, 12)),
        ("manylinux1_", (2, 5)),
    ]
    .into_iter()
    .find(|(prefix, _)| platform.starts_with(prefix))
    .map(|(_, glibc)| glibc)
}

/// The WHEEL file agrees with the file name's tags, and each family has its expected kind of tag.
fn check_wheel_file(located: &Located, text: &str) -> Vec<Finding> {
    let finding = |message: String| Finding::new(Check::Artifact, &located.file, message);
    let mut findings = Vec::new();
    let Some(name) = WheelName::parse(&located.file) else {
        return findings;
    };
    let wheel = Metadata::parse(text);
    let declared: BTreeSet<String> = wheel.values("Tag").into_iter().map(str::to_owned).collect();
    if declared != name.expanded_tags() {
        findings.push(finding(format!(
            "WHEEL declares the tags {declared:?}, the file name {:?}",
            name.expanded_tags()
        )));
    }
    let purelib = wheel.get("Root-Is-Purelib").map(str::to_ascii_lowercase);
    match located.family {
        Family::Pure => {
            if name.tag() != "py3-none-any" {
                findings.push(finding(format!(
                    "a pure wheel should be py3-none-any, not {}",
                    name.tag()
                )));
            }
            if purelib.as_deref() != Some("true") {
                findings.push(finding(
                    "a pure wheel should say Root-Is-Purelib: true".into(),
                ));
            }
        }
        Family::Native => {
            if name.abi != "abi3" {
                findings.push(finding(format!(
                    "the native wheel should be abi3 (one wheel for every Python >= 3.10), not {}",
                    name.abi
                )));
            }
            for platform in name.platform.split('.') {
                if let Some(glibc) = manylinux_glibc(platform).filter(|g| *g > PORTABLE_GLIBC) {
                    findings.push(finding(format!(
                        "platform tag {platform} needs glibc {}.{}: pip refuses it on Linux \
                         distributions older than that (Ubuntu 20.04, Debian 11, RHEL 8, Amazon \
                         Linux 2); the portable baseline is manylinux_{}_{} (manylinux2014)",
                        glibc.0, glibc.1, PORTABLE_GLIBC.0, PORTABLE_GLIBC.1
                    )));
                }
            }
            if name.abi == "abi3" && name.python != ABI3_PYTHON {
                findings.push(finding(format!(
                    "the native wheel claims abi3 from {}, but dictwalk supports Python 3.10 \
                     and later: its abi3 tag should be {ABI3_PYTHON}",
                    name.python
                )));
            }
            if name.platform.starts_with("linux_") {
                findings.push(finding(format!(
                    "platform tag {} is not a manylinux/musllinux tag: PyPI rejects it",
                    name.platform
                )));
            }
            if purelib.as_deref() != Some("false") {
                findings.push(finding(
                    "a native wheel should say Root-Is-Purelib: false".into(),
                ));
            }
        }
        Family::Sdist => {}
    }
    findings
}

/// The urlsafe, unpadded base64 of a SHA-256 digest, as RECORD writes it (PEP 376/427).
pub fn record_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// Every way RECORD and the files disagree: a file missing from either, a hash or size that is
/// not the file's.
pub fn verify_record(
    record: &str,
    record_path: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for (number, line) in record.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(fields) = csv_fields(line).filter(|f| f.len() == 3) else {
            problems.push(format!(
                "line {} is not path,hash,size: {line:?}",
                number + 1
            ));
            continue;
        };
        let [path, hash, size] = [&fields[0], &fields[1], &fields[2]];
        listed.insert(path.clone());
        if is_unhashed(path, record_path) {
            continue;
        }
        let Some(bytes) = files.get(path) else {
            problems.push(format!("it lists {path}, which is not in the wheel"));
            continue;
        };
        let actual = record_hash(bytes);
        if !hash.starts_with("sha256=") {
            problems.push(format!(
                "{path} has hash {hash:?}; only sha256 is checked, and every wheel here uses it"
            ));
        } else if *hash != actual {
            problems.push(format!(
                "{path}: RECORD says {hash}, the file's is {actual}"
            ));
        }
        if size.parse::<usize>().ok() != Some(bytes.len()) {
            problems.push(format!(
                "{path}: RECORD says size {size:?}, the file has {} bytes",
                bytes.len()
            ));
        }
    }
    for path in files.keys() {
        if !listed.contains(path) && !is_unhashed(path, record_path) {
            problems.push(format!("{path} is in the wheel but not in RECORD"));
        }
    }
    problems
}

/// RECORD itself and its signatures cannot carry their own hash.
fn is_unhashed(path: &str, record_path: &str) -> bool {
    path == record_path
        || path
            .strip_prefix(record_path)
            .is_some_and(|ext| ext == ".jws" || ext == ".p7s")
}

/// The fields of one CSV line (RECORD is written by Python's csv module: a field with a comma or
/// a quote is quoted, and quotes are doubled).
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Some(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return None,
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Some(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

fn read_sdist(located: &Located, bytes: &[u8]) -> Result<(Contents, Vec<Finding>), String> {
    let finding = |message: String| Finding::new(Check::Artifact, &located.file, message);
    let top = format!("{DIST_NAME}-{}/", located.version);
    let mut files = BTreeMap::new();
    let mut findings = Vec::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive
        .entries()
        .map_err(|err| format!("not a valid .tar.gz: {err}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| format!("not a valid .tar.gz: {err}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map_err(|err| format!("a member has an unreadable path: {err}"))?
            .to_string_lossy()
            .into_owned();
        let Some(relative) = path.strip_prefix(&top).map(str::to_owned) else {
            findings.push(finding(format!(
                "{path} is outside the top directory {top}"
            )));
            continue;
        };
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|err| format!("{path} cannot be read: {err}"))?;
        files.insert(relative, data);
    }
    let metadata = match files.get("PKG-INFO") {
        Some(text) => Metadata::parse(&String::from_utf8_lossy(text)),
        None => return Err(format!("has no {top}PKG-INFO")),
    };
    let contents = Contents {
        located: located.clone(),
        files,
        metadata,
    };
    Ok((contents, findings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names() {
        assert_eq!(manylinux_glibc("manylinux_2_34_x86_64"), Some((2, 34)));
        assert_eq!(manylinux_glibc("manylinux2014_aarch64"), Some((2, 17)));
        assert_eq!(manylinux_glibc("macosx_11_0_arm64"), None);
        let native = WheelName::parse("dictwalk-3.0.0a1-cp310-abi3-manylinux_2_34_x86_64.whl");
        let native = native.expect("parses");
        assert_eq!(native.version, "3.0.0a1");
        assert_eq!(native.tag(), "cp310-abi3-manylinux_2_34_x86_64");
        assert!(!native.is_pure());
        let pure = WheelName::parse("dictwalk-3.0.0a1-py3-none-any.whl").expect("parses");
        assert!(pure.is_pure());
        let multi =
            WheelName::parse("x-1.0-1-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
                .expect("parses with a build tag");
        assert_eq!(multi.expanded_tags().len(), 2);
        assert_eq!(WheelName::parse("dictwalk-3.0.0a1.tar.gz"), None);
        assert_eq!(sdist_version("dictwalk-3.0.0a1.tar.gz"), Some("3.0.0a1"));
        assert_eq!(sdist_version("other-3.0.0a1.tar.gz"), None);
    }

    #[test]
    fn record_hash_is_urlsafe_base64_without_padding() {
        // The hash of the empty file, as pip and the wheel spec write it.
        assert_eq!(
            record_hash(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn csv_lines() {
        assert_eq!(
            csv_fields("a/b.py,sha256=x,12"),
            Some(vec!["a/b.py".into(), "sha256=x".into(), "12".into()])
        );
        assert_eq!(
            csv_fields("\"a,\"\"b\"\".py\",sha256=x,"),
            Some(vec!["a,\"b\".py".into(), "sha256=x".into(), String::new()])
        );
        assert_eq!(csv_fields("\"open"), None);
    }

    #[test]
    fn record_mismatches_are_named() {
        let files: BTreeMap<String, Vec<u8>> = [
            ("pkg/a.py".to_owned(), b"a = 1\n".to_vec()),
            ("pkg/b.py".to_owned(), b"b = 2\n".to_vec()),
            ("pkg-1.dist-info/RECORD".to_owned(), Vec::new()),
        ]
        .into();
        let good = format!(
            "pkg/a.py,{},6\npkg/b.py,{},6\npkg-1.dist-info/RECORD,,\n",
            record_hash(b"a = 1\n"),
            record_hash(b"b = 2\n")
        );
        assert_eq!(
            verify_record(&good, "pkg-1.dist-info/RECORD", &files),
            Vec::<String>::new()
        );
        let bad = good
            .replace("pkg/b.py,", "pkg/c.py,")
            .replace(",6\n", ",7\n");
        let problems = verify_record(&bad, "pkg-1.dist-info/RECORD", &files);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("pkg/a.py") && problems[0].contains("size"));
        assert!(problems[1].contains("lists pkg/c.py"));
        assert!(problems[2].contains("pkg/b.py is in the wheel but not in RECORD"));
    }
}
