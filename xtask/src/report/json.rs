//! The JSON report (`reports/drift.json`): the `Report` as serde lays it out, pretty-printed.

use std::io;

use super::{Emitter, Report};

pub struct JsonEmitter;

impl Emitter for JsonEmitter {
    fn emit(&self, out: &mut dyn io::Write, report: &Report) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{render, tests::sample};

    #[test]
    fn json_report() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&JsonEmitter, &sample(true)))?;
        insta::assert_snapshot!(text);
        let value: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(value["schema_version"], 1);
        assert_eq!(value["verdict"], "drift");
        Ok(())
    }
}
