//! The markdown pieces every report uses: a cell escaper and a GitHub-flavoured table.

use std::io;

/// Text that stays inside one table cell or list item: a `|` would end the cell and a line
/// break would end the row, so pipes are escaped and line breaks become `<br>`, which GitHub
/// renders as the break it was.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// The most a pull-request comment holds (GitHub's limit, in characters; counted here in bytes,
/// which is never fewer).
pub const COMMENT_LIMIT: usize = 65_536;

/// `text` cut to fit a pull-request comment: whole lines up to the limit, then one line saying
/// where the rest is. Text that fits is returned as it is.
pub fn fit_comment(text: String, whole: &str) -> String {
    if text.len() <= COMMENT_LIMIT {
        return text;
    }
    let note = format!("\n… cut to fit a pull-request comment; the whole report is {whole}.\n");
    let room = COMMENT_LIMIT - note.len();
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].rfind('\n').map_or(0, |at| at + 1);
    format!("{}{note}", &text[..cut])
}

/// A table with a header row; nothing at all when there are no rows. Each cell goes through
/// `cell`.
pub fn table(
    out: &mut dyn io::Write,
    header: &[&str],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
) -> io::Result<()> {
    table_aligned(out, header, &[], rows)
}

/// A `table` whose columns numbered in `right` (from 0) are aligned right, as numbers read best.
pub fn table_aligned(
    out: &mut dyn io::Write,
    header: &[&str],
    right: &[usize],
    rows: impl ExactSizeIterator<Item = Vec<String>>,
) -> io::Result<()> {
    if rows.len() == 0 {
        return Ok(());
    }
    writeln!(out, "| {} |", header.join(" | "))?;
    let separator: String = (0..header.len())
        .map(|column| {
            if right.contains(&column) {
                "---:|"
            } else {
                "---|"
            }
        })
        .collect();
    writeln!(out, "|{separator}")?;
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_at_a_line_to_fit_a_comment() {
        let short = "a\nb\n".to_owned();
        assert_eq!(fit_comment(short.clone(), "x.json"), short);
        let long = "line of text\n".repeat(10_000);
        let fitted = fit_comment(long, "`reports/x.json`");
        assert!(fitted.len() <= COMMENT_LIMIT, "{}", fitted.len());
        assert!(fitted.ends_with("the whole report is `reports/x.json`.\n"));
        assert!(fitted.contains("line of text\n\n…"), "whole lines only");
    }

    #[test]
    fn a_cell_keeps_its_text_on_one_row() {
        assert_eq!(cell("a | b"), "a \\| b");
        assert_eq!(
            cell("one\ntwo\r\nthree\rfour"),
            "one<br>two<br>three<br>four"
        );
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn a_table_escapes_its_cells_and_an_empty_one_is_nothing() -> io::Result<()> {
        let mut out = Vec::new();
        table(
            &mut out,
            &["a", "b"],
            vec![vec!["x|y".into(), "z\nw".into()]].into_iter(),
        )?;
        assert_eq!(
            String::from_utf8_lossy(&out),
            "| a | b |\n|---|---|\n| x\\|y | z<br>w |\n\n"
        );
        let mut aligned = Vec::new();
        table_aligned(
            &mut aligned,
            &["a", "n"],
            &[1],
            vec![vec!["x".into(), "1".into()]].into_iter(),
        )?;
        assert!(String::from_utf8_lossy(&aligned).contains("\n|---|---:|\n"));
        let mut empty = Vec::new();
        table(&mut empty, &["a"], Vec::<Vec<String>>::new().into_iter())?;
        assert!(empty.is_empty());
        Ok(())
    }
}
