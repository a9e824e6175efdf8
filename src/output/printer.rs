//! The printer: the one way the program writes to stdout and stderr, asks a question, or shows
//! a spinner. Commands get a `&Printer`; nothing else in the crate prints (the top-level error
//! line in `lib.rs` aside), so a stray line can never corrupt `--format json` or a cron mail.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::{Format, Style};
use crate::error::{Error, Outcome};

/// Where output goes and what the streams are, decided once at start-up.
#[derive(Debug, Clone)]
pub struct Printer {
    pub style: Style,
    /// stderr is a terminal: spinners may be drawn there.
    stderr_tty: bool,
    /// stdin and stdout are terminals: a question can be asked and answered.
    interactive: bool,
    /// Something was written to stdout: a document stands there, another must not follow.
    wrote: Arc<AtomicBool>,
}

impl Printer {
    pub fn new(style: Style) -> Self {
        Printer {
            style,
            stderr_tty: io::stderr().is_terminal(),
            interactive: io::stdin().is_terminal() && io::stdout().is_terminal(),
            wrote: Arc::default(),
        }
    }

    /// A printer for unit tests: no terminal anywhere.
    pub fn plain(style: Style) -> Self {
        Printer {
            style,
            stderr_tty: false,
            interactive: false,
            wrote: Arc::default(),
        }
    }

    /// Write a rendered document to stdout. A closed pipe (`celtool queues | head`) ends output
    /// quietly rather than as an error.
    pub fn out(&self, text: &str) -> Result<(), Error> {
        self.wrote.store(true, Ordering::Relaxed);
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

    /// A command's JSON document on stdout: `body` (an object, or a list under its name with
    /// [`super::json::Named`]) under the envelope every document carries
    /// ([`super::json::Document`]). A value that cannot be serialised is an error, never an
    /// empty document.
    pub fn json<T: Serialize + ?Sized>(&self, body: &T) -> Result<(), Error> {
        self.out(&(to_json(&super::json::Document::new(body))? + "\n"))
    }

    /// A long document as [`Printer::json`] writes it, written as it is serialised (the same
    /// text).
    pub fn json_stream<T: Serialize + ?Sized>(&self, body: &T) -> Result<(), Error> {
        self.wrote.store(true, Ordering::Relaxed);
        super::stream::write_json(io::stdout().lock(), &super::json::Document::new(body))
    }

    /// A long listing as a piped (borderless) table on stdout, written row by row; `rows` is
    /// walked twice, to measure and to write.
    pub fn plain_table<F, I>(
        &self,
        headers: &[(&str, super::table::Align)],
        rows: F,
    ) -> Result<(), Error>
    where
        F: Fn() -> I,
        I: Iterator<Item = Vec<String>>,
    {
        self.wrote.store(true, Ordering::Relaxed);
        super::stream::write_plain_table(io::stdout().lock(), headers, rows)
    }

    /// End the run's stdout in the run's format (see [`super::run::Kind::closing`]): the run
    /// metrics an exposition lacks and, when the run failed before writing its result, the
    /// document that stands in for it (Nagios UNKNOWN line, JSON error, success 0), so a
    /// monitoring system never reads an empty answer.
    pub fn close(&self, kind: &super::run::Kind, outcome: &Outcome) -> Result<(), Error> {
        let wrote = self.wrote.load(Ordering::Relaxed);
        match kind.closing(self.style.format, outcome, wrote) {
            Some(text) => self.out(&text),
            None => Ok(()),
        }
    }

    /// `celtool: warning: ...` on stderr, whatever the format: cron mails it, and only it.
    pub fn warn(&self, text: &str) {
        let _ = writeln!(io::stderr().lock(), "celtool: warning: {text}");
    }

    /// The run's one error, once, at the top: `celtool: error: ...`, then the hint where the
    /// cause is known.
    pub fn error(&self, message: &str, hint: Option<&str>) {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "celtool: error: {message}");
        if let Some(hint) = hint {
            let _ = writeln!(err, "hint: {hint}");
        }
    }

    /// Text for stderr as it is: a usage error, or the help clap shows for a missing
    /// subcommand.
    pub fn usage(&self, text: &str) {
        let _ = io::stderr().lock().write_all(text.as_bytes());
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

impl Printer {
    /// A spinner on stderr that shows what `status` says the run is waiting for ("waiting for
    /// /api/queues (12 s)"), asked five times a second on a thread of its own, and nothing while
    /// it says nothing. Only when stderr is a terminal and output is not quiet.
    pub fn waiting(&self, status: impl Fn() -> Option<String> + Send + 'static) -> Waiting {
        if self.style.quiet || !self.stderr_tty {
            return Waiting(None);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut bar: Option<indicatif::ProgressBar> = None;
            while !flag.load(Ordering::Relaxed) {
                match status() {
                    Some(text) => bar
                        .get_or_insert_with(|| {
                            let b = indicatif::ProgressBar::new_spinner();
                            b.enable_steady_tick(Duration::from_millis(120));
                            b
                        })
                        .set_message(text),
                    None => {
                        if let Some(b) = bar.take() {
                            b.finish_and_clear();
                        }
                    }
                }
                std::thread::park_timeout(Duration::from_millis(200));
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        Waiting(Some((stop, thread)))
    }
}

/// The spinner of [`Printer::waiting`]: stopped and cleared when dropped.
pub struct Waiting(Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>);

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.0.take() {
            stop.store(true, Ordering::Relaxed);
            thread.thread().unpark();
            let _ = thread.join();
        }
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

/// Pretty JSON with whole numbers as integers, or an error naming why the value could not be
/// serialised.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = Vec::new();
    super::json::write(&mut out, value)
        .map_err(|e| Error::Io(format!("cannot serialise the output as JSON: {e}")))?;
    String::from_utf8(out)
        .map_err(|e| Error::Io(format!("cannot serialise the output as JSON: {e}")))
}

/// The printer is where a fix talks to the operator.
impl crate::fix::Console for Printer {
    fn say(&self, text: &str) -> Result<(), crate::fix::FixError> {
        Printer::say(self, text).map_err(|e| crate::fix::FixError::Failed(e.to_string()))
    }

    fn interactive(&self) -> bool {
        Printer::interactive(self)
    }

    fn confirm(&self, question: &str) -> Result<bool, crate::fix::FixError> {
        Printer::confirm(self, question).map_err(|e| crate::fix::FixError::Failed(e.to_string()))
    }

    fn wants_json(&self) -> bool {
        self.style.format == super::Format::Json
    }

    fn document(&self, doc: &serde_json::Value) -> Result<(), crate::fix::FixError> {
        self.json(doc)
            .map_err(|e| crate::fix::FixError::Failed(e.to_string()))
    }
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
