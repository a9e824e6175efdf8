//! How wide the output may be: `COLUMNS` when set, else the terminal's width when stdout is one
//! and reports a size; otherwise unknown, and nothing is wrapped. A terminal of size 0 (a pty
//! nobody sized, as under `script` or some CI runners) is unknown, not 0.

/// The width to fit output to, or None: do not wrap.
pub fn width(tty: bool) -> Option<usize> {
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(cols);
    }
    if !tty {
        return None;
    }
    terminal_columns()
}

fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a winsize for a terminal fd and fails otherwise; the struct is
    // plain data owned here.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some(ws.ws_col as usize)
}

/// Wrap prose at word boundaries to `width` columns: the first line after `first`, the next
/// ones after `rest` (a hanging indent). A word longer than a line stays whole on its own line:
/// a command, a path or a number is never split. Without a width the text is one line.
pub fn wrap(text: &str, width: Option<usize>, first: &str, rest: &str) -> String {
    let Some(width) = width else {
        return format!("{first}{text}\n");
    };
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count() + usize::from(!empty) + word.chars().count();
        if !empty && len > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_at_word_boundaries_and_never_splits_a_word() {
        let text = "set broker_heartbeat = 120 in the Celery config; never 0: celtool fix event-queues --vhost production";
        let out = wrap(text, Some(40), "    fix: ", "         ");
        for line in out.lines() {
            assert!(
                line.chars().count() <= 40 || !line.trim().contains(' '),
                "{out}"
            );
        }
        let words: Vec<&str> = out.split_whitespace().collect();
        assert_eq!(words[1..].join(" "), text, "{out}");
        assert!(
            out.starts_with("    fix: set broker_heartbeat = 120 in\n         the Celery"),
            "{out}"
        );
        assert_eq!(wrap("a b", None, "> ", "  "), "> a b\n");
        assert_eq!(
            wrap("averyveryverylongword x", Some(8), "", ""),
            "averyveryverylongword\nx\n"
        );
    }
}
