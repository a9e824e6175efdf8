//! Tables: comfy-table with borders on a terminal, plain aligned columns when piped.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets};

use super::Style;
use crate::text::sanitize;

/// Column alignment: text left, numbers right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// The narrowest a text column is squeezed to before the table gives up fitting the width.
const MIN_TEXT: usize = 20;

/// Render rows under headers. Cell text is sanitized here, so callers pass raw names.
///
/// On a terminal of known width (COLUMNS, else the terminal's size) a table that fits gets
/// borders and is wrapped to the width: numbers are never split, text columns keep at least
/// [`MIN_TEXT`] characters. One that cannot fit that way, and every table when stdout is not a
/// terminal, is plain aligned columns without wrapping (one line per row, for grep and awk). On
/// a terminal of unknown width (a pty of size 0) nothing is wrapped either.
pub fn render(style: &Style, headers: &[(&str, Align)], rows: &[Vec<String>]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c)).collect())
        .collect();
    let widest = column_widths(headers, &cells);
    let least = |i: usize| match headers[i].1 {
        Align::Right => widest[i],
        Align::Left => widest[i].min(MIN_TEXT),
    };
    let width = if style.tty {
        super::width::width(true)
    } else {
        None
    };
    let needed: usize = (0..headers.len()).map(|i| least(i) + 3).sum::<usize>() + 1;
    let bordered = style.tty && width.is_none_or(|w| needed <= w);
    let mut table = styled(style, bordered, width);
    table.set_header(headers.iter().map(|(h, _)| *h));
    for row in cells {
        table.add_row(row);
    }
    for (i, (_, align)) in headers.iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(match align {
                Align::Left => CellAlignment::Left,
                Align::Right => CellAlignment::Right,
            });
            col.set_constraint(match align {
                Align::Right => ColumnConstraint::ContentWidth,
                Align::Left => ColumnConstraint::LowerBoundary(Width::Fixed(
                    u16::try_from(least(i)).unwrap_or(u16::MAX),
                )),
            });
        }
    }
    let mut text = table.to_string();
    if !bordered {
        // Without borders comfy-table pads every line to the table's width; trailing blanks
        // only get in the way of grep and awk.
        text = text
            .lines()
            .map(|l| l.trim_end())
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
    }
    text.push('\n');
    text
}

/// Render rows under headers fitted to a terminal too narrow for them, as kubectl does: where
/// [`render`] would print plain rows wider than the terminal (which it hard-wraps, splitting
/// values), leave out the columns named in `expendable`, least valuable first, until plain rows
/// fit, one line each; if they still do not, cut the widest text column's long cells with `…`.
/// A line after the table says what was left out. Anything else is [`render`]'s.
pub fn render_fit(
    style: &Style,
    headers: &[(&str, Align)],
    rows: &[Vec<String>],
    expendable: &[&str],
) -> String {
    let width = if style.tty {
        super::width::width(true)
    } else {
        None
    };
    let Some(w) = width else {
        return render(style, headers, rows);
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| sanitize(c)).collect())
        .collect();
    // Each column's widest cell, measured once: the choice below asks for them many times.
    let widths = column_widths(headers, &cells);
    let widest = |i: usize| widths[i];
    // The test render makes for borders: each column, its padding and a rule, and the last rule.
    let bordered = |keep: &[usize]| {
        keep.iter()
            .map(|&i| match headers[i].1 {
                Align::Right => widest(i),
                Align::Left => widest(i).min(MIN_TEXT),
            } + 3)
            .sum::<usize>()
            < w
    };
    let fits = |keep: &[usize]| plain_width(keep, &widest) <= w;
    let mut keep: Vec<usize> = (0..headers.len()).collect();
    if bordered(&keep) || fits(&keep) {
        return render(style, headers, rows);
    }
    let mut left_out: Vec<&str> = Vec::new();
    for name in expendable {
        if fits(&keep) {
            break;
        }
        if let Some(pos) = keep.iter().position(|&i| headers[i].0 == *name) {
            keep.remove(pos);
            left_out.push(name);
        }
    }
    let mut picked: Vec<Vec<String>> = cells
        .iter()
        .map(|r| {
            keep.iter()
                .map(|&i| r.get(i).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    let cut = if fits(&keep) {
        None
    } else {
        // Still too wide: the widest text column gives up what is over.
        let over = plain_width(&keep, &widest) - w;
        cut_widest(headers, &keep, &widest, over, &mut picked)
    };
    let kept: Vec<(&str, Align)> = keep.iter().map(|&i| headers[i]).collect();
    // Plain rows, one line each: borders would wrap the text columns onto more lines.
    let plain = Style {
        tty: false,
        ..*style
    };
    let mut text = render(&plain, &kept, &picked);
    text.push_str(&fit_note(&left_out, cut, w));
    text
}

/// The line under a fitted table: what was left out or cut, and how to see everything.
fn fit_note(left_out: &[&str], cut: Option<&str>, w: usize) -> String {
    let mut said = Vec::new();
    if !left_out.is_empty() {
        said.push(format!("left out {}", left_out.join(", ")));
    }
    if let Some(col) = cut {
        said.push(format!("cut long {col} values (…)"));
    }
    let note = format!(
        "({} to fit {w} columns; a wider terminal or --format json shows everything)",
        said.join(", ")
    );
    super::width::wrap(&note, Some(w), "", "")
}

/// Each column's widest cell, its header included.
fn column_widths(headers: &[(&str, Align)], cells: &[Vec<String>]) -> Vec<usize> {
    (0..headers.len())
        .map(|i| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([headers[i].0.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// A table with borders fitted to `width` (or not arranged, on a terminal of unknown width),
/// or plain aligned columns; coloured only when the style says so.
fn styled(style: &Style, bordered: bool, width: Option<usize>) -> Table {
    let mut table = Table::new();
    if bordered {
        table.load_style(presets::UTF8_FULL_CONDENSED);
        match width {
            Some(w) => {
                table
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_width(u16::try_from(w).unwrap_or(u16::MAX));
            }
            None => {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
    } else {
        table
            .load_style(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    if !style.color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    table
}

/// Cut the long cells of the widest text column among `keep` (the picked rows' column order)
/// by `over` characters, at least 8 left, with `…`; its header, when there was one.
fn cut_widest<'h>(
    headers: &[(&'h str, Align)],
    keep: &[usize],
    widest: &dyn Fn(usize) -> usize,
    over: usize,
    picked: &mut [Vec<String>],
) -> Option<&'h str> {
    let col = (0..keep.len())
        .filter(|&k| headers[keep[k]].1 == Align::Left)
        .max_by_key(|&k| widest(keep[k]))?;
    let room = widest(keep[col]).saturating_sub(over).max(8);
    for row in picked.iter_mut() {
        if let Some(c) = row.get_mut(col)
            && c.chars().count() > room
        {
            *c = c.chars().take(room - 1).chain(['…']).collect();
        }
    }
    Some(headers[keep[col]].0)
}

/// How wide [`render`]'s plain rows of these columns are: each at its widest, two spaces apart.
fn plain_width(keep: &[usize], widest: &dyn Fn(usize) -> usize) -> usize {
    keep.iter().map(|&i| widest(i)).sum::<usize>() + 2 * keep.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Format;

    #[test]
    fn piped_tables_have_no_borders_and_align_columns() {
        let style = Style {
            format: Format::Table,
            tty: false,
            color: false,
            quiet: false,
        };
        let text = render(
            &style,
            &[("NAME", Align::Left), ("READY", Align::Right)],
            &[
                vec!["celery".into(), "5".into()],
                vec!["a\nb".into(), "12345".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("NAME"), "{text}");
        assert!(!text.contains('│') && !text.contains('|'), "{text}");
        assert!(lines[2].starts_with("a\\nb"), "{text}");
        assert_eq!(lines[1].len(), lines[2].len(), "{text}");
    }
}
