//! The parity corpus (`parity/cases/*.json`): the one Rust loader of its files.
//!
//! The corpus is declarative: each case names an operation, its path, document and arguments,
//! and what it must give. This crate reads and validates the files ([`load`]), judges an
//! [`Outcome`] against a case strictly ([`judge`]), runs cases on the core engine over
//! serde_json ([`core`]), and writes cases back in the files' own layout ([`write`]) for
//! `--bless` and for regression cases found by fuzzing. Python reads the same files with
//! `python/tests/corpus.py`; both loaders accept and reject exactly the same files, which the
//! tests of this crate check on shared fixtures.

pub mod case;
pub mod codec;
pub mod core;
pub mod load;
pub mod outcome;
pub mod write;

pub use case::{Backend, Case, Expect, Op};
pub use load::{load_dir, CorpusError, LoadOptions};
pub use outcome::{judge, same, Outcome};
pub use write::{append_cases, case_line, set_expectations, WriteError};

/// The version of the file format; every file states it.
pub const SCHEMA_VERSION: u64 = 1;
