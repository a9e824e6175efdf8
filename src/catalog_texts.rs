//! The long explanations of the findings added for issue 11 (truthful findings), kept apart so
//! that `catalog.rs` stays short; `catalog::CATALOG` refers to them.

pub const EVENTS_HEARTBEATS: &str = "\
What breaks: at scale, broker CPU and bandwidth go to workers telling each other they are alive.
Why: every worker publishes worker.heartbeat every 2 s (0.5/s), with or without -E, unless it
runs --without-heartbeat. With gossip (the default) every worker consumes every other worker's
worker events through its own celeryev queue bound to worker.#: N workers cost N x N/2
deliveries/s, plus N/2 per monitor queue (Flower, `celery events`). Two workers: 2/s, nothing to
act on; 40 workers: about 800/s.
How it is measured: a gossip queue's publish rate (or 0.5/s per worker mailbox), times the event
queues it is copied to. It warns at the threshold AND when worker events are at least half of
the vhost's messages.
Fix (only what applies is suggested): --without-gossip on the workers removes the N x N part;
--without-mingle stops the start-up sync with the same peers; --without-heartbeat stops the
events themselves, but monitors then show the workers as offline.
celtool lint: gossiping nodes x heartbeating nodes / 2, from the deploy files' replicas.";

pub const BROKER_PUBLISH_CONFIRMS: &str = "\
Informational below the threshold: the channels in confirm mode (/api/channels: confirm), on
which connection, with their confirm and publish rates and messages still unconfirmed.
What it costs: the broker confirms every message (CPU, and a disk sync for persistent messages
on durable queues); kombu's confirm_publish waits for each confirm, so a Celery publisher pays
a round trip per task. It warns at the threshold of confirms/s, or when 10 000 or more messages
wait for their confirm (the broker is not keeping up).
What it buys: the publisher knows the broker has the message; without confirms a broker restart
or a blocked connection can lose tasks silently.
Fix: keep confirms for tasks that must not be lost; elsewhere turn them off in the publishers'
Celery config: broker_transport_options = {'confirm_publish': False}.";

pub const BROKER_API_VALUE: &str = "\
What breaks: the checks of that figure did not run, so celtool says unknown (exit 3 unless
something is critical) rather than a silent ok.
Why: a field every healthy broker sends is missing (an overview without rabbitmq_version or with
one that is no version, such as \"12\"; a node without name; a node with mem_used but no
mem_limit; a queue without messages_ready, messages_unacknowledged or consumers, as a proxy, an
older API or a queue whose node is down leaves it), or a value cannot be real: a limit of 0
(mem_limit, fd_total, proc_total), a negative or fractional count (consumers: -1), a count past
10^15 or bytes past 10^18 (1e308), or an object sent as something else (object_totals: [1],
a queue's message_stats: 5, a consumer's queue: [1]; RabbitMQ's own null, [] and
\"not_available\" mean none and are not this finding). The finding names the record and the
field. Such a count is unknown, never read as 0, and such an object unknown, never read as
empty: a queue without messages_ready is judged neither empty nor backed up
(no queues.no-consumers, no backlog), event queue findings say \"message count unknown\", and
`celtool queues` shows it as - (null in JSON). A proxy or an exporter rewriting the API, or a
broken plugin, are the usual causes.
Not this finding: a node whose statistics are turned off leaves its figures out on purpose;
that is broker.stats.off (ok), and a healthy broker configured so still exits 0.
Fix: read the record (curl -u USER URL/api/nodes, URL/api/queues) and the broker's log; check
what sits between celtool and the management API.";

pub const BROKER_STATS_OFF: &str = "\
Informational: the broker leaves these figures out on purpose, so the checks that need them were
skipped: a node without any memory, disk, descriptor or process figures has its metrics
collector off (management_agent.disable_metrics_collector = true); management.rates_mode = none
publishes no message rates. A queue record without its message counts (messages_ready and
messages_unacknowledged both), or without state and consumer count, has not all its statistics
yet: it was declared since the broker last collected them (collect_statistics_interval, 5 s by
default; Celery declares reply and event queues all the time; RabbitMQ sends those two groups
apart, in either order); what it lacks is unknown (- in celtool queues, never 0) and judged by
no check until the next run. One count alone missing (a proxy stripping messages_ready) is
broker.api.value (unknown), and a queue whose node is down (state down) is broker.queue.state.
This is ok, not unknown: nothing is wrong with the broker.
Fix: none needed; to have celtool check them, turn the collector on, or use rates_mode = basic.";

pub const BROKER_API_SKIPPED: &str = "\
What breaks: those records (queues, connections, consumers...) are left out of the checks; the
rest of the listing was checked. One odd record never fails a whole listing.
Why: a record whose fields do not have the types the management API documents (a name that is a
number, a count that is a string), or that lacks what names its object: a queue without a name
(or with an empty one), an exchange without a name, a policy without name, pattern or
definition ({}). Such a record cannot be judged, and no fix is ever offered for it. RabbitMQ
writes an empty Erlang proplist as [] where an object is expected: celtool reads that as empty,
so it is not counted here. When every record of a listing is left out, nothing was read: that is
broker.api (unknown) in doctor and exit 3 from a listing command, not a count.
Fix: read the listing (curl -u USER URL/api/queues) for the odd record and report it to celtool
with the broker version.";

pub const BROKER_QUEUES_UNLISTED: &str = "\
What breaks: the management API cannot list this vhost's queues before its own limit: RabbitMQ
builds a queue listing whole before it sends a byte and its management listener closes a request
left unanswered for management.tcp.idle_timeout (60 s by default). Every monitor, dashboard and
script that lists these queues fails the same way, and doctor sees less: the definitions stood
in for the listing (each queue's name, arguments and policy, not its counts, state or node).
Why: a vhost with tens of thousands of queues (RabbitMQ 3.10 took from 20 s to past 60 s to
list 100 000 on a 2-core VM, by the columns asked and the node's load), usually one result
queue per task (the amqp/rpc result backend) or event queues left by closed clients.
When: either the listing was asked for and not answered in time (cut at the idle_timeout, no
answer, a stall), or it was not asked for: on a node holding at least the warn threshold of
queues (50 000; the overview's totals), doctor reads the definitions first (a third of the
listing's time at 100 000), and when they hold that many queues too it lists none. With fewer
(a small vhost on a big node) it lists them as usual, the definitions kept in case the listing
is cut.
What doctor still did: it read the definitions (an administrator's read) and the vhost's totals,
then read one by one the queues it judges by their counts: the consumed ones, the worker
mailboxes and Celery's task queues (a queue named as an exchange of its vhost, and celery). When
those hold all of the vhost's messages, the others hold none and are judged so; otherwise the
finding says how many messages sit in queues it did not read, and those queues' counts stay
unknown. Exclusive queues are not in the definitions.
Fix: remove what piles up (celtool doctor's results.* and events.* findings name it; result
queues expire with result_expires on the amqp backend, or move results to Redis), or split the
vhost. To have doctor list them anyway, raise management.tcp.idle_timeout
(management.ssl.idle_timeout for https) in rabbitmq.conf, e.g. 300000, restart the node, and set
[thresholds.\"broker.queues.unlisted\"] warn above the node's queue count.";

pub const BROKER_VHOST: &str = "\
What breaks: nothing in that vhost can be checked; celtool exits 3 (UNKNOWN). In a terminal this
is one error line; --format json, nagios and prometheus still get a report with this finding.
Fix: list the vhosts (rabbitmqctl list_vhosts, or curl -u USER URL/api/vhosts) and give --vhost
one of them; the name is case-sensitive, and the default vhost is /.";

pub const LINT_UNREADABLE: &str = "\
What breaks: nothing in that file was checked, so `celtool lint` exits 3 (UNKNOWN) rather than
calling it clean.
Why: the file could not be read (permissions, not UTF-8), is not valid Python (a syntax error,
or Jinja markup such as {% if %} in a .py file), is not valid YAML, or is a template (.j2,
.jinja, .tmpl, or Helm/Jinja markup {{ }} in YAML) whose values exist only once rendered. Files
found under a directory that neither parse nor mention Celery are skipped without a finding.
Fix: fix the syntax, or render the template (helm template, ansible's template module, jinja2)
and lint the rendered files.";

pub const LINT_UNRESOLVED: &str = "\
What breaks: a rule that reads the setting is not judged, so lint exits 3 (UNKNOWN) rather than
saying the configuration is clean.
Why: the value comes from somewhere lint cannot see: os.environ['X'] or env('X') without a
default, a name imported from another module, a call, a branch whose condition it cannot decide,
a worker option set by a variable that no file read defines ($CELERYD_OPTS from an
EnvironmentFile that was not given), or config_from_object naming a module or Django settings
that are not among the files read. lint resolves literals, constants of the same file,
timedelta(...), int()/float()/bool()/str(), and the defaults of os.environ.get(NAME, DEFAULT),
os.getenv, django-environ's env.int(..., default=) and python-decouple's config(..., default=).
Fix: give lint the missing file (a directory reads the whole tree), or write the value with a
default the file decides: os.environ.get(\"PREFETCH\", \"1\").";

pub const LINT_NO_CONFIG: &str = "\
What breaks: nothing was checked; lint exits 3 (UNKNOWN).
Why: none of the files read holds a Celery configuration (a config module, Django settings with
CELERY_ names, Celery(...), app.conf.update) or a worker command line (Procfile, systemd unit,
docker-compose, Kubernetes manifest).
Fix: point lint at the project's directory or name those files.";

pub const LINT_UNKNOWN_SETTING: &str = "\
What breaks: the setting does nothing; Celery ignores names it does not know, silently.
Why: the name is not in Celery's settings table (celery/app/defaults.py, shipped as
data/celery-settings.tsv): a typo (task_ack_late), words in the wrong order, or a setting of
another version. In a config module only names close to a setting are reported (others are
helper variables); in Celery(...) keywords, app.conf.update(...) and under a namespace prefix
every unknown name is.
Fix: rename it to the setting suggested (did you mean ...?), or remove it.";

pub const LINT_IGNORED_NAME: &str = "\
What breaks: the setting silently does nothing, and Celery runs with its default: with Django's
app.config_from_object('django.conf:settings', namespace='CELERY') only CELERY_-prefixed NEW
names are read, so CELERY_ACKS_LATE (the old name) leaves task_acks_late False, and BROKER_URL
or CELERYD_PREFETCH_MULTIPLIER are ignored; the name to write is CELERY_TASK_ACKS_LATE.
Without a namespace the opposite holds: CELERY_TASK_ACKS_LATE is not read, and Django's
settings keep only UPPERCASE names, so a lowercase broker_url in settings.py is not read either.
Why: Celery reads names under a namespace as the namespace plus the new name in capitals
(celery/app/utils.py), and celtool names the one it reads.
Fix: rename it as the finding writes it.";

pub const LINT_MIXED_NAMES: &str = "\
What breaks: the workers do not start: Celery raises ImproperlyConfigured (\"Cannot mix new and
old setting keys, please rename the following settings to the new format\") when one
configuration object (a module or class, without namespace) holds both old UPPERCASE names and
new lowercase ones, unless both forms of the same setting are given.
Why: Celery decides the format by the majority of the names and refuses the others.
Fix: use one form throughout; `celery upgrade settings FILE` rewrites old names to the new ones.";

pub const LINT_REMOTE_CONTROL_OFF: &str = "\
What breaks: with worker_enable_remote_control = False the workers consume no control messages:
celery inspect ping, celery status, Flower's worker pages, `celtool ping`, `celtool probe
readiness` and doctor's workers.* checks get no answer (apache/airflow#41289). A Kubernetes
liveness or readiness probe (or a compose healthcheck) that pings the worker can then never pass:
critical, since a liveness probe restarts the worker again and again.
Why: read from the configuration and the probes' exec commands.
Fix: leave remote control on (the default), or probe without it: `celtool probe liveness` reads
/proc only.";

pub const LINT_SOFT_SHUTDOWN_GRACE: &str = "\
What breaks: the worker is killed (SIGKILL) before its soft shutdown ends, so the tasks it runs
and its ETA tasks are not requeued, which is what the soft shutdown (Celery >= 5.5) is for.
Why: worker_soft_shutdown_timeout is not shorter than how long the platform waits after SIGTERM:
Kubernetes' terminationGracePeriodSeconds (30 s by default), docker compose's stop_grace_period
(10 s by default), systemd's TimeoutStopSec (90 s by default). Judged when both are among the
files read.
Fix: give the pod, container or unit longer to stop than the soft shutdown (plus the warm
shutdown before it) takes, or shorten worker_soft_shutdown_timeout.";

pub const REDIS_CLUSTER: &str = "\
What breaks: everything. Celery cannot use Redis Cluster as a broker: kombu's Redis transport
sends pipelines (MULTI/EXEC) over several keys that hash to different slots, such as the lengths
of a queue's priority lists (NAME, NAME\\x06\\x163, ...), and the cluster answers CROSSSLOT
(\"Keys in request don't hash to the same slot\", celery/celery#9436). Support has been an open
request since 2015 (celery/celery#2852, celery/kombu#526); Celery's Redis result backend does
not support a cluster either (celery/celery#8968, closed as a duplicate of #2852).
Why: the server reports cluster_enabled:1 in INFO cluster. celtool then reads only INFO: queues,
results, unacked messages and events would be meaningless on a cluster node, so no Celery
finding and none of the Redis findings about them (eviction of queues, fan-out, visibility,
result TTLs, reply lists, an empty database) are reported. What holds for any Redis server stays:
failed persistence (redis.persistence) and refused connections (redis.rejected-connections).
Fix: give Celery a standalone Redis server (Sentinel for failover: broker_url sentinel://...)
or RabbitMQ. A cluster can stay as the app's cache.";

pub const REDIS_DB_EMPTY: &str = "\
What breaks: nothing may be wrong with Redis, but the report says nothing about Celery: in this
database celtool found no queue (_kombu.binding.* sets), no result (celery-task-meta-*), no
unacked message, no reply list, no client blocked in BRPOP and no worker heartbeat. Most often
the URL names the wrong database (/0 where the app's broker_url says /1) or the wrong server.
How it is found: the bounded SCAN of this database found none of kombu's keys. celtool then
lists the server's databases with keys (INFO keyspace) and SCANs each of the others (never KEYS)
until its first Celery key, at most the scan cap of keys over all of them, within the run's
deadline; the finding names the databases where Celery keys are.
Fix: point --url at the database the app uses (redis://HOST:PORT/N, N from broker_url). Before
the first worker starts and the first task is sent an empty database is expected.";

pub const SENTINEL_MASTER: &str = "\
What it says: through a sentinel:// URL, which server the Sentinels name as the master of the
group (SENTINEL get-master-addr-by-name, asked of every Sentinel in the URL at once), and how many
of them name it. celtool then reads that server as it reads any Redis broker. An ok finding: the
problems are redis.sentinel.disagree, .unreachable, .quorum, .failover and .stale-worker.
Why: Celery's broker_url sentinel://h1:26379;sentinel://h2:26379 with broker_transport_options
master_name asks the Sentinels the same question on every connection (kombu's SentinelChannel).
When they disagree, celtool reads the master most of them name (a tie: the highest config epoch).";

pub const SENTINEL_UNREACHABLE: &str = "\
What breaks: nothing yet, but fewer Sentinels remain to notice a dead master and to vote for a
failover, and clients whose broker_url lists only stopped Sentinels cannot find the master at all
(kombu tries the Sentinels of the URL in turn).
Why: the Sentinel is stopped, its port is firewalled, or the URL names a wrong host or port; the
finding quotes the error (connection refused, timeout, authentication).
Fix: start the Sentinel again (redis-server /etc/redis/sentinel.conf --sentinel, or your service
manager's unit) or correct the URL. Run an odd number of Sentinels (3 or 5) on separate hosts.";

pub const SENTINEL_DISAGREE: &str = "\
What breaks: clients that ask the odd Sentinel connect to another server than the others: some
workers consume from one server and producers publish to another, so tasks wait forever (the
split brain of celery/celery#6348 and #9901 after a failover).
Why: the Sentinel missed the failover (it was partitioned or stopped during it and has not caught
up), it monitors another group under the same name, or it does not know the name at all.
Fix: compare SENTINEL MASTERS on every Sentinel; on the odd one, SENTINEL RESET NAME makes it
relearn the group from the master; fix its sentinel.conf (sentinel monitor NAME HOST PORT QUORUM)
if it monitors another server.";

pub const SENTINEL_QUORUM: &str = "\
What breaks: if the master fails now, no failover happens: the Sentinels cannot agree that it is
down (fewer than the quorum answer) or cannot authorise a failover (no majority of all the
Sentinels they know is reachable); Celery stays without a broker until the master returns.
Why: SENTINEL CKQUORUM on a Sentinel failed (its NOQUORUM or NOAUTH text is quoted), or fewer of
the URL's Sentinels answer than the quorum the master is monitored with.
Fix: bring the stopped Sentinels back; a majority of all Sentinels must run. Forgotten Sentinels
that were removed for good stay counted until SENTINEL RESET NAME on every remaining one.";

pub const SENTINEL_FAILOVER: &str = "\
What breaks: while a failover runs (a Sentinel flags the master s_down, o_down or
failover_in_progress) there is no writable master: publishers and workers get connection errors.
Just after it, workers connected by a plain redis:// URL to the old master are cut off (see
redis.sentinel.stale-worker), and tasks that were in flight can be lost (the new master lacks the
writes the old one had not replicated) or run twice (unacked messages restored by another worker).
Why: critical while a failover is in progress; a warning when the master was promoted recently:
the config epoch is above 0 (a failover happened) and no Sentinel has seen this master in its
role longer than the threshold (role-reported-time; a restarted Sentinel starts counting again,
which is why the longest any Sentinel has seen counts).
Fix: let it finish; then check that every worker reconnected (celtool connections --url
sentinel://...), that the old master came back as a replica, and what the failover lost.
Threshold: thresholds.\"redis.sentinel.failover\" warn (seconds since the promotion, default 900).";

pub const REPLICA_LAG: &str = "\
What breaks: a replica that lags lacks the newest writes (queued tasks, acknowledgements); if it is
promoted by a failover, those are lost, and acknowledged tasks may run again. A replica that is
down (known to the Sentinels, not connected to the master) leaves the group with fewer candidates.
Why: the master's INFO replication lists each replica with its state and lag (seconds since its
last acknowledgement); a state other than online (wait_bgsave, send_bulk) means a full
resynchronisation is running. The bytes of the stream it has not acknowledged are shown beside.
Fix: check the replica's network and load, and that repl-backlog-size covers a short disconnect
(a backlog too small forces full resynchronisations); start a replica that is down.
Thresholds: lag in seconds, warn 10, crit 60 (thresholds.\"redis.replica.lag\").";

pub const SENTINEL_STALE_WORKER: &str = "\
What breaks: workers connected to a server that is no longer the master consume nothing: tasks
are published to the new master and wait there, while these workers wait (BRPOP) on the old
server, or fail with READONLY errors, and remote control (ping, inspect) sent to the master does
not reach them. This is how a failover leaves a fleet half idle (celery/celery#6348, #5538).
Why: the server is a replica (or a server some Sentinel still calls the master) and CLIENT LIST
shows clients that consume as Celery workers do: BRPOP on the task queues, or pattern
subscriptions (events, the pidbox). Sentinels' own links and replication links are left out.
kombu sets no client name, so the clients are named by their peer address (host:port).
Fix: give the workers broker_url sentinel://h1:26379;sentinel://h2:26379 with
broker_transport_options = {'master_name': 'NAME'} so they follow failovers, then restart them
(celery multi restart, or your service manager). A replica should keep replica-read-only yes.";

pub const DELAYED_BINDING: &str = "\
What breaks: ETA and countdown tasks for the queue are lost without a trace. With quorum queues
(task_default_queue_type = \"quorum\", Celery >= 5.5) an ETA task is published into the
delayed-delivery levels (celery_delayed_27 .. celery_delayed_0); when its delay ends it reaches
exchange celery_delayed_delivery, which must route it to the task exchange (an
exchange-to-exchange binding with key #.QUEUE) and on to the queue (#.QUEUE again). A binding
missing at either hop drops the task. A failed deploy, a policy or definitions clean-up, or
Celery < 5.6 stopping at the first queue it could not bind (celery/celery#9960) leaves it so.
How it is found: for every quorum queue a worker consumes (its active_queues reply) through a
topic exchange, celtool reads the bindings of celery_delayed_delivery and of the exchanges it
binds to, and looks for both hops with the key kombu uses (#.ROUTING_KEY).
Fix: restart one worker that consumes the queue (it binds at start-up), or declare the bindings
the finding names with rabbitmqadmin (the command is in the finding).";

pub const DELAYED_DIRECT_EXCHANGE: &str = "\
What breaks: ETA and countdown tasks block the worker. Celery's native delayed delivery skips
direct exchanges (the worker logs \"Exchange celery is a direct exchange and native delayed
delivery do not support direct exchanges\"), so an ETA task sent to such a queue is delivered at
once and held by the worker until it is due; quorum queues have no global QoS, so each one takes a
prefetch slot, and a long countdown may outlive consumer_timeout (see
consumer-timeout.forecast).
How it is found: a worker's active_queues reply shows a quorum queue (x-queue-type) whose
exchange type is direct; Celery's default exchange is direct.
Fix: task_default_exchange_type = \"topic\" (or a topic Exchange in task_queues). An exchange's
type cannot be changed in place: use a new exchange name, or delete the old exchange once no
producer uses it, then restart the workers.";

pub const DELAYED_LEVEL: &str = "\
What breaks: ETA and countdown tasks whose delay passes through a missing level are dropped
(publishing to its exchange routes nowhere), and a level with other arguments than Celery's
loses or reorders them: without x-dead-letter-strategy at-least-once a message whose TTL ends
while the level below refuses it is dropped, and without x-overflow reject-publish a full level
drops its oldest messages.
How it is found: in every vhost with exchange celery_delayed_delivery (or PREFIX_celery_delayed_
delivery) celtool asks for the 28 level queues celery_delayed_0 .. celery_delayed_27 by name and
compares their arguments with kombu's declaration: x-queue-type quorum, x-overflow
reject-publish, x-dead-letter-strategy at-least-once, x-message-ttl 1000 x 2^N ms, and
x-dead-letter-exchange the level below (level 0: celery_delayed_delivery).
Fix: delete the level queues named (their messages are lost: drain them first) and restart one
worker with task_default_queue_type = \"quorum\": it declares all levels at start-up.";

pub const DELAYED_STUCK: &str = "\
What breaks: ETA and countdown tasks do not run when due. A level queue holds each message for
its TTL (2^N seconds), then dead-letters it to the level below; messages the level below does not
take stay behind (celery/celery#9912, #10111; RabbitMQ's cycle detection dropped them before
celery/celery#10095).
How it is found: the level queue's messages_dlx (RabbitMQ >= 3.10): messages whose TTL has run
out and whose at-least-once dead-lettering is not yet confirmed, that is messages held longer
than the level's TTL. Thresholds: messages in one level queue.
Fix: make sure the level below (or celery_delayed_delivery for level 0) exists and accepts
messages (delayed.level), that the path to the task queue exists (delayed.binding), and upgrade
the workers (delayed.celery-version).";

pub const CONSUMER_TIMEOUT_FORECAST: &str = "\
What breaks: RabbitMQ (>= 3.8.15) closes the channel of a consumer that holds a delivery
unacknowledged past the consumer timeout (PRECONDITION_FAILED, celery/celery#6760): the worker
reconnects and every message it held is redelivered, so tasks run twice or an ETA task loops.
An ETA or countdown task is held unacknowledged by the worker until it is due (on classic queues,
and on quorum queues behind a direct exchange); a late-acknowledged task (acks_late) is held
while it runs.
How it is found: the effective timeout of each queue the workers consume: its x-consumer-timeout
argument, else the consumer-timeout key of the policy that applies to it (RabbitMQ >= 3.11.15;
older brokers ignore the key), else the node's consumer_timeout, which the management API does
not show: set it as node_default in [thresholds.\"consumer-timeout.forecast\"] (default 30 min).
Then the workers' scheduled replies (time until due) and their unacknowledged active tasks
(runtime) against it. Thresholds: hold / timeout.
Fix, one of three: let the broker hold ETA tasks (native delayed delivery: quorum queues on a
topic exchange, Celery >= 5.5); keep tasks under the timeout and give long ones their own queue
with worker_prefetch_multiplier = 1; or raise the queue's timeout: a per-queue policy with the
consumer-timeout key (RabbitMQ >= 3.11.15; one policy applies to a queue, so merge the one that
applies now), else consumer_timeout in rabbitmq.conf (node-wide, restart).";

pub const BROKER_UNROUTABLE: &str = "\
What breaks: messages are lost: an exchange that finds no binding for a message drops it (or
returns it to a publisher that set mandatory, which Celery does not). For Celery that is a task
sent to a queue nobody declared, a task_routes entry pointing nowhere, or an ETA task at the end
of its delay when a delayed-delivery binding is missing. RabbitMQ's own alerting rules fire on
any (rabbitmq/cluster-operator, unroutable-messages).
How it is found: the overview's drop_unroutable and return_unroutable rates say messages are lost
on the node; each exchange that failed to route at least half of what it took in
(publish_in - publish_out, per second) is named, per vhost, with the Celery cause its name
suggests. An exchange's in and out rates are sampled apart, so one that routes everything shows
a small deficit in a flood; and no vhost is said to lose more than its own counters count
(the vhost listing's drop_unroutable and return_unroutable rates; the node's when those cannot
be read), so another vhost's losses are never pinned on a busy exchange here.
Celery's own broadcasts that routinely reach nobody are not counted: celery.pidbox (remote
control while no worker's mailbox is bound), reply.celery.pidbox (replies to a client that
left) and celeryev (events while no monitor or gossiping worker listens). Thresholds: messages
per second in one vhost.
Fix: declare and bind the queue the producer routes to (task_queues on the producer too, or
task_create_missing_queues on the worker that should consume it), correct task_routes, restore
the delayed-delivery bindings (delayed.binding); an alternate-exchange policy keeps unroutable
messages for inspection.";

pub const BROKER_CHURN: &str = "\
What breaks: the broker's CPU and memory go to handshakes: each AMQP connection is a TCP and
AMQP handshake (and TLS), Erlang processes and statistics. A publisher that opens a connection
per message (Celery with broker_pool_limit 0 or None, a script per task, celery/kombu#2518)
slows every client of the node; RabbitMQ's own rule alerts on it (high-connection-churn).
How it is found: the overview's churn_rates (connections created per second on the node, closed
beside it); above the threshold the open connections younger than 60 s are grouped by peer
host, most first. Connections that close within the statistics interval are not in any listing:
then no peer can be named. The default (20/s, 6 000 connections in 5 minutes) stays above
RabbitMQ's own floor of 100 new connections and above what healthy fleets open.
Fix: let publishers reuse connections: Celery's producer pool (broker_pool_limit, default 10),
one app per process rather than one per task, connection pooling in web workers.";

pub const DELAYED_CELERY_VERSION: &str = "\
What breaks: ETA and countdown tasks on quorum queues are lost or stuck through bugs of Celery's
native delayed delivery: a worker stops binding queues at the first one that fails
(celery/celery#9960: \"ETA tasks sent to queue-c are silently discarded\", fixed in 5.6.0),
RabbitMQ's cycle detection drops delayed messages (#9867, fixed by #10095 and its 5.6.x
backport #10112), and a retried task's routing key grows with each delay until it sticks
(#10111).
How it is found: the Celery version in the worker's `report` reply (remote control, read-only;
never `hello`, which changes the worker's state), else, when `report` was not answered or not
asked, the `sw_ver` of the worker's `worker-heartbeat` event heard during doctor's event sample
(heartbeats are sent without -E), for workers that consume a quorum queue.
celtool warns for 5.5.x and 5.6.x: 5.7.0 is the first release it knows to carry every fix; a
5.6.x with the backport still warns.
Fix: upgrade Celery and kombu on every worker and producer.";

pub const BROKER_ALARM_FORECAST: &str = "\
What breaks: nothing yet; at the watermark the node raises its memory or disk alarm and every
publisher of the cluster is blocked (see broker.alarm.memory, broker.alarm.disk).
How it is found: each running node's memory use and free disk with their rates from /api/nodes
(mem_used_details, disk_free_details, five minutes of samples 5 s apart): the slope over the
last statistics interval and the slope of the memory's floor over the five minutes (the
lowest use of the last two and a half minutes against the lowest of the two and a half before;
the disk's average over the five minutes), whichever forecasts the later alarm, so that only a
growth both show counts (a node building large answers, such as listings of 100 000 queues,
grows by tens of MiB a second for half a minute, then frees it all, back to the same floor);
the node list is read before celtool asks for the queue listing, so its own listing is not in
the slope; time to the alarm = headroom / slope. A growth shows once it has lasted about half
of those five minutes. It is judged once
memory use is past half the limit or free disk is under 4 times its limit, where a swing of
garbage collection or a log rotation cannot pass for a trend. Thresholds: seconds to the alarm.
Fix: find what grows: queues filling without consumers, the management plugin's statistics,
connections; drain or purge it, or raise vm_memory_high_watermark / disk_free_limit if the
load is real.";

pub const CLUSTER_LINKS: &str = "\
What breaks: cluster members that do not talk: queue leaders on one member cannot replicate to
the other, a partition forms, and clients see queues down or in minority.
How it is found: /api/nodes lists each node's Erlang distribution links (cluster_links); every
running member should hold one to every other running member.
Fix: rabbitmq-diagnostics cluster_status and check_port_connectivity on both members; open the
distribution port (25672 by default) and epmd (4369) between them; the Erlang cookie must be the
same.";

pub const CLUSTER_METADATA_STORE: &str = "\
What breaks: on RabbitMQ 4.x a node whose metadata store (Khepri, the only store from 4.2 on)
has not initialized, or has not caught up with its cluster, serves stale or no topology: queues,
exchanges, bindings and policies declared elsewhere are missing on it.
How it is found: which store the cluster runs is the khepri_db feature flag (/api/feature-flags,
asked only of a 4.x broker): disabled = Mnesia (the default of 4.0 and 4.1), enabled = Khepri,
state_changing = the migration from Mnesia to Khepri is running (warn: change no cluster
membership until it ends). The health checks /api/health/checks/metadata-store/initialized and
metadata-store/initialized/with-data (200 pass, 503 fail with a reason; a failure is reported as
cluster.health with its remedy) are asked of 4.x brokers; RabbitMQ 4.0.5 does not have them
(404, seen on a real 4.0.5 node with Khepri on and off): there the flag is all the API tells. On
3.x brokers none of this exists: celtool says so once, as ok.
Fix: rabbitmq-diagnostics metadata_store_status on the node; read its log; a node that cannot
join its cluster's store must be reset and rejoined.";

pub const CLUSTER_QUORUM_SYNC: &str = "\
What breaks: a quorum queue survives the loss of a minority of its VOTING members. From RabbitMQ
4.0 a member added to a queue (rabbitmq-queues add_member or grow, the membership
reconciliation, a replaced node) joins as a non-voting 'promotable' member and copies the
leader's whole log before it votes: until then a queue that looks like 3 members tolerates only
what 2 do, and stopping another member for maintenance can take it below its majority. A
non_voter never votes. A voting member far behind its leader's commit index copies slowly (its
disk, its link).
How it is found: on a 4.x cluster of more than one running node, GET
/api/queues/quorum/VHOST/NAME/status for each replicated quorum queue (the ones with the most
messages first, at most 50 a run): each member's Membership (voter, promotable, non_voter),
Last Written and the leader's Commit Index. The queue listing cannot tell: it lists the new
member as a member and online from its first second. Seen on RabbitMQ 4.0.5: a member added to a
queue of 100 000 4 KiB messages stayed promotable about 8 s, then became a voter. A promotable or
non-voting member warns; a voter warns when it is behind by at least the threshold (log
entries). On 3.x every member votes from the start: said once, as ok.
Fix: wait for a promotable member to catch up (rabbitmq-queues quorum_status --vhost V QUEUE shows
its Membership) and do not stop, restart or remove another member of the queue until it votes;
one that stays promotable or behind is slowed by its node's disk or its link to the leader. A
non_voter becomes a voter by removing it and adding it again.";
pub const WORKERS_MIXED_DURATIONS: &str = "\
What breaks: one task name that runs either in milliseconds or for seconds, depending on its
arguments (a report for one row or for a year, an image thumbnail or a video), makes its own
fast calls wait behind its slow ones: in the queue, and in every worker's prefetch, where a
message waits for the pool process busy with the slow call. workers.mixed-queue cannot see it,
since it keys on task names.
How it is found: during doctor's worker probe (AMQP), celtool listens to the vhost's event
stream on a queue of its own (`celeryev.celtool-<uuid>`: exclusive, auto-delete, deleted at the
end; it never publishes, never sends `hello` or `enable_events`). Each `task-succeeded` event
gives a runtime, named from its `task-received` event, and each active task's time so far
(from the probe) a lower bound. The queue is the one the worker consumes, else the task's
delivery routing key in `active`/`reserved`, else the worker's queues together. Per queue and
task name: when the fastest tenth of the runs that ended took less than `fast` (default 100 ms)
and the slowest run seen took the threshold or more, the name's durations split. The sample
listens for `sample` (default 3 s) from the probe's start, and only while the workers send task
events (worker_send_task_events or -E, seen in their conf, in the broker's traffic on the
celeryev exchange, or in the sample itself); without task events it ends with the probe and the
finding says \"not sampled\" (ok). Over Redis the events are sampled while the database is read
(`redis_interval`). It is a sample: run it while the slow calls run.
Fix: split the task by argument into two names (a fast one and a slow one), or route by argument
with a router function in task_routes, e.g.
  def route_by_size(name, args, kwargs, options, task=None, **kw):
      if name == 'proj.report' and kwargs.get('days', 0) > 31:
          return {'queue': 'slow'}
  task_routes = (route_by_size,)
start workers for the slow queue (celery -A PROJ worker -Q slow), and set
worker_prefetch_multiplier = 1 so no worker holds fast calls behind a slow one.
Turn the sample off with --no-event-sample or `sample = \"0s\"` in
[thresholds.\"workers.mixed-durations\"].";
