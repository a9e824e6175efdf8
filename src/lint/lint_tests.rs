//! The engine on projects held in memory; the corpus under tests/fixtures/lint is linted by
//! tests/offline/lint.rs through the binary.
use super::*;

fn input(path: &str, text: &str) -> Input {
    Input {
        path: path.into(),
        text: Ok(text.into()),
        explicit: true,
    }
}

fn ids(r: &LintReport) -> Vec<(&'static str, Severity, usize)> {
    r.findings
        .iter()
        .map(|f| (f.finding.id, f.finding.severity, f.line))
        .collect()
}

#[test]
fn celerys_defaults_plus_a_time_limit_give_nothing_above_ok() {
    let r = lint(&[input("celeryconfig.py", "task_time_limit = 300\n")]);
    assert_eq!(r.status(), Severity::Ok);
    assert_eq!(ids(&r), vec![("workers.no-recycle", Severity::Ok, 1)]);
}

#[test]
fn a_namespace_reads_only_prefixed_new_names() {
    let r = lint(&[
        input(
            "proj/celery.py",
            "from celery import Celery\napp = Celery('p')\napp.config_from_object('django.conf:settings', namespace='CELERY')\n",
        ),
        input(
            "proj/settings.py",
            "SECRET_KEY = 'x'\nCELERY_TASK_TIME_LIMIT = 60\nCELERYD_PREFETCH_MULTIPLIER = 1\nbroker_url = 'redis://'\n",
        ),
    ]);
    assert_eq!(
        ids(&r),
        vec![
            ("lint.ignored-name", Severity::Warn, 3),
            ("lint.ignored-name", Severity::Warn, 4),
            ("workers.no-recycle", Severity::Ok, 4),
        ]
    );
    assert_eq!(
        r.findings[0].write,
        vec!["CELERY_WORKER_PREFETCH_MULTIPLIER = 1".to_string()]
    );
}

#[test]
fn an_unknown_value_of_a_rule_setting_is_unknown_and_nothing_is_said_clean() {
    let r = lint(&[input(
        "celeryconfig.py",
        "import os\ntask_time_limit = 300\ntask_acks_late = os.environ['ACKS_LATE']\n",
    )]);
    assert_eq!(r.status(), Severity::Unknown);
    assert!(
        ids(&r).contains(&("lint.unresolved", Severity::Unknown, 3)),
        "{:?}",
        ids(&r)
    );
    let r = lint(&[]);
    assert_eq!(ids(&r), vec![("lint.no-config", Severity::Unknown, 1)]);
}
