//! Recognising Celery worker processes and grouping them into trees: a main process and its
//! pool children, or pool children whose main is gone (orphans).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Process;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The worker's main process (consumer, timers, pool supervisor).
    Main,
    /// A prefork pool child that runs tasks.
    Pool,
    /// Another Celery process: an embedded beat (-B), `celery beat`, `celery events`...
    Other,
}

/// Is this a Celery process, in what role, and for which node name?
///
/// With setproctitle the title says it all. Without it the command line only tells that this is
/// a Celery worker: a process looks like a main here; [`recognise_all`] makes it a pool child
/// when its parent is a Celery process with the same command line.
pub fn recognise(p: &Process) -> Option<(Role, Option<String>)> {
    if let Some(found) = from_title(&p.title) {
        return Some(found);
    }
    let at = celery_arg(&p.cmdline)?;
    let rest = &p.cmdline[at + 1..];
    let old_worker = p.cmdline[at].ends_with("celeryd");
    if old_worker || rest.iter().any(|a| a == "worker") {
        Some((Role::Main, node_option(rest)))
    } else {
        Some((Role::Other, node_option(rest)))
    }
}

/// `[celeryd: w1@host:MainProcess] -active- (...)` or `[celeryd: w1@host:ForkPoolWorker-3]`.
fn from_title(title: &str) -> Option<(Role, Option<String>)> {
    let inner = title.strip_prefix("[celeryd: ")?;
    let inner = &inner[..inner.find(']')?];
    let (node, name) = inner.rsplit_once(':')?;
    let role = if name == "MainProcess" {
        Role::Main
    } else if name.contains("PoolWorker") || name.starts_with("Worker-") {
        Role::Pool
    } else {
        Role::Other
    };
    let node = (!node.is_empty()).then(|| node.to_string());
    Some((role, node))
}

/// The index of the argument that is Celery's program: `celery`/`celeryd` run directly or as a
/// python script, or the module of `python -m celery`.
fn celery_arg(cmdline: &[String]) -> Option<usize> {
    let base = |a: &str| a.rsplit('/').next().unwrap_or(a).to_string();
    let is_celery = |a: &str| matches!(base(a).as_str(), "celery" | "celeryd");
    let first = cmdline.first()?;
    if is_celery(first) {
        return Some(0);
    }
    let interp = base(first);
    if !(interp.starts_with("python") || interp.starts_with("pypy")) {
        return None;
    }
    let mut i = 1;
    while i < cmdline.len() {
        let a = cmdline[i].as_str();
        match a {
            "-m" => return (cmdline.get(i + 1)? == "celery").then_some(i + 1),
            "-W" | "-X" | "-Q" => i += 2,
            _ if a.starts_with('-') => i += 1,
            _ => return is_celery(a).then_some(i),
        }
    }
    None
}

/// `-n NAME`, `-nNAME`, `--hostname NAME`, `--hostname=NAME`; `%h` and friends are kept as given.
fn node_option(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-n" || a == "--hostname" {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix("--hostname=") {
            return Some(v.to_string());
        }
        if let Some(v) = a
            .strip_prefix("-n")
            .filter(|v| !v.is_empty() && !a.starts_with("--"))
        {
            return Some(v.to_string());
        }
    }
    None
}

/// Whether `pid` itself runs a Python interpreter, what every Celery process is, from the
/// program the kernel says it executes (`<proc_root>/PID/exe`), not from its command line or
/// title, which any process can set. `Err` names the program, or why it could not be read.
/// An interpreter replaced by an upgrade (`... (deleted)`) still counts: old pool children are
/// exactly what reaping is for.
pub fn runs_python(proc_root: &std::path::Path, pid: i32) -> Result<(), String> {
    let exe = std::fs::read_link(proc_root.join(pid.to_string()).join("exe"))
        .map_err(|e| format!("its program cannot be read: {e}"))?;
    let shown = exe.to_string_lossy();
    let path = shown.strip_suffix(" (deleted)").unwrap_or(&shown);
    let base = path.rsplit('/').next().unwrap_or(path);
    if base.starts_with("python") || base.starts_with("pypy") {
        Ok(())
    } else {
        Err(format!(
            "its program is {}, not Python",
            crate::text::sanitize(&shown)
        ))
    }
}

/// A recognised Celery process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Celery {
    pub role: Role,
    pub node: Option<String>,
}

/// Every Celery process by pid, with command-line workers whose parent is a Celery process with
/// the same command line turned into pool children.
pub fn recognise_all(procs: &[Process]) -> BTreeMap<i32, Celery> {
    let by_pid: BTreeMap<i32, &Process> = procs.iter().map(|p| (p.pid, p)).collect();
    let mut out = BTreeMap::new();
    for p in procs {
        let Some((mut role, node)) = recognise(p) else {
            continue;
        };
        if role == Role::Main && from_title(&p.title).is_none() {
            let parent = by_pid.get(&p.ppid);
            if parent.is_some_and(|q| q.cmdline == p.cmdline && recognise(q).is_some()) {
                role = Role::Pool;
            }
        }
        out.insert(p.pid, Celery { role, node });
    }
    out
}

/// One worker: its main process with its Celery children, or (main None) pool children whose main
/// is gone and that were adopted by `orphans_of` (1, or a subreaper).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerTree {
    pub node: Option<String>,
    pub main: Option<i32>,
    /// Pool (and other Celery) children, by pid.
    pub children: Vec<i32>,
    /// For orphans: the pid that adopted them. None for a tree with a main.
    pub orphans_of: Option<i32>,
}

/// Group Celery processes into worker trees, mains first (by pid), then orphan groups.
/// Without setproctitle an orphaned pool child looks like a main (same command line, parent 1):
/// only titled pool children can be seen as orphans.
pub fn worker_trees(procs: &[Process]) -> Vec<WorkerTree> {
    let celery = recognise_all(procs);
    let by_pid: BTreeMap<i32, &Process> = procs.iter().map(|p| (p.pid, p)).collect();
    let mut mains: BTreeMap<i32, WorkerTree> = BTreeMap::new();
    for (pid, c) in &celery {
        if c.role == Role::Main {
            mains.insert(
                *pid,
                WorkerTree {
                    node: c.node.clone(),
                    main: Some(*pid),
                    children: Vec::new(),
                    orphans_of: None,
                },
            );
        }
    }
    let mut orphans: BTreeMap<(i32, Option<String>), Vec<i32>> = BTreeMap::new();
    for (pid, c) in &celery {
        if c.role == Role::Main {
            continue;
        }
        let ppid = by_pid.get(pid).map(|p| p.ppid).unwrap_or(0);
        if let Some(tree) = mains.get_mut(&ppid) {
            tree.children.push(*pid);
        } else if c.role == Role::Pool {
            orphans
                .entry((ppid, c.node.clone()))
                .or_default()
                .push(*pid);
        }
    }
    let mut out: Vec<WorkerTree> = mains.into_values().collect();
    out.extend(
        orphans
            .into_iter()
            .map(|((ppid, node), children)| WorkerTree {
                node,
                main: None,
                children,
                orphans_of: Some(ppid),
            }),
    );
    out
}

/// A node name as the worker itself uses it: Celery's `host_format(default_nodename(NAME))` with
/// this host's name. `w1` becomes `w1@HOST`; `%h` is the host name, `%n` its first label, `%d`
/// the rest (the domain), `%%` a percent sign; `%i`/`%I` (the pool process index) are `0`/empty
/// for the main process. Without -n the node is `celery@HOST`.
pub fn expand_node_name(raw: Option<&str>, hostname: &str) -> String {
    let raw = raw.unwrap_or("");
    let full = match raw.split_once('@') {
        Some((name, host)) => format!(
            "{}@{}",
            if name.is_empty() { "celery" } else { name },
            if host.is_empty() { hostname } else { host }
        ),
        None if raw.is_empty() => format!("celery@{hostname}"),
        None => format!("{raw}@{hostname}"),
    };
    let (short, domain) = hostname.split_once('.').unwrap_or((hostname, ""));
    let mut out = String::with_capacity(full.len());
    let mut chars = full.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(hostname),
            Some('n') => out.push_str(short),
            Some('d') => out.push_str(domain),
            Some('i') => out.push('0'),
            Some('I') => {}
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{Reading, fixture, procs};

    pub(crate) fn proc(pid: i32, ppid: i32, cmdline: &[&str]) -> Process {
        let cmdline: Vec<String> = cmdline.iter().map(|s| s.to_string()).collect();
        Process {
            pid,
            ppid,
            state: 'S',
            comm: "python3".into(),
            title: cmdline.join(" "),
            cmdline,
            rss_bytes: 0,
            start_ticks: 0,
            threads: 1,
            uid: Some(1000),
        }
    }

    fn role(p: &Process) -> Option<(Role, Option<String>)> {
        recognise(p)
    }

    #[test]
    fn setproctitle_titles() {
        let main = proc(
            1,
            1,
            &["[celeryd: w1@host:MainProcess] -active- (worker -A proj)"],
        );
        assert_eq!(role(&main), Some((Role::Main, Some("w1@host".into()))));
        let child = proc(2, 1, &["[celeryd: w1@host:ForkPoolWorker-3]"]);
        assert_eq!(role(&child), Some((Role::Pool, Some("w1@host".into()))));
        let beat = proc(3, 1, &["[celeryd: w1@host:Beat]"]);
        assert_eq!(role(&beat), Some((Role::Other, Some("w1@host".into()))));
    }

    #[test]
    fn command_lines_without_setproctitle() {
        type Recognised = Option<(Role, Option<String>)>;
        let cases: &[(&[&str], Recognised)] = &[
            (
                &[
                    "/venv/bin/python3",
                    "/venv/bin/celery",
                    "-A",
                    "proj",
                    "worker",
                    "-n",
                    "w1@%h",
                ],
                Some((Role::Main, Some("w1@%h".into()))),
            ),
            (
                &["celery", "worker", "--hostname=w2@box"],
                Some((Role::Main, Some("w2@box".into()))),
            ),
            (
                &[
                    "/usr/bin/python3.11",
                    "-u",
                    "-m",
                    "celery",
                    "-A",
                    "p",
                    "worker",
                    "-nw3@x",
                ],
                Some((Role::Main, Some("w3@x".into()))),
            ),
            (
                &[
                    "/usr/bin/python",
                    "-m",
                    "celery",
                    "worker",
                    "--detach",
                    "--hostname",
                    "w4@%h",
                    "--pidfile=/var/run/celery/w4.pid",
                ],
                Some((Role::Main, Some("w4@%h".into()))),
            ),
            (
                &["/opt/app/bin/celery", "-A", "proj", "beat"],
                Some((Role::Other, None)),
            ),
            (
                &["/usr/bin/python2", "/usr/bin/celeryd", "-l", "info"],
                Some((Role::Main, None)),
            ),
            (&["/usr/bin/python3", "app.py", "worker"], None),
            (&["grep", "celery", "worker"], None),
            (&["/usr/bin/python3", "-m", "http.server"], None),
            (&["vim", "celery.py"], None),
        ];
        for (cmdline, want) in cases {
            assert_eq!(&role(&proc(10, 1, cmdline)), want, "{cmdline:?}");
        }
    }

    #[test]
    fn same_cmdline_child_is_pool_and_trees_group_it() {
        let cmd = [
            "/venv/bin/python",
            "/venv/bin/celery",
            "-A",
            "p",
            "worker",
            "-n",
            "a@h",
        ];
        let procs = vec![
            proc(100, 1, &cmd),
            proc(101, 100, &cmd),
            proc(102, 100, &cmd),
            proc(103, 100, &["/bin/sh", "-c", "convert x.png"]),
        ];
        let all = recognise_all(&procs);
        assert_eq!(all[&100].role, Role::Main);
        assert_eq!(all[&101].role, Role::Pool);
        assert!(!all.contains_key(&103));
        assert_eq!(
            worker_trees(&procs),
            vec![WorkerTree {
                node: Some("a@h".into()),
                main: Some(100),
                children: vec![101, 102],
                orphans_of: None,
            }]
        );
    }

    #[test]
    fn fixture_tree_has_one_worker_and_one_orphan() {
        let Reading::Present(procs) = procs::read(&fixture("kernel6/proc")) else {
            panic!("fixture processes")
        };
        assert_eq!(
            worker_trees(&procs),
            vec![
                WorkerTree {
                    node: Some("w1@worker-7".into()),
                    main: Some(1200),
                    children: vec![1301, 1302],
                    orphans_of: None,
                },
                WorkerTree {
                    node: Some("w0@worker-7".into()),
                    main: None,
                    children: vec![900],
                    orphans_of: Some(1),
                },
            ]
        );
    }

    #[test]
    fn pool_children_under_a_subreaper_are_orphans() {
        let procs = vec![
            proc(50, 1, &["/usr/lib/systemd/systemd", "--user"]),
            proc(60, 50, &["[celeryd: x@h:ForkPoolWorker-1]"]),
            proc(61, 50, &["[celeryd: x@h:ForkPoolWorker-2]"]),
        ];
        let trees = worker_trees(&procs);
        assert_eq!(trees.len(), 1);
        assert_eq!((trees[0].main, trees[0].orphans_of), (None, Some(50)));
        assert_eq!(trees[0].children, vec![60, 61]);
    }

    #[test]
    fn node_names_expand_as_celery_does() {
        let h = "worker-7.example.com";
        assert_eq!(
            expand_node_name(Some("w1@%h"), h),
            "w1@worker-7.example.com"
        );
        assert_eq!(expand_node_name(Some("%n@%d"), h), "worker-7@example.com");
        assert_eq!(expand_node_name(Some("w1"), h), "w1@worker-7.example.com");
        assert_eq!(expand_node_name(None, h), "celery@worker-7.example.com");
        assert_eq!(expand_node_name(Some("w%i@box"), "b"), "w0@box");
        assert_eq!(expand_node_name(Some("w%%1@%h"), "b"), "w%1@b");
        assert_eq!(expand_node_name(Some("@x"), "b"), "celery@x");
    }
}
