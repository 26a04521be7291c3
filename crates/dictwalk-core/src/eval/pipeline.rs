//! Filter pipelines (reader.apply_pipeline): steps left to right, `[]` runs mapping over a list item by item.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use super::{access, read, Env, Fail, Soft};
use crate::compile::{ArgProg, CallProg, FilterRef, Pipe, Program};
use crate::doc::{Document, Kind, Stop};
use crate::error::Error;
use crate::syntax::Mode;

type Failed<D> = Fail<<D as Document>::Foreign>;

/// Applies `pipe` to `value`. In a path (`env.soft`) a built-in filter that fails on its
/// input is a soft failure whose token is the pipeline's text; a custom filter's own error
/// always reaches the caller unchanged (spec 9.5).
pub(crate) fn apply<'v, D: Document>(
    env: &Env<'_, D>,
    pipe: &Pipe,
    value: Cow<'v, D>,
) -> Result<Cow<'v, D>, Failed<D>> {
    let mut value = value;
    for (maps, range) in &pipe.groups {
        let calls = pipe.calls.get(range.clone()).unwrap_or(&[]);
        value = if *maps && value.kind() == Kind::List {
            let mut results = Vec::with_capacity(value.len());
            for item in value.children() {
                results.push(access::own(call_all(env, pipe, calls, item)?)?);
            }
            Cow::Owned(D::list(env.ctx.registry, results))
        } else {
            call_all(env, pipe, calls, value)?
        };
    }
    Ok(value)
}

fn call_all<'v, D: Document>(
    env: &Env<'_, D>,
    pipe: &Pipe,
    calls: &[CallProg],
    value: Cow<'v, D>,
) -> Result<Cow<'v, D>, Failed<D>> {
    let mut value = value;
    for call in calls {
        value = Cow::Owned(call_one(env, pipe, call, &value)?);
    }
    Ok(value)
}

fn call_one<D: Document>(
    env: &Env<'_, D>,
    pipe: &Pipe,
    call: &CallProg,
    value: &D,
) -> Result<D, Failed<D>> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(match arg {
            ArgProg::Value(literal) => D::from_literal(env.ctx.registry, literal),
            ArgProg::Root(program) => root_value(env, program)?,
        });
    }
    match &call.filter {
        FilterRef::Builtin(def) => {
            // A failure inside `lookup` (a path that does not parse, a custom filter's error)
            // escapes the filter in the reference; it is kept here and raised after the call.
            let lookups = Lookups {
                program: RefCell::new(None),
                escaped: RefCell::new(None),
            };
            let read_path = |item: &D, path: &str| lookup(env, item, path, &lookups);
            let result = D::call_builtin(def, value, &args, &read_path);
            if let Some(fail) = lookups.escaped.into_inner() {
                return Err(match fail {
                    Fail::Foreign(error) => filter_failure(env, pipe, error),
                    other => other,
                });
            }
            result.map_err(|error| filter_failure(env, pipe, error))
        }
        FilterRef::Custom(name) => match D::call_custom(env.ctx.registry, name, value, &args) {
            Some(result) => result.map_err(Fail::Foreign),
            None => Err(Fail::Error(Error::parse(
                env.path,
                Some(&pipe.text),
                format!("Unknown path filter '${name}'."),
            ))),
        },
    }
}

/// A built-in filter's error: soft in a path when the model says so (`Document::soft_failure`).
fn filter_failure<D: Document>(env: &Env<'_, D>, pipe: &Pipe, error: D::Foreign) -> Failed<D> {
    if env.soft {
        if let Some(message) = D::soft_failure(&error) {
            return Fail::Soft(Soft {
                token: Some(pipe.text.clone()),
                message,
            });
        }
    }
    Fail::Foreign(error)
}

/// The value a `$$root...` reference names; one that does not resolve is a soft failure.
pub(crate) fn root_value<D: Document>(
    env: &Env<'_, D>,
    program: &Result<Program, Error>,
) -> Result<D, Failed<D>> {
    match program {
        Ok(program) => read::resolve(env, program),
        Err(error) => Err(Fail::Error(error.clone())),
    }
}

/// The state of one filter call's lookups: the selector path compiled for the first item
/// (a filter reads one path in every item), and the failure that escaped, if one did.
struct Lookups<D: Document> {
    program: RefCell<Option<Arc<Program>>>,
    escaped: RefCell<Option<Failed<D>>>,
}

/// reader.lookup: `path` read in `item`, whose `$$root` is the item itself. After a failure
/// escaped, the filter is over in the reference backend: nothing more is read.
fn lookup<D: Document>(
    env: &Env<'_, D>,
    item: &D,
    path: &str,
    lookups: &Lookups<D>,
) -> Result<Option<D>, Stop> {
    if lookups.escaped.borrow().is_some() {
        return Err(Stop);
    }
    let cached = lookups
        .program
        .borrow()
        .as_ref()
        .filter(|program| program.text() == path)
        .map(Arc::clone);
    let program = match cached {
        Some(program) => Ok(program),
        None => env.ctx.program(path, Mode::Read).inspect(|program| {
            *lookups.program.borrow_mut() = Some(Arc::clone(program));
        }),
    };
    let failure = match program {
        Ok(program) => match read::resolve(&env.with_root(item), &program) {
            Ok(value) => return Ok(Some(value)),
            Err(Fail::Soft(_)) => return Ok(None),
            Err(fail) => fail,
        },
        Err(error) => Fail::Error(error),
    };
    *lookups.escaped.borrow_mut() = Some(failure);
    Err(Stop)
}
