//! `benches/gate.toml`, the benchmark gate's one reviewed file of numbers: the thresholds a
//! candidate's change must exceed to be NO-GO (per metric, overridable per scenario) and the
//! speed targets between contestants, read and checked before any measurement starts.
//!
//! The file is checked strictly, because a typo in it must not quietly loosen the gate: an
//! unknown key, scenario, metric or contestant, a missing field, a value of the wrong type, a
//! negative or non-finite threshold, a factor that is not positive and a duplicate target name
//! are each an error of one line, `<file>:<line>: <key>: <what is wrong>`, so that the command
//! can stop with exit 2 before it measures anything. Keys are shown as written in the file;
//! the n-th `[[target]]` table (counting from 1) is `target[n]`.

// Nothing outside the tests reads the thresholds until the bench command is wired to them; the
// `expect` (rather than an `allow`) fails the build once that happens, so that it is removed then.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    ops::Range,
    path::Path,
};

use anyhow::Context;
use toml_edit::{Document, Item, Key, TableLike, Value};

/// The version of the file's layout this reader understands; the file states it as
/// `schema_version`, so that an older xtask refuses a newer file instead of misreading it.
pub const SCHEMA_VERSION: i64 = 1;

/// The contestants a target may compare, as `benches/workload.py` names them. The peers
/// (`jmespath`, `glom`, `dpath`) are left out on purpose: they run only when installed, so a
/// target on one of them could not always be judged.
pub const CONTESTANTS: &[&str] = &["reference", "native", "legacy", "plain"];

/// What a threshold or a target is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// Callgrind's instructions per call (Ir): the same for the same build and inputs, so it is
    /// the metric that decides regressions.
    Instructions,
    /// Wall time per call, paired and interleaved; noisy on a shared machine.
    Wall,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::Instructions, Metric::Wall];

    /// The name the file (and the reports) use.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Instructions => "instructions",
            Metric::Wall => "wall",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|metric| metric.name() == name)
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// When a change is a regression: NO-GO needs BOTH the relative change to exceed `relative`
/// (0.02 is 2%) AND the absolute change to exceed `absolute` (Ir per call, or ns per call for
/// wall time), so that a change of 2 instructions to a 40-instruction call is not a "5%
/// regression".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub relative: f64,
    pub absolute: f64,
}

/// A ratio between two contestants in one run: `numerator` must be at least `factor` times
/// faster than `denominator` (fewer Ir or ns per call) on each of its scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// The contestant that should be faster.
    pub numerator: String,
    pub denominator: String,
    pub factor: f64,
    /// The scenario ids it covers; `None` is every scenario (`scenarios = "all"`), so that a new
    /// scenario is covered without an edit here.
    pub scenarios: Option<Vec<String>>,
    pub metric: Metric,
    /// Gating: the gate needs it. Tracked: reported with its gap, never a NO-GO.
    pub gating: bool,
    /// Why it is gating or tracked; shown in the reports next to the verdict.
    pub reason: String,
}

/// The checked contents of the thresholds file.
#[derive(Debug, Clone)]
pub struct Thresholds {
    defaults: Defaults,
    /// Resolved at parse time: an override's missing half comes from the metric's default.
    overrides: BTreeMap<(String, Metric), Limit>,
    targets: Vec<Target>,
}

impl Thresholds {
    /// Reads `text`, the contents of the file shown as `file` in errors. `known_scenarios` are
    /// the scenario ids of `benches/workload.py`; any other id in the file is an error, so that
    /// a renamed scenario cannot silently lose its override or its target.
    pub fn parse(file: &str, text: &str, known_scenarios: &[&str]) -> anyhow::Result<Thresholds> {
        Reader {
            file,
            text,
            known_scenarios,
        }
        .thresholds()
    }

    /// Reads the file at `path`, shown as `shown` in errors.
    pub fn load(path: &Path, shown: &str, known_scenarios: &[&str]) -> anyhow::Result<Thresholds> {
        let text = std::fs::read_to_string(path).with_context(|| format!("read {shown}"))?;
        Thresholds::parse(shown, &text, known_scenarios)
    }

    /// The limit for `metric` on `scenario`: the scenario's override where it has one, else the
    /// metric's default.
    pub fn limit(&self, scenario: &str, metric: Metric) -> Limit {
        self.overrides
            .get(&(scenario.to_owned(), metric))
            .copied()
            .unwrap_or_else(|| self.defaults.get(metric))
    }

    /// The targets, in the file's order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
}

/// A limit for every metric: a field per metric, so that looking one up cannot fail.
#[derive(Debug, Clone)]
struct Defaults {
    instructions: Limit,
    wall: Limit,
}

impl Defaults {
    fn get(&self, metric: Metric) -> Limit {
        match metric {
            Metric::Instructions => self.instructions,
            Metric::Wall => self.wall,
        }
    }
}

/// The file being read, for the one-line errors.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
    known_scenarios: &'a [&'a str],
}

/// The fields of a `[metric.*]` table and of a scenario's override.
const LIMIT_KEYS: &[&str] = &["relative", "absolute"];
const TARGET_KEYS: &[&str] = &[
    "name",
    "numerator",
    "denominator",
    "factor",
    "scenarios",
    "metric",
    "gating",
    "reason",
];
const TOP_KEYS: &[&str] = &["schema_version", "metric", "scenario", "target"];

impl Reader<'_> {
    /// An error of one line: the file, the line of `span` when known, the key, the problem.
    fn error(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        problem: impl fmt::Display,
    ) -> anyhow::Error {
        let problem = problem.to_string().replace('\n', " ");
        match span {
            Some(span) => {
                let start = span.start.min(self.text.len());
                let line = 1 + self.text.as_bytes()[..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                anyhow::anyhow!("{}:{line}: {key}: {problem}", self.file)
            }
            None => anyhow::anyhow!("{}: {key}: {problem}", self.file),
        }
    }

    fn thresholds(&self) -> anyhow::Result<Thresholds> {
        let doc = Document::parse(self.text)
            .map_err(|err| self.error(err.span(), "syntax", err.message()))?;
        let root = doc.as_table();
        self.no_unknown_keys(root, "", TOP_KEYS, "top-level key")?;

        let version = self.required(root, "", "schema_version", None)?;
        match version.1.as_integer() {
            Some(SCHEMA_VERSION) => {}
            Some(other) => {
                return Err(self.error(
                    span_of(version),
                    "schema_version",
                    format_args!("is {other}, this xtask reads version {SCHEMA_VERSION}"),
                ))
            }
            None => return Err(self.wrong_type(version, "schema_version", "an integer")),
        }

        let metric = self.required(root, "", "metric", None)?;
        let metric_table = self.table(metric, "metric")?;
        self.no_unknown_metrics(metric_table, "metric")?;
        let defaults = Defaults {
            instructions: self.default_limit(metric_table, Metric::Instructions)?,
            wall: self.default_limit(metric_table, Metric::Wall)?,
        };

        let mut overrides = BTreeMap::new();
        if let Some(scenarios) = root.get_key_value("scenario") {
            let scenarios_table = self.table(scenarios, "scenario")?;
            for entry in entries(scenarios_table) {
                let id = entry.0.get();
                let key = format!("scenario.{}", quoted(id));
                if !self.known_scenarios.contains(&id) {
                    return Err(self.unknown_scenario(span_of(entry), &key, id));
                }
                let per_metric = self.table(entry, &key)?;
                self.no_unknown_metrics(per_metric, &key)?;
                for entry in entries(per_metric) {
                    let name = entry.0.get();
                    // `no_unknown_metrics` has just accepted every name.
                    let Some(metric) = Metric::from_name(name) else {
                        continue;
                    };
                    let key = format!("{key}.{name}");
                    let table = self.table(entry, &key)?;
                    self.no_unknown_keys(table, &key, LIMIT_KEYS, "key")?;
                    if table.is_empty() {
                        return Err(self.error(
                            span_of(entry),
                            &key,
                            "sets neither relative nor absolute",
                        ));
                    }
                    let mut limit = defaults.get(metric);
                    if let Some(relative) = table.get_key_value("relative") {
                        limit.relative = self.threshold(relative, &key, "relative")?;
                    }
                    if let Some(absolute) = table.get_key_value("absolute") {
                        limit.absolute = self.threshold(absolute, &key, "absolute")?;
                    }
                    overrides.insert((id.to_owned(), metric), limit);
                }
            }
        }

        let mut targets: Vec<Target> = Vec::new();
        if let Some(entry) = root.get_key_value("target") {
            let Some(array) = entry.1.as_array_of_tables() else {
                return Err(self.wrong_type(entry, "target", "[[target]] tables"));
            };
            for (index, table) in array.iter().enumerate() {
                let key = format!("target[{}]", index + 1);
                let target = self.target(table, &key, table.span())?;
                if targets.iter().any(|seen| seen.name == target.name) {
                    let name_span = table.get_key_value("name").and_then(span_of);
                    return Err(self.error(
                        name_span,
                        &format!("{key}.name"),
                        format_args!("duplicate target name {}", quoted(&target.name)),
                    ));
                }
                targets.push(target);
            }
        }

        Ok(Thresholds {
            defaults,
            overrides,
            targets,
        })
    }

    /// `[metric.<name>]`, the metric's default: both fields are required.
    fn default_limit(&self, metric_table: &dyn TableLike, metric: Metric) -> anyhow::Result<Limit> {
        let key = format!("metric.{metric}");
        let item = self.required(
            metric_table,
            "metric",
            metric.name(),
            first_span(metric_table),
        )?;
        let table = self.table(item, &key)?;
        self.no_unknown_keys(table, &key, LIMIT_KEYS, "key")?;
        let relative = self.threshold(
            self.required(table, &key, "relative", span_of(item))?,
            &key,
            "relative",
        )?;
        let absolute = self.threshold(
            self.required(table, &key, "absolute", span_of(item))?,
            &key,
            "absolute",
        )?;
        Ok(Limit { relative, absolute })
    }

    fn target(
        &self,
        table: &dyn TableLike,
        key: &str,
        span: Option<Range<usize>>,
    ) -> anyhow::Result<Target> {
        self.no_unknown_keys(table, key, TARGET_KEYS, "key")?;
        let field = |name: &str| self.required(table, key, name, span.clone());

        let name = self.text_field(field("name")?, key, "name")?;
        let numerator = self.contestant(field("numerator")?, key, "numerator")?;
        let denominator = self.contestant(field("denominator")?, key, "denominator")?;
        if numerator == denominator {
            let entry = field("denominator")?;
            return Err(self.error(
                span_of(entry),
                &format!("{key}.denominator"),
                format_args!("is the numerator too ({})", quoted(&numerator)),
            ));
        }

        let factor_entry = field("factor")?;
        let factor = self.number(factor_entry, key, "factor")?;
        if !(factor.is_finite() && factor > 0.0) {
            return Err(self.error(
                span_of(factor_entry),
                &format!("{key}.factor"),
                format_args!("must be a finite number > 0, found {factor}"),
            ));
        }

        let scenarios = self.scenario_list(field("scenarios")?, key)?;

        let metric_entry = field("metric")?;
        let metric_name = self.text_field(metric_entry, key, "metric")?;
        let Some(metric) = Metric::from_name(&metric_name) else {
            return Err(self.unknown_metric(
                span_of(metric_entry),
                &format!("{key}.metric"),
                &metric_name,
            ));
        };

        let gating_entry = field("gating")?;
        let Some(gating) = gating_entry.1.as_bool() else {
            return Err(self.wrong_type(gating_entry, &format!("{key}.gating"), "true or false"));
        };

        let reason = self.text_field(field("reason")?, key, "reason")?;
        Ok(Target {
            name,
            numerator,
            denominator,
            factor,
            scenarios,
            metric,
            gating,
            reason,
        })
    }

    /// `"all"`, or a non-empty list of known scenario ids without repeats.
    fn scenario_list(
        &self,
        entry: (&Key, &Item),
        key: &str,
    ) -> anyhow::Result<Option<Vec<String>>> {
        let key = format!("{key}.scenarios");
        if let Some(text) = entry.1.as_str() {
            if text == "all" {
                return Ok(None);
            }
            return Err(self.error(
                span_of(entry),
                &key,
                format_args!(
                    "is {}, expected \"all\" or a list of scenario ids",
                    quoted(text)
                ),
            ));
        }
        let Some(array) = entry.1.as_array() else {
            return Err(self.wrong_type(entry, &key, "\"all\" or a list of scenario ids"));
        };
        if array.is_empty() {
            return Err(self.error(
                span_of(entry),
                &key,
                "is empty: list at least one scenario, or say \"all\"",
            ));
        }
        let mut ids: Vec<String> = Vec::new();
        for value in array.iter() {
            let Some(id) = value.as_str() else {
                return Err(self.error(
                    value.span(),
                    &key,
                    format_args!(
                        "expected scenario ids (strings), found {}",
                        value.type_name()
                    ),
                ));
            };
            if !self.known_scenarios.contains(&id) {
                return Err(self.unknown_scenario(value.span(), &key, id));
            }
            if ids.iter().any(|seen| seen == id) {
                return Err(self.error(
                    value.span(),
                    &key,
                    format_args!("lists {} twice", quoted(id)),
                ));
            }
            ids.push(id.to_owned());
        }
        Ok(Some(ids))
    }

    fn contestant(&self, entry: (&Key, &Item), key: &str, field: &str) -> anyhow::Result<String> {
        let name = self.text_field(entry, key, field)?;
        if CONTESTANTS.contains(&name.as_str()) {
            return Ok(name);
        }
        Err(self.error(
            span_of(entry),
            &format!("{key}.{field}"),
            format_args!(
                "unknown contestant {} (known: {})",
                quoted(&name),
                CONTESTANTS.join(", ")
            ),
        ))
    }

    /// A non-empty string: an empty name or reason would leave a report line that says nothing.
    fn text_field(&self, entry: (&Key, &Item), key: &str, field: &str) -> anyhow::Result<String> {
        let key = format!("{key}.{field}");
        match entry.1.as_str() {
            Some(text) if !text.trim().is_empty() => Ok(text.to_owned()),
            Some(_) => Err(self.error(span_of(entry), &key, "is empty")),
            None => Err(self.wrong_type(entry, &key, "a string")),
        }
    }

    /// A relative threshold or an absolute floor: a finite number >= 0.
    fn threshold(&self, entry: (&Key, &Item), key: &str, field: &str) -> anyhow::Result<f64> {
        let value = self.number(entry, key, field)?;
        if value.is_finite() && value >= 0.0 {
            return Ok(value);
        }
        Err(self.error(
            span_of(entry),
            &format!("{key}.{field}"),
            format_args!("must be a finite number >= 0, found {value}"),
        ))
    }

    /// An integer or a float: `absolute = 100` and `factor = 10` read as naturally as `0.02`.
    fn number(&self, entry: (&Key, &Item), key: &str, field: &str) -> anyhow::Result<f64> {
        match entry.1.as_value() {
            Some(Value::Float(value)) => Ok(*value.value()),
            Some(Value::Integer(value)) => Ok(*value.value() as f64),
            _ => Err(self.wrong_type(entry, &format!("{key}.{field}"), "a number")),
        }
    }

    fn table<'t>(&self, entry: (&Key, &'t Item), key: &str) -> anyhow::Result<&'t dyn TableLike> {
        entry
            .1
            .as_table_like()
            .ok_or_else(|| self.wrong_type(entry, key, "a table"))
    }

    /// `table[name]`, or an error naming it with the line of `where_` (the table that lacks it).
    fn required<'t>(
        &self,
        table: &'t dyn TableLike,
        key: &str,
        name: &str,
        where_: Option<Range<usize>>,
    ) -> anyhow::Result<(&'t Key, &'t Item)> {
        table
            .get_key_value(name)
            .ok_or_else(|| self.error(where_, &join(key, name), "missing"))
    }

    fn no_unknown_keys(
        &self,
        table: &dyn TableLike,
        key: &str,
        known: &[&str],
        what: &str,
    ) -> anyhow::Result<()> {
        for entry in entries(table) {
            let name = entry.0.get();
            if !known.contains(&name) {
                return Err(self.error(
                    span_of(entry),
                    &join(key, name),
                    format_args!("unknown {what} (known: {})", known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn no_unknown_metrics(&self, table: &dyn TableLike, key: &str) -> anyhow::Result<()> {
        for entry in entries(table) {
            let name = entry.0.get();
            if Metric::from_name(name).is_none() {
                return Err(self.unknown_metric(span_of(entry), &join(key, name), name));
            }
        }
        Ok(())
    }

    fn unknown_metric(&self, span: Option<Range<usize>>, key: &str, name: &str) -> anyhow::Error {
        let known: Vec<_> = Metric::ALL.iter().map(|m| m.name()).collect();
        self.error(
            span,
            key,
            format_args!(
                "unknown metric {} (known: {})",
                quoted(name),
                known.join(", ")
            ),
        )
    }

    fn unknown_scenario(&self, span: Option<Range<usize>>, key: &str, id: &str) -> anyhow::Error {
        let known: BTreeSet<_> = self.known_scenarios.iter().collect();
        let known: Vec<_> = known.into_iter().copied().collect();
        self.error(
            span,
            key,
            format_args!(
                "unknown scenario {} (benches/workload.py has: {})",
                quoted(id),
                known.join(", ")
            ),
        )
    }

    fn wrong_type(&self, entry: (&Key, &Item), key: &str, expected: &str) -> anyhow::Error {
        self.error(
            span_of(entry),
            key,
            format_args!("expected {expected}, found {}", entry.1.type_name()),
        )
    }
}

/// The key's place in the file, else its value's (an implicit table has neither).
fn span_of((key, item): (&Key, &Item)) -> Option<Range<usize>> {
    key.span().or_else(|| item.span())
}

/// The place of a table's first entry: the best line for "missing" in an implicit table such
/// as `metric`, which only exists through `[metric.instructions]`.
fn first_span(table: &dyn TableLike) -> Option<Range<usize>> {
    entries(table).find_map(span_of)
}

/// A table's entries with their keys, whose spans give the errors their line numbers.
fn entries(table: &dyn TableLike) -> impl Iterator<Item = (&Key, &Item)> {
    table
        .iter()
        .filter_map(|(name, _)| table.get_key_value(name))
}

fn join(key: &str, name: &str) -> String {
    if key.is_empty() {
        name.to_owned()
    } else {
        format!("{key}.{name}")
    }
}

/// A scenario id or name as TOML writes it: ids hold dots, so a bare `read.deep` in a key would
/// read as two keys.
fn quoted(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "gate.toml";
    const SCENARIOS: &[&str] = &["read.get", "read.deep"];

    /// A valid file; each error case changes one thing in it. Line numbers matter to the
    /// expected messages.
    const BASE: &str = r#"schema_version = 1

[metric.instructions]
relative = 0.02
absolute = 100

[metric.wall]
relative = 0.25
absolute = 200

[scenario."read.deep".instructions]
relative = 0.03

[[target]]
name = "native-vs-reference"
numerator = "native"
denominator = "reference"
factor = 10
scenarios = "all"
metric = "instructions"
gating = false
reason = "tracked"
"#;

    const SECOND_TARGET: &str = r#"
[[target]]
name = "native-vs-reference"
numerator = "native"
denominator = "legacy"
factor = 3
scenarios = ["read.get"]
metric = "wall"
gating = true
reason = "a copy"
"#;

    fn parse(text: &str) -> anyhow::Result<Thresholds> {
        Thresholds::parse(FILE, text, SCENARIOS)
    }

    #[test]
    fn base_reads_with_overrides_falling_back_to_defaults() -> anyhow::Result<()> {
        let thresholds = parse(BASE)?;
        let limit = |scenario, metric| thresholds.limit(scenario, metric);
        assert_eq!(
            limit("read.get", Metric::Instructions),
            Limit {
                relative: 0.02,
                absolute: 100.0
            }
        );
        // The override sets only `relative`; its floor is the metric's default.
        assert_eq!(
            limit("read.deep", Metric::Instructions),
            Limit {
                relative: 0.03,
                absolute: 100.0
            }
        );
        assert_eq!(
            limit("read.deep", Metric::Wall),
            Limit {
                relative: 0.25,
                absolute: 200.0
            }
        );
        assert_eq!(
            thresholds.targets(),
            [Target {
                name: "native-vs-reference".into(),
                numerator: "native".into(),
                denominator: "reference".into(),
                factor: 10.0,
                scenarios: None,
                metric: Metric::Instructions,
                gating: false,
                reason: "tracked".into(),
            }]
        );
        Ok(())
    }

    #[test]
    fn a_list_of_scenarios_and_a_second_target() -> anyhow::Result<()> {
        let text = format!(
            "{BASE}{}",
            SECOND_TARGET.replace("native-vs-reference", "native-vs-legacy")
        );
        let thresholds = parse(&text)?;
        let second = &thresholds.targets()[1];
        assert_eq!(second.name, "native-vs-legacy");
        assert_eq!(second.scenarios, Some(vec!["read.get".to_owned()]));
        assert_eq!(
            (second.metric, second.gating, second.factor),
            (Metric::Wall, true, 3.0)
        );
        Ok(())
    }

    #[test]
    fn an_inline_override_with_both_fields() -> anyhow::Result<()> {
        let text = BASE.replace(
            "[scenario.\"read.deep\".instructions]\nrelative = 0.03\n",
            "[scenario]\n\"read.get\" = { wall = { relative = 0.5, absolute = 0 } }\n",
        );
        let thresholds = parse(&text)?;
        assert_eq!(
            thresholds.limit("read.get", Metric::Wall),
            Limit {
                relative: 0.5,
                absolute: 0.0
            }
        );
        assert_eq!(
            thresholds.limit("read.deep", Metric::Instructions).relative,
            0.02
        );
        Ok(())
    }

    /// (what is wrong, text to replace in BASE, its replacement, the whole error).
    const ERRORS: &[(&str, &str, &str, &str)] = &[
        (
            "unknown top-level key",
            "schema_version = 1\n",
            "schema_version = 1\nschema = 2\n",
            "gate.toml:2: schema: unknown top-level key (known: schema_version, metric, scenario, target)",
        ),
        (
            "wrong schema_version",
            "schema_version = 1",
            "schema_version = 2",
            "gate.toml:1: schema_version: is 2, this xtask reads version 1",
        ),
        (
            "schema_version of the wrong type",
            "schema_version = 1",
            "schema_version = \"1\"",
            "gate.toml:1: schema_version: expected an integer, found string",
        ),
        (
            "missing schema_version",
            "schema_version = 1\n",
            "",
            "gate.toml: schema_version: missing",
        ),
        (
            "unknown metric among the defaults",
            "[metric.wall]",
            "[metric.walltime]",
            "gate.toml:7: metric.walltime: unknown metric \"walltime\" (known: instructions, wall)",
        ),
        (
            "a metric without a default",
            "[metric.wall]\nrelative = 0.25\nabsolute = 200\n",
            "",
            "gate.toml:3: metric.wall: missing",
        ),
        (
            "a default without its floor",
            "absolute = 200\n",
            "",
            "gate.toml:7: metric.wall.absolute: missing",
        ),
        (
            "unknown key in a limit",
            "relative = 0.25",
            "relatve = 0.25",
            "gate.toml:8: metric.wall.relatve: unknown key (known: relative, absolute)",
        ),
        (
            "negative relative threshold",
            "relative = 0.02",
            "relative = -0.02",
            "gate.toml:4: metric.instructions.relative: must be a finite number >= 0, found -0.02",
        ),
        (
            "negative floor",
            "absolute = 100",
            "absolute = -1",
            "gate.toml:5: metric.instructions.absolute: must be a finite number >= 0, found -1",
        ),
        (
            "infinite floor",
            "absolute = 200",
            "absolute = inf",
            "gate.toml:9: metric.wall.absolute: must be a finite number >= 0, found inf",
        ),
        (
            "NaN threshold in an override",
            "relative = 0.03",
            "relative = nan",
            "gate.toml:12: scenario.\"read.deep\".instructions.relative: must be a finite number >= 0, found NaN",
        ),
        (
            "threshold of the wrong type",
            "absolute = 100",
            "absolute = \"100\"",
            "gate.toml:5: metric.instructions.absolute: expected a number, found string",
        ),
        (
            "unknown scenario in an override",
            "[scenario.\"read.deep\".instructions]",
            "[scenario.\"read.dep\".instructions]",
            "gate.toml:11: scenario.\"read.dep\": unknown scenario \"read.dep\" (benches/workload.py has: read.deep, read.get)",
        ),
        (
            "unknown metric in an override",
            "[scenario.\"read.deep\".instructions]",
            "[scenario.\"read.deep\".ir]",
            "gate.toml:11: scenario.\"read.deep\".ir: unknown metric \"ir\" (known: instructions, wall)",
        ),
        (
            "an override of the wrong type",
            "[scenario.\"read.deep\".instructions]\nrelative = 0.03",
            "[scenario.\"read.deep\"]\ninstructions = 0.03",
            "gate.toml:12: scenario.\"read.deep\".instructions: expected a table, found float",
        ),
        (
            "an override that sets nothing",
            "relative = 0.03\n",
            "",
            "gate.toml:11: scenario.\"read.deep\".instructions: sets neither relative nor absolute",
        ),
        (
            "targets that are not [[target]] tables",
            "[[target]]",
            "[target]",
            "gate.toml:14: target: expected [[target]] tables, found table",
        ),
        (
            "unknown key in a target",
            "gating = false",
            "gate = false",
            "gate.toml:21: target[1].gate: unknown key (known: name, numerator, denominator, factor, scenarios, metric, gating, reason)",
        ),
        (
            "a target without its reason",
            "reason = \"tracked\"\n",
            "",
            "gate.toml:14: target[1].reason: missing",
        ),
        (
            "an empty reason",
            "reason = \"tracked\"",
            "reason = \" \"",
            "gate.toml:22: target[1].reason: is empty",
        ),
        (
            "a name of the wrong type",
            "name = \"native-vs-reference\"",
            "name = 1",
            "gate.toml:15: target[1].name: expected a string, found integer",
        ),
        (
            "unknown contestant",
            "numerator = \"native\"",
            "numerator = \"rust\"",
            "gate.toml:16: target[1].numerator: unknown contestant \"rust\" (known: reference, native, legacy, plain)",
        ),
        (
            "a contestant against itself",
            "denominator = \"reference\"",
            "denominator = \"native\"",
            "gate.toml:17: target[1].denominator: is the numerator too (\"native\")",
        ),
        (
            "factor zero",
            "factor = 10",
            "factor = 0",
            "gate.toml:18: target[1].factor: must be a finite number > 0, found 0",
        ),
        (
            "negative factor",
            "factor = 10",
            "factor = -3.5",
            "gate.toml:18: target[1].factor: must be a finite number > 0, found -3.5",
        ),
        (
            "infinite factor",
            "factor = 10",
            "factor = +inf",
            "gate.toml:18: target[1].factor: must be a finite number > 0, found inf",
        ),
        (
            "factor of the wrong type",
            "factor = 10",
            "factor = \"10x\"",
            "gate.toml:18: target[1].factor: expected a number, found string",
        ),
        (
            "scenarios neither all nor a list",
            "scenarios = \"all\"",
            "scenarios = \"every\"",
            "gate.toml:19: target[1].scenarios: is \"every\", expected \"all\" or a list of scenario ids",
        ),
        (
            "scenarios of the wrong type",
            "scenarios = \"all\"",
            "scenarios = 3",
            "gate.toml:19: target[1].scenarios: expected \"all\" or a list of scenario ids, found integer",
        ),
        (
            "an empty list of scenarios",
            "scenarios = \"all\"",
            "scenarios = []",
            "gate.toml:19: target[1].scenarios: is empty: list at least one scenario, or say \"all\"",
        ),
        (
            "unknown scenario in a target",
            "scenarios = \"all\"",
            "scenarios = [\"read.get\",\n  \"read.gte\"]",
            "gate.toml:20: target[1].scenarios: unknown scenario \"read.gte\" (benches/workload.py has: read.deep, read.get)",
        ),
        (
            "a scenario id of the wrong type",
            "scenarios = \"all\"",
            "scenarios = [\"read.get\", 7]",
            "gate.toml:19: target[1].scenarios: expected scenario ids (strings), found integer",
        ),
        (
            "a scenario listed twice",
            "scenarios = \"all\"",
            "scenarios = [\"read.get\", \"read.get\"]",
            "gate.toml:19: target[1].scenarios: lists \"read.get\" twice",
        ),
        (
            "unknown metric in a target",
            "metric = \"instructions\"",
            "metric = \"cycles\"",
            "gate.toml:20: target[1].metric: unknown metric \"cycles\" (known: instructions, wall)",
        ),
        (
            "gating of the wrong type",
            "gating = false",
            "gating = \"no\"",
            "gate.toml:21: target[1].gating: expected true or false, found string",
        ),
    ];

    #[test]
    fn each_error_is_one_line_naming_the_file_and_the_key() -> anyhow::Result<()> {
        parse(BASE)?;
        for &(what, from, to, expected) in ERRORS {
            assert_eq!(
                BASE.matches(from).count(),
                1,
                "{what}: {from:?} must occur once in BASE"
            );
            let text = BASE.replacen(from, to, 1);
            check(what, &text, expected);
        }
        Ok(())
    }

    #[test]
    fn duplicate_target_name() {
        check(
            "duplicate target name",
            &format!("{BASE}{SECOND_TARGET}"),
            "gate.toml:25: target[2].name: duplicate target name \"native-vs-reference\"",
        );
    }

    /// The TOML parser's own errors (here a duplicate key) are held to one line as well.
    #[test]
    fn toml_syntax_errors_are_one_line_with_the_line() {
        for (from, to, line) in [
            ("relative = 0.02", "relative = 0.02.1", 4),
            ("absolute = 200\n", "absolute = 200\nabsolute = 300\n", 10),
        ] {
            let text = BASE.replacen(from, to, 1);
            let message = parse(&text)
                .err()
                .map(|err| format!("{err:#}"))
                .unwrap_or_default();
            assert!(
                message.starts_with(&format!("gate.toml:{line}: syntax: "))
                    && !message.contains('\n'),
                "{to:?}: {message}"
            );
        }
    }

    fn check(what: &str, text: &str, expected: &str) {
        // An accepted text gives no message, which equals no expected one.
        let message = parse(text).err().map(|err| format!("{err:#}"));
        assert_eq!(message.as_deref(), Some(expected), "{what}");
        assert!(
            !expected.contains('\n'),
            "{what}: the expected message is one line"
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let missing = Path::new("/nonexistent/gate.toml");
        let err = Thresholds::load(missing, "benches/gate.toml", SCENARIOS)
            .err()
            .map(|err| format!("{err:#}"))
            .unwrap_or_default();
        assert!(err.starts_with("read benches/gate.toml: "), "{err}");
    }

    fn benches() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches")
    }

    /// The scenario ids of `benches/workload.py`, each declared as `id="..."`.
    fn workload_ids() -> anyhow::Result<Vec<String>> {
        let text = std::fs::read_to_string(benches().join("workload.py"))?;
        let ids: Vec<String> = text
            .split("id=\"")
            .skip(1)
            .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
            .collect();
        anyhow::ensure!(!ids.is_empty(), "no id=\"...\" in benches/workload.py");
        Ok(ids)
    }

    /// The real file, against the real scenario ids: a scenario renamed in workload.py without
    /// its override or target here fails this test.
    #[test]
    fn the_real_gate_toml_loads_with_workload_ids() -> anyhow::Result<()> {
        let ids = workload_ids()?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let thresholds = Thresholds::load(&benches().join("gate.toml"), "benches/gate.toml", &ids)?;
        // The gate must gate on something, and the issue's tracked targets must be there.
        assert!(
            thresholds.targets().iter().any(|t| t.gating),
            "no gating target"
        );
        for (numerator, denominator) in [("native", "reference"), ("native", "legacy")] {
            assert!(
                thresholds
                    .targets()
                    .iter()
                    .any(|t| !t.gating && t.numerator == numerator && t.denominator == denominator),
                "no tracked target {numerator} vs {denominator}"
            );
        }
        Ok(())
    }

    /// `CONTESTANTS` is a copy of part of workload.py's `CONTESTANTS`; a renamed contestant
    /// fails here.
    #[test]
    fn contestants_are_named_as_in_workload() -> anyhow::Result<()> {
        let text = std::fs::read_to_string(benches().join("workload.py"))?;
        let line = text
            .lines()
            .find(|line| line.starts_with("CONTESTANTS = ("))
            .ok_or_else(|| anyhow::anyhow!("no CONTESTANTS line in benches/workload.py"))?;
        for name in CONTESTANTS {
            assert!(
                line.contains(&format!("\"{name}\"")),
                "{name} is not in {line}"
            );
        }
        Ok(())
    }

    #[test]
    fn metric_names_round_trip() {
        for metric in Metric::ALL {
            assert_eq!(Metric::from_name(&metric.to_string()), Some(metric));
        }
        assert_eq!(Metric::from_name("ir"), None);
    }
}
