//! What every subcommand writes and returns: exit codes (docs/reference/exit-codes.md), JSON
//! through one writer (so every JSON output escapes the same characters, see
//! [`isa_io::pretty_json`]), data on stdout with a closed pipe tolerated, and errors on stderr.

use serde_json::Value;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code when the command's verdict is a failure (conflicts, divergence, verification).
pub const EXIT_FAIL: u8 = 1;
/// Exit code for bad input, usage or IO errors.
pub const EXIT_ERROR: u8 = 2;

/// Set by the binary (`main.rs`), never by the Python extension: the process ends when
/// [`crate::run`] returns.
static EXITS_AFTER_RUN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Declares that the process exits as soon as [`crate::run`] returns (the binary calls this;
/// an in-process caller such as the Python package does not).
pub fn exit_after_run() {
    EXITS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Ends the life of a command's large data (tables, reports): dropped as usual in-process, but
/// left to the operating system when the process is about to exit. Freeing a thousand tables'
/// and a report's millions of small allocations one by one was 6-7 % of a large `check` or
/// `arbitrate` (docs/benchmarks.md), for memory the exit returns anyway. Nothing here owns a
/// file, lock or child process, so skipping the destructors loses nothing.
pub fn discard<T>(value: T) {
    if EXITS_AFTER_RUN.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

/// Pretty JSON with a trailing newline, DEL and C1 controls escaped.
pub fn json(value: &Value) -> String {
    isa_io::pretty_json(value)
}

/// Writes data to stdout; a closed pipe (`… | head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

/// Streams a document to stdout through `write`, which buffers (as
/// `isa_report::stream::write_pretty` does); a closed pipe is not an error.
pub fn stream_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

/// Prints an error with its causes (`{error:#}`) and any `hint:` lines to stderr.
pub fn print_error(error: &anyhow::Error) {
    isa_report::style::print_error(&format!("{error:#}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_and_del_are_escaped_and_the_value_is_unchanged() {
        let v = serde_json::json!({ "name": "a\u{9b}31mb\u{7f}c\u{1b}d", "é": "ü" });
        let text = json(&v);
        assert!(!text.contains('\u{9b}') && !text.contains('\u{7f}') && !text.contains('\u{1b}'));
        assert!(text.contains("\\u009b") && text.contains("\\u007f") && text.contains("\\u001b"));
        assert!(text.contains("ü"), "other non-ASCII text stays as it is");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
