
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'celtool' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'celtool'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'celtool' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Run every check and report findings, worst first; exit code by severity')
            [CompletionResult]::new('queues', 'queues', [CompletionResultType]::ParameterValue, 'List queues with their Celery kind, depth, consumers, rates and TTL in force')
            [CompletionResult]::new('connections', 'connections', [CompletionResultType]::ParameterValue, 'List connections with their state, traffic, heartbeat and what they are')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)')
            [CompletionResult]::new('conntrack', 'conntrack', [CompletionResultType]::ParameterValue, 'Show this host''s conntrack table: fill, limit, hash buckets, drop counters')
            [CompletionResult]::new('inodes', 'inodes', [CompletionResultType]::ParameterValue, 'Show inode use per filesystem, or with --top the directories holding the most entries')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'Show this host''s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans')
            [CompletionResult]::new('prune-tmp', 'prune-tmp', [CompletionResultType]::ParameterValue, 'Delete old temporary files, race-safely; silent on success, made for cron')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore what a fix changed, from the journal')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write completions/ and man/ (for maintainers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;doctor' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (repeat or comma-separate)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Silence a finding ID, or every ID under a prefix (`events` skips events.*); repeatable')
            [CompletionResult]::new('--max-per-id', '--max-per-id', [CompletionResultType]::ParameterName, 'List at most N findings of each ID, the worst, and one "and K more like this" for the rest (status, exit code and counts include them all); 0 lists every finding. Default: 20 in the table format; every finding in json, prometheus, nagios and --textfile')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'The workers that must answer ping: a COUNT (at least this many), or a PATTERN, a node-name glob like ''web*@*'' that an answering worker must match (repeat or comma-separate). A worker killed with kill -9 leaves no trace on the broker: only this finds it [default: the profile''s expect_workers, else none]')
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Also write the report as Prometheus metrics to FILE, atomically, for node_exporter''s textfile collector (the name must end in .prom); a run that fails writes celtool_doctor_success 0')
            [CompletionResult]::new('--amqp-url', '--amqp-url', [CompletionResultType]::ParameterName, 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used')
            [CompletionResult]::new('--reply-timeout', '--reply-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list the checks that are ok')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Offer the fixes for what was found: event queue policies, stale event queues, conntrack limits, zombies and orphaned pool processes (same consent rules as `celtool fix`)')
            [CompletionResult]::new('--no-workers', '--no-workers', [CompletionResultType]::ParameterName, 'Do not ask the Celery workers themselves over AMQP or Redis (remote control: ping, stats, conf, active, reserved); by default doctor asks them in every vhost where Celery is seen, or in the Redis database')
            [CompletionResult]::new('--no-event-sample', '--no-event-sample', [CompletionResultType]::ParameterName, 'Do not listen to the workers'' event stream beside the probe. By default doctor samples it over AMQP on a queue of its own (exclusive, auto-delete, deleted afterwards) for up to [thresholds."workers.mixed-durations"] sample (3s) from the probe''s start, past the probe only while the workers send task events: task runtimes (workers.mixed-durations) and the heartbeats'' Celery version (delayed.celery-version)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;queues' {
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Sort by this column (numbers largest first)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only queues of these kinds (repeat or comma-separate)')
            [CompletionResult]::new('--min-ready', '--min-ready', [CompletionResultType]::ParameterName, 'Only queues with at least this many ready messages')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only queues whose name matches this regular expression')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many queues, the first by --sort; on a terminal 50 by default (a line says how many more), piped and in JSON every queue')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;connections' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only connections of these kinds (repeat or comma-separate)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many connections')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;explain' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;conntrack' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;inodes' {
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Count entries under PATH per directory, on PATH''s filesystem only (like du --inodes -x)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many directories --top lists')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;workers' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('reap', 'reap', [CompletionResultType]::ParameterValue, 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;workers;reap' {
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long to wait for a process to act on a signal before the next step')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Touch only the Celery processes whose title (command line) matches this regular expression. It narrows, never widens: a process that is not itself Celery (a Python program running celery, or a `[celeryd: ...]` title) is listed and left alone even if it matches, like a `timeout ... celery worker` wrapper')
            [CompletionResult]::new('--amqp-url', '--amqp-url', [CompletionResultType]::ParameterName, 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used')
            [CompletionResult]::new('--reply-timeout', '--reply-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--kill-parents', '--kill-parents', [CompletionResultType]::ParameterName, 'Also end a parent that still does not reap its zombies after SIGCHLD and the grace period')
            [CompletionResult]::new('--hung', '--hung', [CompletionResultType]::ParameterName, 'Also end the main process of each worker on this host that is hung: its mailbox has a consumer on the broker but it answers no ping (asked twice, over AMQP). SIGTERM, then SIGKILL after --grace, so that its supervisor (systemd, supervisord, Kubernetes) starts a fresh one. Reads the broker (--url, --vhost, --amqp-url as for `celtool ping`)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;workers;help' {
            [CompletionResult]::new('reap', 'reap', [CompletionResultType]::ParameterValue, 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;workers;help;reap' {
            break
        }
        'celtool;workers;help;help' {
            break
        }
        'celtool;prune-tmp' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Remove entries older than this, like 90m, 12h or 2d')
            [CompletionResult]::new('--age-by', '--age-by', [CompletionResultType]::ParameterName, 'Timestamps that decide the age; with several, an entry must be older on each')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Only remove entries matching this glob (on the name; on the path relative to PATH when it contains ''/''); repeatable')
            [CompletionResult]::new('--exclude', '--exclude', [CompletionResultType]::ParameterName, 'Never remove entries matching this glob (as --include); repeatable')
            [CompletionResult]::new('--min-depth', '--min-depth', [CompletionResultType]::ParameterName, 'Keep entries shallower than this (1 = directly in PATH)')
            [CompletionResult]::new('--max-depth', '--max-depth', [CompletionResultType]::ParameterName, 'Neither remove nor look at entries deeper than this')
            [CompletionResult]::new('--lock-file', '--lock-file', [CompletionResultType]::ParameterName, 'Lock this file instead of each PATH (for runs over different paths that must not overlap)')
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Also write the summary in Prometheus format to FILE, atomically (temp file + rename), for node_exporter''s textfile collector')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--rmdir', '--rmdir', [CompletionResultType]::ParameterName, 'Also remove directories that are old and empty once pruned')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Report what would be removed; change nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be removed; change nothing')
            [CompletionResult]::new('--all-types', '--all-types', [CompletionResultType]::ParameterName, 'Also remove sockets, FIFOs and device nodes')
            [CompletionResult]::new('--force-root', '--force-root', [CompletionResultType]::ParameterName, 'Allow a system directory (/, /usr, /etc, /home, /var, ...) as PATH')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'When another run holds the lock, wait for it instead of exiting with code 3')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print the summary line even when not on a terminal; with --dry-run, first list every path that would go, one per line (control characters escaped)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print the summary line even when not on a terminal; with --dry-run, first list every path that would go, one per line (control characters escaped)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;fleet' {
            [CompletionResult]::new('--amqp-url', '--amqp-url', [CompletionResultType]::ParameterName, 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used')
            [CompletionResult]::new('--reply-timeout', '--reply-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;ping' {
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'At least this many workers must answer [default: the profile''s expect_workers, else every worker whose mailbox has a consumer]')
            [CompletionResult]::new('--match', '--match', [CompletionResultType]::ParameterName, 'Only ping workers whose node name matches this glob, like ''web*@*'' (kombu''s glob matcher)')
            [CompletionResult]::new('--amqp-url', '--amqp-url', [CompletionResultType]::ParameterName, 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used')
            [CompletionResult]::new('--reply-timeout', '--reply-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;probe' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('liveness', 'liveness', [CompletionResultType]::ParameterValue, 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker')
            [CompletionResult]::new('readiness', 'readiness', [CompletionResultType]::ParameterValue, 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;probe;liveness' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The worker''s node name (`w1@%h`, `w1` and `w1@HOST` alike, expanded as Celery does); without it, the only Celery worker on this host')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'The worker''s pool when its command line does not say (-P/--pool), e.g. worker_pool set in the Celery config: prefork needs live pool children, solo, threads, eventlet and gevent have none [default: the command line''s, else prefork]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;probe;readiness' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'The worker''s node name as it answers ping (`w1@host`; `%h` is this host''s name)')
            [CompletionResult]::new('--amqp-url', '--amqp-url', [CompletionResultType]::ParameterName, 'The broker''s AMQP URL for asking the workers: amqp:// or amqps://, no credentials (the management user and password are used); a path names the vhost [default: the management URL''s host on 5672, or 5671 with TLS when it is https]; on a redis:// URL the workers are asked over Redis and this is not used')
            [CompletionResult]::new('--reply-timeout', '--reply-timeout', [CompletionResultType]::ParameterName, 'How long to wait for the workers'' replies; ping is asked a second time of the nodes whose mailbox has a consumer but did not answer')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;probe;help' {
            [CompletionResult]::new('liveness', 'liveness', [CompletionResultType]::ParameterValue, 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker')
            [CompletionResult]::new('readiness', 'readiness', [CompletionResultType]::ParameterValue, 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;probe;help;liveness' {
            break
        }
        'celtool;probe;help;readiness' {
            break
        }
        'celtool;probe;help;help' {
            break
        }
        'celtool;lint' {
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Silence a finding ID, or every ID under a prefix (`lint` skips lint.*); repeatable')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list the findings that are ok (notes: no recycling, task events on a fleet of unknown size)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;fix' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('event-queues', 'event-queues', [CompletionResultType]::ParameterValue, 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now')
            [CompletionResult]::new('stale-event-queues', 'stale-event-queues', [CompletionResultType]::ParameterValue, 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)')
            [CompletionResult]::new('conntrack', 'conntrack', [CompletionResultType]::ParameterValue, 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;fix;event-queues' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Message TTL for event queues')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'Delete an event queue this long after its last consumer left')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;fix;stale-event-queues' {
            [CompletionResult]::new('--min-messages', '--min-messages', [CompletionResultType]::ParameterName, 'Only queues holding at least this many messages')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--without-ttl-only', '--without-ttl-only', [CompletionResultType]::ParameterName, 'Only queues without a message TTL or expiry in force')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;fix;conntrack' {
            [CompletionResult]::new('--max', '--max', [CompletionResultType]::ParameterName, 'Use this nf_conntrack_max instead of the computed one (twice the larger of the current fill and limit, a power of two, at most what 5 % of RAM holds)')
            [CompletionResult]::new('--etc-root', '--etc-root', [CompletionResultType]::ParameterName, 'Write the persisted files under this directory instead of /etc (for tests)')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;fix;help' {
            [CompletionResult]::new('event-queues', 'event-queues', [CompletionResultType]::ParameterValue, 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now')
            [CompletionResult]::new('stale-event-queues', 'stale-event-queues', [CompletionResultType]::ParameterValue, 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)')
            [CompletionResult]::new('conntrack', 'conntrack', [CompletionResultType]::ParameterValue, 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;fix;help;event-queues' {
            break
        }
        'celtool;fix;help;stale-event-queues' {
            break
        }
        'celtool;fix;help;conntrack' {
            break
        }
        'celtool;fix;help;help' {
            break
        }
        'celtool;undo' {
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'Journal of applied changes [default: ~/.local/state/celtool/journal.jsonl]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--last', '--last', [CompletionResultType]::ParameterName, 'Undo the last run that has not been undone (the default)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking (needed off a terminal, and for irreversible changes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory that receives completions/ and man/')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix), or a Redis broker: redis://[USER@]HOST:6379/DB (rediss:// for TLS), or the Sentinels that know it: sentinel://HOST:26379[;sentinel://HOST:26379...][/DB] (sentinels:// for TLS; with --sentinel-master) [default: http://localhost:15672]')
            [CompletionResult]::new('--sentinel-master', '--sentinel-master', [CompletionResultType]::ParameterName, 'The master''s name for a sentinel:// --url, as the Sentinels monitor it (Celery''s broker_transport_options master_name; the profile''s sentinel_master)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Longest silence of the broker: connecting, and any pause once an answer has started (a stall), like 10s or 1m [default: 10s]. An answer may take 3 times this to start, plus 1 s per 1 000 queues, connections, channels, consumers and exchanges the broker counts. Each Redis command, and each step of asking the workers over AMQP (connect, declare, publish, delete, close), waits at most this long')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, 'Longest the whole run waits for the broker and the workers, like 9s for NRPE''s 10 s: every API request, Redis command and step of asking the workers ends by then, and so does doctor''s second look at this host''s zombies; what has not arrived is reported as unknown (broker.api, workers.unreachable), the rest is judged [default: 50s for ping, 2m for fleet, 5m for the others; 0: none]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file (a private CA, or a self-signed certificate) besides the system''s, for an https --url and the amqps:// connection to the workers; for a rediss:// --url, instead of the system''s (as redis-cli --cacert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--proc-root', '--proc-root', [CompletionResultType]::ParameterName, 'Read /proc from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('--sys-root', '--sys-root', [CompletionResultType]::ParameterName, 'Read /sys from this directory instead (for tests against fixture trees)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;help' {
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Run every check and report findings, worst first; exit code by severity')
            [CompletionResult]::new('queues', 'queues', [CompletionResultType]::ParameterValue, 'List queues with their Celery kind, depth, consumers, rates and TTL in force')
            [CompletionResult]::new('connections', 'connections', [CompletionResultType]::ParameterValue, 'List connections with their state, traffic, heartbeat and what they are')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs (with a prefix, those under it)')
            [CompletionResult]::new('conntrack', 'conntrack', [CompletionResultType]::ParameterValue, 'Show this host''s conntrack table: fill, limit, hash buckets, drop counters')
            [CompletionResult]::new('inodes', 'inodes', [CompletionResultType]::ParameterValue, 'Show inode use per filesystem, or with --top the directories holding the most entries')
            [CompletionResult]::new('workers', 'workers', [CompletionResultType]::ParameterValue, 'Show this host''s Celery worker trees: node, main process, pool children, flags; `workers reap` ends zombies and orphans')
            [CompletionResult]::new('prune-tmp', 'prune-tmp', [CompletionResultType]::ParameterValue, 'Delete old temporary files, race-safely; silent on success, made for cron')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Ask the Celery workers over AMQP or Redis (read-only remote control): pool, prefetch, limits, memory, tasks done, active and reserved tasks, queues')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Ping the Celery workers, for deploy gates and probes: exit 0 all answered, 2 some did not (or fewer than --expect), 3 could not check')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Kubernetes-style probes of one worker: `liveness` from /proc only (is its process there, running, with its pool), `readiness` over the broker (does it answer ping and consume its queues); exit 0 pass, 2 fail, 3 cannot tell')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check Celery configuration files before they ship (CI): settings, worker command lines, deploy files; findings on their lines as a table, JSON or SARIF; exit code by severity')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Make a change doctor recommends: show the plan, apply it on request, journal it for undo')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore what a fix changed, from the journal')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write completions/ and man/ (for maintainers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;help;doctor' {
            break
        }
        'celtool;help;queues' {
            break
        }
        'celtool;help;connections' {
            break
        }
        'celtool;help;explain' {
            break
        }
        'celtool;help;conntrack' {
            break
        }
        'celtool;help;inodes' {
            break
        }
        'celtool;help;workers' {
            [CompletionResult]::new('reap', 'reap', [CompletionResultType]::ParameterValue, 'Reap zombies (SIGCHLD to their parent) and end orphaned Celery pool processes (SIGTERM, then SIGKILL after --grace). Only processes that are themselves Celery are touched; the plan lists every pid first. Irreversible: needs --yes')
            break
        }
        'celtool;help;workers;reap' {
            break
        }
        'celtool;help;prune-tmp' {
            break
        }
        'celtool;help;fleet' {
            break
        }
        'celtool;help;ping' {
            break
        }
        'celtool;help;probe' {
            [CompletionResult]::new('liveness', 'liveness', [CompletionResultType]::ParameterValue, 'Is the worker''s main process on this host, neither stopped nor a zombie, with live pool children (prefork)? Reads /proc only: never the broker nor the config file, so a broker outage never fails it. Exit 0 alive, 2 not alive, 3 no such worker')
            [CompletionResult]::new('readiness', 'readiness', [CompletionResultType]::ParameterValue, 'Does the worker answer ping, and does every queue it consumes (active_queues) show its consumer on the broker (on Redis: a connection of its own waiting in BRPOP)? Exit 0 ready, 2 not ready, 3 cannot check. Default --deadline 10s, under a Kubernetes probe''s timeoutSeconds')
            break
        }
        'celtool;help;probe;liveness' {
            break
        }
        'celtool;help;probe;readiness' {
            break
        }
        'celtool;help;lint' {
            break
        }
        'celtool;help;fix' {
            [CompletionResult]::new('event-queues', 'event-queues', [CompletionResultType]::ParameterValue, 'Give Celery event queues (^celeryev\.) a message TTL and an expiry through a policy per vhost, merged with the policy that applies to them now')
            [CompletionResult]::new('stale-event-queues', 'stale-event-queues', [CompletionResultType]::ParameterValue, 'Delete Celery event queues that nobody consumes (irreversible: needs --yes)')
            [CompletionResult]::new('conntrack', 'conntrack', [CompletionResultType]::ParameterValue, 'Raise nf_conntrack_max (and hashsize to match) now, and persist both in /etc')
            break
        }
        'celtool;help;fix;event-queues' {
            break
        }
        'celtool;help;fix;stale-event-queues' {
            break
        }
        'celtool;help;fix;conntrack' {
            break
        }
        'celtool;help;undo' {
            break
        }
        'celtool;help;completions' {
            break
        }
        'celtool;help;generate' {
            break
        }
        'celtool;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
