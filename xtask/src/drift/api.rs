//! The API check: installs the native wheel into a venv, lets Python introspect both backends'
//! public functions, and names every difference in names, signatures and docstrings.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context;
use serde::Deserialize;
use xshell::{cmd, Shell};

use crate::{
    atomic,
    drift::report::{Check, Finding},
    exec, metadata,
    python::Venv,
};

/// Where the probe's venv is made (afresh on every run).
const VENV_DIR: &str = "target/drift/api-venv";
const PROBE_SCRIPT: &str = "target/drift/api_probe.py";

/// Written to `target/drift/api_probe.py` and run in the probe's venv. Prints, as JSON, what each backend module exposes: every public name (`__all__` when the
/// module has one), and for each callable its `__name__`, `__qualname__`, `__doc__` and
/// `inspect.signature` parameters (name, kind, default's repr). Annotations are left out: the
/// native functions have none at run time (their types are in `_native.pyi`).
pub const PROBE: &str = r#"
import __future__
import inspect
import json
import platform
import types

import dictwalk.backends.python as python_backend
import dictwalk.backends.rust as rust_backend


def describe(obj):
    if not callable(obj):
        return {"kind": "value", "value_type": type(obj).__name__}
    out = {
        "kind": "function",
        "name": getattr(obj, "__name__", None),
        "qualname": getattr(obj, "__qualname__", None),
        "doc": getattr(obj, "__doc__", None),
        "signature": None,
        "signature_error": None,
    }
    try:
        out["signature"] = [
            {
                "name": p.name,
                "kind": p.kind.name,
                "default": None if p.default is p.empty else repr(p.default),
            }
            for p in inspect.signature(obj).parameters.values()
        ]
    except (TypeError, ValueError) as exc:
        out["signature_error"] = f"{type(exc).__name__}: {exc}"
    return out


def public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    members = {}
    for name in names:
        obj = getattr(module, name)
        # Imported modules and `from __future__ import annotations` are not the backend's API.
        if isinstance(obj, (types.ModuleType, __future__._Feature)):
            continue
        members[name] = describe(obj)
    return members


print(json.dumps({
    "python_version": platform.python_version(),
    "python": public(python_backend),
    "rust": public(rust_backend),
}, sort_keys=True))
"#;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Param {
    pub name: String,
    pub kind: String,
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Member {
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub qualname: Option<String>,
    #[serde(default)]
    pub doc: Option<String>,
    #[serde(default)]
    pub signature: Option<Vec<Param>>,
    #[serde(default)]
    pub signature_error: Option<String>,
    #[serde(default)]
    pub value_type: Option<String>,
}

/// What the probe printed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Snapshot {
    pub python_version: String,
    pub python: BTreeMap<String, Member>,
    pub rust: BTreeMap<String, Member>,
}

/// Makes a fresh venv with the native wheel in it and runs the probe there.
pub fn probe(sh: &Shell, dev: &Venv, native_wheel: &Path) -> anyhow::Result<Snapshot> {
    let dir = sh.current_dir().join(VENV_DIR);
    let base = dev.python();
    exec::run("api venv", cmd!(sh, "{base} -m venv --clear {dir}"))
        .context("create the API probe's venv")?;
    let python = crate::python::venv_bin(&dir, "python");
    let install = cmd!(
        sh,
        "{python} -m pip install --disable-pip-version-check --no-input --no-index --no-deps {native_wheel}"
    );
    exec::run("api install", install).context("install the native wheel for the API probe")?;
    let script = sh.current_dir().join(PROBE_SCRIPT);
    atomic::write(&script, PROBE.as_bytes())?;
    let _dir = sh.push_dir(&dir);
    // `-I`: the installed package, never the checkout's `python/` (nor the script's directory).
    let run = cmd!(sh, "{python} -I {script}")
        .env_remove("PYTHONPATH")
        .env_remove("DICTWALK_BACKEND");
    let ran = exec::capture("api probe", run).context("introspect the two backends")?;
    serde_json::from_str(&ran.stdout)
        .with_context(|| format!("read the probe's output: {:?}", ran.stdout))
}

pub fn compared(snapshot: &Snapshot) -> String {
    let names: std::collections::BTreeSet<&String> =
        snapshot.python.keys().chain(snapshot.rust.keys()).collect();
    // The Python version is host data: it goes in the report's environment block.
    format!(
        "{} public names of dictwalk.backends.python and .rust",
        names.len()
    )
}

/// Every difference between the two backends' public names.
pub fn diff(snapshot: &Snapshot) -> Vec<Finding> {
    let mut found = Vec::new();
    let names: std::collections::BTreeSet<&String> =
        snapshot.python.keys().chain(snapshot.rust.keys()).collect();
    for name in names {
        let finding = |message: String| Finding::new(Check::Api, name.as_str(), message);
        let (py, rs) = match (snapshot.python.get(name), snapshot.rust.get(name)) {
            (Some(py), Some(rs)) => (py, rs),
            (Some(_), None) => {
                found.push(finding(
                    "dictwalk.backends.python has it, dictwalk.backends.rust does not".into(),
                ));
                continue;
            }
            (None, Some(_)) => {
                found.push(finding(
                    "dictwalk.backends.rust has it, dictwalk.backends.python does not".into(),
                ));
                continue;
            }
            (None, None) => continue,
        };
        if py.kind != rs.kind || py.value_type != rs.value_type {
            found.push(finding(format!(
                "a {} ({}) in python, a {} ({}) in rust",
                py.kind,
                py.value_type.as_deref().unwrap_or("callable"),
                rs.kind,
                rs.value_type.as_deref().unwrap_or("callable")
            )));
            continue;
        }
        if py.kind != "function" {
            continue;
        }
        for (attr, a, b) in [
            ("__name__", &py.name, &rs.name),
            ("__qualname__", &py.qualname, &rs.qualname),
        ] {
            if a != b {
                found.push(finding(format!("{attr} differs: python {a:?}, rust {b:?}")));
            }
        }
        if py.doc != rs.doc {
            let detail = match (&py.doc, &rs.doc) {
                (Some(a), Some(b)) => metadata::first_difference(a, b),
                (a, b) => format!("python {}, rust {}", doc_shown(a), doc_shown(b)),
            };
            found.push(finding(format!("__doc__ differs: {detail}")));
        }
        let (sa, sb) = (signature_text(py), signature_text(rs));
        if sa != sb {
            found.push(finding(format!(
                "signature differs: python {sa}, rust {sb}"
            )));
        }
    }
    found
}

fn doc_shown(doc: &Option<String>) -> &'static str {
    if doc.is_some() {
        "has one"
    } else {
        "has none"
    }
}

/// The signature as Python writes it, `(data, path, default=None, *, strict=False)`, or why
/// there is none.
pub fn signature_text(member: &Member) -> String {
    let Some(params) = &member.signature else {
        return format!(
            "<no signature: {}>",
            member.signature_error.as_deref().unwrap_or("unknown")
        );
    };
    let mut parts = Vec::new();
    let mut seen_keyword_only_marker = false;
    for (i, p) in params.iter().enumerate() {
        let next_is_positional_only = params
            .get(i + 1)
            .is_some_and(|next| next.kind == "POSITIONAL_ONLY");
        if p.kind == "KEYWORD_ONLY" && !seen_keyword_only_marker {
            parts.push("*".to_owned());
            seen_keyword_only_marker = true;
        }
        let text = match p.kind.as_str() {
            "VAR_POSITIONAL" => {
                seen_keyword_only_marker = true;
                format!("*{}", p.name)
            }
            "VAR_KEYWORD" => format!("**{}", p.name),
            _ => match &p.default {
                Some(default) => format!("{}={default}", p.name),
                None => p.name.clone(),
            },
        };
        parts.push(text);
        if p.kind == "POSITIONAL_ONLY" && !next_is_positional_only {
            parts.push("/".to_owned());
        }
    }
    format!("({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe's output for two backends that agree, as JSON, for the tests to change.
    fn agreeing() -> serde_json::Value {
        let get = serde_json::json!({
            "kind": "function", "name": "get", "qualname": "get",
            "doc": "Return the value at path in data, or default when it does not resolve.",
            "signature": [
                {"name": "data", "kind": "POSITIONAL_OR_KEYWORD", "default": null},
                {"name": "path", "kind": "POSITIONAL_OR_KEYWORD", "default": null},
                {"name": "default", "kind": "POSITIONAL_OR_KEYWORD", "default": "None"},
                {"name": "strict", "kind": "KEYWORD_ONLY", "default": "False"}
            ],
            "signature_error": null
        });
        let name = serde_json::json!({"kind": "value", "value_type": "str"});
        let backend = serde_json::json!({"NAME": name, "get": get});
        serde_json::json!({"python_version": "3.11.7", "python": backend, "rust": backend})
    }

    fn diff_of(value: serde_json::Value) -> anyhow::Result<Vec<Finding>> {
        Ok(diff(&serde_json::from_value(value)?))
    }

    #[test]
    fn agreeing_backends_have_no_finding() -> anyhow::Result<()> {
        assert_eq!(diff_of(agreeing())?, []);
        let snapshot: Snapshot = serde_json::from_value(agreeing())?;
        assert_eq!(
            signature_text(&snapshot.python["get"]),
            "(data, path, default=None, *, strict=False)"
        );
        Ok(())
    }

    #[test]
    fn each_kind_of_api_difference_is_named() -> anyhow::Result<()> {
        let cases: [(&str, serde_json::Value, &str); 7] = [
            ("/rust/get/doc", "Changed.".into(), "__doc__ differs"),
            ("/rust/get/name", "get2".into(), "__name__ differs"),
            ("/rust/get/qualname", "x.get".into(), "__qualname__ differs"),
            (
                "/rust/get/signature/3/default",
                "True".into(),
                "strict=True",
            ),
            (
                "/rust/get/signature/2/name",
                "fallback".into(),
                "fallback=None",
            ),
            (
                "/rust/get/signature/3/kind",
                "POSITIONAL_OR_KEYWORD".into(),
                "signature differs",
            ),
            (
                "/rust/get/signature",
                serde_json::Value::Null,
                "<no signature",
            ),
        ];
        for (pointer, new, expected) in cases {
            let mut value = agreeing();
            *value.pointer_mut(pointer).context(pointer)? = new;
            let found = diff_of(value)?;
            assert_eq!(found.len(), 1, "{pointer}: {found:?}");
            assert_eq!(found[0].subject, "get", "{pointer}");
            assert!(
                found[0].message.contains(expected),
                "{pointer}: {}",
                found[0].message
            );
        }
        Ok(())
    }

    #[test]
    fn a_name_on_one_side_only_is_named() -> anyhow::Result<()> {
        let mut value = agreeing();
        value["rust"]
            .as_object_mut()
            .context("rust is an object")?
            .remove("get");
        value["python"]["exists"] = value["python"]["NAME"].clone();
        let found = diff_of(value)?;
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].subject, "exists");
        assert!(found[0].message.contains("rust does not"));
        assert_eq!(found[1].subject, "get");
        Ok(())
    }
}
