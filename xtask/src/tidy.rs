//! Tidy tests: checks of the repository itself rather than of the code's behaviour (as
//! rust-analyzer's xtask has). `ARCHITECTURE.md`'s code map must name every source folder, and
//! every path it names must exist.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// Folders that hold no project source, or only generated or installed files.
const SKIPPED_DIRS: [&str; 4] = ["target", "node_modules", "__pycache__", "dist"];

/// The hidden folders that are the project's own (the others are caches, venvs and git's).
const PROJECT_HIDDEN: [&str; 3] = [".cargo", ".ci", ".github"];

/// Extensions of the source files whose folders the code map must name.
const SOURCE: [&str; 2] = ["rs", "py"];

/// Extensions of the file names the map must not name in vain (a bare `parity.json` is a
/// report, which a clean checkout does not have; with a folder it is checked like any path).
const CHECKED: [&str; 5] = ["rs", "py", "pyi", "toml", "yml"];

/// Every file and folder below `root`, relative to it, with `/` separators; hidden entries
/// (but `PROJECT_HIDDEN`) and `SKIPPED_DIRS` left out.
fn walk(root: &Path) -> std::io::Result<Vec<(String, bool)>> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in fs::read_dir(root.join(&rel))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let hidden = name.starts_with('.') && !PROJECT_HIDDEN.contains(&name.as_str());
            if hidden || SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            let path = rel.join(&name);
            let shown = path.to_string_lossy().replace('\\', "/");
            let is_dir = entry.file_type()?.is_dir();
            if is_dir {
                stack.push(path);
            }
            found.push((shown, is_dir));
        }
    }
    found.sort();
    Ok(found)
}

/// The backticked spans of `text` that look like a path: no spaces, globs, placeholders or
/// options; a folder (`report/`), or a name with a `/` or a `CHECKED` extension. An absolute
/// path (`/proc/self/stat`) names the machine, not the checkout, and is not one.
fn named_paths(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| {
            !span.is_empty()
                && span
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
                && !span.starts_with('.')
                && !span.starts_with('-')
                && !span.starts_with('/')
        })
        .filter(|span| {
            let extension = Path::new(span)
                .extension()
                .map(|e| e.to_string_lossy().into_owned());
            span.contains('/') || extension.is_some_and(|e| CHECKED.contains(&e.as_str()))
        })
        // Generated and installed places, which a fresh clone does not have.
        .filter(|span| !["reports/", "target/"].iter().any(|p| span.starts_with(p)))
        .map(str::to_owned)
        .collect()
}

/// Whether `name` (relative to the root, or to any folder, as prose names things) is a path in
/// `tree`.
fn exists(name: &str, tree: &[(String, bool)]) -> bool {
    let trimmed = name.trim_end_matches('/');
    let wants_dir = name.ends_with('/');
    tree.iter().any(|(path, is_dir)| {
        (!wants_dir || *is_dir) && (path == trimmed || path.ends_with(&format!("/{trimmed}")))
    })
}

/// The folders of `tree` that hold source files.
fn source_folders(tree: &[(String, bool)]) -> BTreeSet<String> {
    tree.iter()
        .filter(|(path, is_dir)| {
            !is_dir
                && Path::new(path)
                    .extension()
                    .is_some_and(|e| SOURCE.contains(&e.to_string_lossy().as_ref()))
        })
        .filter_map(|(path, _)| path.rsplit_once('/').map(|(dir, _)| dir.to_owned()))
        .collect()
}

/// Whether the map names `folder`: some named path (`eval/`, `crates/dictwalk-py/src`), or the
/// folder of some file named with its folder (`filters/mod.rs`), is `folder` or ends it.
fn names_folder(folder: &str, named: &BTreeSet<String>) -> bool {
    let ends = |name: &str| folder == name || folder.ends_with(&format!("/{name}"));
    named.iter().any(|name| {
        let name = name.trim_end_matches('/');
        ends(name) || name.rsplit_once('/').is_some_and(|(dir, _)| ends(dir))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn the_code_map_names_every_source_folder_and_only_paths_that_exist() -> anyhow::Result<()> {
        let root = root();
        let map = fs::read_to_string(root.join("ARCHITECTURE.md"))?;
        let tree = walk(&root)?;
        let named = named_paths(&map);
        let missing: Vec<&String> = named.iter().filter(|n| !exists(n, &tree)).collect();
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md names paths that do not exist: {missing:?}"
        );
        let unnamed: Vec<String> = source_folders(&tree)
            .into_iter()
            .filter(|folder| !names_folder(folder, &named))
            .collect();
        assert!(
            unnamed.is_empty(),
            "ARCHITECTURE.md's code map does not name these source folders: {unnamed:?}"
        );
        Ok(())
    }

    #[test]
    fn the_checks_catch_what_they_are_for() {
        let tree: Vec<(String, bool)> = [
            ("xtask", true),
            ("xtask/src", true),
            ("xtask/src/gate", true),
            ("xtask/src/gate/mod.rs", false),
            ("xtask/src/main.rs", false),
            ("README.md", false),
        ]
        .iter()
        .map(|(p, d)| ((*p).to_owned(), *d))
        .collect();
        let named = named_paths(
            "`xtask/` with `main.rs` and `gate/`; `gone.rs`, `old/dir/`, `a b.rs`, `reports/x.json`, \
             `--wheel-dir`, `parity.json`, `.venv/bin`, `/proc/self/stat`",
        );
        assert_eq!(
            named.iter().map(String::as_str).collect::<Vec<_>>(),
            ["gate/", "gone.rs", "main.rs", "old/dir/", "xtask/"]
        );
        assert!(exists("main.rs", &tree) && exists("gate/", &tree) && exists("xtask/", &tree));
        assert!(!exists("gone.rs", &tree) && !exists("old/dir/", &tree));
        assert!(!exists("main.rs/", &tree), "a file is not a folder");
        assert_eq!(
            source_folders(&tree).into_iter().collect::<Vec<_>>(),
            ["xtask/src", "xtask/src/gate"]
        );
        assert!(names_folder("xtask/src/gate", &named));
        assert!(
            !names_folder("xtask/src", &named),
            "`xtask/` is not `xtask/src`"
        );
    }
}
