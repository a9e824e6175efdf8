//! The examples of each subcommand, shown after its --help and in the EXAMPLES section of its
//! man page, and the man pages' EXIT STATUS, ENVIRONMENT and FILES sections.

pub const DOCTOR: &str = "\
Examples:
  celtool doctor                                  # broker and this host, findings worst first
  celtool doctor --profile prod --vhost jobs      # one vhost of the broker of profile prod
  celtool doctor --only host --quiet --textfile /var/lib/prometheus/node-exporter/celtool.prom
  celtool doctor --only broker --deadline 9s --format nagios   # a Nagios/Icinga check
  celtool doctor --url redis://redis.internal:6379/0            # Celery on Redis
  celtool doctor --url 'sentinel://s1:26379;sentinel://s2:26379' --sentinel-master mymaster
  celtool doctor --skip events --all              # everything but events.*, ok checks too
  celtool doctor --fix                            # offer the fixes for what was found
  celtool doctor --expect 12 --expect 'web*@*'    # 12 workers, one of them web*@*, must answer";

pub const QUEUES: &str = "\
Examples:
  celtool queues --vhost jobs                     # every queue of vhost jobs, fullest first
  celtool queues --kind event --min-ready 1       # event queues holding messages
  celtool queues --sort consumers --limit 20 --format json";

pub const CONNECTIONS: &str = "\
Examples:
  celtool connections --kind celery-worker        # the workers' connections
  celtool connections --format json | jq '.connections[] | select(.heartbeat == 0)'";

pub const EXPLAIN: &str = "\
Examples:
  celtool explain                                 # every finding ID with its title
  celtool explain events                          # the IDs under a prefix (as --skip takes it)
  celtool explain events.no-ttl                   # what breaks, why, how to fix it";

pub const LINT: &str = "\
Examples:
  celtool lint .                                  # the whole project: settings, Procfile, k8s
  celtool lint proj/settings.py proj/celery.py    # Django settings and the app that reads them
  celtool lint deploy/ --format sarif > celtool.sarif   # for GitHub code scanning
  celtool lint . --skip workers.no-time-limit --format json";

pub const CONNTRACK: &str = "\
Examples:
  celtool conntrack                               # fill, limit, buckets, drop counters
  celtool conntrack --format prometheus";

pub const INODES: &str = "\
Examples:
  celtool inodes                                  # inode use per filesystem
  celtool inodes --top /var/tmp --limit 10        # the 10 directories holding the most entries";

pub const WORKERS: &str = "\
Examples:
  celtool workers                                 # worker trees: main, pool children, flags
  celtool workers reap --dry-run                  # the zombies and orphans it would end
  celtool workers reap --yes --grace 30s
  celtool workers reap --hung --yes               # end this host's workers that answer no ping";

pub const FLEET: &str = "\
Examples:
  celtool fleet --vhost jobs                      # each worker's pool, prefetch, limits, tasks
  celtool fleet --amqp-url amqps://mq.internal --format json
  celtool fleet --format prometheus               # per-node gauges, tasks done as counters";

pub const PING: &str = "\
Examples:
  celtool ping --expect 12                        # a deploy gate: exit 2 if fewer answer
  celtool ping --match 'web*@*' --reply-timeout 3s
  celtool ping --profile prod --format nagios     # a Nagios/Icinga check of the workers";

pub const PROBE: &str = "\
Examples:
  celtool probe liveness --node w1@%h             # /proc only, never the broker
  celtool probe readiness --node w1@%h            # answers ping, its queues consumed";

pub const PROBE_LIVENESS: &str = "\
Examples:
  celtool probe liveness --node w1@%h             # a livenessProbe: /proc only, no broker
  celtool probe liveness                          # the only worker on this host
  celtool probe liveness --node w1@%h --pool solo # worker_pool set in the config, not -P";

pub const PROBE_READINESS: &str = "\
Examples:
  celtool probe readiness --node w1@%h            # a readinessProbe: ping, then its queues' consumers
  celtool probe readiness --node w1@%h --vhost jobs --format json";

pub const PRUNE_TMP: &str = "\
Examples:
  celtool prune-tmp /var/tmp/celery --older-than 2d --rmdir
  celtool prune-tmp /tmp --older-than 12h --include 'tmp*' --dry-run -v
  celtool prune-tmp /var/tmp/celery --older-than 2d \\
      --textfile /var/lib/prometheus/node-exporter/celtool_prune.prom";

pub const FIX: &str = "\
Examples:
  celtool fix event-queues --vhost jobs           # show the policy it would set, ask, apply
  celtool fix stale-event-queues --dry-run
  celtool fix conntrack --yes                     # raise nf_conntrack_max now and in /etc
  celtool undo                                    # restore what the last fix changed";

pub const WORKERS_REAP: &str = "\
Examples:
  celtool workers reap --dry-run                  # the plan: every pid, signal and reason
  celtool workers reap --yes --grace 30s          # reap zombies, end orphaned pool processes
  celtool workers reap --kill-parents --match 'w1@' --yes
  celtool workers reap --hung --vhost jobs --yes  # also end this host's workers that answer no ping";

pub const FIX_CONNTRACK: &str = "\
Examples:
  celtool fix conntrack --dry-run                 # the new nf_conntrack_max and hashsize, and files
  celtool fix conntrack --yes                     # apply now and persist in /etc/sysctl.d
  celtool fix conntrack --max 1048576 --yes       # a limit of your choice
  celtool undo                                    # restore the previous limits";

pub const FIX_EVENT_QUEUES: &str = "\
Examples:
  celtool fix event-queues --vhost jobs --dry-run # the merged policy it would set
  celtool fix event-queues --ttl 10s --expires 5m --yes";

pub const FIX_STALE_EVENT_QUEUES: &str = "\
Examples:
  celtool fix stale-event-queues --dry-run        # the unconsumed event queues it would delete
  celtool fix stale-event-queues --without-ttl-only --min-messages 1000 --yes";

pub const UNDO: &str = "\
Examples:
  celtool undo --dry-run                          # what the last fix would be undone with
  celtool undo 2026-12-01T21:30:00Z-4f2a          # a run by the id a fix printed";

pub const COMPLETIONS: &str = "\
Examples:
  celtool completions bash > /etc/bash_completion.d/celtool
  celtool completions zsh > \"${fpath[1]}/_celtool\"
  celtool completions fish > ~/.config/fish/completions/celtool.fish
  source <(COMPLETE=bash celtool)                 # bash, completing profile names too";

/// The examples of the top level, shown before the exit codes.
pub const ROOT: &str = "\
Examples:
  celtool doctor                                  # broker and this host, findings worst first
  celtool queues --vhost jobs                     # the queues of vhost jobs, fullest first
  celtool ping --expect 12                        # do 12 workers answer?
  celtool lint .                                  # the project's Celery configuration, in CI
  celtool explain events.no-ttl                   # what a finding means and how to fix it
  celtool doctor --only host --quiet --textfile /var/lib/prometheus/node-exporter/celtool.prom";

/// The examples of a command by its path under `celtool` (`workers reap`; `celtool` for the
/// top level).
pub fn examples(command: &str) -> Option<&'static str> {
    Some(match command {
        "celtool" => ROOT,
        "workers reap" => WORKERS_REAP,
        "fix conntrack" => FIX_CONNTRACK,
        "fix event-queues" => FIX_EVENT_QUEUES,
        "fix stale-event-queues" => FIX_STALE_EVENT_QUEUES,
        "doctor" => DOCTOR,
        "queues" => QUEUES,
        "connections" => CONNECTIONS,
        "explain" => EXPLAIN,
        "lint" => LINT,
        "conntrack" => CONNTRACK,
        "inodes" => INODES,
        "workers" => WORKERS,
        "prune-tmp" => PRUNE_TMP,
        "fix" => FIX,
        "undo" => UNDO,
        "completions" => COMPLETIONS,
        "fleet" => FLEET,
        "ping" => PING,
        "probe" => PROBE,
        "probe liveness" => PROBE_LIVENESS,
        "probe readiness" => PROBE_READINESS,
        _ => return None,
    })
}

pub const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "everything checked is ok (or the command did its job)"),
    (
        "1",
        "the worst finding is a warning (prune-tmp: some entries could not be removed; a fix shown but not applied)",
    ),
    ("2", "a critical finding: work is blocked or lost now"),
    (
        "3",
        "could not check: broker unreachable, credentials refused, bad arguments or config, or another run holds the lock",
    ),
];

pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("CELTOOL_URL", "base URL of the management API (--url)"),
    (
        "CELTOOL_SENTINEL_MASTER",
        "the master's name for a sentinel:// URL (--sentinel-master)",
    ),
    ("CELTOOL_USER", "management API user (--user)"),
    (
        "CELTOOL_PASSWORD",
        "the password (there is no flag for it; else the profile's password_file)",
    ),
    ("CELTOOL_VHOST", "only this vhost (--vhost)"),
    ("CELTOOL_TIMEOUT", "per-request timeout (--timeout)"),
    (
        "CELTOOL_DEADLINE",
        "longest the whole run waits for the broker (--deadline)",
    ),
    (
        "CELTOOL_AMQP_URL",
        "AMQP URL for asking the workers (--amqp-url)",
    ),
    (
        "CELTOOL_CA_FILE",
        "PEM certificates to trust for https and amqps (--ca-file)",
    ),
    ("CELTOOL_PROFILE", "profile of the config file (--profile)"),
    ("CELTOOL_CONFIG", "config file (--config)"),
    ("CELTOOL_JOURNAL", "journal of applied fixes (--journal)"),
    ("NO_COLOR", "no colour with --color auto"),
    (
        "COMPLETE",
        "COMPLETE=bash|zsh|fish|elvish|powershell celtool prints the dynamic completion script",
    ),
    (
        "COLUMNS",
        "the width tables and text are fitted to (else the terminal's)",
    ),
];

pub const FILES: &[(&str, &str)] = &[
    (
        "~/.config/celtool/config.toml",
        "profiles and thresholds ($XDG_CONFIG_HOME/celtool/config.toml when set)",
    ),
    (
        "~/.local/state/celtool/journal.jsonl",
        "the journal of applied fixes, read by undo",
    ),
    (
        "/var/lib/prometheus/node-exporter/*.prom",
        "where --textfile output goes for Debian's node_exporter textfile collector",
    ),
];

/// Finding IDs and their prefixes as the values `explain ID` and `doctor --skip` complete to;
/// any text is still accepted (the commands say when it names no ID).
#[derive(Debug, Clone, Copy)]
pub struct FindingIds;

fn ids_and_prefixes() -> &'static [&'static str] {
    static ALL: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = std::collections::BTreeSet::new();
        for e in crate::catalog::CATALOG {
            all.insert(e.id);
            for (i, _) in e.id.match_indices('.') {
                all.insert(&e.id[..i]);
            }
        }
        all.into_iter().collect()
    })
}

impl clap::builder::TypedValueParser for FindingIds {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            ids_and_prefixes()
                .iter()
                .map(|id| clap::builder::PossibleValue::new(*id)),
        ))
    }
}

/// The options that only commands reading the broker (or the config file) use.
const BROKER_OPTIONS: [&str; 9] = [
    "profile",
    "url",
    "sentinel_master",
    "user",
    "vhost",
    "timeout",
    "deadline",
    "ca_file",
    "config",
];

/// Which of [`BROKER_OPTIONS`] a subcommand path reads: all, only the config file and profile,
/// or none (they are hidden from its help and man page).
fn reads(path: &[&str]) -> &'static [&'static str] {
    match path {
        ["conntrack"]
        | ["inodes"]
        | ["prune-tmp"]
        | ["completions"]
        | ["explain"]
        | ["lint"]
        | ["fix", "conntrack"]
        | ["probe", "liveness"]
        | ["generate"] => &[],
        ["workers"] => &["profile", "config"],
        _ => &BROKER_OPTIONS,
    }
}

/// Give each subcommand copies of the root's broker options, hidden where it does not read
/// them: clap's propagation of global options skips a subcommand that has its own, so they
/// still parse there, with the same meaning (scripts that pass them everywhere keep working),
/// but are not shown.
fn hide_unused(
    mut cmd: clap::Command,
    globals: &[clap::Arg],
    path: &mut Vec<String>,
) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        path.push(name.clone());
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let used = reads(&p);
        let mut owned = path.clone();
        cmd = cmd.mut_subcommand(&name, |mut sub| {
            if let Some(ex) = examples(&p.join(" ")) {
                sub = sub.after_help(ex).after_long_help(ex);
            }
            for arg in globals {
                let id = arg.get_id().as_str();
                // A copy at every level, shown where used: `workers` hides --url, and its
                // `reap` (which reads the broker for --hung) shows it again.
                if BROKER_OPTIONS.contains(&id) {
                    sub = sub.arg(arg.clone().hide(!used.contains(&id)));
                }
            }
            hide_unused(sub, globals, &mut owned)
        });
        path.pop();
    }
    cmd
}

/// The command line as parsed, documented and completed: celtool's clap definitions with the
/// broker and config options hidden from the help of the commands that never read them.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let after = format!("{ROOT}\n\n{}", crate::cli::EXIT_CODES);
    hide_unused(cmd, &globals, &mut Vec::new())
        .after_help(after.clone())
        .after_long_help(after)
}

/// The profile names of the config file (`CELTOOL_CONFIG`, else the default path), read when
/// the shell asks for completions of `--profile` (`source <(COMPLETE=bash celtool)`). A file
/// that cannot be read completes nothing.
pub fn profile_names(current: &std::ffi::OsStr) -> Vec<clap_complete::CompletionCandidate> {
    let path = std::env::var_os("CELTOOL_CONFIG")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(super::default_config_path);
    let prefix = current.to_string_lossy();
    // Only the table names: a completion must not fail over a value it does not show.
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    let Ok(config) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let Some(toml::Value::Table(profiles)) = config.get("profiles") else {
        return Vec::new();
    };
    profiles
        .keys()
        .filter(|name| name.starts_with(prefix.as_ref()))
        .map(clap_complete::CompletionCandidate::new)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_their_prefixes_complete() {
        let all = ids_and_prefixes();
        for v in [
            "events",
            "events.no-ttl",
            "host.workers",
            "host.workers.zombie",
            "broker",
        ] {
            assert!(all.contains(&v), "{v}");
        }
        use clap::CommandFactory;
        let bash = {
            let mut buf = Vec::new();
            clap_complete::generate(
                clap_complete::Shell::Bash,
                &mut crate::cli::Cli::command(),
                "celtool",
                &mut buf,
            );
            String::from_utf8(buf).unwrap()
        };
        assert!(
            bash.contains("events.no-ttl"),
            "explain and --skip complete finding IDs"
        );
    }
}
