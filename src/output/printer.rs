//! The printer: the one way the program writes to stdout and stderr, asks a question, or shows
//! a spinner. Commands get a `&Printer`; nothing else in the crate prints (the top-level error
//! line in `lib.rs` aside), so a stray line can never corrupt `--format json` or a cron mail.

use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Duration;

use serde::Serialize;

use super::{Format, Style};
use crate::error::Error;

/// Where output goes and what the streams are, decided once at start-up.
#[derive(Debug, Clone)]
pub struct Printer {
    pub style: Style,
    /// stderr is a terminal: spinners may be drawn there.
    stderr_tty: bool,
    /// stdin and stdout are terminals: a question can be asked and answered.
    interactive: bool,
}

impl Printer {
    pub fn new(style: Style) -> Self {
        Printer {
            style,
            stderr_tty: io::stderr().is_terminal(),
            interactive: io::stdin().is_terminal() && io::stdout().is_terminal(),
        }
    }

    /// A printer for unit tests: no terminal anywhere.
    pub fn plain(style: Style) -> Self {
        Printer {
            style,
            stderr_tty: false,
            interactive: false,
        }
    }

    /// Write a rendered document to stdout. A closed pipe (`celtool queues | head`) ends output
    /// quietly rather than as an error.
    pub fn out(&self, text: &str) -> Result<(), Error> {
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Error::Io(format!("cannot write to stdout: {e}"))),
            Ok(()) => Ok(()),
        }
    }

    /// Human text (plans, progress notes) in table format, unless -q; nothing in machine
    /// formats, whose stdout belongs to the document.
    pub fn say(&self, text: &str) -> Result<(), Error> {
        if self.style.quiet || self.style.format != Format::Table {
            return Ok(());
        }
        self.out(text)
    }

    /// A value as pretty JSON on stdout. A value that cannot be serialised is an error, never
    /// an empty document.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        self.out(&(to_json(value)? + "\n"))
    }

    /// `celtool: warning: ...` on stderr, whatever the format: cron mails it, and only it.
    pub fn warn(&self, text: &str) {
        let _ = writeln!(io::stderr().lock(), "celtool: warning: {text}");
    }

    /// Whether a question can be asked (stdin and stdout are terminals).
    pub fn interactive(&self) -> bool {
        self.interactive
    }

    /// Ask a yes/no question on the terminal; anything but yes is no.
    pub fn confirm(&self, question: &str) -> Result<bool, Error> {
        let mut out = io::stdout().lock();
        let _ = write!(out, "{question} [y/N] ");
        let _ = out.flush();
        drop(out);
        let mut line = String::new();
        io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Io(format!("cannot read the answer: {e}")))?;
        Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
    }

    /// A spinner on stderr, only when stderr is a terminal and output is not quiet; otherwise a
    /// spinner that draws nothing.
    pub fn spinner(&self, message: &str) -> Spinner {
        if self.style.quiet || !self.stderr_tty {
            return Spinner(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(message.to_string());
        Spinner(Some(bar))
    }
}

/// A spinner that clears itself when dropped.
pub struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    pub fn set(&self, message: String) {
        if let Some(b) = &self.0 {
            b.set_message(message);
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

/// Pretty JSON, or an error naming why the value could not be serialised.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::Io(format!("cannot serialise the output as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_cannot_be_serialised_is_an_error() {
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        let e = to_json(&map).unwrap_err();
        assert!(e.to_string().starts_with("cannot serialise"), "{e}");
    }
}
