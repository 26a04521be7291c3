//! The package index as `publish` sees it: its URLs (checked, and shown without credentials)
//! and what its simple API lists for dictwalk (file names and sha256), asked through the dev
//! venv's Python so that the xtask needs no HTTP client of its own.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use serde::Deserialize;
use xshell::{cmd, Shell};

use crate::{artifact::DIST_NAME, exec, python::Venv};

/// An index's two URLs: where files are uploaded, and its simple API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub upload: String,
    pub simple: String,
}

impl Index {
    /// Checks `upload` (and `check`, when given) and finds the simple API: PyPI's and TestPyPI's
    /// for their upload URLs, else `<upload>/simple/`. The error is one line naming the URL
    /// (without its credentials).
    pub fn new(upload: &str, check: Option<&str>) -> anyhow::Result<Index> {
        check_url("--index", upload)?;
        let simple = match check {
            Some(url) => {
                check_url("--check-url", url)?;
                with_slash(url)
            }
            None => match host(upload) {
                Some("upload.pypi.org") => "https://pypi.org/simple/".to_owned(),
                Some("test.pypi.org") => "https://test.pypi.org/simple/".to_owned(),
                _ => format!("{}simple/", with_slash(upload)),
            },
        };
        Ok(Index {
            upload: upload.to_owned(),
            simple,
        })
    }

    /// The project's page in the simple API.
    pub fn project_page(&self) -> String {
        format!("{}{DIST_NAME}/", self.simple)
    }
}

fn with_slash(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}

/// The part between `scheme://` and the path, without credentials and port.
fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map(|(h, _)| h)?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// An http(s) URL with a host and no spaces, or a one-line error naming `flag` and the URL.
fn check_url(flag: &str, url: &str) -> anyhow::Result<()> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.chars().any(char::is_whitespace) || host(url).is_none() {
        bail!(
            "{flag} {}: not an http(s) URL with a host (e.g. https://upload.pypi.org/legacy/)",
            shown_url(url)
        );
    }
    Ok(())
}

/// `url` without `user:password@`, for messages and reports.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
}

/// Asks the URL given as its argument and prints one JSON line: the HTTP status and the files
/// the page links to (name -> sha256 from the `#sha256=` fragment, or null), or the error.
const PROBE: &str = r##"
import json, re, sys, urllib.error, urllib.parse, urllib.request
url = sys.argv[1]
request = urllib.request.Request(url, headers={"Accept": "text/html"})
try:
    with urllib.request.urlopen(request, timeout=20) as response:
        status = response.status
        content_type = response.headers.get("Content-Type", "")
        body = response.read().decode("utf-8", "replace")
except urllib.error.HTTPError as exc:
    print(json.dumps({"status": exc.code}))
    sys.exit(0)
except Exception as exc:
    print(json.dumps({"error": str(getattr(exc, "reason", exc))}))
    sys.exit(0)
files = {}
for href in re.findall(r'href="([^"]+)"', body):
    path, _, fragment = href.partition("#")
    name = urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])
    files[name] = fragment[len("sha256="):] if fragment.startswith("sha256=") else None
print(json.dumps({"status": status, "content_type": content_type, "files": files}))
"##;

#[derive(Debug, Deserialize)]
struct Probed {
    status: Option<u16>,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    files: BTreeMap<String, Option<String>>,
    error: Option<String>,
}

/// The files on the index: name -> sha256 (when the index states it).
pub type Listing = BTreeMap<String, Option<String>>;

/// What the index lists for dictwalk now. A project the index does not know (404) lists
/// nothing; an index that cannot be reached, or answers with another error or with something
/// other than HTML, is an error of one line naming the status and the URL.
pub fn listing(sh: &Shell, venv: &Venv, index: &Index) -> anyhow::Result<Listing> {
    let url = index.project_page();
    let python = venv.python();
    let ran =
        exec::quiet(cmd!(sh, "{python} -I -c {PROBE} {url}")).context("run the index probe")?;
    let shown = shown_url(&url);
    let probed: Probed = serde_json::from_str(ran.stdout.trim())
        .with_context(|| format!("the index probe of {shown} printed {:?}", ran.stdout))?;
    if let Some(error) = probed.error {
        bail!("the index at {shown} cannot be reached: {error}");
    }
    match probed.status {
        Some(404) => Ok(Listing::new()),
        Some(200) if probed.content_type.contains("html") || probed.files.is_empty() => {
            Ok(probed.files)
        }
        Some(200) => bail!(
            "{shown} answered 200 with {}, not a simple index page",
            probed.content_type
        ),
        Some(status) => bail!("{shown} answered HTTP {status}"),
        None => bail!("the index probe of {shown} printed no status"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simple_api_follows_the_upload_url() -> anyhow::Result<()> {
        for (upload, simple) in [
            (
                "https://upload.pypi.org/legacy/",
                "https://pypi.org/simple/",
            ),
            (
                "https://test.pypi.org/legacy/",
                "https://test.pypi.org/simple/",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/simple/"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/"),
        ] {
            assert_eq!(Index::new(upload, None)?.simple, simple, "{upload}");
        }
        let chosen = Index::new("https://u.example/up/", Some("https://s.example/simple"))?;
        assert_eq!(chosen.simple, "https://s.example/simple/");
        assert_eq!(chosen.project_page(), "https://s.example/simple/dictwalk/");
        Ok(())
    }

    #[test]
    fn a_malformed_url_is_one_line_without_credentials() -> anyhow::Result<()> {
        for url in [
            "upload.pypi.org/legacy/",
            "ftp://x/",
            "http://",
            "http:// x/",
            "https://user:secret@/",
        ] {
            let err = match Index::new(url, None) {
                Ok(index) => anyhow::bail!("{url} was taken: {index:?}"),
                Err(err) => format!("{err:#}"),
            };
            assert!(err.starts_with("--index "), "{err}");
            assert!(!err.contains('\n') && !err.contains("secret"), "{err}");
        }
        let err = Index::new("http://127.0.0.1/", Some("nope")).err();
        assert!(err.is_some_and(|e| e.to_string().starts_with("--check-url nope")));
        Ok(())
    }

    #[test]
    fn credentials_are_not_shown() {
        assert_eq!(
            shown_url("https://__token__:pypi-abc@upload.pypi.org/legacy/"),
            "https://***@upload.pypi.org/legacy/"
        );
        assert_eq!(
            shown_url("http://127.0.0.1:8/a@b"),
            "http://127.0.0.1:8/a@b"
        );
        assert_eq!(host("http://u:p@[::1]:8/"), Some("::1"));
    }
}
