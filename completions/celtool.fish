# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_celtool_global_optspecs
    string join \n profile= url= sentinel-master= user= vhost= timeout= deadline= ca-file= format= color= q/quiet config= proc-root= sys-root= h/help V/version
end

function __fish_celtool_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_celtool_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_celtool_using_subcommand
    set -l cmd (__fish_celtool_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c celtool -n "__fish_celtool_needs_command" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_needs_command" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_needs_command" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_needs_command" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_needs_command" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_needs_command" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_needs_command" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_needs_command" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_needs_command" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_needs_command" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_needs_command" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_needs_command" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_needs_command" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_needs_command" -s V -l version -d 'Print version'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "doctor" -d 'Run every check and report findings, worst first; exit code by severity'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "queues" -d 'List queues with their Celery kind, depth, consumers, rates and TTL in force'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "connections" -d 'List connections with their state, traffic, heartbeat and what they are'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "explain" -d 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "conntrack" -d 'Show this host\'s conntrack table: fill, limit, hash buckets, drop counters'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "inodes" -d 'Show inode use per filesystem, or with --top the directories holding the most entries'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "workers" -d 'Show this host\'s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "prune-tmp" -d 'Delete old temporary files, race-safely; silent on success, made for cron'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "fleet" -d 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "ping" -d 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "probe" -d 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "lint" -d 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "fix" -d 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "undo" -d 'Restore what a fix changed, from the journal'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "generate" -d 'Write completions/ and man/ (for maintainers)'
complete -c celtool -n "__fish_celtool_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l only -d 'Run only these checks (repeat or comma-separate)' -r -f -a "broker\t'The broker and what Celery created on it: RabbitMQ through its management API, or Redis'
host\t'This host: conntrack, inodes, file handles, TIME_WAIT sockets, Celery worker processes'"
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l skip -d 'Silence a finding ID, or every ID under a prefix (`events` skips events.*); repeatable' -r -f -a "broker\t''
broker.alarm\t''
broker.alarm.disk\t''
broker.alarm.forecast\t''
broker.alarm.memory\t''
broker.api\t''
broker.api.skipped\t''
broker.api.value\t''
broker.auth\t''
broker.churn\t''
broker.connections\t''
broker.connections.blocked\t''
broker.connections.flow\t''
broker.connections.heartbeat\t''
broker.connections.proxy\t''
broker.connections.top-talkers\t''
broker.disk\t''
broker.disk.headroom\t''
broker.fd\t''
broker.fd.headroom\t''
broker.memory\t''
broker.memory.headroom\t''
broker.mgmt\t''
broker.mgmt.memory\t''
broker.node\t''
broker.node.down\t''
broker.policy\t''
broker.policy.ha-mode\t''
broker.proc\t''
broker.proc.headroom\t''
broker.publish\t''
broker.publish.confirms\t''
broker.queue\t''
broker.queue.state\t''
broker.queues\t''
broker.queues.unlisted\t''
broker.stats\t''
broker.stats.off\t''
broker.unreachable\t''
broker.unroutable\t''
broker.version\t''
broker.vhost\t''
celery\t''
celery.mailbox\t''
celery.mailbox.no-consumer\t''
cluster\t''
cluster.cert\t''
cluster.cert.expiry\t''
cluster.health\t''
cluster.links\t''
cluster.metadata-store\t''
cluster.mirror\t''
cluster.mirror.sync-critical\t''
cluster.mirror.unsynchronised\t''
cluster.partition\t''
cluster.queue\t''
cluster.queue.node-down\t''
cluster.quorum\t''
cluster.quorum.critical\t''
cluster.quorum.minority\t''
cluster.quorum.no-leader\t''
cluster.quorum.sync\t''
consumer-timeout\t''
consumer-timeout.forecast\t''
delayed\t''
delayed.binding\t''
delayed.celery-version\t''
delayed.direct-exchange\t''
delayed.level\t''
delayed.stuck\t''
events\t''
events.backlog\t''
events.heartbeats\t''
events.no-consumer\t''
events.no-ttl\t''
events.traffic-share\t''
host\t''
host.conntrack\t''
host.conntrack.drops\t''
host.conntrack.hashsize\t''
host.conntrack.usage\t''
host.fd\t''
host.inodes\t''
host.inodes.usage\t''
host.nic\t''
host.nic.saturation\t''
host.tcp\t''
host.tcp.time_wait\t''
host.unreadable\t''
host.workers\t''
host.workers.orphan\t''
host.workers.rss\t''
host.workers.stopped\t''
host.workers.stuck\t''
host.workers.zombie\t''
lint\t''
lint.ignored-name\t''
lint.mixed-names\t''
lint.no-config\t''
lint.remote-control-off\t''
lint.soft-shutdown-grace\t''
lint.unknown-setting\t''
lint.unreadable\t''
lint.unresolved\t''
queues\t''
queues.backlog\t''
queues.no-consumers\t''
queues.redeliveries\t''
queues.unacked\t''
rabbitmq\t''
rabbitmq.events\t''
rabbitmq.events.fanout\t''
rabbitmq4\t''
rabbitmq4.delivery-limit\t''
rabbitmq4.deprecated-feature\t''
rabbitmq4.mirroring-removed\t''
rabbitmq4.readiness\t''
rabbitmq4.transient-queues\t''
redis\t''
redis.auth\t''
redis.cluster\t''
redis.db\t''
redis.db.empty\t''
redis.events\t''
redis.events.fanout\t''
redis.evicted-keys\t''
redis.info\t''
redis.maxmemory-policy\t''
redis.memory\t''
redis.memory.headroom\t''
redis.persistence\t''
redis.pubsub\t''
redis.pubsub.output-buffer\t''
redis.read\t''
redis.rejected-connections\t''
redis.replica\t''
redis.replica.lag\t''
redis.reply\t''
redis.reply.leaked\t''
redis.results\t''
redis.results.no-ttl\t''
redis.sentinel\t''
redis.sentinel.disagree\t''
redis.sentinel.failover\t''
redis.sentinel.master\t''
redis.sentinel.quorum\t''
redis.sentinel.stale-worker\t''
redis.sentinel.unreachable\t''
redis.unacked\t''
redis.unacked.visibility\t''
redis.unreachable\t''
results\t''
results.flood\t''
workers\t''
workers.acks-late\t''
workers.consumer-timeout\t''
workers.event-queue-ttl\t''
workers.heartbeat-off\t''
workers.hung\t''
workers.missing\t''
workers.mixed-durations\t''
workers.mixed-queue\t''
workers.no-recycle\t''
workers.no-time-limit\t''
workers.not-asked\t''
workers.prefetch-long-tasks\t''
workers.queue-unserved\t''
workers.results-unread\t''
workers.task-events\t''
workers.unreachable\t''"
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l max-per-id -d 'List at most N findings of each ID, the worst, and one "and K more like this" for the rest (status, exit code and counts include them all); 0 lists every finding. Default: 20 in the table format; every finding in json, prometheus, nagios and --textfile' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l expect -d 'The workers that must answer ping: a COUNT (at least this many), or a PATTERN, a node-name glob like \'web*@*\' that an answering worker must match (repeat or comma-separate). A worker killed with kill -9 leaves no trace on the broker: only this finds it [default: the profile\'s expect_workers, else none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l textfile -d 'Also write the report as Prometheus metrics to FILE, atomically, for node_exporter\'s textfile collector (the name must end in .prom); a run that fails writes celtool_doctor_success 0' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l amqp-url -d 'The broker\'s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL\'s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l reply-timeout -d 'How long to wait for the workers\' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l all -d 'Also list the checks that are ok'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l fix -d 'Offer the fixes for what was found: event queue policies, stale event queues, conntrack limits, zombies and orphaned pool processes (same consent rules as `celtool fix`)'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l no-workers -d 'Do not ask the Celery workers themselves over AMQP or Redis (remote control: ping, stats, conf, active, reserved); by default doctor asks them in every vhost where Celery is seen, or in the Redis database'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l no-event-sample -d 'Do not listen to the workers\' event stream beside the probe. By default doctor samples it over AMQP on a queue of its own (exclusive, auto-delete, deleted afterwards) for up to [thresholds."workers.mixed-durations"] sample (3s) from the probe\'s start, past the probe only while the workers send task events: task runtimes (workers.mixed-durations) and the heartbeats\' Celery version (delayed.celery-version)'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l sort -d 'Sort by this column (numbers largest first)' -r -f -a "name\t''
ready\t''
unacked\t''
consumers\t''
publish\t''
deliver\t''"
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l kind -d 'Only queues of these kinds (repeat or comma-separate)' -r -f -a "task\t'A queue Celery workers take tasks from'
event\t'`celeryev.<uuid>`: one per event consumer (Flower, `celery events`, gossip)'
mailbox\t'`<node>.celery.pidbox` (a worker\'s remote-control mailbox) and `<uuid>.reply.celery.pidbox`'
result\t'A result queue: a task id without dashes (amqp backend) or a client\'s UUID (rpc backend)'
other\t''"
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l min-ready -d 'Only queues with at least this many ready messages' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l name -d 'Only queues whose name matches this regular expression' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l limit -d 'Show at most this many queues, the first by --sort; on a terminal 50 by default (a line says how many more), piped and in JSON every queue' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand queues" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand queues" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand queues" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l kind -d 'Only connections of these kinds (repeat or comma-separate)' -r -f -a "celery-worker\t'Consumes a worker mailbox (or gossip and task queues together)'
monitor\t'Consumes event queues only: Flower, `celery events` (old name: event-consumer)'
client\t'Consumes only reply or result queues: rpc:// results, `celery inspect`'
publisher\t'Consumes nothing: task publishers, and workers\' and monitors\' publishing connections'
other\t'Consumes other queues'"
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l limit -d 'Show at most this many connections' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand connections" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand connections" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand connections" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand explain" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand explain" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand conntrack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l top -d 'Count entries under PATH per directory, on PATH\'s filesystem only (like du --inodes -x)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l limit -d 'How many directories --top lists' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand inodes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -f -a "reap" -d 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and not __fish_seen_subcommand_from reap help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l grace -d 'How long to wait for a process to act on a signal before the next step' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l match -d 'Touch only the Celery processes whose title (command line) matches this regular expression. It narrows, never widens: a process that is not itself Celery (a Python program running celery, or a `[celeryd: ...]` title) is listed and left alone even if it matches, like a `timeout ... celery worker` wrapper' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l amqp-url -d 'The broker\'s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL\'s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l reply-timeout -d 'How long to wait for the workers\' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l kill-parents -d 'Also end a parent that still does not reap its zombies after SIGCHLD and the grace period'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l hung -d 'Also end the main process of each worker on this host that is hung: its mailbox has a consumer on the broker but it answers no ping (asked twice, over AMQP). SIGTERM, then SIGKILL after --grace, so that its supervisor (systemd, supervisord, Kubernetes) starts a fresh one. Reads the broker (--url, --vhost, --amqp-url as for `celtool ping`)'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from reap" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "reap" -d 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
complete -c celtool -n "__fish_celtool_using_subcommand workers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l older-than -d 'Remove entries older than this, like 90m, 12h or 2d' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l age-by -d 'Timestamps that decide the age; with several, an entry must be older on each' -r -f -a "mtime\t'Last modification'
atime\t'Last access (meaningless on noatime mounts; relatime updates it at most daily)'
ctime\t'Last status change (rename, chmod, link count)'"
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l include -d 'Only remove entries matching this glob (on the name; on the path relative to PATH when it contains \'/\'); repeatable' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l exclude -d 'Never remove entries matching this glob (as --include); repeatable' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l min-depth -d 'Keep entries shallower than this (1 = directly in PATH)' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l max-depth -d 'Neither remove nor look at entries deeper than this' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l lock-file -d 'Lock this file instead of each PATH (for runs over different paths that must not overlap)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l textfile -d 'Also write the summary in Prometheus format to FILE, atomically (temp file + rename), for node_exporter\'s textfile collector' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l rmdir -d 'Also remove directories that are old and empty once pruned'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -s n -l dry-run -d 'Report what would be removed; change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l all-types -d 'Also remove sockets, FIFOs and device nodes'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l force-root -d 'Allow a system directory (/, /usr, /etc, /home, /var, ...) as PATH'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -l wait -d 'When another run holds the lock, wait for it instead of exiting with code 3'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -s v -l verbose -d 'Print the summary line even when not on a terminal; with --dry-run, first list every path that would go, one per line (control characters escaped)'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand prune-tmp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l amqp-url -d 'The broker\'s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL\'s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l reply-timeout -d 'How long to wait for the workers\' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand fleet" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l expect -d 'At least this many workers must answer [default: the profile\'s expect_workers, else every worker whose mailbox has a consumer]' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l match -d 'Only ping workers whose node name matches this glob, like \'web*@*\' (kombu\'s glob matcher)' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l amqp-url -d 'The broker\'s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL\'s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l reply-timeout -d 'How long to wait for the workers\' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand ping" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand ping" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand ping" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -f -a "liveness" -d 'Is the worker\'s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -f -a "readiness" -d 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe\'s timeoutSeconds'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and not __fish_seen_subcommand_from liveness readiness help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l node -d 'The worker\'s node name (`w1@%h`, `w1` and `w1@HOST` alike, expanded as Celery does); without it, the only Celery worker on this host' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l pool -d 'The worker\'s pool when its command line does not say (-P/--pool), e.g. worker_pool set in the Celery config: prefork needs live pool children, solo, threads, eventlet and gevent have none [default: the command line\'s, else prefork]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from liveness" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l node -d 'The worker\'s node name as it answers ping (`w1@host`; `%h` is this host\'s name)' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l amqp-url -d 'The broker\'s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL\'s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l reply-timeout -d 'How long to wait for the workers\' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from readiness" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "liveness" -d 'Is the worker\'s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "readiness" -d 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe\'s timeoutSeconds'
complete -c celtool -n "__fish_celtool_using_subcommand probe; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l skip -d 'Silence a finding ID, or every ID under a prefix (`lint` skips lint.*); repeatable' -r -f -a "broker\t''
broker.alarm\t''
broker.alarm.disk\t''
broker.alarm.forecast\t''
broker.alarm.memory\t''
broker.api\t''
broker.api.skipped\t''
broker.api.value\t''
broker.auth\t''
broker.churn\t''
broker.connections\t''
broker.connections.blocked\t''
broker.connections.flow\t''
broker.connections.heartbeat\t''
broker.connections.proxy\t''
broker.connections.top-talkers\t''
broker.disk\t''
broker.disk.headroom\t''
broker.fd\t''
broker.fd.headroom\t''
broker.memory\t''
broker.memory.headroom\t''
broker.mgmt\t''
broker.mgmt.memory\t''
broker.node\t''
broker.node.down\t''
broker.policy\t''
broker.policy.ha-mode\t''
broker.proc\t''
broker.proc.headroom\t''
broker.publish\t''
broker.publish.confirms\t''
broker.queue\t''
broker.queue.state\t''
broker.queues\t''
broker.queues.unlisted\t''
broker.stats\t''
broker.stats.off\t''
broker.unreachable\t''
broker.unroutable\t''
broker.version\t''
broker.vhost\t''
celery\t''
celery.mailbox\t''
celery.mailbox.no-consumer\t''
cluster\t''
cluster.cert\t''
cluster.cert.expiry\t''
cluster.health\t''
cluster.links\t''
cluster.metadata-store\t''
cluster.mirror\t''
cluster.mirror.sync-critical\t''
cluster.mirror.unsynchronised\t''
cluster.partition\t''
cluster.queue\t''
cluster.queue.node-down\t''
cluster.quorum\t''
cluster.quorum.critical\t''
cluster.quorum.minority\t''
cluster.quorum.no-leader\t''
cluster.quorum.sync\t''
consumer-timeout\t''
consumer-timeout.forecast\t''
delayed\t''
delayed.binding\t''
delayed.celery-version\t''
delayed.direct-exchange\t''
delayed.level\t''
delayed.stuck\t''
events\t''
events.backlog\t''
events.heartbeats\t''
events.no-consumer\t''
events.no-ttl\t''
events.traffic-share\t''
host\t''
host.conntrack\t''
host.conntrack.drops\t''
host.conntrack.hashsize\t''
host.conntrack.usage\t''
host.fd\t''
host.inodes\t''
host.inodes.usage\t''
host.nic\t''
host.nic.saturation\t''
host.tcp\t''
host.tcp.time_wait\t''
host.unreadable\t''
host.workers\t''
host.workers.orphan\t''
host.workers.rss\t''
host.workers.stopped\t''
host.workers.stuck\t''
host.workers.zombie\t''
lint\t''
lint.ignored-name\t''
lint.mixed-names\t''
lint.no-config\t''
lint.remote-control-off\t''
lint.soft-shutdown-grace\t''
lint.unknown-setting\t''
lint.unreadable\t''
lint.unresolved\t''
queues\t''
queues.backlog\t''
queues.no-consumers\t''
queues.redeliveries\t''
queues.unacked\t''
rabbitmq\t''
rabbitmq.events\t''
rabbitmq.events.fanout\t''
rabbitmq4\t''
rabbitmq4.delivery-limit\t''
rabbitmq4.deprecated-feature\t''
rabbitmq4.mirroring-removed\t''
rabbitmq4.readiness\t''
rabbitmq4.transient-queues\t''
redis\t''
redis.auth\t''
redis.cluster\t''
redis.db\t''
redis.db.empty\t''
redis.events\t''
redis.events.fanout\t''
redis.evicted-keys\t''
redis.info\t''
redis.maxmemory-policy\t''
redis.memory\t''
redis.memory.headroom\t''
redis.persistence\t''
redis.pubsub\t''
redis.pubsub.output-buffer\t''
redis.read\t''
redis.rejected-connections\t''
redis.replica\t''
redis.replica.lag\t''
redis.reply\t''
redis.reply.leaked\t''
redis.results\t''
redis.results.no-ttl\t''
redis.sentinel\t''
redis.sentinel.disagree\t''
redis.sentinel.failover\t''
redis.sentinel.master\t''
redis.sentinel.quorum\t''
redis.sentinel.stale-worker\t''
redis.sentinel.unreachable\t''
redis.unacked\t''
redis.unacked.visibility\t''
redis.unreachable\t''
results\t''
results.flood\t''
workers\t''
workers.acks-late\t''
workers.consumer-timeout\t''
workers.event-queue-ttl\t''
workers.heartbeat-off\t''
workers.hung\t''
workers.missing\t''
workers.mixed-durations\t''
workers.mixed-queue\t''
workers.no-recycle\t''
workers.no-time-limit\t''
workers.not-asked\t''
workers.prefetch-long-tasks\t''
workers.queue-unserved\t''
workers.results-unread\t''
workers.task-events\t''
workers.unreachable\t''"
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand lint" -l all -d 'Also list the findings that are ok (notes: no recycling, task events on a fleet of unknown size)'
complete -c celtool -n "__fish_celtool_using_subcommand lint" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -f -a "event-queues" -d 'Give Celery event queues (^celeryev\\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -f -a "stale-event-queues" -d 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -f -a "conntrack" -d 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and not __fish_seen_subcommand_from event-queues stale-event-queues conntrack help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l ttl -d 'Message TTL for event queues' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l expires -d 'Delete an event queue this long after its last consumer left' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from event-queues" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l min-messages -d 'Only queues holding at least this many messages' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l without-ttl-only -d 'Only queues without a message TTL or expiry in force'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from stale-event-queues" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l max -d 'Use this nf_conntrack_max instead of the computed one (twice the larger of the current fill and limit, a power of two, at most what 5 % of RAM holds)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l etc-root -d 'Write the persisted files under this directory instead of /etc (for tests)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from conntrack" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "event-queues" -d 'Give Celery event queues (^celeryev\\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "stale-event-queues" -d 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "conntrack" -d 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
complete -c celtool -n "__fish_celtool_using_subcommand fix; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l journal -d 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l last -d 'Undo the last run that has not been undone (the default)'
complete -c celtool -n "__fish_celtool_using_subcommand undo" -l dry-run -d 'Show the plan and change nothing'
complete -c celtool -n "__fish_celtool_using_subcommand undo" -s y -l yes -d 'Apply without asking (needed off a terminal, and for irreversible changes)'
complete -c celtool -n "__fish_celtool_using_subcommand undo" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand undo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand completions" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand completions" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l out-dir -d 'Directory that receives completions/ and man/' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l profile -d 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l url -d 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l sentinel-master -d 'The master\'s name for a sentinel:// --url, as the Sentinels monitor it (Celery\'s broker_transport_options master_name; the profile\'s sentinel_master)' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l user -d 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile\'s password_file, never from a flag' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l vhost -d 'Only look at this vhost (the default vhost is "/")' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l timeout -d 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l deadline -d 'Longest the whole run waits for the broker and the workers, like 9s for NRPE\'s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor\'s second look at this host\'s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]' -r
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l ca-file -d 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system\'s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system\'s (as redis-cli --cacert)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l config -d 'Config file [default: ~/.config/celtool/config.toml]' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l format -d 'Output format' -r -f -a "table\t'Human-readable: borders and colour on a terminal, plain aligned columns when piped'
json\t'One JSON object with stable keys, for scripts: celtool_version, schema_version, generated_at, then the command\'s (a listing\'s rows under its name)'
prometheus\t'Prometheus text exposition, for node_exporter\'s textfile collector'
nagios\t'A Nagios/Icinga plugin status line with perfdata'
sarif\t'SARIF 2.1.0, for code scanning (GitHub, GitLab): `lint` only'"
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l proc-root -d 'Read /proc from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand generate" -l sys-root -d 'Read /sys from this directory instead (for tests against fixture trees)' -r -F
complete -c celtool -n "__fish_celtool_using_subcommand generate" -s q -l quiet -d 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
complete -c celtool -n "__fish_celtool_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "doctor" -d 'Run every check and report findings, worst first; exit code by severity'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "queues" -d 'List queues with their Celery kind, depth, consumers, rates and TTL in force'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "connections" -d 'List connections with their state, traffic, heartbeat and what they are'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "explain" -d 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "conntrack" -d 'Show this host\'s conntrack table: fill, limit, hash buckets, drop counters'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "inodes" -d 'Show inode use per filesystem, or with --top the directories holding the most entries'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "workers" -d 'Show this host\'s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "prune-tmp" -d 'Delete old temporary files, race-safely; silent on success, made for cron'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "fleet" -d 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "ping" -d 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "probe" -d 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "lint" -d 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "fix" -d 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "undo" -d 'Restore what a fix changed, from the journal'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "completions" -d 'Print a shell completion script'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "generate" -d 'Write completions/ and man/ (for maintainers)'
complete -c celtool -n "__fish_celtool_using_subcommand help; and not __fish_seen_subcommand_from doctor queues connections explain conntrack inodes workers prune-tmp fleet ping probe lint fix undo completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from workers" -f -a "reap" -d 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from probe" -f -a "liveness" -d 'Is the worker\'s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from probe" -f -a "readiness" -d 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe\'s timeoutSeconds'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "event-queues" -d 'Give Celery event queues (^celeryev\\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "stale-event-queues" -d 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
complete -c celtool -n "__fish_celtool_using_subcommand help; and __fish_seen_subcommand_from fix" -f -a "conntrack" -d 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
