//! The catalog of finding IDs: area, title, default thresholds and the long explanation behind
//! `celtool explain ID`. IDs are a scripting contract; never rename one.

use crate::report::Area;

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
stall on a large list, the run's --deadline passing before it arrived, a server error.
Fix: read the message; retry with a larger --timeout (or --deadline, when it names the deadline);
check the node named in it.",
    },
    Entry {
        id: "broker.version",
        area: Area::Broker,
        title: "RabbitMQ version and cluster",
        limits: None,
        explain: "\
Informational: the RabbitMQ and management versions celtool read. celtool works with 3.8 to 4.x.
Versions before 3.8 are not supported and reported as a warning. Classic queue mirroring
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
Why: a connection that consumes from a queue negotiated heartbeat timeout 0. Celery 3.1
defaulted to no heartbeat. (Celery's own publisher connections run without heartbeats; they
hold no messages, so celtool does not count them.)
Fix: set broker_heartbeat = 120 (old name BROKER_HEARTBEAT) in the Celery config, or lower the
server default `heartbeat` in rabbitmq.conf; never set it to 0.",
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
Fix: in rabbitmq.conf set management.rates_mode = basic (or none),
collect_statistics_interval = 30000, shorter management.sample_retention_policies; consider
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
(publish rate above deliver rate) and, if it drains, in about how long.
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
        title: "Celery's own events dominate broker traffic",
        limits: above(Some(0.5), None, "event msgs/s / (event + task msgs/s)"),
        explain: "\
What breaks: broker bandwidth and CPU go to Celery's monitoring traffic instead of tasks; on large
fleets this saturates the broker's network.
Why: every worker sends worker.heartbeat every 2 s even without -E, task events with -E, and each
worker with gossip consumes every other worker's events: deliveries grow with the square of the
number of workers. The share is events routed to queues by the celeryev exchange against messages
published to task queues.
Fix: run workers with --without-gossip --without-mingle (and --without-heartbeat if nothing needs
worker heartbeats); drop -E / worker_send_task_events (old name CELERY_SEND_EVENTS) unless a
monitor needs task events; give event queues a TTL (see events.no-ttl).",
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
dead. Zombies under pid 1 in a container mean the container's pid 1 is not an init.
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
];

/// The catalog entry for an ID.
pub fn entry(id: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.id == id)
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
                    if shaped && !not_ids.contains(&literal) && entry(literal).is_none() {
                        unknown.push(format!("{}: {literal}", path.display()));
                    }
                }
            }
        }
        assert!(files > 40, "scanned only {files} files");
        assert!(unknown.is_empty(), "IDs not in the catalog: {unknown:#?}");
    }
}
