//! Predicate matching (spec 4, reader.matches): the lhs value of an item, tested against the right-hand side.

use std::borrow::Cow;

use super::{pipeline, read, soft, Env, Fail};
use crate::compile::{BoolProg, LhsPath, Pred, Test};
use crate::doc::{CompareError, Document, Kind, Order};
use crate::error::Error;
use crate::literal;
use crate::pyfmt;
use crate::stack;
use crate::syntax::CmpOp;

type Failed<D> = Fail<<D as Document>::Foreign>;

/// What one use of a predicate over a list computes once: the right-hand side value.
pub(crate) struct Prepared<D> {
    literal: Option<D>,
    root: Option<D>,
}

impl<D> Default for Prepared<D> {
    fn default() -> Self {
        Prepared {
            literal: None,
            root: None,
        }
    }
}

/// The items of a list that match the predicate, in order.
pub(crate) fn select<'a: 'x, 'x, D: Document>(
    env: &Env<'a, D>,
    items: Vec<Cow<'x, D>>,
    pred: &Pred,
    raw: &str,
) -> Result<Vec<Cow<'x, D>>, Failed<D>> {
    env.nested(|| {
        if let Some(selected) = select_by_key(env, &items, pred) {
            return Ok(items
                .into_iter()
                .zip(selected)
                .filter_map(|(item, keep)| keep.then_some(item))
                .collect());
        }
        let mut prepared = Prepared::default();
        let mut selected = Vec::new();
        for item in items {
            if matches(env, &item, pred, raw, &mut prepared)? {
                selected.push(item);
            }
        }
        Ok(selected)
    })
}

/// The commonest predicate, `[?.key <op> literal]`, over every item at once: what
/// [`matches`] decides for each item, with the dispatch on the predicate's form, the
/// right-hand side's value and the None of a missing key made once per list. None for any
/// other form of predicate.
fn select_by_key<D: Document>(
    env: &Env<'_, D>,
    items: &[Cow<'_, D>],
    pred: &Pred,
) -> Option<Vec<bool>> {
    let (LhsPath::Key(key), None, Test::Literal { op, value, raw }) =
        (&pred.lhs, &pred.lhs_pipe, &pred.test)
    else {
        return None;
    };
    if !D::represents(value) {
        return None;
    }
    let registry = env.ctx.registry;
    let literal = D::from_literal(registry, value);
    let missing = D::null(registry);
    let selected = items
        .iter()
        .map(|item| {
            let found = if item.kind() == Kind::Map {
                item.child(key)
            } else {
                None
            };
            let lhs = found.as_deref().unwrap_or(&missing);
            compare(registry, lhs, *op, (&literal, Some(value)), raw)
        })
        .collect();
    Some(selected)
}

/// Whether one item satisfies the predicate.
pub(crate) fn matches<'a: 'i, 'i, D: Document>(
    env: &Env<'a, D>,
    item: &'i D,
    pred: &Pred,
    raw: &str,
    prepared: &mut Prepared<D>,
) -> Result<bool, Failed<D>> {
    // A relative path tested as a flag (each outer level of `a[?.b[?.c==1]]`) needs only to
    // know whether it selected something: the items it selected are not copied into a list,
    // which for a tree would copy the whole depth below them (past `MAX_DEPTH`, an error).
    if let (Test::Flag, None, LhsPath::Path(steps)) = (&pred.test, &pred.lhs_pipe, &pred.lhs) {
        return match read::walk(env, read::Cur::One(Cow::Borrowed(item)), steps) {
            Ok(read::Cur::Many(items)) => Ok(!items.is_empty()),
            Ok(read::Cur::One(value)) => Ok(flag(value.as_ref())),
            // What does not resolve is None, which is false.
            Err(Fail::Soft(_)) => Ok(false),
            Err(other) => Err(other),
        };
    }
    // Nested predicates recurse through `lhs_value`; the test itself is kept out of this frame.
    let lhs = match lhs_value(env, item, pred) {
        Ok(lhs) => lhs,
        // A left side whose pipeline fails on this item: the item does not match, and the
        // read goes on with the others (spec 9, as reader.matches).
        Err(Fail::Soft(_)) => return Ok(false),
        Err(other) => return Err(other),
    };
    test(env, &lhs, pred, raw, prepared)
}

fn test<D: Document>(
    env: &Env<'_, D>,
    lhs: &D,
    pred: &Pred,
    raw: &str,
    prepared: &mut Prepared<D>,
) -> Result<bool, Failed<D>> {
    match &pred.test {
        Test::Flag => Ok(flag(lhs)),
        Test::Unsupported(op) => Err(soft(
            raw,
            format!(
                "DictWalkOperatorError: Operator '{}' is not supported with path filters.",
                op.symbol()
            ),
        )),
        Test::Bool { negate, expr } => Ok(bool_value(env, expr, lhs)? != *negate),
        Test::Literal {
            op,
            value,
            raw: text,
        } => {
            if !D::represents(value) {
                return Ok(compare_text(lhs, *op, text));
            }
            let literal = prepared
                .literal
                .get_or_insert_with(|| D::from_literal(env.ctx.registry, value));
            Ok(compare(
                env.ctx.registry,
                lhs,
                *op,
                (literal, Some(value)),
                text,
            ))
        }
        Test::Root { op, text, target } => {
            if prepared.root.is_none() {
                // A $$root right-hand side that does not resolve is an error even in
                // non-strict reads, as in 2.6.0; one whose transform fails is soft, as any
                // failing filter ('$$root.x|$inc' on a list), as in 2.6.0. It is resolved once
                // per list.
                let program = (**target)
                    .as_ref()
                    .map_err(|error| Fail::Error(error.clone()))?;
                let value = read::resolve_then(env, program, |failed| match failed {
                    Fail::Soft(soft) => {
                        Fail::Error(Error::resolution(text, soft.token.as_deref(), soft.message))
                    }
                    other => other,
                })?;
                prepared.root = Some(value);
            }
            // An ordering that fails falls back on the reference's text, as for a literal.
            match &prepared.root {
                Some(value) => Ok(compare(env.ctx.registry, lhs, *op, (value, None), text)),
                None => Ok(false),
            }
        }
    }
}

fn lhs_value<'a: 'i, 'i, D: Document>(
    env: &Env<'a, D>,
    item: &'i D,
    pred: &Pred,
) -> Result<Cow<'i, D>, Failed<D>> {
    let value = match &pred.lhs {
        LhsPath::Item => Cow::Borrowed(item),
        LhsPath::Key(key) => {
            let found = if item.kind() == Kind::Map {
                item.child(key)
            } else {
                None
            };
            found.unwrap_or_else(|| Cow::Owned(D::null(env.ctx.registry)))
        }
        LhsPath::Path(steps) => match read::walk(env, read::Cur::One(Cow::Borrowed(item)), steps) {
            Ok(cur) => read::into_cow(env.ctx.registry, cur)?,
            Err(Fail::Soft(_)) => Cow::Owned(D::null(env.ctx.registry)),
            Err(other) => return Err(other),
        },
    };
    match &pred.lhs_pipe {
        Some(pipe) => pipeline::apply(env, pipe, value),
        None => Ok(value),
    }
}

/// The no-operator test: the true words for strs, truthiness otherwise.
fn flag<D: Document>(value: &D) -> bool {
    match value.as_str() {
        Some(text) => {
            let word = text.trim_matches(pyfmt::is_space).to_lowercase();
            matches!(word.as_str(), "1" | "true" | "yes" | "y" | "on")
        }
        None => value.truthy(),
    }
}

fn bool_value<D: Document>(
    env: &Env<'_, D>,
    expr: &BoolProg,
    value: &D,
) -> Result<bool, Failed<D>> {
    Ok(match expr {
        BoolProg::Pipe(pipe) => pipeline::apply(env, pipe, Cow::Borrowed(value))?.truthy(),
        // Parentheses nest these (`!(!($odd))`) as deeply as a path may nest.
        BoolProg::Not(inner) => !stack::deeper(|| bool_value(env, inner, value))?,
        BoolProg::And(operands) => {
            for operand in operands {
                if !stack::deeper(|| bool_value(env, operand, value))? {
                    return Ok(false);
                }
            }
            true
        }
        BoolProg::Or(operands) => {
            for operand in operands {
                if stack::deeper(|| bool_value(env, operand, value))? {
                    return Ok(true);
                }
            }
            false
        }
    })
}

/// reader._compare: `==`/`!=` also match on `str(lhs) == raw`; ordered operators compare the
/// values, then a str lhs read as a literal, then the `str()` forms (so `None > 2` is True).
///
/// `rhs` is the right-hand side's value, with the literal it was made from (None for a
/// `$$root` value, which `==`/`!=` compare as values only: spec 1.1, as in 2.6.0).
fn compare<D: Document>(
    registry: &D::Registry,
    lhs: &D,
    op: CmpOp,
    rhs: (&D, Option<&literal::Literal>),
    raw: &str,
) -> bool {
    let (literal, source) = rhs;
    let order = match op {
        CmpOp::Eq | CmpOp::Ne => {
            let equal = match source {
                Some(source) => lhs.equals_literal(source, literal),
                None => lhs.equals(literal),
            };
            let by_text = source.is_some() && lhs.py_str_is(raw);
            return (equal || by_text) == (op == CmpOp::Eq);
        }
        CmpOp::Lt => Order::Lt,
        CmpOp::Le => Order::Le,
        CmpOp::Gt => Order::Gt,
        CmpOp::Ge => Order::Ge,
    };
    let compared = match source {
        Some(source) => lhs.compare_literal(order, source, literal),
        None => lhs.compare(order, literal),
    };
    match compared {
        Ok(result) => return result,
        Err(CompareError::Failed) => return false,
        Err(CompareError::Unordered) => {}
    }
    if let Some(text) = lhs.as_str() {
        if let Some(parsed) = literal::parse(&text) {
            if let Ok(result) = D::from_literal(registry, &parsed).compare(order, literal) {
                return result;
            }
        }
    }
    compare_text(lhs, op, raw)
}

/// The comparison of `str(lhs)` with the right-hand side's text: all that is left when the
/// values do not compare (and all there is for a literal the model cannot hold).
fn compare_text<D: Document>(lhs: &D, op: CmpOp, raw: &str) -> bool {
    if matches!(op, CmpOp::Eq | CmpOp::Ne) {
        return lhs.py_str_is(raw) == (op == CmpOp::Eq);
    }
    let Some(text) = lhs.py_str() else {
        return false;
    };
    let ordering = text.as_str().cmp(raw);
    match op {
        CmpOp::Eq | CmpOp::Ne => false,
        CmpOp::Lt => ordering.is_lt(),
        CmpOp::Le => ordering.is_le(),
        CmpOp::Gt => ordering.is_gt(),
        CmpOp::Ge => ordering.is_ge(),
    }
}
