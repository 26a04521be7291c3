//! Collection filters (`len`, `keys`, `sorted`, `sort_by`, `group_by`, `pick`, ...), null
//! handling, and a port of CPython's list sort, whose order of comparisons decides which
//! TypeError a mixed list raises and how inconsistent `str()`-fallback orderings come out.

use serde_json::{Map, Value};

use super::py::{
    check_hashable, compare, err, hash_key, index_of, int_value, list_contains, py_eq,
    py_int_saturating, richcmp, truthy, type_error, type_name, value_error, CmpOp, PyDict, Res,
};

/// How `sort_by`, `unique_by`, `index_by` and `group_by` read a path in an item: the engine's
/// non-strict read, None when the path does not resolve.
pub(crate) type Resolve<'a> = &'a dyn Fn(&Value, &str) -> Option<Value>;

/// `$len`.
pub(crate) fn len(value: &Value) -> Res<Value> {
    let length = match value {
        Value::String(text) => text.chars().count(),
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        other => {
            return Err(type_error(format!(
                "object of type '{}' has no len()",
                type_name(other)
            )))
        }
    };
    int_value(length as i128)
}

/// `$keys`.
pub(crate) fn keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Array(map.keys().cloned().map(Value::String).collect()),
        _ => Value::Null,
    }
}

/// `$values`.
pub(crate) fn values(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Array(map.values().cloned().collect()),
        _ => Value::Null,
    }
}

/// `$items`: `[{"key": k, "value": v}, ...]`.
pub(crate) fn items(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Array(
            map.iter()
                .map(|(key, item)| {
                    let mut entry = Map::new();
                    entry.insert("key".to_owned(), Value::String(key.clone()));
                    entry.insert("value".to_owned(), item.clone());
                    Value::Object(entry)
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// `$max` / `$min`: the builtins, keeping the first of equal items.
pub(crate) fn extreme(value: &Value, largest: bool) -> Res<Value> {
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let name = if largest { "max" } else { "min" };
    let op = if largest { CmpOp::Gt } else { CmpOp::Lt };
    let mut iter = items.iter();
    let Some(mut best) = iter.next() else {
        return Err(value_error(format!("{name}() arg is an empty sequence")));
    };
    for item in iter {
        if richcmp(item, best, op)? {
            best = item;
        }
    }
    Ok(best.clone())
}

/// `$first` / `$last`.
pub(crate) fn end(value: &Value, last: bool) -> Value {
    match value {
        Value::Array(items) => {
            let item = if last { items.last() } else { items.first() };
            item.cloned().unwrap_or(Value::Null)
        }
        other => other.clone(),
    }
}

/// `$unique`: `list(dict.fromkeys(value))` for lists (hashable items, first ones kept).
pub(crate) fn unique(value: &Value) -> Res<Value> {
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let mut seen = std::collections::HashSet::new();
    let mut kept: Vec<Value> = Vec::new();
    for item in items {
        if seen.insert(hash_key(item)?) {
            kept.push(item.clone());
        }
    }
    Ok(Value::Array(kept))
}

/// `$reverse`.
pub(crate) fn reverse(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().rev().cloned().collect()),
        other => other.clone(),
    }
}

/// `$chunk(n)`: lists of `int(n)` items; None if n <= 0.
pub(crate) fn chunk(value: &Value, size: &Value) -> Res<Value> {
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let step = py_int_saturating(size)?;
    if step <= 0 {
        return Ok(Value::Null);
    }
    let step = usize::try_from(step).unwrap_or(usize::MAX);
    Ok(Value::Array(
        items
            .chunks(step)
            .map(|part| Value::Array(part.to_vec()))
            .collect(),
    ))
}

/// `$flatten`: list items spliced in, one level.
pub(crate) fn flatten(value: &Value) -> Value {
    let Value::Array(items) = value else {
        return value.clone();
    };
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Array(inner) => flat.extend(inner.iter().cloned()),
            other => flat.push(other.clone()),
        }
    }
    Value::Array(flat)
}

/// `$flatten_deep`: list items spliced in at every depth (iteratively: no stack overflow).
pub(crate) fn flatten_deep(value: &Value) -> Value {
    let Value::Array(items) = value else {
        return value.clone();
    };
    let mut flat = Vec::new();
    let mut stack = vec![items.iter()];
    while let Some(iter) = stack.last_mut() {
        match iter.next() {
            Some(Value::Array(inner)) => stack.push(inner.iter()),
            Some(other) => flat.push(other.clone()),
            None => {
                stack.pop();
            }
        }
    }
    Value::Array(flat)
}

/// `$sorted` / `$sorted(reverse)`: `sorted(value, reverse=reverse)` for lists.
pub(crate) fn sorted(value: &Value, reverse: Option<&Value>) -> Res<Value> {
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let descending = match reverse {
        Some(flag) => index_of(flag)? != 0,
        None => false,
    };
    let mut list: Vec<&Value> = items.iter().collect();
    py_sort(&mut list, descending, &mut |a: &&Value, b: &&Value| {
        richcmp(a, b, CmpOp::Lt)
    })?;
    Ok(Value::Array(list.into_iter().cloned().collect()))
}

/// The TypeError of a selector path that is not a str.
fn check_selector(path: &Value, filter: &str) -> Res<String> {
    match path {
        Value::String(text) => Ok(text.clone()),
        _ => Err(type_error(format!(
            "Filter '${filter}' expects selector path to be a string."
        ))),
    }
}

/// `$sort_by(path[, reverse])`: stable, by the value at `path`, unresolved items last; keys
/// order with the `str()` fallback.
pub(crate) fn sort_by(
    value: &Value,
    path: &Value,
    reverse: Option<&Value>,
    resolve: Resolve,
) -> Res<Value> {
    let path = check_selector(path, "sort_by")?;
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let mut keyed: Vec<(Value, &Value)> = Vec::new();
    let mut unresolved: Vec<&Value> = Vec::new();
    for item in items {
        match resolve(item, &path) {
            Some(key) => keyed.push((key, item)),
            None => unresolved.push(item),
        }
    }
    let descending = reverse.is_some_and(truthy);
    py_sort(
        &mut keyed,
        descending,
        &mut |a: &(Value, &Value), b: &(Value, &Value)| Ok(compare(CmpOp::Lt, &a.0, &b.0)),
    )?;
    Ok(Value::Array(
        keyed
            .into_iter()
            .map(|(_, item)| item)
            .chain(unresolved)
            .cloned()
            .collect(),
    ))
}

/// `$unique_by(path)`: items whose key was not seen before (by `==`); unresolved items stay.
pub(crate) fn unique_by(value: &Value, path: &Value, resolve: Resolve) -> Res<Value> {
    let path = check_selector(path, "unique_by")?;
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let mut seen: Vec<Value> = Vec::new();
    let mut kept = Vec::new();
    for item in items {
        if let Some(key) = resolve(item, &path) {
            if list_contains(&seen, &key) {
                continue;
            }
            seen.push(key);
        }
        kept.push(item.clone());
    }
    Ok(Value::Array(kept))
}

/// `$index_by(path)`: a dict from key to item, later items winning.
pub(crate) fn index_by(value: &Value, path: &Value, resolve: Resolve) -> Res<Value> {
    let path = check_selector(path, "index_by")?;
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let mut index = PyDict::default();
    for item in items {
        if let Some(key) = resolve(item, &path) {
            index.insert(key, item.clone())?;
        }
    }
    index.into_json("index_by")
}

/// `$group_by(path)`: a dict from key to the list of items that have it.
pub(crate) fn group_by(value: &Value, path: &Value, resolve: Resolve) -> Res<Value> {
    let path = check_selector(path, "group_by")?;
    let Value::Array(items) = value else {
        return Ok(value.clone());
    };
    let mut groups = PyDict::default();
    for item in items {
        if let Some(key) = resolve(item, &path) {
            if let Value::Array(group) = groups.entry_or(key, || Value::Array(Vec::new()))? {
                group.push(item.clone());
            }
        }
    }
    groups.into_json("group_by")
}

/// `$pick(*keys)`: the given keys the dict has, in argument order; None for non-dicts.
pub(crate) fn pick(value: &Value, keys: &[Value]) -> Res<Value> {
    let Value::Object(map) = value else {
        return Ok(Value::Null);
    };
    let mut picked = Map::new();
    for key in keys {
        check_hashable(key)?;
        if let Value::String(name) = key {
            if let Some(item) = map.get(name) {
                picked.insert(name.clone(), item.clone());
            }
        }
    }
    Ok(Value::Object(picked))
}

/// `$unpick(*keys)`: the dict without the given keys; None for non-dicts.
pub(crate) fn unpick(value: &Value, keys: &[Value]) -> Value {
    let Value::Object(map) = value else {
        return Value::Null;
    };
    let kept = map
        .iter()
        .filter(|(key, _)| {
            !keys
                .iter()
                .any(|dropped| py_eq(dropped, &Value::String((*key).clone())))
        })
        .map(|(key, item)| (key.clone(), item.clone()))
        .collect();
    Value::Object(kept)
}

/// `$default(v)`: v when the value is None.
pub(crate) fn default(value: &Value, fallback: &Value) -> Value {
    if value.is_null() {
        fallback.clone()
    } else {
        value.clone()
    }
}

/// `$coalesce(*v)`: the first of the value and the arguments that is not None.
pub(crate) fn coalesce(value: &Value, fallbacks: &[Value]) -> Value {
    std::iter::once(value)
        .chain(fallbacks)
        .find(|item| !item.is_null())
        .cloned()
        .unwrap_or(Value::Null)
}

/// `$compact`: a list without its None items.
pub(crate) fn compact(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|item| !item.is_null())
                .cloned()
                .collect(),
        ),
        other => other.clone(),
    }
}

/// CPython's `list.sort(reverse=...)` with the comparison `lt(a, b)` meaning `a < b`.
///
/// A port of CPython 3.11's timsort (run detection, binary insertion, powersort merge
/// policy, galloping merges), so the same comparisons happen in the same order: a mixed list
/// raises the TypeError of the same pair, and orderings that are not consistent (keys that
/// fall back to `str()`) come out exactly as in Python. Reverse sorting reverses, sorts and
/// reverses again, which keeps equal items in their original order.
pub(crate) fn py_sort<T>(
    items: &mut Vec<T>,
    reverse: bool,
    lt: &mut dyn FnMut(&T, &T) -> Res<bool>,
) -> Res<()> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if reverse {
        order.reverse();
    }
    {
        let list: &Vec<T> = items;
        let mut compare = |a: usize, b: usize| -> Res<bool> {
            match (list.get(a), list.get(b)) {
                (Some(x), Some(y)) => lt(x, y),
                _ => Err(sort_bug()),
            }
        };
        let mut sorter = Sorter {
            a: order,
            lt: &mut compare,
            min_gallop: MIN_GALLOP,
            pending: Vec::new(),
        };
        sorter.sort()?;
        order = sorter.a;
    }
    if reverse {
        order.reverse();
    }
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    for index in order {
        if let Some(item) = slots.get_mut(index).and_then(Option::take) {
            items.push(item);
        }
    }
    Ok(())
}

const MIN_GALLOP: usize = 7;

fn sort_bug() -> super::FilterError {
    err("SystemError", "sort index out of range")
}

/// A run on the merge stack.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    len: usize,
    power: u32,
}

/// CPython's MergeState over a list of item indices.
struct Sorter<'a> {
    a: Vec<usize>,
    lt: &'a mut dyn FnMut(usize, usize) -> Res<bool>,
    min_gallop: usize,
    pending: Vec<Run>,
}

fn at(list: &[usize], index: usize) -> Res<usize> {
    list.get(index).copied().ok_or_else(sort_bug)
}

fn put(list: &mut [usize], index: usize, value: usize) -> Res<()> {
    *list.get_mut(index).ok_or_else(sort_bug)? = value;
    Ok(())
}

/// `dest[to..to+n] = src[from..from+n]`.
fn copy_from(dest: &mut [usize], to: usize, src: &[usize], from: usize, n: usize) -> Res<()> {
    let source = src.get(from..from + n).ok_or_else(sort_bug)?;
    dest.get_mut(to..to + n)
        .ok_or_else(sort_bug)?
        .copy_from_slice(source);
    Ok(())
}

/// `list[to..to+n] = list[from..from+n]` (overlapping allowed).
fn move_within(list: &mut [usize], from: usize, to: usize, n: usize) -> Res<()> {
    if from + n > list.len() || to + n > list.len() {
        return Err(sort_bug());
    }
    list.copy_within(from..from + n, to);
    Ok(())
}

fn min_run(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// CPython's `powerloop`: the power of the run boundary between two adjacent runs.
fn power_loop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// CPython's `gallop_left`: where `key` goes in the sorted `list`, left of equal items.
fn gallop_left(
    lt: &mut dyn FnMut(usize, usize) -> Res<bool>,
    key: usize,
    list: &[usize],
    hint: usize,
) -> Res<usize> {
    let n = list.len();
    let mut lastofs = 0usize;
    let mut ofs = 1usize;
    let (mut low, mut high);
    if lt(at(list, hint)?, key)? {
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(at(list, hint + ofs)?, key)? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        low = lastofs + hint + 1;
        high = ofs + hint;
    } else {
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(at(list, hint - ofs)?, key)? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        // lastofs = hint - ofs (may be -1), so low = lastofs + 1 = hint + 1 - ofs.
        low = hint + 1 - ofs;
        high = hint - lastofs;
    }
    while low < high {
        let m = low + ((high - low) >> 1);
        if lt(at(list, m)?, key)? {
            low = m + 1;
        } else {
            high = m;
        }
    }
    Ok(high)
}

/// CPython's `gallop_right`: where `key` goes in the sorted `list`, right of equal items.
fn gallop_right(
    lt: &mut dyn FnMut(usize, usize) -> Res<bool>,
    key: usize,
    list: &[usize],
    hint: usize,
) -> Res<usize> {
    let n = list.len();
    let mut lastofs = 0usize;
    let mut ofs = 1usize;
    let (mut low, mut high);
    if lt(key, at(list, hint)?)? {
        let maxofs = hint + 1;
        while ofs < maxofs {
            if lt(key, at(list, hint - ofs)?)? {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        ofs = ofs.min(maxofs);
        low = hint + 1 - ofs;
        high = hint - lastofs;
    } else {
        let maxofs = n - hint;
        while ofs < maxofs {
            if lt(key, at(list, hint + ofs)?)? {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        ofs = ofs.min(maxofs);
        low = lastofs + hint + 1;
        high = ofs + hint;
    }
    while low < high {
        let m = low + ((high - low) >> 1);
        if lt(key, at(list, m)?)? {
            high = m;
        } else {
            low = m + 1;
        }
    }
    Ok(high)
}

impl Sorter<'_> {
    fn islt(&mut self, x: usize, y: usize) -> Res<bool> {
        (self.lt)(x, y)
    }

    fn sort(&mut self) -> Res<()> {
        let total = self.a.len();
        if total < 2 {
            return Ok(());
        }
        let minrun = min_run(total);
        let mut lo = 0;
        while lo < total {
            let remaining = total - lo;
            let (mut n, descending) = self.count_run(lo, total)?;
            if descending {
                self.a.get_mut(lo..lo + n).ok_or_else(sort_bug)?.reverse();
            }
            if n < minrun {
                let force = remaining.min(minrun);
                self.binary_sort(lo, lo + force, lo + n)?;
                n = force;
            }
            self.found_new_run(n, total)?;
            self.pending.push(Run {
                start: lo,
                len: n,
                power: 0,
            });
            lo += n;
        }
        self.merge_force_collapse()
    }

    /// CPython's `count_run`: the length of the run at `lo`, and whether it strictly descends.
    fn count_run(&mut self, lo: usize, hi: usize) -> Res<(usize, bool)> {
        let mut pos = lo + 1;
        if pos == hi {
            return Ok((1, false));
        }
        let mut n = 2;
        let descending = self.islt(at(&self.a, pos)?, at(&self.a, pos - 1)?)?;
        pos += 1;
        while pos < hi {
            let smaller = self.islt(at(&self.a, pos)?, at(&self.a, pos - 1)?)?;
            if smaller != descending {
                break;
            }
            pos += 1;
            n += 1;
        }
        Ok((n, descending))
    }

    /// CPython's `binarysort`: `lo..start` is sorted; insert `start..hi` one by one.
    fn binary_sort(&mut self, lo: usize, hi: usize, start: usize) -> Res<()> {
        let mut start = if lo == start { start + 1 } else { start };
        while start < hi {
            let pivot = at(&self.a, start)?;
            let (mut l, mut r) = (lo, start);
            while l < r {
                let p = l + ((r - l) >> 1);
                if self.islt(pivot, at(&self.a, p)?)? {
                    r = p;
                } else {
                    l = p + 1;
                }
            }
            self.a
                .get_mut(l..=start)
                .ok_or_else(sort_bug)?
                .rotate_right(1);
            start += 1;
        }
        Ok(())
    }

    /// CPython 3.11's `found_new_run`: merge while the run below has a greater power.
    fn found_new_run(&mut self, n2: usize, total: usize) -> Res<()> {
        let Some(top) = self.pending.last().copied() else {
            return Ok(());
        };
        let power = power_loop(top.start, top.len, n2, total);
        while self.pending.len() > 1
            && self
                .pending
                .get(self.pending.len() - 2)
                .is_some_and(|run| run.power > power)
        {
            self.merge_at(self.pending.len() - 2)?;
        }
        if let Some(last) = self.pending.last_mut() {
            last.power = power;
        }
        Ok(())
    }

    fn merge_force_collapse(&mut self) -> Res<()> {
        while self.pending.len() > 1 {
            let mut n = self.pending.len() - 2;
            if n > 0 {
                let below = self.pending.get(n - 1).map_or(0, |run| run.len);
                let above = self.pending.get(n + 1).map_or(0, |run| run.len);
                if below < above {
                    n -= 1;
                }
            }
            self.merge_at(n)?;
        }
        Ok(())
    }

    /// CPython's `merge_at`: merge runs `i` and `i + 1`.
    fn merge_at(&mut self, i: usize) -> Res<()> {
        let first = *self.pending.get(i).ok_or_else(sort_bug)?;
        let second = *self.pending.get(i + 1).ok_or_else(sort_bug)?;
        if let Some(run) = self.pending.get_mut(i) {
            run.len = first.len + second.len;
        }
        self.pending.remove(i + 1);
        let (mut sa, mut na) = (first.start, first.len);
        let (sb, nb) = (second.start, second.len);
        let key = at(&self.a, sb)?;
        let k = gallop_right(
            self.lt,
            key,
            self.a.get(sa..sa + na).ok_or_else(sort_bug)?,
            0,
        )?;
        sa += k;
        na -= k;
        if na == 0 {
            return Ok(());
        }
        let key = at(&self.a, sa + na - 1)?;
        let nb = gallop_left(
            self.lt,
            key,
            self.a.get(sb..sb + nb).ok_or_else(sort_bug)?,
            nb - 1,
        )?;
        if nb == 0 {
            return Ok(());
        }
        if na <= nb {
            self.merge_lo(sa, na, sb, nb)
        } else {
            self.merge_hi(sa, na, sb, nb)
        }
    }

    /// CPython's `merge_lo`: the first run (the shorter one) is copied out and merged in
    /// from the left.
    fn merge_lo(&mut self, sa: usize, mut na: usize, sb: usize, mut nb: usize) -> Res<()> {
        let tmp: Vec<usize> = self.a.get(sa..sa + na).ok_or_else(sort_bug)?.to_vec();
        let (mut pa, mut pb, mut dest) = (0usize, sb, sa);
        let step = |list: &mut Vec<usize>, dest: &mut usize, value: usize| -> Res<()> {
            put(list, *dest, value)?;
            *dest += 1;
            Ok(())
        };
        let value = at(&self.a, pb)?;
        step(&mut self.a, &mut dest, value)?;
        pb += 1;
        nb -= 1;
        let copy_b = 'merge: {
            if nb == 0 {
                break 'merge false;
            }
            if na == 1 {
                break 'merge true;
            }
            let mut min_gallop = self.min_gallop;
            loop {
                let mut acount = 0usize;
                let mut bcount = 0usize;
                loop {
                    if self.islt(at(&self.a, pb)?, at(&tmp, pa)?)? {
                        let value = at(&self.a, pb)?;
                        step(&mut self.a, &mut dest, value)?;
                        pb += 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 0 {
                            break 'merge false;
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    } else {
                        let value = at(&tmp, pa)?;
                        step(&mut self.a, &mut dest, value)?;
                        pa += 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 1 {
                            break 'merge true;
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= usize::from(min_gallop > 1);
                    self.min_gallop = min_gallop;
                    let key = at(&self.a, pb)?;
                    let k =
                        gallop_right(self.lt, key, tmp.get(pa..pa + na).ok_or_else(sort_bug)?, 0)?;
                    acount = k;
                    if k > 0 {
                        copy_from(&mut self.a, dest, &tmp, pa, k)?;
                        dest += k;
                        pa += k;
                        na -= k;
                        if na == 1 {
                            break 'merge true;
                        }
                        if na == 0 {
                            break 'merge false;
                        }
                    }
                    let value = at(&self.a, pb)?;
                    step(&mut self.a, &mut dest, value)?;
                    pb += 1;
                    nb -= 1;
                    if nb == 0 {
                        break 'merge false;
                    }
                    let key = at(&tmp, pa)?;
                    let k = gallop_left(
                        self.lt,
                        key,
                        self.a.get(pb..pb + nb).ok_or_else(sort_bug)?,
                        0,
                    )?;
                    bcount = k;
                    if k > 0 {
                        move_within(&mut self.a, pb, dest, k)?;
                        dest += k;
                        pb += k;
                        nb -= k;
                        if nb == 0 {
                            break 'merge false;
                        }
                    }
                    let value = at(&tmp, pa)?;
                    step(&mut self.a, &mut dest, value)?;
                    pa += 1;
                    na -= 1;
                    if na == 1 {
                        break 'merge true;
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        };
        if copy_b {
            // The last item of the first run belongs after the rest of the second.
            move_within(&mut self.a, pb, dest, nb)?;
            put(&mut self.a, dest + nb, at(&tmp, pa)?)?;
        } else if na > 0 {
            copy_from(&mut self.a, dest, &tmp, pa, na)?;
        }
        Ok(())
    }

    /// CPython's `merge_hi`: the second run (the shorter one) is copied out and merged in
    /// from the right.
    fn merge_hi(&mut self, sa: usize, mut na: usize, sb: usize, mut nb: usize) -> Res<()> {
        let tmp: Vec<usize> = self.a.get(sb..sb + nb).ok_or_else(sort_bug)?.to_vec();
        // Positions one past the current items, so that they never go below zero.
        let mut dest = sb + nb; // a[dest - 1] is the next slot to fill
        let mut pa = sa + na; // a[pa - 1] is the current item of the first run
        let mut pb = nb; // tmp[pb - 1] is the current item of the second run
        let value = at(&self.a, pa - 1)?;
        put(&mut self.a, dest - 1, value)?;
        dest -= 1;
        pa -= 1;
        na -= 1;
        let copy_a = 'merge: {
            if na == 0 {
                break 'merge false;
            }
            if nb == 1 {
                break 'merge true;
            }
            let mut min_gallop = self.min_gallop;
            loop {
                let mut acount = 0usize;
                let mut bcount = 0usize;
                loop {
                    if self.islt(at(&tmp, pb - 1)?, at(&self.a, pa - 1)?)? {
                        let value = at(&self.a, pa - 1)?;
                        put(&mut self.a, dest - 1, value)?;
                        dest -= 1;
                        pa -= 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 0 {
                            break 'merge false;
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    } else {
                        let value = at(&tmp, pb - 1)?;
                        put(&mut self.a, dest - 1, value)?;
                        dest -= 1;
                        pb -= 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 1 {
                            break 'merge true;
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= usize::from(min_gallop > 1);
                    self.min_gallop = min_gallop;
                    let key = at(&tmp, pb - 1)?;
                    let k = na
                        - gallop_right(
                            self.lt,
                            key,
                            self.a.get(sa..sa + na).ok_or_else(sort_bug)?,
                            na - 1,
                        )?;
                    acount = k;
                    if k > 0 {
                        dest -= k;
                        pa -= k;
                        move_within(&mut self.a, pa, dest, k)?;
                        na -= k;
                        if na == 0 {
                            break 'merge false;
                        }
                    }
                    let value = at(&tmp, pb - 1)?;
                    put(&mut self.a, dest - 1, value)?;
                    dest -= 1;
                    pb -= 1;
                    nb -= 1;
                    if nb == 1 {
                        break 'merge true;
                    }
                    let key = at(&self.a, pa - 1)?;
                    let k = nb
                        - gallop_left(self.lt, key, tmp.get(..nb).ok_or_else(sort_bug)?, nb - 1)?;
                    bcount = k;
                    if k > 0 {
                        dest -= k;
                        pb -= k;
                        copy_from(&mut self.a, dest, &tmp, pb, k)?;
                        nb -= k;
                        if nb == 1 {
                            break 'merge true;
                        }
                        if nb == 0 {
                            break 'merge false;
                        }
                    }
                    let value = at(&self.a, pa - 1)?;
                    put(&mut self.a, dest - 1, value)?;
                    dest -= 1;
                    pa -= 1;
                    na -= 1;
                    if na == 0 {
                        break 'merge false;
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        };
        if copy_a {
            // The first item of the second run belongs before the rest of the first.
            dest -= na;
            pa -= na;
            move_within(&mut self.a, pa, dest, na)?;
            put(&mut self.a, dest - 1, at(&tmp, pb - 1)?)?;
        } else if nb > 0 {
            copy_from(&mut self.a, dest - nb, &tmp, 0, nb)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorting_is_stable_in_both_directions() {
        let value = json!([3, 1.0, 2, 1, true]);
        assert_eq!(sorted(&value, None).ok(), Some(json!([1.0, 1, true, 2, 3])));
        assert_eq!(
            sorted(&value, Some(&json!(1))).ok(),
            Some(json!([3, 2, 1.0, 1, true]))
        );
    }

    #[test]
    fn long_lists_sort_like_short_ones() {
        let numbers: Vec<i64> = (0..500).map(|i| (i * 7919) % 503).collect();
        let mut expected = numbers.clone();
        expected.sort();
        let sorted_value = sorted(&json!(numbers), None).ok();
        assert_eq!(sorted_value, Some(json!(expected)));
    }

    #[test]
    fn mixed_lists_raise_the_first_failing_comparison() {
        let error = sorted(&json!([1, "a"]), None).err().map(|e| e.message);
        assert_eq!(
            error.as_deref(),
            Some("'<' not supported between instances of 'str' and 'int'")
        );
    }
}
