//! The catalog of finding IDs: area, title, default thresholds and the long explanation behind
//! `celtool explain ID`. IDs are a scripting contract; never rename one.

use std::time::Duration;

use serde::Serialize;

/// Which half of the fleet a finding is about; doctor groups its output by area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    Broker,
    Celery,
    Host,
}

impl Area {
    pub fn name(self) -> &'static str {
        match self {
            Area::Broker => "broker",
            Area::Celery => "celery",
            Area::Host => "host",
        }
    }
}

#[path = "catalog_texts.rs"]
mod texts;

/// Which way a threshold points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The finding fires when the measured value is at or above the threshold.
    Above,
    /// The finding fires when the measured value is at or below the threshold.
    Below,
}

/// Default thresholds of a finding that takes them. `None` means that level is not used unless the
/// config file sets it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub warn: Option<f64>,
    pub crit: Option<f64>,
    pub direction: Direction,
    /// What the number measures, shown by `explain` and in errors about the config file.
    pub unit: &'static str,
}

pub struct Entry {
    pub id: &'static str,
    pub area: Area,
    pub title: &'static str,
    pub limits: Option<Limits>,
    pub explain: &'static str,
}

const fn above(warn: Option<f64>, crit: Option<f64>, unit: &'static str) -> Option<Limits> {
    Some(Limits {
        warn,
        crit,
        direction: Direction::Above,
        unit,
    })
}

/// A duration a check takes besides its warn and crit limits, set in the same `[thresholds.ID]`
/// table of the config file (`min_age = "30s"`): how long a state must last before it is judged.
#[derive(Debug)]
pub struct Timing {
    pub id: &'static str,
    pub key: &'static str,
    pub default: Duration,
    /// The largest value the config file may set: these are waits a cron run sits through.
    pub max: Option<Duration>,
    /// What it means, for `explain` and the README.
    pub meaning: &'static str,
}

/// Every [`Timing`]; `Thresholds::timing` reads them with the config file's overrides.
pub static TIMINGS: &[Timing] = &[
    Timing {
        id: "host.workers.zombie",
        key: "min_age",
        default: Duration::from_secs(30),
        max: None,
        meaning: "zombies whose process started less than this ago are not judged: their parent is usually about to reap them",
    },
    Timing {
        id: "host.workers.zombie",
        key: "settle",
        default: Duration::from_secs(2),
        max: Some(Duration::from_secs(60)),
        meaning: "the zombies old enough are read again this much later (never past the run's --deadline); only those still there are reported",
    },
    Timing {
        id: "workers.mixed-durations",
        key: "sample",
        default: Duration::from_secs(3),
        max: Some(Duration::from_secs(60)),
        meaning: "how long doctor listens to the workers' events beside its probe, from the probe's start (AMQP); it listens past the probe only while the workers send task events; 0 turns the sample off",
    },
    Timing {
        id: "workers.mixed-durations",
        key: "fast",
        default: Duration::from_millis(100),
        max: None,
        meaning: "a task name runs fast when the fastest tenth of its runs seen took less than this",
    },
    Timing {
        id: "consumer-timeout.forecast",
        key: "node_default",
        default: Duration::from_secs(1800),
        max: None,
        meaning: "the broker nodes' consumer_timeout (rabbitmq.conf), which the management API does not show: the timeout of a queue without an x-consumer-timeout argument or consumer-timeout policy key",
    },
];

/// The timing `key` of finding `id`, if it takes one.
pub fn timing(id: &str, key: &str) -> Option<&'static Timing> {
    TIMINGS.iter().find(|t| t.id == id && t.key == key)
}

pub static CATALOG: &[Entry] = &[
    Entry {
        id: "broker.unreachable",
        area: Area::Broker,
        title: "the management API could not be read",
        limits: None,
        explain: "\
What breaks: nothing about the broker can be checked; celtool exits 3 (UNKNOWN).
Why: the management API did not answer as expected: the connection was refused, timed out, the
plugin is not enabled (404), the broker returned a server error (5xx), or the body was not the
JSON expected. The message names the URL and the cause.
Fix: check that RabbitMQ runs and the plugin is enabled:
  rabbitmq-plugins enable rabbitmq_management
then that --url (or the profile's url) points at the management port (15672, 15671 for TLS),
including any path prefix set by management.path_prefix. Raise --timeout on a slow broker.",
    },
    Entry {
        id: "broker.auth",
        area: Area::Broker,
        title: "the credentials were refused or lack the monitoring tag",
        limits: None,
        explain: "\
What breaks: nothing about the broker can be checked; celtool exits 3 (UNKNOWN).
Why: 401 means the user or password is wrong (guest/guest only logs in from localhost); 403 means
the user exists but has no management tag that allows reading the whole broker.
Fix: give the password in CELTOOL_PASSWORD or a profile's password_file; give the user the
monitoring tag:
  rabbitmqctl set_user_tags USER monitoring",
    },
    Entry {
        id: "broker.api",
        area: Area::Broker,
        title: "one part of the management API could not be read",
        limits: None,
        explain: "\
What breaks: the checks that need that part (queues, connections, a node's memory breakdown...)
did not run; the rest of the report is valid. celtool exits 3 unless something is critical.
Why: one endpoint failed while the others answered: a node down in a cluster, a timeout or a
stall on a large list, the run's --deadline passing before it arrived, a server error, or the
broker closing a listing it took longer than its management.tcp.idle_timeout (60 s by default)
to gather, which it does before sending the first byte (tens of thousands of queues).
Fix: read the message; retry with a larger --timeout (or --deadline, when it names the deadline);
when the broker closed the connection, raise management.tcp.idle_timeout in rabbitmq.conf
(e.g. 300000 ms; management.ssl.idle_timeout for https) and restart the node; check the node
named in it.",
    },
    Entry {
        id: "broker.version",
        area: Area::Broker,
        title: "RabbitMQ version and cluster",
        limits: None,
        explain: "\
Informational: the RabbitMQ and management versions celtool read, with the node that answered
as subject (rabbit@host, as the node findings name it). celtool works with 3.8 to 4.x.
An overview without a version is broker.api.value (unknown). Versions before 3.8 are not supported and reported as a warning. Classic queue mirroring
(ha-mode) is gone in 4.0: see broker.policy.ha-mode before upgrading.",
    },
    Entry {
        id: "broker.node.down",
        area: Area::Broker,
        title: "a cluster node is not running",
        limits: None,
        explain: "\
What breaks: queues whose leader lived on that node are unavailable; quorum queues may lose
their majority; clients connected to it were disconnected.
Why: the node stopped, crashed, or is partitioned from the node celtool asked.
Fix: start it (rabbitmq-server -detached or your service manager) and read its log; check
`rabbitmq-diagnostics cluster_status` for partitions.",
    },
    Entry {
        id: "broker.alarm.memory",
        area: Area::Broker,
        title: "memory alarm: publishers blocked cluster-wide",
        limits: None,
        explain: "\
What breaks: every publishing connection in the cluster is blocked (state blocked/blocking):
Celery clients hang in apply_async/delay, workers cannot send results or events.
Why: the node's memory use reached vm_memory_high_watermark. Typical Celery causes: event queues
nobody consumes (celeryev.*), a result flood (one queue per task), a large backlog of big
messages, the management plugin's own statistics on a busy broker.
Fix: find what holds the memory (`rabbitmq-diagnostics memory_breakdown`, celtool doctor's other
findings), drain or delete it (rabbitmqctl delete_queue -p VHOST NAME for event queues nobody consumes), then keep it from coming back
(a TTL and expiry on event queues, see events.no-ttl; task_ignore_result=True). Raising the watermark
(rabbitmqctl set_vm_memory_high_watermark 0.6) only buys time.",
    },
    Entry {
        id: "broker.alarm.disk",
        area: Area::Broker,
        title: "disk alarm: publishers blocked cluster-wide",
        limits: None,
        explain: "\
What breaks: every publishing connection in the cluster is blocked until disk space is freed.
Why: free disk on a node fell below disk_free_limit: persistent messages of a backlog, the message
store of queues nobody consumes, logs.
Fix: free space on the node's data directory; drain or purge the largest queues
(rabbitmqctl list_queues name messages message_bytes); set disk_free_limit.relative = 1.5 in
rabbitmq.conf so the alarm fires before the disk is actually full.",
    },
    Entry {
        id: "broker.memory.headroom",
        area: Area::Broker,
        title: "node memory close to the high watermark",
        limits: above(Some(0.8), None, "mem_used / mem_limit"),
        explain: "\
What breaks: soon, the memory alarm: all publishers in the cluster blocked.
Why: mem_used approaches mem_limit (vm_memory_high_watermark x RAM).
Fix: see broker.alarm.memory for what usually holds the memory in a Celery broker and how to free
it before the alarm trips.",
    },
    Entry {
        id: "broker.disk.headroom",
        area: Area::Broker,
        title: "node disk free close to the disk alarm",
        limits: Some(Limits {
            warn: Some(2.0),
            crit: None,
            direction: Direction::Below,
            unit: "disk_free / disk_free_limit",
        }),
        explain: "\
What breaks: soon, the disk alarm: all publishers in the cluster blocked.
Why: disk_free is less than twice disk_free_limit (the default limit, 50 MB, is far too low for
a production node).
Fix: free disk space; drain large persistent backlogs; raise disk_free_limit so the alarm leaves
room to act.",
    },
    Entry {
        id: "broker.fd.headroom",
        area: Area::Broker,
        title: "node file descriptors running out",
        limits: above(Some(0.8), Some(0.95), "fd_used / fd_total"),
        explain: "\
What breaks: when the node runs out of file descriptors it refuses new connections; Celery
workers and clients fail to connect and retry in a loop.
Why: many connections (each worker has several: consumer, event dispatcher, producer pool,
result consumer) against a low `ulimit -n` (1024 is common on bare installs).
Fix: raise the limit for the RabbitMQ service (systemd: LimitNOFILE=65536 in an override of
rabbitmq-server.service), and check for connection leaks (celtool connections).",
    },
    Entry {
        id: "broker.proc.headroom",
        area: Area::Broker,
        title: "node Erlang processes running out",
        limits: above(Some(0.8), Some(0.95), "proc_used / proc_total"),
        explain: "\
What breaks: when the Erlang process limit is reached the node crashes.
Why: every queue, connection and channel is one or more Erlang processes; tens of thousands of
per-task result queues (the old amqp result backend) or leaked channels use them up.
Fix: remove what multiplies (results.flood, leaked connections); raise the limit with
RABBITMQ_MAX_NUMBER_OF_PROCESSES (+P) only after that.",
    },
    Entry {
        id: "broker.connections.blocked",
        area: Area::Broker,
        title: "connections blocked by an alarm",
        limits: None,
        explain: "\
What breaks: these clients cannot publish: Celery's apply_async/delay hangs, workers cannot
publish results or events.
Why: state blocking/blocked means a memory or disk alarm is in force somewhere in the cluster; the
broker has stopped reading from every publisher.
Fix: clear the alarm (broker.alarm.memory / broker.alarm.disk). The connections resume by
themselves.",
    },
    Entry {
        id: "broker.connections.flow",
        area: Area::Broker,
        title: "connections throttled by flow control",
        limits: above(Some(1.0), None, "connections in flow"),
        explain: "\
What breaks: publishers in flow are slowed down by credit-flow back-pressure. Short bursts are
normal; connections that stay in flow mean the broker (a queue process, the disk, the CPU) cannot
keep up with publishing.
Why: a queue receiving faster than it can write or deliver; often the celeryev fan-out when many
workers send heartbeats and task events to many event queues.
How it is seen: the state the API shows changes once per collect_statistics_interval (5 s by
default), so one look misses a publisher throttled half of the time. doctor reads the
connections' states more than once (name and state only): with the full listing, through its
channels' states (a connection one of whose channels is in flow), and, when a connection is
publishing (receiving at least 10 kB/s) and not yet seen in flow, again 5.5 s after the first
read (within --deadline). A connection in flow in any read counts; the finding says in how many
of the reads (\"in flow in 1 of 4 reads\").
Fix: reduce event traffic (run workers without -E unless something consumes task events;
--without-gossip --without-mingle on large fleets), spread load over more queues, check disk
latency on the node.",
    },
    Entry {
        id: "broker.connections.heartbeat",
        area: Area::Broker,
        title: "consuming connections with heartbeats turned off",
        limits: above(Some(1.0), None, "consuming connections with timeout 0"),
        explain: "\
What breaks: when a peer dies without closing TCP (a host lost, a NAT or conntrack entry expired),
the broker keeps the connection and its unacked messages until TCP notices, which can be hours:
tasks stay reserved by a dead worker.
Why: a worker (or a non-Celery consumer) negotiated heartbeat timeout 0. Celery 3.1 defaulted
to no heartbeat. Only workers and other consumers count: Celery applies broker_heartbeat to
workers only, so its publishers, rpc:// result consumers, `celery inspect` and monitors (Flower,
`celery events`) run without heartbeats by design and hold no task messages; that is normal, and
celtool says nothing about them. (If dead client sockets linger, tcp_listen_options.keepalive =
true in rabbitmq.conf lets the kernel close them; the server's `heartbeat` setting cannot
override a client that asks for 0.)
Fix: workers: broker_heartbeat = 120 (old name BROKER_HEARTBEAT) in their Celery config, never
0. Other consumers: turn heartbeats on in their AMQP client (pika heartbeat=60, kombu
Connection(heartbeat=60) with heartbeat_check calls).",
    },
    Entry {
        id: "broker.connections.top-talkers",
        area: Area::Broker,
        title: "connections using the most bandwidth",
        limits: above(Some(52_428_800.0), None, "bytes/s of one connection"),
        explain: "\
Informational: the connections that move the most bytes per second (in + out), so you can see
who is eating the broker's bandwidth. A warning when one connection moves more than the
threshold. In Celery fleets the top talkers are often event consumers (Flower, exporters) and
workers running with -E.
Fix, when event traffic dominates: see events.traffic-share. For large task payloads, enable
task_compression = 'gzip' (old name CELERY_MESSAGE_COMPRESSION); do not switch serializers to
pickle, which lets anyone who can publish run code on the workers.",
    },
    Entry {
        id: "broker.mgmt.memory",
        area: Area::Broker,
        title: "management plugin's share of node memory",
        limits: above(Some(0.25), None, "(mgmt_db + metrics) / total"),
        explain: "\
What breaks: the management plugin's statistics database grows with the number of queues,
connections and channels and with the rates it keeps; on busy brokers it can take a large part
of the node's memory and push it into the memory alarm.
Why: mgmt_db + metrics in /api/nodes/NODE/memory is the plugin's own cost; rates_mode = detailed
and long sample retention multiply it; so do thousands of short-lived queues (results.flood).
The summary names the node's biggest memory users with their share of its total, as
`rabbitmq-diagnostics memory_breakdown` does: queue_procs (queue processes and their messages),
binary (message bodies), connections (connection_readers/writers/channels/other), management
(mgmt_db+metrics), code, plugins, ...
Fix: in rabbitmq.conf set management.rates_mode = basic (or none; celtool does not suggest what
/api/overview shows already in force), collect_statistics_interval = 30000, shorter management.sample_retention_policies; consider
management_agent.disable_metrics_collector = true and Prometheus (rabbitmq_prometheus) instead.
Then restart the plugin: rabbitmq-plugins disable rabbitmq_management && rabbitmq-plugins enable
rabbitmq_management.",
    },
    Entry {
        id: "broker.policy.ha-mode",
        area: Area::Broker,
        title: "classic queue mirroring policy (deprecated, removed in 4.0)",
        limits: None,
        explain: "\
What breaks: classic mirrored queues are deprecated since RabbitMQ 3.9 and removed in 4.0: an
upgrade leaves these queues unmirrored; before that, mirroring costs throughput and causes
synchronisation pauses.
Why: a policy has ha-mode in its definition.
Fix: move the queues to quorum queues (x-queue-type = quorum, declared by Celery with
task_queues = [Queue(..., queue_arguments={'x-queue-type': 'quorum'})]) and delete the policy:
  rabbitmqctl clear_policy -p VHOST NAME",
    },
    Entry {
        id: "broker.queue.state",
        area: Area::Broker,
        title: "a queue is not running",
        limits: None,
        explain: "\
What breaks: a queue in state down (its node is gone) or minority (a quorum queue without a
majority of its members) accepts no messages and delivers none.
Fix: bring the nodes holding the queue's members back; see rabbitmq-queues quorum_status.",
    },
    Entry {
        id: "queues.no-consumers",
        area: Area::Broker,
        title: "ready messages and no consumer",
        limits: above(None, Some(1.0), "messages ready"),
        explain: "\
What breaks: the messages in this queue are processed by nobody: tasks wait forever.
Why: no worker consumes the queue: workers are down, or they run with -Q naming other queues, or
a route sends tasks to a queue nobody was told about (task_routes / CELERY_ROUTES).
On Redis the depth sums the queue's priority lists (NAME and kombu's buckets 3, 6, 9), and \"no
consumer\" is said only when no client at all waits in BRPOP: Redis cannot tell which list a
blocked client waits on. Same ID, thresholds and severity on both brokers.
Fix: start a worker for the queue (celery -A PROJ worker -Q QUEUE), or fix the routing; purge a
queue that is obsolete (rabbitmqctl purge_queue -p VHOST QUEUE).",
    },
    Entry {
        id: "queues.backlog",
        area: Area::Broker,
        title: "backlog of ready messages",
        limits: above(Some(1000.0), None, "messages ready"),
        explain: "\
What breaks: tasks wait longer and longer; when the backlog keeps growing the broker's memory and
disk follow.
Why: consumers are slower than publishers. The summary says whether the queue is growing
(publish rate above deliver rate) and, if it drains, in about how long. On Redis the depth
sums the priority lists (each shown) and the growth is the change between two reads.
Fix: add workers or concurrency for this queue; route heavy tasks to their own queue; check for
slow tasks (task time limits: task_time_limit / CELERYD_TASK_TIME_LIMIT).",
    },
    Entry {
        id: "queues.unacked",
        area: Area::Broker,
        title: "unacknowledged messages piling up",
        limits: above(Some(1000.0), None, "messages unacknowledged"),
        explain: "\
What breaks: messages delivered to consumers but not acknowledged are held in broker memory and
blocked from other workers; if a worker holds many and hangs, those tasks wait for it.
Why: a high prefetch (worker_prefetch_multiplier x concurrency), long tasks with task_acks_late,
or a stuck consumer that never acks.
Fix: lower worker_prefetch_multiplier (old name CELERYD_PREFETCH_MULTIPLIER) to 1 for long tasks;
find stuck workers (py-spy dump --pid PID on the worker host); restart them.",
    },
    Entry {
        id: "queues.redeliveries",
        area: Area::Broker,
        title: "messages redelivered (duplicated task execution)",
        limits: above(Some(0.05), None, "redeliver rate / deliver rate"),
        explain: "\
What breaks: a redelivered task runs again. With task_acks_late (old name CELERY_ACKS_LATE) a
worker that dies, is killed for memory, or loses its connection mid-task causes the task to run
twice or more; non-idempotent tasks then duplicate side effects.
Why: consumers reject or lose messages: worker crashes, OOM kills, heartbeat timeouts, or tasks
longer than the consumer timeout (consumer_timeout, 30 min by default since 3.8.15).
Fix: make tasks idempotent; keep task_acks_late only where that holds; set
task_reject_on_worker_lost deliberately; fix the crashes (worker logs, the kernel's OOM messages, memory limits:
worker_max_memory_per_child, worker_max_tasks_per_child / CELERYD_MAX_TASKS_PER_CHILD).",
    },
    Entry {
        id: "events.no-ttl",
        area: Area::Celery,
        title: "Celery event queue without message TTL or expiry",
        limits: None,
        explain: "\
What breaks: every worker event (heartbeat every 2 s per worker, task events with -E) is copied
into every celeryev.* queue. A queue without x-message-ttl keeps them all if its consumer is slow
or gone, and without x-expires it outlives its consumer: the broker's memory fills until the
memory alarm blocks all publishers.
Why: Celery 3.1 declared event queues without TTL or expiry; custom event consumers still do.
Neither the queue's arguments nor the policy in force sets message-ttl and expires.
Fix: celtool fix event-queues [--vhost VHOST] sets a policy on ^celeryev\\. with message-ttl
and expires. Only ONE policy applies to a queue (the highest priority), so the fix merges the
keys of the policy in force on these queues into its own, or refuses when they conflict. By
hand, look for that policy (rabbitmqctl list_policies -p VHOST), copy its keys, then:
  rabbitmqctl set_policy -p VHOST --apply-to queues --priority 10 celeryev '^celeryev\\.' '{\"message-ttl\":5000,\"expires\":60000}'
and upgrade consumers to Celery >= 4 (event_queue_ttl / CELERY_EVENT_QUEUE_TTL,
event_queue_expires / CELERY_EVENT_QUEUE_EXPIRES).",
    },
    Entry {
        id: "events.no-consumer",
        area: Area::Celery,
        title: "Celery event queue with no consumer",
        limits: None,
        explain: "\
What breaks: the broker keeps routing every worker event into a queue nobody reads: bandwidth and
memory for nothing.
Why: the event consumer (Flower, `celery events`, an exporter) went away; with x-expires the
queue disappears by itself after that delay, without it, it stays.
Fix: delete the queue (celtool fix stale-event-queues, or rabbitmqctl delete_queue -p VHOST
NAME) and give event queues an expiry (celtool fix event-queues).",
    },
    Entry {
        id: "events.backlog",
        area: Area::Celery,
        title: "Celery event queue holding many messages",
        limits: above(Some(1000.0), None, "messages ready"),
        explain: "\
What breaks: an event consumer that cannot keep up: the broker holds the events in memory, and
tools like Flower show stale state.
Why: too many events for one consumer: task events (-E) on a large fleet, gossip.
Fix: turn task events off where nothing needs them (worker_send_task_events = False, old name
CELERY_SEND_EVENTS); give the queue a TTL (see events.no-ttl).",
    },
    Entry {
        id: "events.traffic-share",
        area: Area::Celery,
        title: "task events dominate broker traffic",
        limits: above(Some(0.5), None, "task-event deliveries/s / all messages/s"),
        explain: "\
What breaks: broker bandwidth and CPU go to Celery's task events (task-received, -started,
-succeeded... for every task) instead of tasks.
Why: workers run with -E or worker_send_task_events = True, or Flower turned events on (it does
every 5 s by default). Worker heartbeats are not counted here (see events.heartbeats).
How it is measured: the celeryev exchange's publish rate beyond the worker events (a gossip
queue's rate, or 0.5/s per worker) is task events; the event queues that take them show it in
their own publish rate beyond the worker events (monitors bound to # or task.#; a consumer bound
to worker.# only takes none). It warns when those copies reach the share threshold of the vhost's messages AND
at least 10 deliveries/s (a share of almost nothing is nothing); and when workers publish 10 or
more task events/s that no queue takes. When no queue's own rate shows them, the exchange's
copies beyond the worker events count them (a monitor bound to # whose queue has no rate still
takes them); \"routed nowhere\" is said only when the exchange routes no such copies (or, without
its rate, when every event queue has a rate and none holds messages); otherwise the finding
names the queues that may take them. The finding is ok, and says so, when no task events are
sent: then -E is not what to turn off.
Fix: turn task events off where nothing needs them: workers without -E and
worker_send_task_events = False (old name CELERY_SEND_EVENTS); start Flower with
--enable_events=False so it does not turn them back on.",
    },
    Entry {
        id: "celery.mailbox.no-consumer",
        area: Area::Celery,
        title: "worker mailbox with no consumer (worker gone or hung)",
        limits: None,
        explain: "\
What breaks: remote control (celery inspect/control, Flower's worker list, autoscale, revoke)
cannot reach this worker; usually the worker itself is dead or hung.
Why: each worker consumes NODENAME.celery.pidbox; the queue exists but nothing consumes it.
Fix: check the worker on its host (is the process there, is it stuck?); restart it. A stale mailbox of a retired
worker can be deleted: rabbitmqctl delete_queue -p VHOST 'NODENAME.celery.pidbox'.",
    },
    Entry {
        id: "results.flood",
        area: Area::Celery,
        title: "result queues flooding the broker",
        limits: above(Some(100.0), None, "result queues"),
        explain: "\
What breaks: every result queue is an Erlang process, memory and management-plugin statistics;
thousands of them exhaust the broker (memory alarm, process limit, a slow management API).
Why: the old amqp:// result backend (removed in Celery 5.0; exchange celeryresults) creates one
queue per task, named by the task id; the rpc:// backend one per client. Results nobody reads
stay until result_expires (1 day by default).
Results kept as keys (a Redis broker or backend) are no queues: their missing TTLs are
redis.results.no-ttl.
Fix: set task_ignore_result = True (old name CELERY_IGNORE_RESULT) for tasks whose result nobody
reads; use a result backend outside the broker (Redis, a database); shorten result_expires (old
name CELERY_TASK_RESULT_EXPIRES).",
    },
    Entry {
        id: "host.conntrack.usage",
        area: Area::Host,
        title: "conntrack table filling up",
        limits: above(Some(0.75), Some(0.9), "nf_conntrack_count / nf_conntrack_max"),
        explain: "\
What breaks: when the connection tracking table is full the kernel drops the first packet of
every new connection (and logs 'nf_conntrack: table full, dropping packet'): workers cannot
reach the broker, result backend or databases, clients time out, retries make it worse.
Why: every connection through netfilter (NAT, docker, kube-proxy, a stateful firewall) holds an
entry, also for about two minutes after it closed (TIME_WAIT). Tasks that open a new connection
per call (HTTP without a session, a database connection per task, a broker connection per
publish with broker_pool_limit = 0) churn through entries; the default limit is sized by RAM.
Thresholds follow node-mixin (warn at 75 %); critical at 90 %.
Fix: raise the limit now and persist it: celtool fix conntrack (shows the plan, sizes the table
from its fill and RAM, writes max and hashsize, persists both, undo with celtool undo), or by hand:
  sysctl -w net.netfilter.nf_conntrack_max=N
  echo 'net.netfilter.nf_conntrack_max = N' > /etc/sysctl.d/90-celtool-conntrack.conf
(each entry costs about 256 bytes of kernel memory plus 8 per hash bucket; inside a container's network namespace the
value is read-only: change it on the host). Raise the hash size with it (host.conntrack.hashsize).
Then cut the churn: reuse connections (broker_pool_limit above 0, HTTP sessions, database
pooling) so fewer sockets sit in TIME_WAIT (host.tcp.time_wait).",
    },
    Entry {
        id: "host.conntrack.drops",
        area: Area::Host,
        title: "conntrack dropped packets",
        limits: None,
        explain: "\
What breaks: packets were dropped because of connection tracking: new connections failed or
stalled on their first packet (SYN retransmits, 1 s and 3 s delays, DNS timeouts).
Why: the drop and early_drop columns of /proc/net/stat/nf_conntrack count packets dropped because
the table was full; insert_failed counts entries that could not be inserted, usually a race of
parallel UDP packets of one flow (DNS A and AAAA lookups on the same socket). The counters are
cumulative since the module was loaded: one sample cannot tell whether the drops are recent;
compare two runs, or look for 'table full' in dmesg with its time.
Fix: raise nf_conntrack_max (see host.conntrack.usage); for insert_failed on DNS, use
'options single-request-reopen' in resolv.conf or a local DNS cache.",
    },
    Entry {
        id: "host.conntrack.hashsize",
        area: Area::Host,
        title: "too few conntrack hash buckets for the table size",
        limits: above(Some(8.0), None, "nf_conntrack_max / hashsize"),
        explain: "\
What breaks: nothing at once, but every packet looks its connection up in a hash table; with
many more entries than buckets the chains grow and the lookups cost CPU in softirq context,
which shows as latency and packet loss under load.
Why: nf_conntrack_max was raised without the hash size. Kernels since 5.15 default to one
bucket per entry; older kernels used a quarter or an eighth. celtool warns above 8 entries
per bucket (strictly above: 8 is the old kernels' own ratio).
Fix: set the hash size (the buckets) near nf_conntrack_max, now and at module load:
  echo N > /sys/module/nf_conntrack/parameters/hashsize
  echo 'options nf_conntrack hashsize=N' > /etc/modprobe.d/nf_conntrack.conf
Each bucket costs 8 bytes.",
    },
    Entry {
        id: "host.inodes.usage",
        area: Area::Host,
        title: "filesystem running out of inodes",
        limits: Some(Limits {
            warn: Some(0.10),
            crit: Some(0.05),
            direction: Direction::Below,
            unit: "free inodes / total inodes",
        }),
        explain: "\
What breaks: when a filesystem has no free inode, no file can be created on it even with
gigabytes free: 'No space left on device' from mkstemp, workers that cannot write temp files,
logs or pid files, sockets that cannot be bound.
Why: many small files: temp files tasks create and never delete (tempfile.mkstemp without
cleanup, image and PDF conversions, downloads), session or cache directories, mail queues.
tmpfs (/tmp, /dev/shm) has its own inode limit (nr_inodes). Filesystems without an inode limit
(btrfs reports 0 inodes) are not checked; bind mounts are reported once per device; a mount
whose statvfs failed or hung (a dead NFS server) is UNKNOWN. Anchors: awesome-prometheus-alerts
critical at 10 % free, node-mixin at 5 %/3 %; celtool warns at 10 % and is critical at 5 %.
Fix: find the directories with the most entries:
  celtool inodes --top MOUNT
delete old temp files there:
  celtool prune-tmp DIR --older-than 2d
and stop the leak: clean up in the task (tempfile.TemporaryDirectory as a context manager) or
with a periodic task; systemd-tmpfiles can age /tmp.",
    },
    Entry {
        id: "host.workers.zombie",
        area: Area::Host,
        title: "zombie processes not reaped by their parent",
        limits: above(Some(1.0), Some(100.0), "zombies under one parent"),
        explain: "\
What breaks: a zombie (state Z) holds only a pid, but zombies that pile up under one parent show
that the parent no longer reaps its children: it is hung, or it spawns subprocesses (tasks
calling subprocess.Popen without wait) and forgets them; enough of them exhaust pid_max.
Why: a process stays a zombie until its parent calls waitpid. It cannot be killed: it is already
dead. Zombies that stay under pid 1 in a container mean the container's pid 1 is not an init.
How it is judged: every parent leaves a child a zombie for a moment, and init reaps within a
second, so one look at a healthy host can show zombies gone the next moment. celtool judges
only zombies whose process started at least min_age ago (30 s by default; /proc tells when a
process started, not when it died), reads those again settle later (2 s by default, never past
--deadline), and counts only the ones still zombies of the same parent with the same start
time. Set both in the config file:
  [thresholds.\"host.workers.zombie\"]
  min_age = \"30s\"
  settle = \"2s\"
Fix: only the parent can reap: celtool workers reap signals it (kill -CHLD PID), and with
--kill-parents ends a Celery parent that still does not reap; by hand: restart the
parent (for a Celery main: kill -TERM for a warm shutdown), or kill it so init adopts and reaps
the zombies. In tasks, wait for subprocesses (subprocess.run, or Popen.wait()). In containers run
under an init (docker run --init, tini).",
    },
    Entry {
        id: "host.workers.orphan",
        area: Area::Host,
        title: "Celery pool processes whose main process is gone",
        limits: None,
        explain: "\
What breaks: pool children that lost their main process keep running: they hold memory, may
finish a task whose result nobody records, and keep running old code after a deploy. Their
prefetched messages go back to the queue only when the broker notices the dead connection.
Why: before Celery 5.2 pool children did not die with their parent: when the main process was
killed with SIGKILL (OOM killer, kill -9, a container stop timeout), the children were
re-parented to pid 1 or a subreaper (systemd --user, a container's init). Only titled processes
(setproctitle installed) can be recognised as orphans: without it an orphan looks like a main.
Fix: end them: celtool workers reap (SIGTERM, then SIGKILL after --grace), or kill -TERM PID then
kill -KILL PID; stop workers with TERM on the main process
and give them time to finish (systemd TimeoutStopSec, docker stop -t); upgrade to Celery >= 5.2.",
    },
    Entry {
        id: "host.workers.rss",
        area: Area::Host,
        title: "Celery process using a lot of memory",
        limits: above(Some(1_073_741_824.0), None, "bytes of resident memory of one process"),
        explain: "\
What breaks: a pool child that keeps growing ends up killed by the OOM killer or by a cgroup
memory limit, losing its task (redelivered with task_acks_late, lost without it), and starves
the other processes of the host meanwhile.
Why: Python rarely returns freed memory to the system; a task that loads a large object once
keeps the child at that size; leaks in task code or C extensions add up over thousands of tasks.
Fix: recycle children: worker_max_tasks_per_child (old name CELERYD_MAX_TASKS_PER_CHILD, e.g.
100) and worker_max_memory_per_child (in KiB: 524288 for 512 MiB; the child is replaced after
the task that crossed it). Find the task: compare RSS before and after tasks, tracemalloc,
memray. The threshold is configurable (thresholds.\"host.workers.rss\" in the config file).",
    },
    Entry {
        id: "host.workers.stuck",
        area: Area::Host,
        title: "Celery process in uninterruptible sleep (D state)",
        limits: None,
        explain: "\
What breaks: a process in D state is blocked inside the kernel, usually waiting for disk or a
network filesystem; while it stays there its task does not progress, it ignores every signal
(even SIGKILL) and the worker's time limits cannot stop it.
Why: slow or failed storage, an NFS or CIFS server that stopped answering (hard mounts wait for
ever), heavy swapping. A single sample cannot tell how long the process has been in D: a
millisecond of disk I/O also shows as D. Run celtool again; a process found in D several times
in a row is really stuck.
Fix: see where it waits: cat /proc/PID/stack (root), ps -o pid,stat,wchan:32,cmd -p PID; fix the
storage or the NFS server; mount network filesystems with timeouts you can live with.",
    },
    Entry {
        id: "host.workers.stopped",
        area: Area::Host,
        title: "Celery process stopped by a signal (T state)",
        limits: None,
        explain: "\
What breaks: a process stopped by SIGSTOP or SIGTSTP (state T) does nothing until it gets
SIGCONT. A stopped main process runs no task and answers no ping, yet its broker connection
stays \"running\" for minutes and keeps the messages it prefetched: the broker sees a consumer,
the tasks wait. A stopped pool process holds its task where it is.
Why: someone or something sent SIGSTOP (kill -STOP, a debugger, a cgroup freezer, Ctrl-Z in the
terminal it runs in). Read from /proc/PID/stat of the Celery processes on this host; the broker
half sees the same worker as workers.hung.
Severity: critical for a main process, a warning for a pool or other Celery process.
Fix: kill -CONT PID; if it must not continue, kill -TERM PID then kill -CONT PID so it can act on
the TERM (a stopped process does not handle signals until continued, except SIGKILL).",
    },
    Entry {
        id: "host.fd",
        area: Area::Host,
        title: "system-wide file handles running out",
        limits: above(Some(0.8), Some(0.95), "allocated / fs.file-max"),
        explain: "\
What breaks: when the system-wide table of open files (fs.file-max) is full, every process gets
ENFILE ('Too many open files in system') on open, socket and accept: workers cannot connect to
the broker or open files.
Why: a process that leaks file handles or sockets (tasks opening files or connections without
closing them), or many processes each with a high ulimit. /proc/sys/fs/file-nr gives allocated,
unused (always 0 since Linux 2.6) and the maximum. This is the system-wide limit, not a
process's `ulimit -n`.
Fix: find the process holding them (count /proc/PID/fd entries per process), fix the leak
(with-statements, connection pooling), and raise the limit: sysctl -w fs.file-max=N persisted in
/etc/sysctl.d/.",
    },
    Entry {
        id: "host.tcp.time_wait",
        area: Area::Host,
        title: "many TCP sockets in TIME_WAIT",
        limits: above(Some(30_000.0), None, "sockets in TIME_WAIT"),
        explain: "\
What breaks: every closed TCP connection waits 60 s in TIME_WAIT on the side that closed it,
holding a local port and, with connection tracking, a conntrack entry for up to two minutes.
Tens of thousands of them exhaust ephemeral ports (EADDRNOTAVAIL, 'Cannot assign requested
address') and fill the conntrack table (host.conntrack.usage).
Why: connection churn: a new broker connection per publish (broker_pool_limit = 0), HTTP
requests without a session, a database connection per task.
Threshold: with conntrack in use celtool warns at half of nf_conntrack_max, since TIME_WAIT
entries alone would then fill half the table; without conntrack at 30000 sockets, about the
size of the default ephemeral port range (32768-60999, 28232 ports): that many sockets in
TIME_WAIT towards one destination would leave no port for a new connection to it. A threshold
set in the config file replaces both. Counts are of this network namespace.
Fix: reuse connections: keep broker_pool_limit (old name BROKER_POOL_LIMIT) above 0, reuse HTTP
sessions with keep-alive, pool database connections; allow reusing TIME_WAIT ports for outgoing
connections with sysctl -w net.ipv4.tcp_tw_reuse=1 (never tcp_tw_recycle: removed in 4.12,
broke clients behind NAT).",
    },
    Entry {
        id: "host.unreadable",
        area: Area::Host,
        title: "a part of /proc or /sys could not be read",
        limits: None,
        explain: "\
What breaks: the checks that need that part (conntrack, mounts, processes, file handles, sockets)
did not run; the rest of the report is valid. celtool exits 3 unless something is critical.
Why: the file exists but reading it failed: permission denied (a hardened /proc mounted with
hidepid, a container with a masked /proc/sys), or an unexpected format. A file that does not
exist is not an error: no conntrack module loaded simply means conntrack is not in use.
Fix: read the path and error in the message; run celtool as a user that can read it, or on the
host rather than inside a restricted container.",
    },
    Entry {
        id: "redis.unreachable",
        area: Area::Broker,
        title: "the Redis broker could not be reached",
        limits: None,
        explain: "\
What breaks: nothing about the Redis broker can be checked; celtool exits 3 (UNKNOWN).
Why: the connection was refused or timed out, TLS failed (rediss://), or the server answered
something other than Redis. The message names the server (never a password) and the cause.
Fix: check that Redis runs and listens where --url points (redis://HOST:6379/DB, rediss:// for
TLS); check bind and protected-mode in redis.conf; raise --timeout on a slow link.",
    },
    Entry {
        id: "redis.auth",
        area: Area::Broker,
        title: "Redis refused the credentials",
        limits: None,
        explain: "\
What breaks: nothing about the Redis broker can be checked; celtool exits 3 (UNKNOWN).
Why: WRONGPASS or NOAUTH: the password is wrong or missing, or the ACL user does not exist;
NOPERM: the ACL user may not run the commands celtool reads with.
Fix: give the password in CELTOOL_PASSWORD or a profile's password_file, the user in the URL
(redis://USER@host:6379/0). A read-only ACL user needs: +info +client|list +config|get +scan
+dbsize +llen +hlen +smembers +zrange +zcount +ttl +object|idletime +time +psubscribe
+select (to look for Celery keys in the other databases when this one holds none).",
    },
    Entry {
        id: "redis.read",
        area: Area::Broker,
        title: "one part of the Redis broker could not be read",
        limits: None,
        explain: "\
What breaks: the checks that need that part did not run; the rest of the report is valid.
celtool exits 3 unless something is critical.
Why: one command failed while the others answered: CONFIG renamed or disabled (rename-command
CONFIG \"\" in redis.conf, or a managed Redis): then maxmemory and its policy come from INFO and
the pub/sub buffer limit is unknown; an ACL that refuses a command; a timeout.
Fix: read the message; allow the command for celtool's user, or accept the gap.",
    },
    Entry {
        id: "redis.info",
        area: Area::Broker,
        title: "Redis version, memory, clients and how far the key scan went",
        limits: None,
        explain: "\
Informational: the Redis version, used memory, connected clients, the queues found, and how far
the bounded key scan went. celtool never runs KEYS: it walks the keyspace once with SCAN COUNT 1000
and stops after 1,000,000 keys; past that cap some queues and result keys are not seen, and the
summary says so. Sentinel is not supported yet: point --url at the master. A Redis Cluster node
is reported as redis.cluster.",
    },
    Entry {
        id: "redis.cluster",
        area: Area::Broker,
        title: "the server runs Redis Cluster, which Celery cannot use as a broker",
        limits: None,
        explain: texts::REDIS_CLUSTER,
    },
    Entry {
        id: "redis.db.empty",
        area: Area::Broker,
        title: "the database holds no Celery keys; names the server's databases that do",
        limits: None,
        explain: texts::REDIS_DB_EMPTY,
    },
    Entry {
        id: "redis.sentinel.master",
        area: Area::Broker,
        title: "the master the Sentinels agree on (sentinel:// URL)",
        limits: None,
        explain: texts::SENTINEL_MASTER,
    },
    Entry {
        id: "redis.sentinel.unreachable",
        area: Area::Broker,
        title: "a Sentinel of the URL could not be asked",
        limits: None,
        explain: texts::SENTINEL_UNREACHABLE,
    },
    Entry {
        id: "redis.sentinel.disagree",
        area: Area::Broker,
        title: "a Sentinel names another master than the others",
        limits: None,
        explain: texts::SENTINEL_DISAGREE,
    },
    Entry {
        id: "redis.sentinel.quorum",
        area: Area::Broker,
        title: "the Sentinels cannot reach their quorum: no failover would happen",
        limits: None,
        explain: texts::SENTINEL_QUORUM,
    },
    Entry {
        id: "redis.sentinel.failover",
        area: Area::Broker,
        title: "a failover is in progress or happened recently",
        limits: Some(Limits {
            warn: Some(900.0),
            crit: None,
            direction: Direction::Below,
            unit: "seconds since the master was promoted",
        }),
        explain: texts::SENTINEL_FAILOVER,
    },
    Entry {
        id: "redis.replica.lag",
        area: Area::Broker,
        title: "a replica lags behind the master, or is down",
        limits: above(Some(10.0), Some(60.0), "seconds since the replica's last acknowledgement"),
        explain: texts::REPLICA_LAG,
    },
    Entry {
        id: "redis.sentinel.stale-worker",
        area: Area::Broker,
        title: "Celery workers are connected to a server that is no longer the master",
        limits: None,
        explain: texts::SENTINEL_STALE_WORKER,
    },
    Entry {
        id: "redis.maxmemory-policy",
        area: Area::Broker,
        title: "eviction policy can drop queued tasks",
        limits: None,
        explain: "\
What breaks: with any maxmemory-policy other than noeviction, Redis deletes keys when memory
reaches maxmemory; Celery's queues are keys (lists), so whole queues of tasks vanish without an
error. Critical when memory is near maxmemory (the redis.memory.headroom crit threshold),
a warning otherwise. Results and queues in one database make allkeys-* policies likely to hit.
Fix: redis-cli CONFIG SET maxmemory-policy noeviction (celtool doctor --url redis://... --fix --yes:
journaled, undo restores the old value), and persist it in redis.conf: maxmemory-policy noeviction.
With noeviction Redis refuses writes when full instead: give it memory and keep results small.",
    },
    Entry {
        id: "redis.evicted-keys",
        area: Area::Broker,
        title: "Redis has evicted keys",
        limits: None,
        explain: "\
What breaks: INFO stats evicted_keys counts keys Redis deleted for maxmemory since it started;
if the database holds Celery queues, tasks may be among them, lost without a trace.
Fix: maxmemory-policy noeviction, enough maxmemory, results with a TTL (result_expires) or in
another database or backend.",
    },
    Entry {
        id: "redis.memory.headroom",
        area: Area::Broker,
        title: "Redis memory use against maxmemory",
        limits: above(Some(0.8), Some(0.9), "used_memory / maxmemory"),
        explain: "\
What breaks: at maxmemory Redis evicts keys (see redis.maxmemory-policy) or, with noeviction,
refuses writes: publishers get OOM errors and workers cannot store results.
Why: a backlog, result keys without TTL (redis.results.no-ttl), leaked reply lists.
Fix: remove what holds the memory, then raise maxmemory in redis.conf if the load is real.",
    },
    Entry {
        id: "redis.events.fanout",
        area: Area::Broker,
        title: "event fan-out: Celery's own pub/sub traffic against the network card",
        limits: above(Some(0.5), Some(0.8), "output bytes / link speed"),
        explain: "\
What breaks: Celery events and heartbeats are PUBLISH on /DB.celeryev/..., and Redis copies each
to every pattern subscriber: every worker with gossip and every monitor. Idle heartbeat output
is about N x (N + M) x 370 B/s for N worker nodes and M monitors (measured: 8 workers + 3
monitors = 33.7 kB/s); heartbeats alone fill 1 Gbit near 580 nodes, and task events add more.
celtool measures the output rate from two INFO samples (total_net_output_bytes), what one
subscriber of /DB.celeryev/* receives meanwhile, counts the receivers in CLIENT LIST (the pattern
subscribers whose last interaction moved during that sample: a worker's mailbox subscription that
a ping woke just before is none), and
forecasts the fleet size at which the link saturates. The link speed is read from
/sys/class/net/IF/speed when the broker is this host, else from CELTOOL_REDIS_LINK_MBIT (or
the profile's redis_link_mbit). Thresholds apply to output / link speed.
Fix: --without-gossip --without-mingle --without-heartbeat on workers that need none of them;
no -E / worker_send_task_events=False unless a monitor reads task events; fewer monitors.",
    },
    Entry {
        id: "rabbitmq.events.fanout",
        area: Area::Broker,
        title: "event fan-out: Celery's event queues' traffic against the broker's link",
        limits: above(Some(0.5), Some(0.8), "vhost output bytes / link speed"),
        explain: "\
What breaks: every Celery event (worker.heartbeat every 2 s, task.* with -E) goes to the
celeryev topic exchange, which copies it into one celeryev.<uuid> queue per receiver: every
worker with gossip and every monitor (Flower, celery events). The output grows as N x (N + M) x c
for N worker nodes and M monitors: at some fleet size Celery's own chatter fills the broker's
network link and everything else (tasks, results, remote control) queues behind it.
How celtool measures it, per vhost: N from the worker mailboxes (NODE.celery.pidbox), the
receivers from the celeryev.* queues (M: those no worker consumes), c from the busiest monitor's
connection (its send_oct rate is one receiver's whole event stream, divided by N; ~370 B/s
assumed when no monitor runs), and the vhost's output from its connections' send rates. It
forecasts the fleet size at which the event stream alone fills the link. The link speed is read
from /sys/class/net/IF/speed when the management URL names this host, else from
CELTOOL_RABBITMQ_LINK_MBIT (or the profile's rabbitmq_link_mbit). Thresholds apply to the
vhost's output / link speed (other vhosts share the link: look at host.nic.saturation too).
See redis.events.fanout for the same forecast on Redis.
Fix: --without-gossip --without-mingle --without-heartbeat on workers that need none of them;
no -E / worker_send_task_events=False unless a monitor reads task events; fewer monitors.",
    },
    Entry {
        id: "redis.pubsub.output-buffer",
        area: Area::Broker,
        title: "a pub/sub client near client-output-buffer-limit pubsub",
        limits: above(Some(0.5), Some(0.8), "omem / pubsub hard limit"),
        explain: "\
What breaks: Redis buffers what a subscriber has not read yet (CLIENT LIST omem); at the
pubsub hard limit (default 32 MB), or above the soft limit (8 MB) for 60 s, Redis disconnects
it. A monitor (flower, celery events) that stalls loses its events and reconnects; the buffer
meanwhile is Redis memory (a stalled subscriber was seen at 18.9 MB before the drop).
Fix: fix or restart the slow subscriber; cut the event stream (redis.events.fanout); raise
client-output-buffer-limit pubsub in redis.conf only for a subscriber that keeps up on average.",
    },
    Entry {
        id: "redis.unacked.visibility",
        area: Area::Celery,
        title: "unacked messages older than the visibility timeout are delivered again",
        limits: above(Some(0.5), Some(1.0), "oldest unacked age / visibility_timeout"),
        explain: "\
What breaks: kombu's Redis transport keeps delivered, unacknowledged messages in the unacked
hash and unacked_index sorted set; one older than visibility_timeout (default 1 h) is put back
in its queue and delivered to another worker. ETA/countdown tasks are held unacked until they
run, and acks_late tasks until they finish: past the timeout they run twice or more
(reproduced: visibility 120 s, countdown 600 s: executed 3 times).
celtool reads the oldest entry of unacked_index and takes the timeout from the workers' conf
(broker_transport_options) when they answer; CELTOOL_REDIS_VISIBILITY_TIMEOUT or the profile's
redis_visibility_timeout (a duration: 3600s, 1h) override it. The finding says which it used.
Fix: broker_transport_options = {'visibility_timeout': SECONDS} above the longest ETA,
countdown and acks_late run time, on workers and producers; avoid long ETAs (use a scheduler).
celtool lint: the longest countdown, ETA or retry delay in the code (and the
time limit under acks_late) / broker_transport_options visibility_timeout, when broker_url is redis.",
    },
    Entry {
        id: "redis.results.no-ttl",
        area: Area::Celery,
        title: "result keys without TTL",
        limits: above(Some(1.0), None, "sampled result keys without TTL"),
        explain: "\
What breaks: celery-task-meta-* keys without a TTL stay until someone deletes them; they fill
memory and, under an allkeys-* eviction policy, push out queues.
Why: result_expires = None (Celery stores with SET instead of SETEX), or keys written by an old
Celery. celtool reads the TTL of a bounded sample (1,000 keys from the bounded scan) and says
how many of how many have none. Results kept as queues (RabbitMQ's rpc:// and amqp://
backends) are results.flood.
Fix: result_expires (default 1 day) or task_ignore_result=True where nobody reads results;
celtool doctor --url redis://... --fix gives the existing keys a TTL (EXPIRE, in batches, journaled).",
    },
    Entry {
        id: "redis.reply.leaked",
        area: Area::Celery,
        title: "leaked remote-control reply lists",
        limits: above(Some(1.0), None, "reply lists idle 5 min without TTL"),
        explain: "\
What breaks: each `celery inspect` / control call creates a UUID.reply.celery.pidbox list for the
replies; a client that dies before reading them leaves the list and its messages behind for ever.
Many of them are memory nobody frees and a sign of killed monitoring scripts.
Fix: delete lists untouched for minutes (redis-cli -n DB DEL KEY); let inspect calls finish.",
    },
    Entry {
        id: "redis.rejected-connections",
        area: Area::Broker,
        title: "connections refused for maxclients",
        limits: None,
        explain: "\
What breaks: INFO stats rejected_connections counts clients Redis refused because maxclients
was reached: workers and publishers fail to connect (ConnectionError: max number of clients
reached). Critical when the connected clients are at maxclients now.
Fix: raise maxclients in redis.conf and the file-descriptor limit; lower broker_pool_limit and
worker processes; find clients that leak connections (redis-cli CLIENT LIST).",
    },
    Entry {
        id: "redis.persistence",
        area: Area::Broker,
        title: "a failed RDB snapshot or AOF write stops Redis accepting writes",
        limits: None,
        explain: "\
What breaks: when the last background save failed (INFO persistence rdb_last_bgsave_status:err)
and stop-writes-on-bgsave-error is yes (the default), Redis refuses every write with MISCONF:
publishers cannot send tasks, workers cannot acknowledge them or store results. A failed AOF
write (aof_last_write_status:err) refuses writes as well.
Why: the disk under `dir` is full or not writable, or fork() failed for lack of memory
(vm.overcommit_memory = 0 on a big instance).
Fix: read the Redis log, free the disk or fix permissions, set vm.overcommit_memory = 1, then
redis-cli BGSAVE and check INFO persistence.",
    },
    Entry {
        id: "host.nic.saturation",
        area: Area::Host,
        title: "a network interface near its link speed",
        limits: above(Some(0.7), Some(0.9), "throughput / link speed"),
        explain: "\
What breaks: a saturated network card drops and delays packets: broker clients time out,
heartbeats are missed, workers reconnect and the traffic grows further. The field report's Redis
broker saturated its 1 Gbit card with Celery's own event traffic (see redis.events.fanout).
celtool reads /proc/net/dev twice a moment apart and compares each interface's receive and
transmit rate with /sys/class/net/IF/speed. An interface whose driver publishes no speed (virtio
NICs read -1) is listed as ok with its throughput and the reason it cannot be judged; lo and
idle interfaces without a speed are skipped.
Fix: cut the traffic (event fan-out flags, results elsewhere), or move to a faster link.",
    },
    Entry {
        id: "cluster.partition",
        area: Area::Broker,
        title: "network partition between cluster nodes",
        limits: None,
        explain: "\
What breaks: the nodes on each side believe the others are down and go on alone: each side
accepts publishes and deliveries for the queues it holds, mirrors and masters diverge, and when
the partition heals RabbitMQ 3.x does not merge them (with the default partition handling,
ignore). Celery clients connected to different sides see different queues; tasks are lost or run
twice.
Why: the Erlang distribution link between the nodes was cut for longer than net_ticktime (60 s):
a network outage, a firewall dropping the distribution port (25672 by default), a VM paused or a
node swapping. /api/nodes lists the nodes a node is partitioned from in `partitions`.
Fix: decide which side to keep (the one with the most clients and messages), then restart
RabbitMQ on every node of the other side, one at a time:
  rabbitmqctl -n NODE stop_app && rabbitmqctl -n NODE start_app
Messages published only to the restarted side are lost. To avoid manual healing on 3 or more
nodes set cluster_partition_handling = pause_minority in rabbitmq.conf (a 2-node cluster cannot
have a majority side; use 3 nodes). RabbitMQ 4.3 keeps its metadata in Khepri (Raft), has no partition
handling strategies and always reports `partitions` empty: there a partition shows only as
nodes that are not running (broker.node.down, cluster.quorum.minority).",
    },
    Entry {
        id: "cluster.mirror.unsynchronised",
        area: Area::Broker,
        title: "a mirrored classic queue has mirrors missing some of its messages",
        limits: None,
        explain: "\
What breaks: a mirror that is not synchronised lacks messages the master holds. If the master's
node fails, an unsynchronised mirror is promoted (ha-promote-on-failure = always, the default)
and the messages it lacks are lost, or no mirror is promoted (when-synced) and the queue is down
until the node returns. Critical when no mirror is synchronised and the queue holds messages.
Why: a mirror that joins (its node restarted, a new node) starts empty; with ha-sync-mode manual
(the default) it only catches up as the old messages are consumed. /api/queues shows the mirror
in slave_nodes but not in synchronised_slave_nodes.
Fix: celtool never synchronises by itself, because synchronising blocks the queue: publishers and
consumers wait until every message is copied, which for a large queue is minutes. Either let
consumers drain the queue (the mirror catches up as old messages are consumed), or synchronise in
a quiet moment:
  rabbitmqctl sync_queue -p VHOST QUEUE
  rabbitmqctl cancel_sync_queue -p VHOST QUEUE   (to stop it)
ha-sync-mode = automatic does the same after every restart; only for small queues. Mirroring is
removed in RabbitMQ 4.0: see `celtool explain rabbitmq4.mirroring-removed`.",
    },
    Entry {
        id: "cluster.mirror.sync-critical",
        area: Area::Broker,
        title: "stopping this node would lose messages of mirrored queues",
        limits: None,
        explain: "\
What breaks: nothing yet. The broker's own check node-is-mirror-sync-critical says some mirrored
classic queues have no synchronised mirror on another node, so stopping the node serving the
API (an upgrade, a reboot) loses their messages.
Fix: synchronise the mirrors first (see cluster.mirror.unsynchronised) or drain the queues, then
stop the node. The check exists on 3.x only.",
    },
    Entry {
        id: "cluster.queue.node-down",
        area: Area::Broker,
        title: "a classic queue lives on a node that is down",
        limits: None,
        explain: "\
What breaks: a classic queue has one master; while its node is down the queue takes and delivers
nothing: publishes routed only to it are dropped (or returned with mandatory), consumers get
nothing, and a durable queue cannot be declared again elsewhere. A mirrored queue stays down
when none of its mirrors was synchronised (ha-promote-on-shutdown = when-synced, the default).
Fix: start RabbitMQ on that node again. If the node is lost for good, so are the messages of
queues that were not replicated: remove it from the cluster (rabbitmqctl forget_cluster_node
NODE on a running node) and declare the queues again. For queues that must survive a node, use
quorum queues.",
    },
    Entry {
        id: "cluster.quorum.minority",
        area: Area::Broker,
        title: "a quorum queue has lost the majority of its members",
        limits: None,
        explain: "\
What breaks: a quorum queue needs a majority of its members (2 of 3, 3 of 5, 2 of 2) online to
accept or deliver anything; below that it is unavailable. Celery publishers get errors or block
(with confirm_publish), workers consuming it get nothing.
Why: the nodes of the missing members are stopped, crashed or partitioned away. A quorum queue
on a 2-node cluster has 2 members: either node down takes it below its majority.
Fix: start RabbitMQ on the missing members' nodes; never delete their data directories (that
destroys the member for good). Watch recovery with:
  rabbitmq-queues quorum_status -p VHOST QUEUE
If a majority is lost for good the queue cannot recover by itself: see the quorum queue
documentation (rabbitmq.com/docs/quorum-queues, replica management). Run at least 3 nodes.",
    },
    Entry {
        id: "cluster.quorum.no-leader",
        area: Area::Broker,
        title: "a quorum queue has no elected leader",
        limits: None,
        explain: "\
What breaks: without a leader a quorum queue takes and delivers nothing, even when a majority
of its members runs.
Why: an election is in progress (seconds after a node stopped), the leader's node is down, or
the members cannot elect one. celtool reads the queue's leader and online members; 4.x brokers
also answer /api/health/checks/quorum-queues-without-elected-leaders.
Fix: rabbitmq-queues quorum_status -p VHOST QUEUE; start members' nodes that are down; if every
member runs and none leads, restart RabbitMQ on the members' nodes one at a time.",
    },
    Entry {
        id: "cluster.quorum.critical",
        area: Area::Broker,
        title: "stopping this node would take quorum queues below their majority",
        limits: None,
        explain: "\
What breaks: nothing yet. The broker's check node-is-quorum-critical says that some quorum queues
would lose their majority if the node serving the API stopped: a rolling upgrade or a reboot of
that node now makes them unavailable.
Why: the queues' other members are down or behind, or the queues have only 2 members (always
critical on a 2-node cluster).
Fix: wait until the other members are back and caught up; run at least 3 nodes and grow the
queues onto them (rabbitmq-queues grow NODE all). Check before each node restart:
  rabbitmq-queues check_if_node_is_quorum_critical",
    },
    Entry {
        id: "cluster.health",
        area: Area::Broker,
        title: "the broker's own health checks",
        limits: None,
        explain: "\
What breaks: depends on the check: alarms / local-alarms (publishers blocked), virtual-hosts (a
vhost is down on the node), port-listener / protocol-listener (the node does not accept AMQP
connections), is-in-service (the node is booting, stopping or drained for maintenance).
Why: celtool asks /api/health/checks/* on the node serving the management API: 200 is a pass,
503 a failure with the broker's reason. Checks this version does not have (404, 400: 3.10 has
no is-in-service or quorum-queues-without-elected-leaders) are left out quietly; the ok finding
counts what passed, what is not offered and what could not be read.
Fix: the remedy names the rabbitmq-diagnostics command for the failed check.",
    },
    Entry {
        id: "cluster.cert.expiry",
        area: Area::Broker,
        title: "a TLS listener's certificate expires soon or has expired",
        limits: None,
        explain: "\
What breaks: once the certificate (or its CA bundle) has expired, TLS clients refuse to connect:
Celery workers cannot reconnect after any network blip.
Why: /api/health/checks/certificate-expiration/30/days lists listeners whose certfile or
cacertfile expires within 30 days. Critical when the date has passed.
Fix: install the renewed files at the same paths, then make the node read them:
  rabbitmqctl -n NODE eval 'ssl:clear_pem_cache().'
  rabbitmq-diagnostics -n NODE certificates",
    },
    Entry {
        id: "rabbitmq4.deprecated-feature",
        area: Area::Broker,
        title: "a deprecated RabbitMQ feature is in use",
        limits: None,
        explain: "\
What breaks: a deprecated feature goes through phases: permitted by default, denied by default
(works only if rabbitmq.conf says deprecated_features.permit.NAME = true), removed. RabbitMQ 4.3
denies global_qos, transient_nonexcl_queues, queue_master_locator and amqp_address_v1 by default;
4.0 removed classic_queue_mirroring.
Why: GET /api/deprecated-features/used (RabbitMQ 3.13 and later, administrator tag) lists what
the cluster uses. What each means for Celery:
- classic_queue_mirroring: see rabbitmq4.mirroring-removed.
- transient_nonexcl_queues: Celery <= 5.6 declares its event and control queues so; see
  rabbitmq4.transient-queues.
- global_qos: Celery workers on classic queues ask for it; 4.3 turns it into a per-consumer
  prefetch. Celery >= 5.5 on quorum task queues stops asking (worker_detect_quorum_queues).
- management_metrics_collection: the management API's statistics are on their way out; plan
  monitoring on the Prometheus plugin.
- ram_node_type: change RAM nodes to disk nodes.
Fix: the remedy of each finding says what to change.",
    },
    Entry {
        id: "rabbitmq4.transient-queues",
        area: Area::Broker,
        title: "transient non-exclusive queues, refused by RabbitMQ 4.3",
        limits: None,
        explain: "\
What breaks: RabbitMQ 4.3 refuses to declare a queue that is both non-durable and non-exclusive
(deprecated feature transient_nonexcl_queues, denied by default): the declaration fails with
541 INTERNAL_ERROR and Celery workers fail at start-up; Flower and `celery events` cannot
subscribe.
Why: Celery up to 5.6 declares its event queues (celeryev.<uuid>) and worker mailboxes
(<node>.celery.pidbox) durable false, exclusive false. Celery 5.6 added control_queue_exclusive
and event_queue_exclusive (default False); Celery 5.7 made both default True. A warning on 4.x and
3.13, information on older brokers (see rabbitmq4.readiness).
Fix: upgrade Celery to 5.7 on every worker and monitor, or on Celery 5.6 set
  control_queue_exclusive = True
  event_queue_exclusive = True
(old-style names CELERY_CONTROL_QUEUE_EXCLUSIVE, CELERY_EVENT_QUEUE_EXCLUSIVE). Declare other
applications' queues durable (with x-expires for cleanup) or exclusive. As a stopgap, every node
of a 4.3 cluster can permit them: deprecated_features.permit.transient_nonexcl_queues = true in
rabbitmq.conf, set on all nodes before the upgrade.",
    },
    Entry {
        id: "rabbitmq4.delivery-limit",
        area: Area::Broker,
        title: "a Celery quorum queue drops tasks after 20 redeliveries (RabbitMQ 4)",
        limits: None,
        explain: "\
What breaks: since RabbitMQ 4.0 every quorum queue has a delivery limit (20 unless set): a
message delivered that many times is dead-lettered, or dropped when the queue has no dead-letter
target. With task_acks_late a task whose worker dies or is killed mid-task (OOM, a time limit,
a poison payload) is redelivered each time and then silently disappears.
Why: the queue is a Celery task queue of type quorum; on 4.x the queue reports its limit as
delivery_limit; 3.x brokers have no limit until the upgrade (see rabbitmq4.readiness).
Fix: give the task queues a dead-letter target, and a limit that suits them, by policy:
  rabbitmqctl set_policy -p VHOST --apply-to quorum_queues celery-dlx '^celery$' \\
    '{\"dead-letter-exchange\":\"celery.dlx\",\"delivery-limit\":50}'
and bind a queue to the celery.dlx exchange to keep what was given up. A limit of -1 disables it;
the RabbitMQ team advises against that (a requeue loop grows the Raft log until the disk fills).",
    },
    Entry {
        id: "rabbitmq4.mirroring-removed",
        area: Area::Broker,
        title: "ha-* policy on RabbitMQ 4: the queues are not replicated",
        limits: None,
        explain: "\
What breaks: RabbitMQ 4.0 removed classic queue mirroring: ha-mode, ha-params, ha-sync-mode and
the other ha-* policy keys have no effect. The queues they named keep working on one node only;
when that node is lost, so are their messages, and nothing says so.
Migrating a Celery fleet from mirrored classic queues to quorum queues (do it on 3.13 before the
upgrade, or now):
1. Celery >= 5.5 on every worker and producer (quorum queue support, task_default_queue_type,
   worker_detect_quorum_queues, native delayed delivery for ETA/countdown tasks).
2. A queue's type cannot change in place (redeclaring gives PRECONDITION_FAILED): make new ones,
   most simply in a new vhost (blue-green): rabbitmqctl add_vhost celery-qq; set permissions.
3. Celery settings for the new vhost:
     task_default_queue_type = 'quorum'           # the default queue (celery)
     task_queues = [Queue('name', queue_arguments={'x-queue-type': 'quorum'}), ...]
     broker_transport_options = {'confirm_publish': True}
     worker_detect_quorum_queues = True          # the default: turns global QoS off
   Quorum queues do not support global QoS: worker autoscaling and prefetch reduction stop
   working, and ETA/countdown tasks go through native delayed delivery (Celery 5.5+).
4. Start workers on the new vhost, switch producers to it, let the old workers drain the old
   queues, then stop them.
5. Give the quorum task queues a dead-letter target (see rabbitmq4.delivery-limit).
6. Event and control queues (celeryev.*, *.celery.pidbox) stay classic and unreplicated; make
   them exclusive (see rabbitmq4.transient-queues).
7. Remove the ha-* keys: rabbitmqctl clear_policy -p VHOST NAME.
See rabbitmq.com/docs/migrate-mcq-to-qq.",
    },
    Entry {
        id: "rabbitmq4.readiness",
        area: Area::Broker,
        title: "ready for RabbitMQ 4? (on a 3.x broker)",
        limits: None,
        explain: "\
What it says: for a RabbitMQ 3.x broker, what must change before an upgrade to 4.x keeps the
Celery fleet working: the path (4.0 upgrades in place only from 3.13 with every feature flag
enabled), ha-* policies (replication silently gone, rabbitmq4.mirroring-removed), transient
non-exclusive queues (refused by 4.3, rabbitmq4.transient-queues), channels using global QoS
(per-consumer from 4.3), Celery quorum task queues without a delivery limit (20 from 4.0,
rabbitmq4.delivery-limit), and the deprecated features the broker reports in use (3.13+, needs
the administrator tag).
Severity: information (ok) on brokers before 3.13, a warning on 3.13, whose next upgrade is 4.0.
Before 3.13 the summary reads \"upgrade plan for RabbitMQ 4\", from 3.13 on \"not ready for
RabbitMQ 4\". The subject is the node answering, as broker.version and the node findings name it.
celtool's 4.x checks are tested on answers recorded from the RabbitMQ 4.x sources and release
notes (tests/fixtures/rabbitmq4), not on a live 4.x broker.",
    },
    Entry {
        id: "broker.connections.proxy",
        area: Area::Broker,
        title: "all connections come from one peer (a proxy or load balancer)",
        limits: None,
        explain: "\
What it says: every connection the broker has comes from the same peer address, as behind HAProxy,
an ELB or another TCP load balancer (or when every client runs on one host). The broker then
sees the proxy, not the clients: findings that name peers (top talkers, connections in flow or
without heartbeat) name the proxy, and celtool cannot tell Celery worker hosts apart.
Fix: to see the real clients, read the proxy's logs, or enable the PROXY protocol on both ends
(proxy_protocol = true in rabbitmq.conf, send-proxy on the HAProxy server line; then every
client must come through the proxy).",
    },
    Entry {
        id: "workers.unreachable",
        area: Area::Celery,
        title: "the workers of a vhost could not be asked over AMQP",
        limits: None,
        explain: "\
What breaks: hung, missing and misconfigured workers of that vhost cannot be seen; the other
vhosts' results stand. celtool exits 3 unless something is critical.
Why: celtool asks the workers through Celery's remote control (the celery.pidbox exchange) over
AMQP, which needs the AMQP port (5672, or 5671 with TLS), not only the management port. The
connection was refused, timed out, or the user may not use the vhost. Every step of the probe
(connect, declare, publish, delete, close) waits at most --timeout, and all of them end at the
run's --deadline: the finding says which step ran out. A step that runs out after the request
was published may mean the broker blocked the connection (an alarm raised during the probe);
celtool then abandons the connection, and its exclusive reply queue stays until the broker
reads the connection's end.
Fix: give the AMQP URL when it is not the management host: --amqp-url amqp://HOST:5672 (or
CELTOOL_AMQP_URL, or amqp_url in the profile); the management user and password are used. The
user needs configure, write and read on the pidbox exchanges and its reply queue:
  rabbitmqctl set_permissions -p VHOST USER '.*pidbox$' '.*pidbox$' '.*pidbox$'",
    },
    Entry {
        id: "workers.not-asked",
        area: Area::Celery,
        title: "the workers were not asked because an alarm blocks publishers",
        limits: None,
        explain: "\
What it says: a memory or disk alarm is in effect, so celtool did not ask the workers of that
vhost; hung, missing and misconfigured workers cannot be seen until it clears. celtool exits 3
for this (doctor exits 2 anyway: the alarm itself is critical; ping and fleet exit 3).
Why: asking a worker means publishing a request to the celery.pidbox exchange. During an alarm
RabbitMQ blocks every connection that publishes and stops reading from it until the alarm
clears: the probe would wait with it, and its reply queue would stay on the broker. So before it
publishes, celtool looks for an alarm (the nodes doctor read, or the cheap
/api/health/checks/alarms for ping and fleet) and does not publish while one is on. The workers'
own replies are publishes too: during an alarm they could not answer anyway.
Fix: clear the alarm (see `celtool explain broker.alarm.memory` and broker.alarm.disk), then run
again.",
    },
    Entry {
        id: "workers.hung",
        area: Area::Celery,
        title: "a worker keeps its connection but does not answer ping",
        limits: None,
        explain: "\
What breaks: the worker holds its prefetched and running tasks and takes no new ones; its
connection stays \"running\" for minutes (a stopped process does not miss heartbeats at once), so
nothing on the broker side looks wrong. A queue it serves alone stops moving.
Why: Celery's main process answers remote control between tasks and I/O; it does not answer when
it is stopped (SIGSTOP, a debugger, heavy swapping), blocked in C code holding the GIL, or in a
deadlock. celtool pings the nodes whose mailbox (NODE.celery.pidbox) has a consumer; a node that
answers neither the first ping nor a second one aimed at it is hung. (A worker that exits between
the broker listing and the ping can look hung once; run again.) On Redis the mailboxes are the
members of _kombu.binding.celery.pidbox, which outlive a killed worker: a silent node is hung only
when shown connected, by its sockets on this host (its Redis connections are named) or because
more pidbox subscribers received the ping than workers answered.
Fix: on the worker's host, find where it is stuck: py-spy dump --pid PID (the main process;
`celtool workers` there lists it), then restart the worker: `celtool workers reap --hung --yes` on
that host ends exactly the hung workers (SIGTERM, SIGKILL after --grace; journaled) so their
supervisor starts fresh ones, as a cron restart would, but only for those. Bound every task with task_time_limit
and task_soft_time_limit so one blocked task cannot hold a process forever.",
    },
    Entry {
        id: "workers.missing",
        area: Area::Celery,
        title: "fewer workers answer than expected",
        limits: None,
        explain: "\
What breaks: the work of the missing workers is not done, or is done by fewer processes than
planned. Celery 5 declares a worker's mailbox auto-delete and exclusive: a worker killed with -9
vanishes from the broker without a trace, so only a count of who answers shows it.
Why: the profile's expect_workers says how many workers (a number) or which (node name globs)
should answer ping, or `celtool ping --expect N --match GLOB` says so for one run.
Fix: start the missing workers (check their supervisor, systemd unit or pod); correct
expect_workers when the fleet was resized on purpose.",
    },
    Entry {
        id: "workers.queue-unserved",
        area: Area::Celery,
        title: "a task queue's consumers are none of the workers that answer",
        limits: None,
        explain: "\
What breaks: the queue holds ready messages and shows consumers, so broker-side checks see a
served queue, but every consumer is a worker that does not answer (hung) or something that is
not a Celery worker. The messages wait.
Why: the queue's consumers (their connections) are matched to the workers that answered ping, by
their mailbox's connection and by the queues each worker reports consuming (active_queues).
Fix: see the workers.hung findings and restart those workers; `celtool connections` shows who
consumes the queue.",
    },
    Entry {
        id: "workers.acks-late",
        area: Area::Celery,
        title: "late acks without prefetch 1 or reject_on_worker_lost",
        limits: None,
        explain: "\
What breaks: with task_acks_late a message is acknowledged after the task ran. With
worker_prefetch_multiplier > 1 a worker holds several unacknowledged messages; when it dies they
all run again elsewhere (duplicates), and long tasks hold fast ones in its prefetch. Without
task_reject_on_worker_lost a task whose pool process was killed (OOM, SIGKILL) is acknowledged
anyway and silently lost, which is what acks_late was meant to prevent.
Why: read from each worker's configuration (conf, with defaults). The finding names which of
the two settings is wrong (with each worker's multiplier, and the workers concerned when not all
are), and its fix asks only for the setting that is not already right.
Fix: task_acks_late = True together with worker_prefetch_multiplier = 1 and
task_reject_on_worker_lost = True, and idempotent tasks.
celtool lint: the same rule on the configuration files, with the lines to write.",
    },
    Entry {
        id: "workers.no-recycle",
        area: Area::Celery,
        title: "high RSS and no max-tasks or max-memory per child",
        limits: above(Some(1024.0), None, "MiB resident: the biggest pool process where this host sees it, else the main process's peak (getrusage maxrss)"),
        explain: "\
What breaks: a task that leaks memory grows its pool process until the host swaps or the OOM
killer ends a random process; nothing replaces the process before.
Why: neither worker_max_tasks_per_child nor worker_max_memory_per_child is set, and memory is over
the threshold. The workers report their pool processes' pids (stats pool.processes) but only the
main process's peak RSS (stats rusage maxrss), which a leaking pool process does not raise. When
the worker runs on the host doctor runs on (its main pid is a Celery process here and the pool
pids its children), each pool process's resident memory is read from /proc and the biggest is
judged. From another host (a monitoring host) only the main's peak can be judged, and the finding
says, as ok, that the pool is seen only on the worker's own host: run `celtool doctor --only
host` there (host.workers.rss judges every Celery process).
Fix: worker_max_memory_per_child = 512000 (KiB) or worker_max_tasks_per_child = 1000: Celery
replaces a pool process past the limit after its current task.
celtool lint: said as ok (a note), since files show no memory.",
    },
    Entry {
        id: "workers.task-events",
        area: Area::Celery,
        title: "task events are on across many workers",
        limits: above(Some(10.0), None, "workers with task events on in a vhost"),
        explain: "\
What breaks: every task then sends several event messages (received, started, succeeded...) to
the celeryev exchange: on a busy fleet this is most of the broker's traffic, and event queues
that nobody drains fill memory.
Why: worker_send_task_events (or -E, or Flower's enable_events every few seconds) is on.
Fix: turn task events on only while something watches them; drop -E and set
worker_send_task_events = False; start Flower with --enable-events=False where it is not needed.
celtool lint: on the worker nodes the deploy files start (replicas x nodes).",
    },
    Entry {
        id: "workers.results-unread",
        area: Area::Celery,
        title: "results are stored and nobody reads them",
        limits: None,
        explain: "\
What breaks: each task's result is written to the backend; with the rpc:// backend on RabbitMQ
they pile up in reply queues nobody consumes (memory, then the broker's alarm).
Why: task_ignore_result is False and a result_backend is set, while result queues in the vhost
hold ready messages and have no consumer.
Fix: task_ignore_result = True, and ignore_result=False only on tasks whose result is read; set
result_expires to bound what is kept.",
    },
    Entry {
        id: "workers.event-queue-ttl",
        area: Area::Celery,
        title: "event_queue_ttl or event_queue_expires is unset",
        limits: None,
        explain: "\
What breaks: the event queues these workers and their monitors declare keep every event until
someone reads it: an event queue whose consumer went away grows without bound.
Why: event_queue_ttl is None or 0 (Celery 3.1 behaviour; Celery >= 4 defaults to 5 s).
Fix: event_queue_ttl = 5.0 and event_queue_expires = 60.0; `celtool fix event-queues` puts a
policy on queues that exist already.
celtool lint: also event_queue_expires set to None or 0.",
    },
    Entry {
        id: "workers.heartbeat-off",
        area: Area::Celery,
        title: "broker heartbeats are off on workers",
        limits: None,
        explain: "\
What breaks: a connection whose peer died (a host gone, a NAT timeout) is noticed only by TCP,
which can take hours; the broker keeps its unacknowledged messages and consumers meanwhile.
Why: broker_heartbeat = 0 in the worker's configuration.
Fix: leave broker_heartbeat at its default (120 s) or set a value like 60.
celtool lint: the same rule on the configuration files.",
    },
    Entry {
        id: "workers.no-time-limit",
        area: Area::Celery,
        title: "tasks run long and no time limit is set",
        limits: above(Some(300.0), None, "seconds the oldest active task has run"),
        explain: "\
What breaks: a task that hangs (a network call without timeout, a lock) holds its pool process
forever; enough of them and the worker stops working without dying.
Why: no task_time_limit / task_soft_time_limit and no pool timeouts, while an active task has run
past the threshold. Per-task limits (time_limit= on the task) are not visible remotely.
Fix: task_soft_time_limit (raises SoftTimeLimitExceeded in the task) and task_time_limit (kills
the process) a little above the longest legitimate runtime.
celtool lint: warns when neither limit (nor --time-limit) is set at all.",
    },
    Entry {
        id: "workers.prefetch-long-tasks",
        area: Area::Celery,
        title: "a worker prefetches several messages while running long tasks",
        limits: above(Some(60.0), None, "seconds the oldest active task has run"),
        explain: "\
What breaks: the messages a worker prefetched wait until its long task ends, while other workers
may be idle: latency for everything behind it.
Why: worker_prefetch_multiplier > 1 (the default is 4: 4 messages per pool process) and an
active task has run past the threshold.
Fix: worker_prefetch_multiplier = 1 on workers that run long tasks, ideally on a queue of their
own.",
    },
    Entry {
        id: "workers.consumer-timeout",
        area: Area::Celery,
        title: "a delivery may outlive RabbitMQ's consumer_timeout",
        limits: Some(Limits { warn: Some(1440.0), crit: Some(1800.0), direction: Direction::Above, unit: "seconds the oldest active task has run (consumer_timeout default 1800)" }),
        explain: "\
What breaks: RabbitMQ (>= 3.8.15) closes a channel that holds a delivery unacknowledged longer
than consumer_timeout (30 min by default): the worker reconnects, and every message it held is
redelivered, so tasks run twice.
Why: an active task has run past the threshold while the worker holds unacknowledged deliveries
(a late-acked active task, or prefetched reserved messages waiting behind it). Set the
thresholds to your broker's consumer_timeout when it is not the default; the management API does
not show it.
Fix: keep tasks well under consumer_timeout (task_time_limit), give long tasks their own queue
and workers with worker_prefetch_multiplier = 1, or raise consumer_timeout (rabbitmq.conf, or
the x-consumer-timeout queue argument / policy key in RabbitMQ >= 3.12).
celtool lint: the longest countdown, ETA or retry delay in the code (and the
time limit under acks_late) against the same thresholds, when broker_url is amqp.",
    },
    Entry {
        id: "delayed.binding",
        area: Area::Celery,
        title: "a quorum task queue has no delayed-delivery path",
        limits: None,
        explain: texts::DELAYED_BINDING,
    },
    Entry {
        id: "delayed.direct-exchange",
        area: Area::Celery,
        title: "a quorum task queue behind a direct exchange (no native delayed delivery)",
        limits: None,
        explain: texts::DELAYED_DIRECT_EXCHANGE,
    },
    Entry {
        id: "delayed.celery-version",
        area: Area::Celery,
        title: "a worker on quorum queues runs a Celery with known delayed-delivery bugs",
        limits: None,
        explain: texts::DELAYED_CELERY_VERSION,
    },
    Entry {
        id: "delayed.level",
        area: Area::Celery,
        title: "delayed-delivery level queues missing or declared otherwise",
        limits: None,
        explain: texts::DELAYED_LEVEL,
    },
    Entry {
        id: "delayed.stuck",
        area: Area::Celery,
        title: "messages held in a delayed-delivery level past its TTL",
        limits: above(None, Some(1.0), "messages past their level's TTL (messages_dlx) in one level queue"),
        explain: texts::DELAYED_STUCK,
    },
    Entry {
        id: "consumer-timeout.forecast",
        area: Area::Celery,
        title: "a held delivery will outlive its queue's consumer timeout",
        limits: above(Some(0.8), Some(1.0), "hold / the queue's effective consumer timeout (ETA tasks: time until due; late-acked active tasks: runtime)"),
        explain: texts::CONSUMER_TIMEOUT_FORECAST,
    },
    Entry {
        id: "workers.mixed-queue",
        area: Area::Celery,
        title: "slow and fast tasks share one queue",
        limits: above(Some(2.0), None, "seconds a task has run to count as slow"),
        explain: "\
What breaks: fast tasks queued behind slow ones wait for them, in the queue and in every
worker's prefetch: a 2 ms task takes as long as the slowest task it is stuck behind.
Why: in one queue, some task names are seen running past the threshold (active) while the same
workers also run other names (active, reserved, or completed since start). This is a sample:
run it while the slow tasks run. One task name that is both fast and slow is
workers.mixed-durations.
Fix: route the slow task names to a queue of their own with task_routes (the finding gives the
line), start workers for that queue, and set worker_prefetch_multiplier = 1.",
    },
    Entry {
        id: "workers.mixed-durations",
        area: Area::Celery,
        title: "one task name runs both fast and slow in one queue",
        limits: above(Some(2.0), None, "seconds of the slowest run of a task name whose fastest tenth runs under `fast`"),
        explain: texts::WORKERS_MIXED_DURATIONS,
    },
    Entry {
        id: "events.heartbeats",
        area: Area::Celery,
        title: "worker heartbeats and gossip dominate broker traffic",
        limits: above(Some(200.0), None, "worker-event deliveries/s"),
        explain: texts::EVENTS_HEARTBEATS,
    },
    Entry {
        id: "broker.alarm.forecast",
        area: Area::Broker,
        title: "a memory or disk alarm is near at the current slope",
        limits: Some(Limits { warn: Some(3600.0), crit: Some(600.0), direction: Direction::Below, unit: "seconds until the watermark at the current slope" }),
        explain: texts::BROKER_ALARM_FORECAST,
    },
    Entry {
        id: "cluster.links",
        area: Area::Broker,
        title: "a cluster member without a distribution link to another",
        limits: None,
        explain: texts::CLUSTER_LINKS,
    },
    Entry {
        id: "cluster.metadata-store",
        area: Area::Broker,
        title: "the RabbitMQ 4.x metadata store (Khepri) health checks",
        limits: None,
        explain: texts::CLUSTER_METADATA_STORE,
    },
    Entry {
        id: "cluster.quorum.sync",
        area: Area::Broker,
        title: "a quorum queue member that does not vote yet or lags its leader (RabbitMQ 4.x)",
        limits: above(Some(100000.0), None, "log entries a voting member is behind its leader's commit index"),
        explain: texts::CLUSTER_QUORUM_SYNC,
    },
    Entry {
        id: "broker.unroutable",
        area: Area::Broker,
        title: "messages reach no queue (dropped or returned)",
        limits: above(Some(1.0), None, "unroutable messages/s in one vhost (exchange in minus out)"),
        explain: texts::BROKER_UNROUTABLE,
    },
    Entry {
        id: "broker.churn",
        area: Area::Broker,
        title: "connections opened and closed at a high rate",
        limits: above(Some(20.0), None, "connections opened per second on the node (overview churn_rates)"),
        explain: texts::BROKER_CHURN,
    },
    Entry {
        id: "broker.publish.confirms",
        area: Area::Broker,
        title: "channels in publisher-confirm mode",
        limits: above(Some(500.0), None, "confirms/s in one vhost"),
        explain: texts::BROKER_PUBLISH_CONFIRMS,
    },
    Entry {
        id: "broker.api.value",
        area: Area::Broker,
        title: "the broker sent a missing or impossible value",
        limits: None,
        explain: texts::BROKER_API_VALUE,
    },
    Entry {
        id: "broker.stats.off",
        area: Area::Broker,
        title: "figures not published by this broker",
        limits: None,
        explain: texts::BROKER_STATS_OFF,
    },
    Entry {
        id: "broker.queues.unlisted",
        area: Area::Broker,
        title: "a queue listing the broker could not answer in time, or too big to ask for",
        limits: above(Some(50_000.0), None, "queues on the node (the overview's totals) from which doctor reads the definitions first, and lists no queue when they hold as many; crit is not used"),
        explain: texts::BROKER_QUEUES_UNLISTED,
    },
    Entry {
        id: "broker.api.skipped",
        area: Area::Broker,
        title: "records of a listing that could not be read",
        limits: None,
        explain: texts::BROKER_API_SKIPPED,
    },
    Entry {
        id: "broker.vhost",
        area: Area::Broker,
        title: "the vhost asked for does not exist",
        limits: None,
        explain: texts::BROKER_VHOST,
    },
    // `celtool lint` (src/lint/): static checks of configuration files.
    Entry {
        id: "lint.unreadable",
        area: Area::Celery,
        title: "a file lint cannot read: a template, a syntax error, bad YAML",
        limits: None,
        explain: texts::LINT_UNREADABLE,
    },
    Entry {
        id: "lint.unresolved",
        area: Area::Celery,
        title: "a setting or option lint cannot know from the files",
        limits: None,
        explain: texts::LINT_UNRESOLVED,
    },
    Entry {
        id: "lint.no-config",
        area: Area::Celery,
        title: "no Celery configuration or worker command line in the files",
        limits: None,
        explain: texts::LINT_NO_CONFIG,
    },
    Entry {
        id: "lint.unknown-setting",
        area: Area::Celery,
        title: "a name that is no Celery setting (did you mean ...?)",
        limits: None,
        explain: texts::LINT_UNKNOWN_SETTING,
    },
    Entry {
        id: "lint.ignored-name",
        area: Area::Celery,
        title: "a setting name Celery ignores where it is written (old names under a namespace)",
        limits: None,
        explain: texts::LINT_IGNORED_NAME,
    },
    Entry {
        id: "lint.mixed-names",
        area: Area::Celery,
        title: "old and new setting names mixed: Celery refuses to start",
        limits: None,
        explain: texts::LINT_MIXED_NAMES,
    },
    Entry {
        id: "lint.remote-control-off",
        area: Area::Celery,
        title: "worker_enable_remote_control is off: no ping, probe or doctor worker check works",
        limits: None,
        explain: texts::LINT_REMOTE_CONTROL_OFF,
    },
    Entry {
        id: "lint.soft-shutdown-grace",
        area: Area::Celery,
        title: "worker_soft_shutdown_timeout not shorter than the stop grace period",
        limits: None,
        explain: texts::LINT_SOFT_SHUTDOWN_GRACE,
    },
];

/// The catalog entry for an ID.
pub fn entry(id: &str) -> Option<&'static Entry> {
    use std::collections::HashMap;
    use std::hash::BuildHasherDefault;
    use std::sync::OnceLock;
    // Asked for each finding made and, by the checks' loops, for each queue of a listing: a
    // scan of the catalog was 1.4 % of a doctor run at 10 000 queues.
    type Index = HashMap<&'static str, &'static Entry, BuildHasherDefault<Fnv>>;
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX
        .get_or_init(|| CATALOG.iter().map(|e| (e.id, e)).collect())
        .get(id)
        .copied()
}

/// FNV-1a, for the catalog's index: its keys are celtool's own IDs, short and fixed at build
/// time (a look-up of any other text only misses), so no hash flooding to guard against.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The area of a finding ID. Every ID the code emits is in the catalog: a unit test scans the
/// sources for them, and debug builds (the tests) stop on an unknown one here.
pub fn area_of(id: &str) -> Area {
    match entry(id) {
        Some(e) => e.area,
        None => {
            debug_assert!(false, "finding ID {id} is not in the catalog");
            Area::Broker
        }
    }
}

/// True when `pattern` names this ID exactly or a dotted prefix of it (`events` skips `events.*`).
pub fn matches(pattern: &str, id: &str) -> bool {
    id == pattern
        || id
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_dotted_and_explained() {
        let mut seen = std::collections::HashSet::new();
        for e in CATALOG {
            assert!(seen.insert(e.id), "duplicate id {}", e.id);
            assert!(e.id.contains('.'), "id {} is not dotted", e.id);
            assert!(e.explain.len() > 80, "explanation of {} too short", e.id);
            assert!(!e.explain.to_lowercase().contains("use pickle"));
        }
    }

    #[test]
    fn skip_patterns_match_ids_and_dotted_prefixes() {
        assert!(matches("events.no-ttl", "events.no-ttl"));
        assert!(matches("events", "events.no-ttl"));
        assert!(!matches("event", "events.no-ttl"));
        assert!(!matches("events.no", "events.no-ttl"));
    }

    /// Every string in the sources shaped like a finding ID (an area prefix, a dot, a name)
    /// outside test code must be a catalog ID with an explanation: a check cannot emit an ID
    /// that `celtool explain` and `--skip` do not know.
    #[test]
    fn every_id_in_the_code_is_in_the_catalog() {
        let prefixes: std::collections::BTreeSet<&str> = CATALOG
            .iter()
            .filter_map(|e| e.id.split('.').next())
            .collect();
        // Names of that shape that are not finding IDs.
        let not_ids = ["celery.pidbox", "reply.celery.pidbox", "celery.py"];
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src];
        let mut unknown = Vec::new();
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let path = e.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if path.is_dir() {
                    if name != "tests" {
                        stack.push(path);
                    }
                    continue;
                }
                if !name.ends_with(".rs") || name.ends_with("tests.rs") {
                    continue;
                }
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                for literal in code.split('"').skip(1).step_by(2) {
                    let Some((prefix, rest)) = literal.split_once('.') else {
                        continue;
                    };
                    let shaped = prefixes.contains(prefix)
                        && !rest.is_empty()
                        && literal.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c)
                        });
                    // A literal ending in '.' is a prefix (`starts_with`): some ID must have it.
                    let known = if literal.ends_with('.') {
                        CATALOG.iter().any(|e| e.id.starts_with(literal))
                    } else {
                        entry(literal).is_some()
                    };
                    if shaped && !not_ids.contains(&literal) && !known {
                        unknown.push(format!("{}: {literal}", path.display()));
                    }
                }
            }
        }
        assert!(files > 40, "scanned only {files} files");
        assert!(unknown.is_empty(), "IDs not in the catalog: {unknown:#?}");
    }
}
