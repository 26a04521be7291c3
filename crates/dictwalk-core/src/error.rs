//! Errors as data: which dictwalk exception, in which path, at which token, and where in the text.

use std::fmt;
use std::ops::Range;

/// The message of the error that replaces a recursion past [`crate::MAX_DEPTH`] (spec 9.6);
/// the reference backend turns Python's `RecursionError` into the same text.
pub const TOO_DEEP: &str = "RecursionError: the data is nested too deeply to walk.";

/// Which of dictwalk's exception classes an [`Error`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `DictWalkParseError`: the path, or a filter pipeline in it, does not parse.
    Parse,
    /// `DictWalkResolutionError`: a strict read or write could not resolve the path.
    Resolution,
    /// `DictWalkOperatorError`: a predicate used an operator its right-hand side does not support.
    Operator,
}

impl ErrorKind {
    /// The name of the Python exception class (`"DictWalkParseError"`, ...).
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Parse => "DictWalkParseError",
            ErrorKind::Resolution => "DictWalkResolutionError",
            ErrorKind::Operator => "DictWalkOperatorError",
        }
    }
}

/// A dictwalk error, with the fields of the Python exception (`path`, `token`, `message`)
/// and, when the parser knows it, the byte range of the offending text in `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Which exception class this is.
    pub kind: ErrorKind,
    /// The path (or pipeline, or `$$root` reference) the error belongs to.
    pub path: String,
    /// The raw token where it arose; `None` when no single token is to blame.
    pub token: Option<String>,
    /// What went wrong, as the reference backend words it.
    pub message: String,
    /// Byte range of the offending text in the text that was parsed, when known.
    pub span: Option<Range<usize>>,
}

impl Error {
    /// A `DictWalkParseError`.
    pub fn parse(path: &str, token: Option<&str>, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Parse, path, token, message)
    }

    /// A `DictWalkResolutionError`.
    pub fn resolution(path: &str, token: Option<&str>, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Resolution, path, token, message)
    }

    /// The error for nesting past [`crate::MAX_DEPTH`] while working on `path`.
    pub fn too_deep(path: &str) -> Error {
        Error::resolution(path, None, TOO_DEEP)
    }

    fn new(kind: ErrorKind, path: &str, token: Option<&str>, message: impl Into<String>) -> Error {
        Error {
            kind,
            path: path.to_owned(),
            token: token.map(str::to_owned),
            message: message.into(),
            span: None,
        }
    }

    /// The same error with its span set.
    pub fn with_span(mut self, span: Range<usize>) -> Error {
        self.span = Some(span);
        self
    }

    /// Whether this is the depth-limit error (whose path the public entry points restamp
    /// with the path of the call, as the reference backend's guard does).
    pub fn is_too_deep(&self) -> bool {
        self.kind == ErrorKind::Resolution && self.token.is_none() && self.message == TOO_DEEP
    }
}

impl fmt::Display for Error {
    /// `"{message} (path='{path}', token='{token}')"`, as `str()` of the Python exception;
    /// an operator error, which has no path, is its message alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::Operator {
            return f.write_str(&self.message);
        }
        let token = self.token.as_deref().unwrap_or("None");
        write!(
            f,
            "{} (path='{}', token='{}')",
            self.message, self.path, token
        )
    }
}

impl std::error::Error for Error {}

/// What an evaluation over a document model fails with: a dictwalk [`Error`], or an error
/// of the model itself (a custom filter's own exception, or a built-in filter's outside a
/// path), which must reach the caller unchanged.
#[derive(Debug)]
pub enum EvalError<F> {
    /// A parse, resolution or operator error.
    Path(Error),
    /// The document model's own error, passed through untouched.
    Foreign(F),
}

impl<F> From<Error> for EvalError<F> {
    fn from(error: Error) -> Self {
        EvalError::Path(error)
    }
}
