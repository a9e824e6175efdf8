use super::*;

fn value(f: &PyFile, name: &str) -> Py {
    module_values(f)
        .remove(name)
        .unwrap_or_else(|| panic!("{name} not assigned in {f:#?}"))
}

#[test]
fn module_assignments_resolve_literals_constants_timedelta_and_env_defaults() {
    let f = parse(
        r#"
import os
from datetime import timedelta
import datetime as dt

HOUR = 60 * 60
broker_url = os.environ.get("BROKER_URL", "redis://localhost:6379/0")
broker_transport_options = {"visibility_timeout": 2 * HOUR}
task_time_limit = int(os.getenv("TIME_LIMIT", "300"))
result_expires = timedelta(days=1, hours=2)
beat_max = dt.timedelta(minutes=5).total_seconds
task_acks_late = os.environ.get("ACKS_LATE", "true").lower() in ("1", "true")
worker_prefetch_multiplier = os.environ["PREFETCH"]
name = f"{HOUR}s"
a = b = 3
x, y = 1, 2.5
s = 'a' 'b'
neg = -1_000
flag = not False and 7
"#,
    )
    .unwrap();
    assert_eq!(
        value(&f, "broker_url"),
        Py::Str("redis://localhost:6379/0".into())
    );
    assert_eq!(
        value(&f, "broker_transport_options").get("visibility_timeout"),
        Some(&Py::Int(7200))
    );
    assert_eq!(value(&f, "task_time_limit"), Py::Int(300));
    assert_eq!(value(&f, "result_expires"), Py::Float(93600.0));
    assert_eq!(value(&f, "task_acks_late"), Py::Bool(true));
    assert_eq!(
        value(&f, "worker_prefetch_multiplier"),
        Py::Unknown("os.environ['PREFETCH'] has no default in the file".into())
    );
    assert_eq!(value(&f, "name"), Py::Str("3600s".into()));
    assert_eq!((value(&f, "a"), value(&f, "b")), (Py::Int(3), Py::Int(3)));
    assert_eq!(
        (value(&f, "x"), value(&f, "y")),
        (Py::Int(1), Py::Float(2.5))
    );
    assert_eq!(value(&f, "s"), Py::Str("ab".into()));
    assert_eq!(value(&f, "neg"), Py::Int(-1000));
    assert_eq!(value(&f, "flag"), Py::Int(7));
    let line = f
        .assigns
        .iter()
        .find(|a| a.name == "task_time_limit")
        .unwrap()
        .line;
    assert_eq!(line, 9);
}

#[test]
fn celery_app_conf_update_conf_attributes_and_config_from_object() {
    let f = parse(
        r#"
import os
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
app = Celery("proj", broker="amqp://rabbit//", backend="rpc://", task_acks_late=True)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(worker_prefetch_multiplier=1, **{"task_time_limit": 600})
app.conf.update({"event_queue_ttl": None})
app.conf.worker_send_task_events = True
"#,
    )
    .unwrap();
    assert_eq!(f.apps.len(), 1);
    let app = &f.apps[0];
    assert_eq!((app.line, app.var.as_deref()), (6, Some("app")));
    let names: Vec<&str> = app.settings.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["broker_url", "result_backend", "task_acks_late"]
    );
    assert_eq!(
        f.config_from,
        vec![ConfigFrom {
            line: 7,
            target: Target::Module("django.conf:settings".into()),
            namespace: Some("CELERY".into())
        }]
    );
    assert_eq!(f.django_settings_module.as_deref(), Some("proj.settings"));
    let sets: Vec<(&str, &Py, usize)> = f
        .conf_sets
        .iter()
        .map(|a| (a.name.as_str(), &a.value, a.line))
        .collect();
    assert_eq!(
        sets,
        vec![
            ("worker_prefetch_multiplier", &Py::Int(1), 8),
            ("task_time_limit", &Py::Int(600), 8),
            ("event_queue_ttl", &Py::None, 9),
            ("worker_send_task_events", &Py::Bool(true), 10),
        ]
    );
    assert_eq!(f.conf_sets[3].form, Form::ConfAttr("app".into()));
    assert_eq!(f.conf_update_line, Some(8));
}

#[test]
fn classes_as_config_with_inheritance_and_a_class_target() {
    let f = parse(
        r#"
class Base:
    task_acks_late = True
    worker_prefetch_multiplier = 4

class Production(Base):
    worker_prefetch_multiplier = 1

app.config_from_object(Production)
app.config_from_object("proj.config:Base")
"#,
    )
    .unwrap();
    let prod = f.classes.iter().find(|c| c.name == "Production").unwrap();
    let got: Vec<(&str, &Py)> = prod
        .assigns
        .iter()
        .map(|a| (a.name.as_str(), &a.value))
        .collect();
    assert_eq!(
        got,
        vec![
            ("task_acks_late", &Py::Bool(true)),
            ("worker_prefetch_multiplier", &Py::Int(4)),
            ("worker_prefetch_multiplier", &Py::Int(1)),
        ]
    );
    assert_eq!(
        f.config_from[0].target,
        Target::Class(None, "Production".into())
    );
    assert_eq!(
        f.config_from[1].target,
        Target::Class(Some("proj.config".into()), "Base".into())
    );
}

#[test]
fn hints_branches_and_errors() {
    let f = parse(
        r#"
from datetime import datetime, timedelta
DEBUG = False
if DEBUG:
    task_time_limit = 10
else:
    task_time_limit = 7200
if os.environ.get("X") == something:
    worker_prefetch_multiplier = 1

@app.task(bind=True, default_retry_delay=600)
def send(self):
    later.apply_async(countdown=2 * 3600)
    other.apply_async(eta=datetime.now() + timedelta(hours=3))
    self.retry(countdown=self.request.retries)
"#,
    )
    .unwrap();
    assert_eq!(value(&f, "task_time_limit"), Py::Int(7200));
    assert!(matches!(
        value(&f, "worker_prefetch_multiplier"),
        Py::Unknown(_)
    ));
    let hints: Vec<(&str, f64, usize)> = f
        .hints
        .iter()
        .map(|h| (h.what, h.seconds, h.line))
        .collect();
    assert_eq!(
        hints,
        vec![
            ("default_retry_delay", 600.0, 11),
            ("countdown", 7200.0, 13),
            ("eta", 10800.0, 14)
        ]
    );
    let err =
        parse("broker_url = 'x'\n{% if redis %}\nresult_backend = 'y'\n{% endif %}\n").unwrap_err();
    assert!(
        err.starts_with("not valid Python: syntax error at line 2"),
        "{err}"
    );
    let err = parse("task_acks_late = (True\n").unwrap_err();
    assert!(err.contains("syntax error at line"), "{err}");
}

#[test]
fn django_environ_and_decouple_defaults() {
    let f = parse(
        r#"
import environ
from decouple import config
env = environ.Env()
CELERY_TASK_ACKS_LATE = env.bool("ACKS_LATE", default="yes")
CELERY_WORKER_PREFETCH_MULTIPLIER = config("PREFETCH", default="1", cast=int)
CELERY_BROKER_URL = env("BROKER_URL")
"#,
    )
    .unwrap();
    assert_eq!(value(&f, "CELERY_TASK_ACKS_LATE"), Py::Bool(true));
    assert_eq!(value(&f, "CELERY_WORKER_PREFETCH_MULTIPLIER"), Py::Int(1));
    assert!(matches!(value(&f, "CELERY_BROKER_URL"), Py::Unknown(_)));
}
