//! Tables: comfy-table with borders on a terminal, plain aligned columns when piped.

use comfy_table::{CellAlignment, ContentArrangement, Table, presets};

use super::{Style, sanitize};

/// Column alignment: text left, numbers right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Render rows under headers. Cell text is sanitized here, so callers pass raw names.
pub fn render(style: &Style, headers: &[(&str, Align)], rows: &[Vec<String>]) -> String {
    let mut table = Table::new();
    if style.tty {
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic);
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
    table.set_header(headers.iter().map(|(h, _)| *h));
    for row in rows {
        table.add_row(row.iter().map(|c| sanitize(c)));
    }
    for (i, (_, align)) in headers.iter().enumerate() {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(match align {
                Align::Left => CellAlignment::Left,
                Align::Right => CellAlignment::Right,
            });
        }
    }
    let mut text = table.to_string();
    if !style.tty {
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
