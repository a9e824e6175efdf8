//! Listings too long to build in memory: JSON arrays and piped tables written row by row, so
//! `celtool queues` on 100 000 queues holds the queues once and never the whole document.

use std::io::{self, Write};

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::table::Align;
use crate::error::Error;
use crate::text::sanitize;

/// Serialises as a JSON array of what `rows` makes, one row at a time (the same text as the
/// array of those rows would give).
pub struct LazyRows<F>(pub F);

impl<F, I, T> Serialize for LazyRows<F>
where
    F: Fn() -> I,
    I: Iterator<Item = T>,
    T: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// Write `value` as pretty JSON and a newline to `out`, as it is serialised. A closed pipe is
/// the reader's choice, not an error.
pub fn write_json<T: Serialize + ?Sized>(out: impl Write, value: &T) -> Result<(), Error> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    let done = super::json::write(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match done {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io(format!("cannot write to stdout: {e}"))),
        Ok(()) => Ok(()),
    }
}

/// A borderless table as `table::render` draws it when piped (columns padded to their widest
/// cell, one space between, no trailing blanks), in two passes over `rows`: one to measure,
/// one to write. Cells are sanitized here.
pub fn write_plain_table<F, I>(
    out: impl Write,
    headers: &[(&str, Align)],
    rows: F,
) -> Result<(), Error>
where
    F: Fn() -> I,
    I: Iterator<Item = Vec<String>>,
{
    let mut widths: Vec<usize> = headers.iter().map(|(h, _)| h.width()).collect();
    for row in rows() {
        for (w, cell) in widths.iter_mut().zip(&row) {
            *w = (*w).max(sanitize(cell).width());
        }
    }
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    let header: Vec<String> = headers.iter().map(|(h, _)| h.to_string()).collect();
    let mut done = write_line(&mut out, headers, &widths, &header);
    for row in rows() {
        if done.is_err() {
            break;
        }
        let cells: Vec<String> = row.iter().map(|c| sanitize(c)).collect();
        done = write_line(&mut out, headers, &widths, &cells);
    }
    match done.and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io(format!("cannot write to stdout: {e}"))),
        Ok(()) => Ok(()),
    }
}

fn write_line(
    out: &mut impl Write,
    headers: &[(&str, Align)],
    widths: &[usize],
    cells: &[String],
) -> io::Result<()> {
    let mut line = String::new();
    for (i, ((_, align), width)) in headers.iter().zip(widths).enumerate() {
        let cell = cells.get(i).map(String::as_str).unwrap_or("");
        let pad = " ".repeat(width.saturating_sub(cell.width()));
        if i > 0 {
            line.push_str("  ");
        }
        match align {
            Align::Left => {
                line.push_str(cell);
                line.push_str(&pad);
            }
            Align::Right => {
                line.push_str(&pad);
                line.push_str(cell);
            }
        }
    }
    out.write_all(line.trim_end().as_bytes())?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::render;
    use crate::output::{Format, Style};

    #[test]
    fn the_streamed_table_is_the_piped_table() {
        let style = Style {
            format: Format::Table,
            tty: false,
            color: false,
            quiet: false,
        };
        let headers = [
            ("VHOST", Align::Left),
            ("NAME", Align::Left),
            ("READY", Align::Right),
            ("TTL", Align::Right),
        ];
        let rows: Vec<Vec<String>> = vec![
            vec!["/".into(), "celery".into(), "5".into(), "-".into()],
            vec![
                "jobs".into(),
                "a\nb\u{1b}".into(),
                "12,345".into(),
                "5s".into(),
            ],
            vec!["日本".into(), "ünïcode 🚀".into(), "0".into(), "".into()],
            vec![
                "a-very-long-vhost-name".into(),
                "x".into(),
                "1".into(),
                "1500ms".into(),
            ],
        ];
        let mut streamed = Vec::new();
        write_plain_table(&mut streamed, &headers, || rows.iter().cloned()).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            render(&style, &headers, &rows)
        );
        let mut empty = Vec::new();
        write_plain_table(&mut empty, &headers, std::iter::empty).unwrap();
        assert_eq!(
            String::from_utf8(empty).unwrap(),
            render(&style, &headers, &[])
        );
    }

    #[test]
    fn lazy_rows_serialise_as_the_array() {
        let rows = [(1, "a"), (2, "b")];
        let mut out = Vec::new();
        write_json(&mut out, &LazyRows(|| rows.iter())).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&rows).unwrap() + "\n"
        );
    }
}
