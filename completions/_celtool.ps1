
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
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Run every check and report findings, worst first; exit code by severity')
            [CompletionResult]::new('queues', 'queues', [CompletionResultType]::ParameterValue, 'List queues with their Celery kind, depth, consumers, rates and TTL in force')
            [CompletionResult]::new('connections', 'connections', [CompletionResultType]::ParameterValue, 'List connections with their state, traffic, heartbeat and what they are')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write completions/ and man/ (for maintainers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'celtool;doctor' {
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (repeat or comma-separate)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Silence a finding ID, or every ID under a prefix (`events` skips events.*); repeatable')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list the checks that are ok')
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
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many queues')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
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
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;explain' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing in table format; the exit code tells the result. Errors still go to stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'celtool;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory that receives completions/ and man/')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use the named profile of the config file ([profiles.NAME]); without it, [profiles.default] if there is one')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the management API (https supported; keep any path prefix) [default: http://localhost:15672]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Management API user [default: guest]. The password comes from CELTOOL_PASSWORD or the profile''s password_file, never from a flag')
            [CompletionResult]::new('--vhost', '--vhost', [CompletionResultType]::ParameterName, 'Only look at this vhost (the default vhost is "/")')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each HTTP request, like 10s or 1m [default: 10s]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: ~/.config/celtool/config.toml]')
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
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a finding: what breaks, why, how to fix it; without ID, list all IDs')
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
