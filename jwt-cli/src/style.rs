//! Terminal colour: on only when standard output is a terminal and `NO_COLOR` is unset or
//! empty (<https://no-color.org>), unless `--color` says otherwise.

use std::io::IsTerminal as _;

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always colour, e.g. when piping into `less -R`.
    Always,
    /// Never colour.
    Never,
}

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    enabled: bool,
}

impl Style {
    pub fn plain() -> Self {
        Style { enabled: false }
    }

    pub fn for_stdout(choice: ColorChoice) -> Self {
        let enabled = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Style { enabled }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn heading(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn warning(&self, text: &str) -> String {
        self.paint("1;33", text)
    }

    pub fn bad(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub fn good(&self, text: &str) -> String {
        self.paint("1;32", text)
    }

    pub fn key(&self, text: &str) -> String {
        self.paint("34", text)
    }

    pub fn string(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn number(&self, text: &str) -> String {
        self.paint("36", text)
    }

    pub fn literal(&self, text: &str) -> String {
        self.paint("35", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}
