//! Celery worker command lines (`celery -A proj worker -c 4 --prefetch-multiplier=1 -E`,
//! `celery multi start w1 w2 ...`), split into words like a POSIX shell (`shlex`), with the
//! environment variables a deploy file gives them expanded.

use super::value::Py;

/// What a worker command line sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerCmd {
    /// Settings its options set: (setting, value, the option as written).
    pub settings: Vec<(&'static str, Py, String)>,
    pub without_gossip: bool,
    pub without_mingle: bool,
    pub without_heartbeat: bool,
    /// `-O fair` and the like.
    pub optimization: Option<String>,
    /// Nodes it starts: 1 for `worker`, the node names or count of `celery multi start`.
    pub nodes: u64,
    /// `-A` / `--app`.
    pub app: Option<String>,
    /// `--config MODULE`.
    pub config: Option<String>,
    /// Words made of variables no file read sets (`$CELERYD_OPTS`): the options are not all
    /// known.
    pub unset: Vec<String>,
}

/// The option that sets a setting, to write the fix on a command line.
pub fn option_for(setting: &str) -> Option<&'static str> {
    Some(match setting {
        "worker_prefetch_multiplier" => "--prefetch-multiplier",
        "worker_max_tasks_per_child" => "--max-tasks-per-child",
        "worker_max_memory_per_child" => "--max-memory-per-child",
        "task_time_limit" => "--time-limit",
        "task_soft_time_limit" => "--soft-time-limit",
        "worker_concurrency" => "--concurrency",
        _ => return None,
    })
}

/// Options that take a value (the next word, or after `=`), for skipping it.
const WITH_VALUE: &[&str] = &[
    "-A",
    "--app",
    "-b",
    "--broker",
    "--result-backend",
    "--loader",
    "--config",
    "--workdir",
    "-n",
    "--hostname",
    "-l",
    "--loglevel",
    "-Q",
    "--queues",
    "-X",
    "--exclude-queues",
    "--include",
    "-I",
    "-s",
    "--schedule",
    "-S",
    "--scheduler",
    "--statedb",
    "--pidfile",
    "--logfile",
    "-f",
    "--uid",
    "--gid",
    "--umask",
    "--executable",
    "--heartbeat-interval",
    "--autoscale",
    "-O",
    "-P",
    "--pool",
    "-c",
    "--concurrency",
    "--max-tasks-per-child",
    "--maxtasksperchild",
    "--max-memory-per-child",
    "--time-limit",
    "--soft-time-limit",
    "--prefetch-multiplier",
    "-D",
    "--detach",
];

/// Options that take no value.
fn is_flag_only(opt: &str) -> bool {
    matches!(
        opt,
        "-D" | "--detach"
            | "-E"
            | "--task-events"
            | "--events"
            | "-B"
            | "--beat"
            | "-q"
            | "--quiet"
            | "-C"
            | "--no-color"
            | "--purge"
            | "--discard"
            | "--without-gossip"
            | "--without-mingle"
            | "--without-heartbeat"
            | "--disable-prefetch"
    )
}

/// The worker a list of words starts, if they run `celery ... worker` or `celery multi
/// start|restart`. `sh -c '...'` and `&&`-chained commands are looked into.
pub fn parse(words: &[String]) -> Option<WorkerCmd> {
    // `sh -c 'string'`: the string is a command line of its own.
    if let Some(i) = words.iter().position(|w| w == "-c")
        && i > 0
        && is_shell(&words[i - 1])
        && let Some(inner) = words.get(i + 1)
        && let Some(split) = shlex::split(inner)
        && let Some(w) = parse(&split)
    {
        return Some(w);
    }
    let start = words.iter().enumerate().position(|(i, w)| {
        basename(w) == "celery" || (w == "-m" && words.get(i + 1).is_some_and(|n| n == "celery"))
    })?;
    let start = if words[start] == "-m" {
        start + 1
    } else {
        start
    };
    let rest: Vec<&String> = words[start + 1..]
        .iter()
        .take_while(|w| !matches!(w.as_str(), "&&" | "||" | ";" | "|" | "&"))
        .collect();
    let mut cmd = WorkerCmd {
        nodes: 1,
        ..WorkerCmd::default()
    };
    let mut i = 0;
    let mut sub: Option<&str> = None;
    while i < rest.len() {
        let w = rest[i].as_str();
        if let Some(var) = unset_var(w) {
            cmd.unset.push(var);
            i += 1;
            continue;
        }
        if !w.starts_with('-') || w == "-" {
            if sub.is_none() {
                sub = Some(w);
                if w == "multi" {
                    i += 1;
                    i += multi_nodes(&rest[i..], &mut cmd);
                    continue;
                }
                if w != "worker" {
                    return None;
                }
            }
            i += 1;
            continue;
        }
        let (opt, attached) = split_option(w);
        let takes = WITH_VALUE.contains(&opt) && !is_flag_only(opt);
        // `celery multi` per-node options: `-c:1-3 4`.
        let per_node = opt.contains(':');
        let value: Option<String> = if attached.is_some() {
            attached
        } else if (takes || per_node) && i + 1 < rest.len() {
            i += 1;
            Some(rest[i].clone())
        } else {
            None
        };
        i += 1;
        if per_node {
            continue;
        }
        cmd.apply(opt, w, value);
    }
    (sub.is_some_and(|s| s == "worker" || s == "multi")).then_some(cmd)
}

fn is_shell(w: &str) -> bool {
    matches!(basename(w), "sh" | "bash" | "dash" | "ash" | "zsh")
}

fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

/// A word that is a variable left unexpanded (`${CELERYD_OPTS}`, `$OPTS`, `$(OPTS)`).
fn unset_var(w: &str) -> Option<String> {
    let inner = w
        .strip_prefix("${")
        .and_then(|s| s.strip_suffix('}'))
        .or_else(|| w.strip_prefix("$(").and_then(|s| s.strip_suffix(')')))
        .or_else(|| w.strip_prefix('$'))?;
    inner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| inner.to_string())
}

/// `--opt=value` as (`--opt`, Some(value)); `-c4` / `-Ofair` as (`-c`, Some("4")).
fn split_option(w: &str) -> (&str, Option<String>) {
    if let Some((o, v)) = w.split_once('=')
        && w.starts_with("--")
    {
        return (o, Some(v.to_string()));
    }
    if !w.starts_with("--") && w.len() > 2 && !w.contains(':') {
        let (o, v) = w.split_at(2);
        if WITH_VALUE.contains(&o) && !is_flag_only(o) {
            return (o, Some(v.to_string()));
        }
    }
    (w, None)
}

/// The node names (or count) after `celery multi start`; how many words they took.
fn multi_nodes(words: &[&String], cmd: &mut WorkerCmd) -> usize {
    let mut i = 0;
    if words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "start" | "restart" | "stopwait" | "stop"))
    {
        i += 1;
    }
    let mut names = 0u64;
    while i < words.len() && !words[i].starts_with('-') {
        match words[i].parse::<u64>() {
            Ok(n) if names == 0 => names = n,
            _ => names += 1,
        }
        i += 1;
    }
    cmd.nodes = names.max(1);
    i
}

fn number(value: &Option<String>) -> Py {
    match value {
        None => Py::Unknown("the option has no value".into()),
        Some(v) if v.contains('$') => Py::Unknown(format!("{v} is not set in the files read")),
        Some(v) => v
            .parse::<i64>()
            .map(Py::Int)
            .or_else(|_| v.parse::<f64>().map(Py::Float))
            .unwrap_or_else(|_| Py::Unknown(format!("{v} is not a number"))),
    }
}

impl WorkerCmd {
    fn set(&mut self, key: &'static str, value: Py, written: &str) {
        self.settings.retain(|(k, _, _)| *k != key);
        self.settings.push((key, value, written.to_string()));
    }

    fn apply(&mut self, opt: &str, written: &str, value: Option<String>) {
        let written = match &value {
            Some(v) if !written.contains(v.as_str()) => format!("{written} {v}"),
            _ => written.to_string(),
        };
        match opt {
            "-c" | "--concurrency" => self.set("worker_concurrency", number(&value), &written),
            "--prefetch-multiplier" => {
                self.set("worker_prefetch_multiplier", number(&value), &written)
            }
            "-E" | "--task-events" | "--events" => {
                self.set("worker_send_task_events", Py::Bool(true), &written)
            }
            "--max-tasks-per-child" | "--maxtasksperchild" => {
                self.set("worker_max_tasks_per_child", number(&value), &written)
            }
            "--max-memory-per-child" => {
                self.set("worker_max_memory_per_child", number(&value), &written)
            }
            "--time-limit" => self.set("task_time_limit", number(&value), &written),
            "--soft-time-limit" => self.set("task_soft_time_limit", number(&value), &written),
            "-P" | "--pool" => {
                if let Some(v) = value {
                    self.set("worker_pool", Py::Str(v), &written);
                }
            }
            "-b" | "--broker" => {
                if let Some(v) = value {
                    let py = if v.contains('$') {
                        Py::Unknown(format!("{v} is not set in the files read"))
                    } else {
                        Py::Str(v)
                    };
                    self.set("broker_url", py, &written);
                }
            }
            "--result-backend" => {
                if let Some(v) = value {
                    self.set("result_backend", Py::Str(v), &written);
                }
            }
            "-O" => self.optimization = value,
            "-A" | "--app" => self.app = value,
            "--config" => self.config = value,
            "--without-gossip" => self.without_gossip = true,
            "--without-mingle" => self.without_mingle = true,
            "--without-heartbeat" => self.without_heartbeat = true,
            _ => {}
        }
    }
}

/// Expand `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}` (and, with `parens`,
/// Kubernetes' `$(VAR)`) from `lookup`; a variable it does not know stays as written.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>, parens: bool) -> String {
    let mut out = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '$' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let next = chars[i + 1];
        let closing = match next {
            '{' => Some('}'),
            '(' if parens => Some(')'),
            _ => None,
        };
        if let Some(close) = closing {
            if let Some(end) = chars[i + 2..].iter().position(|&x| x == close) {
                let inner: String = chars[i + 2..i + 2 + end].iter().collect();
                let (name, default) = match inner.split_once(":-").or_else(|| inner.split_once('-'))
                {
                    Some((n, d)) if close == '}' => (n.to_string(), Some(d.to_string())),
                    _ => (inner.clone(), None),
                };
                match lookup(&name)
                    .filter(|v| !v.is_empty() || default.is_none())
                    .or(default)
                {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(&chars[i..i + 3 + end].iter().collect::<String>()),
                }
                i += 3 + end;
                continue;
            }
        } else if next.is_ascii_alphabetic() || next == '_' {
            let len = chars[i + 1..]
                .iter()
                .take_while(|x| x.is_ascii_alphanumeric() || **x == '_')
                .count();
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            match lookup(&name) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('$');
                    out.push_str(&name);
                }
            }
            i += 1 + len;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shlex::split(s).unwrap()
    }

    #[test]
    fn worker_options_become_settings() {
        let w = parse(&words(
            "celery -A proj worker -l info -c4 -Ofair --prefetch-multiplier=1 -E --max-tasks-per-child 100 --time-limit=300 --without-gossip --without-mingle",
        ))
        .unwrap();
        let got: Vec<(&str, &Py)> = w.settings.iter().map(|(k, v, _)| (*k, v)).collect();
        assert_eq!(
            got,
            vec![
                ("worker_concurrency", &Py::Int(4)),
                ("worker_prefetch_multiplier", &Py::Int(1)),
                ("worker_send_task_events", &Py::Bool(true)),
                ("worker_max_tasks_per_child", &Py::Int(100)),
                ("task_time_limit", &Py::Int(300)),
            ]
        );
        assert_eq!(w.optimization.as_deref(), Some("fair"));
        assert_eq!(w.app.as_deref(), Some("proj"));
        assert!(w.without_gossip && w.without_mingle && !w.without_heartbeat);
        assert_eq!(w.settings[1].2, "--prefetch-multiplier=1");
        assert_eq!(w.nodes, 1);
    }

    #[test]
    fn wrappers_shells_multi_and_other_subcommands() {
        assert!(parse(&words("celery -A proj beat -l info")).is_none());
        assert!(parse(&words("gunicorn proj.wsgi")).is_none());
        let w = parse(&words(
            "sh -c 'python -m celery -A proj worker --concurrency=2 && echo done'",
        ))
        .unwrap();
        assert_eq!(w.settings[0].1, Py::Int(2));
        let w = parse(&words(
            "/usr/bin/celery multi start w1 w2 w3 -A proj --pidfile=/run/%n.pid -c:1 8 --time-limit=60",
        ))
        .unwrap();
        assert_eq!(w.nodes, 3);
        assert_eq!(w.settings.len(), 1, "{w:?}");
        let w = parse(&words("celery multi start 10 -A proj")).unwrap();
        assert_eq!(w.nodes, 10);
        let w = parse(&words(
            "newrelic-admin run-program celery -A p worker ${CELERYD_OPTS}",
        ))
        .unwrap();
        assert_eq!(w.unset, vec!["CELERYD_OPTS".to_string()]);
    }

    #[test]
    fn variables_expand_from_what_the_deploy_file_sets() {
        let env = |n: &str| match n {
            "OPTS" => Some("--time-limit=60 -E".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            expand(
                "celery worker $OPTS ${OPTS} ${NOPE:-3} ${EMPTY:-d} $(OPTS) $NOPE",
                &env,
                true
            ),
            "celery worker --time-limit=60 -E --time-limit=60 -E 3 d --time-limit=60 -E $NOPE"
        );
        assert_eq!(expand("$(OPTS)", &env, false), "$(OPTS)");
    }
}
