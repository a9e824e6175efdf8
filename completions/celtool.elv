
use builtin;
use str;

set edit:completion:arg-completer[celtool] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'celtool'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'celtool'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand doctor 'Run every check and report findings, worst first; exit code by severity'
            cand queues 'List queues with their Celery kind, depth, consumers, rates and TTL in force'
            cand connections 'List connections with their state, traffic, heartbeat and what they are'
            cand explain 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)'
            cand conntrack 'Show this host''s conntrack table: fill, limit, hash buckets, drop counters'
            cand inodes 'Show inode use per filesystem, or with --top the directories holding the most entries'
            cand workers 'Show this host''s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans'
            cand prune-tmp 'Delete old temporary files, race-safely; silent on success, made for cron'
            cand fleet 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues'
            cand ping 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check'
            cand probe 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell'
            cand lint 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity'
            cand fix 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo'
            cand undo 'Restore what a fix changed, from the journal'
            cand completions 'Print a shell completion script'
            cand generate 'Write completions/ and man/ (for maintainers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;doctor'= {
            cand --only 'Run only these checks (repeat or comma-separate)'
            cand --skip 'Silence a finding ID, or every ID under a prefix (`events` skips events.*); repeatable'
            cand --max-per-id 'List at most N findings of each ID, the worst, and one "and K more like this" for the rest (status, exit code and counts include them all); 0 lists every finding. Default: 20 in the table format; every finding in json, prometheus, nagios and --textfile'
            cand --expect 'The workers that must answer ping: a COUNT (at least this many), or a PATTERN, a node-name glob like ''web*@*'' that an answering worker must match (repeat or comma-separate). A worker killed with kill -9 leaves no trace on the broker: only this finds it [default: the profile''s expect_workers, else none]'
            cand --textfile 'Also write the report as Prometheus metrics to FILE, atomically, for node_exporter''s textfile collector (the name must end in .prom); a run that fails writes celtool_doctor_success 0'
            cand --amqp-url 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used'
            cand --reply-timeout 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer'
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --all 'Also list the checks that are ok'
            cand --fix 'Offer the fixes for what was found: event queue policies, stale event queues, conntrack limits, zombies and orphaned pool processes (same consent rules as `celtool fix`)'
            cand --no-workers 'Do not ask the Celery workers themselves over AMQP or Redis (remote control: ping, stats, conf, active, reserved); by default doctor asks them in every vhost where Celery is seen, or in the Redis database'
            cand --no-event-sample 'Do not listen to the workers'' event stream beside the probe. By default doctor samples it over AMQP on a queue of its own (exclusive, auto-delete, deleted afterwards) for up to [thresholds."workers.mixed-durations"] sample (3s) from the probe''s start, past the probe only while the workers send task events: task runtimes (workers.mixed-durations) and the heartbeats'' Celery version (delayed.celery-version)'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;queues'= {
            cand --sort 'Sort by this column (numbers largest first)'
            cand --kind 'Only queues of these kinds (repeat or comma-separate)'
            cand --min-ready 'Only queues with at least this many ready messages'
            cand --name 'Only queues whose name matches this regular expression'
            cand --limit 'Show at most this many queues, the first by --sort; on a terminal 50 by default (a line says how many more), piped and in JSON every queue'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;connections'= {
            cand --kind 'Only connections of these kinds (repeat or comma-separate)'
            cand --limit 'Show at most this many connections'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;explain'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;conntrack'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;inodes'= {
            cand --top 'Count entries under PATH per directory, on PATH''s filesystem only (like du --inodes -x)'
            cand --limit 'How many directories --top lists'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;workers'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand reap 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;workers;reap'= {
            cand --grace 'How long to wait for a process to act on a signal before the next step'
            cand --match 'Touch only the Celery processes whose title (command line) matches this regular expression. It narrows, never widens: a process that is not itself Celery (a Python program running celery, or a `[celeryd: ...]` title) is listed and left alone even if it matches, like a `timeout ... celery worker` wrapper'
            cand --amqp-url 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used'
            cand --reply-timeout 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer'
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --kill-parents 'Also end a parent that still does not reap its zombies after SIGCHLD and the grace period'
            cand --hung 'Also end the main process of each worker on this host that is hung: its mailbox has a consumer on the broker but it answers no ping (asked twice, over AMQP). SIGTERM, then SIGKILL after --grace, so that its supervisor (systemd, supervisord, Kubernetes) starts a fresh one. Reads the broker (--url, --vhost, --amqp-url as for `celtool ping`)'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;workers;help'= {
            cand reap 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;workers;help;reap'= {
        }
        &'celtool;workers;help;help'= {
        }
        &'celtool;prune-tmp'= {
            cand --older-than 'Remove entries older than this, like 90m, 12h or 2d'
            cand --age-by 'Timestamps that decide the age; with several, an entry must be older on each'
            cand --include 'Only remove entries matching this glob (on the name; on the path relative to PATH when it contains ''/''); repeatable'
            cand --exclude 'Never remove entries matching this glob (as --include); repeatable'
            cand --min-depth 'Keep entries shallower than this (1 = directly in PATH)'
            cand --max-depth 'Neither remove nor look at entries deeper than this'
            cand --lock-file 'Lock this file instead of each PATH (for runs over different paths that must not overlap)'
            cand --textfile 'Also write the summary in Prometheus format to FILE, atomically (temp file + rename), for node_exporter''s textfile collector'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --rmdir 'Also remove directories that are old and empty once pruned'
            cand -n 'Report what would be removed; change nothing'
            cand --dry-run 'Report what would be removed; change nothing'
            cand --all-types 'Also remove sockets, FIFOs and device nodes'
            cand --force-root 'Allow a system directory (/, /usr, /etc, /home, /var, ...) as PATH'
            cand --wait 'When another run holds the lock, wait for it instead of exiting with code 3'
            cand -v 'Print the summary line even when not on a terminal; with --dry-run, first list every path that would go, one per line (control characters escaped)'
            cand --verbose 'Print the summary line even when not on a terminal; with --dry-run, first list every path that would go, one per line (control characters escaped)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;fleet'= {
            cand --amqp-url 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used'
            cand --reply-timeout 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;ping'= {
            cand --expect 'At least this many workers must answer [default: the profile''s expect_workers, else every worker whose mailbox has a consumer]'
            cand --match 'Only ping workers whose node name matches this glob, like ''web*@*'' (kombu''s glob matcher)'
            cand --amqp-url 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used'
            cand --reply-timeout 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;probe'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand liveness 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
            cand readiness 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;probe;liveness'= {
            cand --node 'The worker''s node name (`w1@%h`, `w1` and `w1@HOST` alike, expanded as Celery does); without it, the only Celery worker on this host'
            cand --pool 'The worker''s pool when its command line does not say (-P/--pool), e.g. worker_pool set in the Celery config: prefork needs live pool children, solo, threads, eventlet and gevent have none [default: the command line''s, else prefork]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;probe;readiness'= {
            cand --node 'The worker''s node name as it answers ping (`w1@host`; `%h` is this host''s name)'
            cand --amqp-url 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used'
            cand --reply-timeout 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;probe;help'= {
            cand liveness 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
            cand readiness 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;probe;help;liveness'= {
        }
        &'celtool;probe;help;readiness'= {
        }
        &'celtool;probe;help;help'= {
        }
        &'celtool;lint'= {
            cand --skip 'Silence a finding ID, or every ID under a prefix (`lint` skips lint.*); repeatable'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --all 'Also list the findings that are ok (notes: no recycling, task events on a fleet of unknown size)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;fix'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand event-queues 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
            cand stale-event-queues 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
            cand conntrack 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;fix;event-queues'= {
            cand --ttl 'Message TTL for event queues'
            cand --expires 'Delete an event queue this long after its last consumer left'
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;fix;stale-event-queues'= {
            cand --min-messages 'Only queues holding at least this many messages'
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --without-ttl-only 'Only queues without a message TTL or expiry in force'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;fix;conntrack'= {
            cand --max 'Use this nf_conntrack_max instead of the computed one (twice the larger of the current fill and limit, a power of two, at most what 5 % of RAM holds)'
            cand --etc-root 'Write the persisted files under this directory instead of /etc (for tests)'
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;fix;help'= {
            cand event-queues 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
            cand stale-event-queues 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
            cand conntrack 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;fix;help;event-queues'= {
        }
        &'celtool;fix;help;stale-event-queues'= {
        }
        &'celtool;fix;help;conntrack'= {
        }
        &'celtool;fix;help;help'= {
        }
        &'celtool;undo'= {
            cand --journal 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand --last 'Undo the last run that has not been undone (the default)'
            cand --dry-run 'Show the plan and change nothing'
            cand -y 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand --yes 'Apply without asking (needed off a terminal, and for irreversible changes)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;completions'= {
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;generate'= {
            cand --out-dir 'Directory that receives completions/ and man/'
            cand --profile 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one'
            cand --url 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]'
            cand --sentinel-master 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)'
            cand --user 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag'
            cand --vhost 'Only look at this vhost (the default vhost is "/")'
            cand --timeout 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long'
            cand --deadline 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]'
            cand --ca-file 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)'
            cand --config 'Config file [default: ~/.config/celtool/config.toml]'
            cand --format 'Output format'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --proc-root 'Read /proc from this directory instead (for tests against fixture trees)'
            cand --sys-root 'Read /sys from this directory instead (for tests against fixture trees)'
            cand -q 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand --quiet 'Print nothing in table format; the exit code tells the result. Errors still go to stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'celtool;help'= {
            cand doctor 'Run every check and report findings, worst first; exit code by severity'
            cand queues 'List queues with their Celery kind, depth, consumers, rates and TTL in force'
            cand connections 'List connections with their state, traffic, heartbeat and what they are'
            cand explain 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)'
            cand conntrack 'Show this host''s conntrack table: fill, limit, hash buckets, drop counters'
            cand inodes 'Show inode use per filesystem, or with --top the directories holding the most entries'
            cand workers 'Show this host''s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans'
            cand prune-tmp 'Delete old temporary files, race-safely; silent on success, made for cron'
            cand fleet 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues'
            cand ping 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check'
            cand probe 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell'
            cand lint 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity'
            cand fix 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo'
            cand undo 'Restore what a fix changed, from the journal'
            cand completions 'Print a shell completion script'
            cand generate 'Write completions/ and man/ (for maintainers)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'celtool;help;doctor'= {
        }
        &'celtool;help;queues'= {
        }
        &'celtool;help;connections'= {
        }
        &'celtool;help;explain'= {
        }
        &'celtool;help;conntrack'= {
        }
        &'celtool;help;inodes'= {
        }
        &'celtool;help;workers'= {
            cand reap 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes'
        }
        &'celtool;help;workers;reap'= {
        }
        &'celtool;help;prune-tmp'= {
        }
        &'celtool;help;fleet'= {
        }
        &'celtool;help;ping'= {
        }
        &'celtool;help;probe'= {
            cand liveness 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker'
            cand readiness 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds'
        }
        &'celtool;help;probe;liveness'= {
        }
        &'celtool;help;probe;readiness'= {
        }
        &'celtool;help;lint'= {
        }
        &'celtool;help;fix'= {
            cand event-queues 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now'
            cand stale-event-queues 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)'
            cand conntrack 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc'
        }
        &'celtool;help;fix;event-queues'= {
        }
        &'celtool;help;fix;stale-event-queues'= {
        }
        &'celtool;help;fix;conntrack'= {
        }
        &'celtool;help;undo'= {
        }
        &'celtool;help;completions'= {
        }
        &'celtool;help;generate'= {
        }
        &'celtool;help;help'= {
        }
    ]
    $completions[$command]
}
