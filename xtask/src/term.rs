//! Progress and diagnostics on stderr, prefixed `xtask: `, coloured only on a terminal without NO_COLOR.

use std::{ffi::OsStr, fmt::Display, io::IsTerminal, sync::OnceLock};

#[derive(Debug, Clone, Copy)]
pub enum Style {
    Bold,
    Green,
    Yellow,
    Red,
}

/// Whether stderr gets ANSI colours: only on a terminal, and never when NO_COLOR is set to
/// anything non-empty (<https://no-color.org>).
fn colour() -> bool {
    static COLOUR: OnceLock<bool> = OnceLock::new();
    *COLOUR.get_or_init(|| {
        !no_colour_requested(std::env::var_os("NO_COLOR").as_deref())
            && std::io::stderr().is_terminal()
    })
}

fn no_colour_requested(value: Option<&OsStr>) -> bool {
    value.is_some_and(|value| !value.is_empty())
}

pub fn paint(style: Style, text: impl Display) -> String {
    if !colour() {
        return text.to_string();
    }
    let code = match style {
        Style::Bold => "1",
        Style::Green => "32",
        Style::Yellow => "33",
        Style::Red => "1;31",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

pub fn info(message: impl Display) {
    eprintln!("{} {message}", paint(Style::Bold, "xtask:"));
}

pub fn warn(message: impl Display) {
    eprintln!(
        "{} {} {message}",
        paint(Style::Bold, "xtask:"),
        paint(Style::Yellow, "warning:")
    );
}

pub fn error(message: impl Display) {
    eprintln!(
        "{} {} {message}",
        paint(Style::Bold, "xtask:"),
        paint(Style::Red, "error:")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_counts_only_when_non_empty() {
        assert!(!no_colour_requested(None));
        assert!(!no_colour_requested(Some(OsStr::new(""))));
        assert!(no_colour_requested(Some(OsStr::new("1"))));
        assert!(no_colour_requested(Some(OsStr::new("false"))));
    }
}
