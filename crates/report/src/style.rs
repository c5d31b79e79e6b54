//! Terminal styling: colour only on a terminal, never with `NO_COLOR`; errors and notes on
//! stderr, with control characters from input files escaped. Decided once per invocation by
//! [`init`]; every text renderer of this crate paints through it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

isa_core::named_enum! {
    /// The `--color` choice.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
    pub enum ColorChoice {
        /// Colour when stdout is a terminal and NO_COLOR is unset.
        Auto => "auto",
        /// Always colour.
        Always => "always",
        /// Never colour.
        Never => "never",
    }
}

static STDOUT_COLOR: AtomicBool = AtomicBool::new(false);
static STDERR_COLOR: AtomicBool = AtomicBool::new(false);

/// Decides once, at start-up, whether stdout and stderr get colour.
pub fn init(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let decide = |is_tty: bool| match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && !no_color,
    };
    STDOUT_COLOR.store(decide(std::io::stdout().is_terminal()), Ordering::Relaxed);
    STDERR_COLOR.store(decide(std::io::stderr().is_terminal()), Ordering::Relaxed);
}

/// ANSI styles used in reports.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Bold red.
    Critical,
    /// Red.
    Error,
    /// Yellow.
    Warning,
    /// Cyan.
    Info,
    /// Dim grey, for locations.
    Dim,
    /// Bold.
    Bold,
    /// Green.
    Good,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Critical => "1;31",
            Style::Error => "31",
            Style::Warning => "33",
            Style::Info => "36",
            Style::Dim => "2",
            Style::Bold => "1",
            Style::Good => "32",
        }
    }
}

/// `text` styled for stdout (plain when stdout gets no colour).
pub fn paint(style: Style, text: &str) -> String {
    paint_if(STDOUT_COLOR.load(Ordering::Relaxed), style, text)
}

fn paint_if(on: bool, style: Style, text: &str) -> String {
    if on {
        format!("\x1b[{}m{text}\x1b[0m", style.code())
    } else {
        text.to_string()
    }
}

/// Prints an error (its text already includes its causes and any `hint:` lines) to stderr.
pub fn print_error(text: &str) {
    let on = STDERR_COLOR.load(Ordering::Relaxed);
    eprintln!(
        "{} {}",
        paint_if(on, Style::Critical, "error:"),
        escape_controls(text)
    );
}

/// Prints a note to stderr (never to stdout, which carries data).
pub fn note(text: &str) {
    let on = STDERR_COLOR.load(Ordering::Relaxed);
    eprintln!(
        "{} {}",
        paint_if(on, Style::Info, "note:"),
        escape_controls(text)
    );
}

/// Control characters in a message (quoted from an input file: a status, a decision's name, a
/// group) are written as `\u{1b}` escapes, so no input can drive the terminal; the newlines
/// and tabs that lay out multi-line messages are kept.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The widest column that text output pads to. Longer names (a 65,536-character mnemonic in a
/// hostile table) are printed in full, unpadded: padding to them would make every row that long,
/// and `format!` refuses widths of 65,536 and more.
pub const MAX_PAD: usize = 48;
