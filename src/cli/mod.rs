//! The command line, as clap derive types only. The `///` comment on a field is its help.

pub mod help;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::celery_model::QueueKind;

/// Output format, chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable: borders and colour on a terminal, plain aligned columns when piped.
    Table,
    /// One JSON object with stable keys, for scripts: celtool_version, schema_version,
    /// generated_at, then the command's (a listing's rows under its name).
    Json,
    /// Prometheus text exposition, for node_exporter's textfile collector.
    Prometheus,
    /// A Nagios/Icinga plugin status line with perfdata.
    Nagios,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only.
    Sarif,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

/// Defaults that `doctor --fix` applies too, so they are stated once.
pub const DEFAULT_GRACE: &str = "10s";
pub const DEFAULT_EVENT_TTL: &str = "5s";
pub const DEFAULT_EVENT_EXPIRES: &str = "60s";

pub(crate) const EXIT_CODES: &str = "\
Exit codes (the monitoring-plugin convention):
  0  everything checked is ok
  1  the worst finding is a warning
  2  a critical finding (work is blocked or lost now)
  3  could not check: broker unreachable, credentials refused, bad arguments or config

Configuration: flags > CELTOOL_* environment > config file ($CELTOOL_CONFIG or
~/.config/celtool/config.toml) > defaults. The password comes only from CELTOOL_PASSWORD or a
profile's password_file (default: guest).";

/// Diagnose and fix the failures of Celery fleets on RabbitMQ and Redis.
///
/// celtool reads the RabbitMQ management HTTP API (or a Redis broker), asks the Celery workers
/// themselves and looks at this host, finds what Celery fleets are known to suffer (event
/// queues nobody consumes, alarms blocking publishers, backlogs, result floods, hung or dead
/// workers...), explains each finding and names the exact fix.
#[derive(Debug, Parser)]
#[command(name = "celtool", version, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default]
    /// if there is one.
    #[arg(help_heading = "Connection options",
          long, global = true, env = "CELTOOL_PROFILE", value_name = "NAME",
          add = clap_complete::ArgValueCompleter::new(crate::cli::help::profile_names))]
    pub profile: Option<String>,

    /// Base URL of the management API (https supported; keep any path prefix), or a Redis
    /// broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it:
    /// sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with
    /// --sentinel-master) [default: http://localhost:15672]
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_URL",
        value_name = "URL"
    )]
    pub url: Option<String>,

    /// The master's name for a sentinel:// --url, as the Sentinels monitor it (Celery's
    /// broker_transport_options master_name; the profile's sentinel_master)
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_SENTINEL_MASTER",
        value_name = "NAME"
    )]
    pub sentinel_master: Option<String>,

    /// Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the
    /// profile's password_file, never from a flag.
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_USER",
        value_name = "USER"
    )]
    pub user: Option<String>,

    /// Only look at this vhost (the default vhost is "/")
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_VHOST",
        value_name = "VHOST"
    )]
    pub vhost: Option<String>,

    /// Longest silence of the broker: connecting, and any pause once an answer has started (a
    /// stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s
    /// per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each
    /// Redis command, and each step of asking the workers over AMQP (connect, declare, publish,
    /// delete, close), waits at most this long.
    #[arg(help_heading = "Connection options",
          long, global = true, env = "CELTOOL_TIMEOUT", value_name = "DURATION",
          value_parser = crate::text::parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Longest the whole run waits for the broker and the workers, like 9s for NRPE's 10 s:
    /// every API request, Redis command and step of asking the workers ends by then, and so does
    /// doctor's second look at this host's zombies; what has not arrived is reported as unknown
    /// (broker.api, workers.unreachable), the rest is judged
    /// [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]
    #[arg(help_heading = "Connection options",
          long, global = true, env = "CELTOOL_DEADLINE", value_name = "DURATION",
          value_parser = crate::text::parse_deadline)]
    pub deadline: Option<Duration>,

    /// Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate)
    /// besides the system's, for an https --url and the amqps:// connection to the workers;
    /// for a rediss:// --url, instead of the system's (as redis-cli --cacert)
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_CA_FILE",
        value_name = "FILE"
    )]
    pub ca_file: Option<PathBuf>,

    /// Output format
    #[arg(help_heading = "Output options",
          long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// When to use colour (NO_COLOR is honoured with auto)
    #[arg(help_heading = "Output options",
          long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print nothing in table format; the exit code tells the result. Errors still go to stderr.
    #[arg(help_heading = "Output options", short, long, global = true)]
    pub quiet: bool,

    /// Config file [default: ~/.config/celtool/config.toml]
    #[arg(
        help_heading = "Connection options",
        long,
        global = true,
        env = "CELTOOL_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Read /proc from this directory instead (for tests against fixture trees)
    #[arg(
        long,
        global = true,
        env = "CELTOOL_PROC_ROOT",
        value_name = "DIR",
        hide = true
    )]
    pub proc_root: Option<PathBuf>,

    /// Read /sys from this directory instead (for tests against fixture trees)
    #[arg(
        long,
        global = true,
        env = "CELTOOL_SYS_ROOT",
        value_name = "DIR",
        hide = true
    )]
    pub sys_root: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check and report findings, worst first; exit code by severity
    Doctor(DoctorArgs),
    /// List queues with their Celery kind, depth, consumers, rates and TTL in force
    Queues(QueuesArgs),
    /// List connections with their state, traffic, heartbeat and what they are
    Connections(ConnectionsArgs),
    /// Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a
    /// prefix, those under it)
    Explain(ExplainArgs),
    /// Show this host's conntrack table: fill, limit, hash buckets, drop counters
    Conntrack,
    /// Show inode use per filesystem, or with --top the directories holding the most entries
    Inodes(InodesArgs),
    /// Show this host's Celery worker trees: node, main process, pool children, flags; `workers
    /// reap` ends zombies and orphans
    Workers(WorkersArgs),
    /// Delete old temporary files, race-safely; silent on success, made for cron
    PruneTmp(PruneTmpArgs),
    /// Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits,
    /// memory, tasks done, active and reserved tasks, queues
    Fleet(FleetArgs),
    /// Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not
    /// (or fewer than --expect), 3 could not check
    Ping(PingArgs),
    /// Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there,
    /// running, with its pool), `readiness` over the broker (does it answer ping and consume its
    /// queues); exit 0 pass, 2 fail, 3 cannot tell
    Probe(ProbeArgs),
    /// Check Celery configuration files before they ship (CI): settings, worker command lines,
    /// deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity
    Lint(LintArgs),
    /// Make a change doctor recommends: show the plan, apply it on request, journal it for undo
    Fix(FixArgs),
    /// Restore what a fix changed, from the journal
    Undo(UndoArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Write completions/ and man/ (for maintainers)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// Which half of the checks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The broker and what Celery created on it: RabbitMQ through its management API, or Redis
    Broker,
    /// This host: conntrack, inodes, file handles, TIME_WAIT sockets, Celery worker processes
    Host,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Run only these checks (repeat or comma-separate)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Part>,

    /// Silence a finding ID, or every ID under a prefix (`events` skips events.*); repeatable
    #[arg(long, value_name = "ID", value_delimiter = ',', value_parser = crate::cli::help::FindingIds,
          hide_possible_values = true)]
    pub skip: Vec<String>,

    /// Also list the checks that are ok
    #[arg(long)]
    pub all: bool,

    /// List at most N findings of each ID, the worst, and one "and K more like this" for the
    /// rest (status, exit code and counts include them all); 0 lists every finding. Default:
    /// 20 in the table format; every finding in json, prometheus, nagios and --textfile
    #[arg(long, value_name = "N", env = "CELTOOL_MAX_PER_ID")]
    pub max_per_id: Option<usize>,

    /// Offer the fixes for what was found: event queue policies, stale event queues, conntrack
    /// limits, zombies and orphaned pool processes (same consent rules as `celtool fix`)
    #[arg(long)]
    pub fix: bool,

    /// Do not ask the Celery workers themselves over AMQP or Redis (remote control: ping, stats,
    /// conf, active, reserved); by default doctor asks them in every vhost where Celery is seen,
    /// or in the Redis database
    #[arg(long)]
    pub no_workers: bool,

    /// Do not listen to the workers' event stream beside the probe. By default doctor samples it
    /// over AMQP on a queue of its own (exclusive, auto-delete, deleted afterwards) for up to
    /// [thresholds."workers.mixed-durations"] sample (3s) from the probe's start, past the
    /// probe only while the workers send task events: task runtimes (workers.mixed-durations)
    /// and the heartbeats' Celery version (delayed.celery-version)
    #[arg(long)]
    pub no_event_sample: bool,

    /// The workers that must answer ping: a COUNT (at least this many), or a PATTERN, a node-name
    /// glob like 'web*@*' that an answering worker must match (repeat or comma-separate). A worker
    /// killed with kill -9 leaves no trace on the broker: only this finds it
    /// [default: the profile's expect_workers, else none]
    #[arg(long, value_name = "COUNT|PATTERN", value_delimiter = ',')]
    pub expect: Vec<String>,

    /// Also write the report as Prometheus metrics to FILE, atomically, for node_exporter's
    /// textfile collector (the name must end in .prom); a run that fails writes
    /// celtool_doctor_success 0
    #[arg(long, value_name = "FILE")]
    pub textfile: Option<PathBuf>,

    #[command(flatten)]
    pub amqp: AmqpArgs,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// How a fix is applied; shared by every fix, `doctor --fix` and `undo`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// Show the plan and change nothing
    #[arg(help_heading = "Apply options", long)]
    pub dry_run: bool,

    /// Apply without asking (needed off a terminal, and for irreversible changes)
    #[arg(help_heading = "Apply options", short = 'y', long)]
    pub yes: bool,

    /// Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]
    #[arg(
        help_heading = "Apply options",
        long,
        env = "CELTOOL_JOURNAL",
        value_name = "FILE"
    )]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(subcommand)]
    pub command: FixCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per
    /// vhost, merged with the policy that applies to them now
    EventQueues(EventQueuesArgs),
    /// Delete Celery event queues that nobody consumes (irreversible: needs --yes)
    StaleEventQueues(StaleEventQueuesArgs),
    /// Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc
    Conntrack(FixConntrackArgs),
}

#[derive(Debug, Args)]
pub struct FixConntrackArgs {
    /// Use this nf_conntrack_max instead of the computed one (twice the larger of the current
    /// fill and limit, a power of two, at most what 5 % of RAM holds)
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,

    /// Write the persisted files under this directory instead of /etc (for tests)
    #[arg(long, env = "CELTOOL_ETC_ROOT", value_name = "DIR", hide = true)]
    pub etc_root: Option<PathBuf>,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args)]
pub struct WorkersArgs {
    #[command(subcommand)]
    pub action: Option<WorkersAction>,
}

#[derive(Debug, Subcommand)]
pub enum WorkersAction {
    /// Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM,
    /// then SIGKILL after --grace). Only processes that are themselves Celery are touched; the
    /// plan lists every pid first. Irreversible: needs --yes.
    Reap(ReapArgs),
}

#[derive(Debug, Args)]
pub struct ReapArgs {
    /// Also end a parent that still does not reap its zombies after SIGCHLD and the grace period
    #[arg(long)]
    pub kill_parents: bool,

    /// How long to wait for a process to act on a signal before the next step
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_GRACE,
          value_parser = crate::text::parse_duration)]
    pub grace: Duration,

    /// Touch only the Celery processes whose title (command line) matches this regular
    /// expression. It narrows, never widens: a process that is not itself Celery (a Python
    /// program running celery, or a `[celeryd: ...]` title) is listed and left alone even if it
    /// matches, like a `timeout ... celery worker` wrapper
    #[arg(long = "match", value_name = "REGEX")]
    pub matcher: Option<String>,

    /// Also end the main process of each worker on this host that is hung: its mailbox has a
    /// consumer on the broker but it answers no ping (asked twice, over AMQP). SIGTERM, then
    /// SIGKILL after --grace, so that its supervisor (systemd, supervisord, Kubernetes) starts a
    /// fresh one. Reads the broker (--url, --vhost, --amqp-url as for `celtool ping`)
    #[arg(long)]
    pub hung: bool,

    #[command(flatten)]
    pub amqp: AmqpArgs,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args)]
pub struct EventQueuesArgs {
    /// Message TTL for event queues
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_EVENT_TTL,
          value_parser = crate::text::parse_positive_duration)]
    pub ttl: Duration,

    /// Delete an event queue this long after its last consumer left
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_EVENT_EXPIRES,
          value_parser = crate::text::parse_positive_duration)]
    pub expires: Duration,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

#[derive(Debug, Args)]
pub struct StaleEventQueuesArgs {
    /// Only queues without a message TTL or expiry in force
    #[arg(long)]
    pub without_ttl_only: bool,

    /// Only queues holding at least this many messages
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_messages: u64,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// Read Celery's configuration as the workers will run it, without a broker: Python settings
/// (celeryconfig.py, Django settings under the namespace config_from_object names, a
/// configuration class, Celery(...) keywords, app.conf.update and app.conf.x = ...), and the
/// worker command lines of Procfiles, systemd units (with their EnvironmentFiles),
/// docker-compose files and Kubernetes manifests. Reports names Celery ignores or does not
/// know, the settings that fail in the field (doctor's workers.* rules), and what only the
/// files show (visibility timeout and consumer_timeout against countdowns, soft shutdown
/// against the stop grace period, remote control off). A file it cannot read or resolve is
/// unknown (exit 3), never clean.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to read (a directory: every *.py, *.yml/*.yaml, *.service, .env,
    /// Procfile and template under it, skipping .git, virtualenvs and build output); read as one
    /// project
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Silence a finding ID, or every ID under a prefix (`lint` skips lint.*); repeatable
    #[arg(long, value_name = "ID", value_delimiter = ',', value_parser = crate::cli::help::FindingIds,
          hide_possible_values = true)]
    pub skip: Vec<String>,

    /// Also list the findings that are ok (notes: no recycling, task events on a fleet of
    /// unknown size)
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The run to undo (as printed when it was applied); default: the last one not undone
    #[arg(value_name = "RUN")]
    pub run: Option<String>,

    /// Undo the last run that has not been undone (the default)
    #[arg(long, conflicts_with = "run")]
    pub last: bool,

    #[command(flatten)]
    pub apply: ApplyArgs,
}

/// Sort order of `queues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueSort {
    Name,
    Ready,
    Unacked,
    Consumers,
    Publish,
    Deliver,
}

#[derive(Debug, Args)]
pub struct QueuesArgs {
    /// Sort by this column (numbers largest first)
    #[arg(long, value_enum, default_value_t = QueueSort::Ready)]
    pub sort: QueueSort,

    /// Only queues of these kinds (repeat or comma-separate)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<QueueKind>,

    /// Only queues with at least this many ready messages
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_ready: u64,

    /// Only queues whose name matches this regular expression
    #[arg(long, value_name = "REGEX")]
    pub name: Option<String>,

    /// Show at most this many queues, the first by --sort; on a terminal 50 by default (a line
    /// says how many more), piped and in JSON every queue
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Connection kinds for `connections --kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConnKindArg {
    /// Consumes a worker mailbox (or gossip and task queues together)
    CeleryWorker,
    /// Consumes event queues only: Flower, `celery events` (old name: event-consumer)
    #[value(alias = "event-consumer")]
    Monitor,
    /// Consumes only reply or result queues: rpc:// results, `celery inspect`
    Client,
    /// Consumes nothing: task publishers, and workers' and monitors' publishing connections
    Publisher,
    /// Consumes other queues
    Other,
}

#[derive(Debug, Args)]
pub struct ConnectionsArgs {
    /// Only connections of these kinds (repeat or comma-separate)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<ConnKindArg>,

    /// Show at most this many connections
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct InodesArgs {
    /// Count entries under PATH per directory, on PATH's filesystem only (like du --inodes -x)
    #[arg(long, value_name = "PATH")]
    pub top: Option<PathBuf>,

    /// How many directories --top lists
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
}

/// Which timestamp decides the age of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgeBy {
    /// Last modification
    Mtime,
    /// Last access (meaningless on noatime mounts; relatime updates it at most daily)
    Atime,
    /// Last status change (rename, chmod, link count)
    Ctime,
}

/// Delete old files (and, with --rmdir, old empty directories) under each PATH, never PATH
/// itself. Walks by directory file descriptors, never follows symlinks, never leaves PATH's
/// filesystem or enters mount points, skips sockets, FIFOs and devices, refuses system
/// directories, and holds a lock so two runs never overlap. Silent on success unless -v or on a
/// terminal; per-entry errors are reported on stderr and give exit code 1.
#[derive(Debug, Args)]
pub struct PruneTmpArgs {
    /// Directories to prune (their contents; never the directory itself). A PATH that does not
    /// exist, or that is a symlink (with or without a trailing slash: give the directory
    /// itself, a link can be re-pointed between runs), is refused with exit 3 and nothing is
    /// created
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Remove entries older than this, like 90m, 12h or 2d
    #[arg(long, value_name = "DURATION", required = true,
          value_parser = crate::text::parse_positive_duration)]
    pub older_than: Duration,

    /// Timestamps that decide the age; with several, an entry must be older on each
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "mtime",
        value_name = "WHICH"
    )]
    pub age_by: Vec<AgeBy>,

    /// Also remove directories that are old and empty once pruned
    #[arg(long)]
    pub rmdir: bool,

    /// Report what would be removed; change nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Only remove entries matching this glob (on the name; on the path relative to PATH when it
    /// contains '/'); repeatable
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Never remove entries matching this glob (as --include); repeatable
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Keep entries shallower than this (1 = directly in PATH)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub min_depth: usize,

    /// Neither remove nor look at entries deeper than this
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,

    /// Also remove sockets, FIFOs and device nodes
    #[arg(long)]
    pub all_types: bool,

    /// Allow a system directory (/, /usr, /etc, /home, /var, ...) as PATH
    #[arg(long)]
    pub force_root: bool,

    /// When another run holds the lock, wait for it instead of exiting with code 3
    #[arg(long)]
    pub wait: bool,

    /// Lock this file instead of each PATH (for runs over different paths that must not overlap)
    #[arg(long, value_name = "FILE")]
    pub lock_file: Option<PathBuf>,

    /// Print the summary line even when not on a terminal; with --dry-run, first list every
    /// path that would go, one per line (control characters escaped)
    #[arg(short, long)]
    pub verbose: bool,

    /// Also write the summary in Prometheus format to FILE, atomically (temp file + rename), for
    /// node_exporter's textfile collector
    #[arg(long, value_name = "FILE")]
    pub textfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding ID, like events.no-ttl; a prefix (events) lists the IDs under it
    #[arg(value_parser = crate::cli::help::FindingIds, hide_possible_values = true)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory that receives completions/ and man/
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
}

/// How to reach the workers over AMQP; shared by `fleet` and `ping`.
#[derive(Debug, Clone, Args)]
pub struct AmqpArgs {
    /// The broker's AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the
    /// management user and password are used); a path names the vhost [default: the management
    /// URL's host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are
    /// asked over Redis and this is not used
    #[arg(
        help_heading = "Worker options (remote control over AMQP)",
        long,
        env = "CELTOOL_AMQP_URL",
        value_name = "URL"
    )]
    pub amqp_url: Option<String>,

    /// How long to wait for the workers' replies; ping is asked a second time of the nodes
    /// whose mailbox has a consumer but did not answer
    #[arg(help_heading = "Worker options (remote control over AMQP)", long, value_name = "DURATION", default_value = "1s",
          value_parser = crate::text::parse_positive_duration)]
    pub reply_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    #[command(flatten)]
    pub amqp: AmqpArgs,
}

#[derive(Debug, Args)]
pub struct PingArgs {
    /// At least this many workers must answer [default: the profile's expect_workers, else
    /// every worker whose mailbox has a consumer]
    #[arg(long, value_name = "N")]
    pub expect: Option<usize>,

    /// Only ping workers whose node name matches this glob, like 'web*@*' (kombu's glob matcher)
    #[arg(long = "match", value_name = "GLOB")]
    pub matcher: Option<String>,

    #[command(flatten)]
    pub amqp: AmqpArgs,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(subcommand)]
    pub command: ProbeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Is the worker's main process on this host, neither stopped nor a zombie, with live pool
    /// children (prefork)? Reads /proc only: never the broker nor the config file, so a broker
    /// outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker
    Liveness(LivenessArgs),
    /// Does the worker answer ping, and does every queue it consumes (active_queues) show its
    /// consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready,
    /// 2 not ready, 3 cannot check.
    /// Default --deadline 10s, under a Kubernetes probe's timeoutSeconds
    Readiness(ReadinessArgs),
}

#[derive(Debug, Args)]
pub struct LivenessArgs {
    /// The worker's node name (`w1@%h`, `w1` and `w1@HOST` alike, expanded as Celery does);
    /// without it, the only Celery worker on this host
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,

    /// The worker's pool when its command line does not say (-P/--pool), e.g. worker_pool set
    /// in the Celery config: prefork needs live pool children, solo, threads, eventlet and
    /// gevent have none [default: the command line's, else prefork]
    #[arg(long, value_name = "POOL")]
    pub pool: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadinessArgs {
    /// The worker's node name as it answers ping (`w1@host`; `%h` is this host's name)
    #[arg(long, value_name = "NAME")]
    pub node: String,

    #[command(flatten)]
    pub amqp: AmqpArgs,
}

/// The config file's path: `$CELTOOL_CONFIG` (or --config), else `~/.config/celtool/config.toml`
/// (`$XDG_CONFIG_HOME/celtool/config.toml` when that is set).
pub fn default_config_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("celtool/config.toml");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/".into());
    PathBuf::from(home).join(".config/celtool/config.toml")
}
