//! The core never depends on Python: no pyo3 anywhere in its dependency tree.

use std::process::Command;

#[test]
fn dependency_tree_has_no_pyo3() -> Result<(), String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            "dictwalk-core",
            "--edges",
            "normal,build,dev",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map_err(|error| format!("cargo tree could not run: {error}"))?;
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        tree.lines().any(|line| line.starts_with("dictwalk-core ")),
        "unexpected cargo tree output:\n{tree}"
    );
    let python: Vec<&str> = tree
        .lines()
        .filter(|line| line.starts_with("pyo3"))
        .collect();
    assert!(python.is_empty(), "dictwalk-core depends on {python:?}");
    Ok(())
}
