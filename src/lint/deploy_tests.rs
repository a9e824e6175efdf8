use super::*;

fn docs(text: &str) -> Vec<MarkedYamlOwned> {
    yaml_docs(text).unwrap()
}

#[test]
fn procfile_and_systemd_with_an_environment_file() {
    let p = procfile("web: gunicorn app\nworker: celery -A proj worker -c 4 -E\n").unwrap();
    assert_eq!(p.workers.len(), 1);
    assert_eq!(
        (p.workers[0].name.as_str(), p.workers[0].line),
        ("worker", 2)
    );
    let env = "# celery\nCELERY_BIN=\"/usr/bin/celery\"\nCELERYD_OPTS=\"--time-limit=300 --concurrency=8\"\n";
    let unit = "[Unit]\nDescription=Celery\n\n[Service]\nType=forking\nEnvironmentFile=/etc/conf.d/celery\nTimeoutStopSec=5min\nExecStart=/bin/sh -c '${CELERY_BIN} -A proj multi start w1 w2 \\\n  $CELERYD_OPTS'\n";
    let files = |p: &str| (p == "/etc/conf.d/celery").then(|| env_file(env));
    let d = systemd(unit, "celery.service", &files).unwrap();
    assert_eq!(d.env_files, vec![("/etc/conf.d/celery".to_string(), false)]);
    let w = &d.workers[0];
    assert_eq!((w.line, w.worker.nodes), (8, 2));
    assert_eq!(w.worker.settings[0].0, "task_time_limit");
    assert_eq!(w.grace.as_ref().unwrap().seconds, 300.0);
    // Without the file, the options are a variable no file sets.
    let d = systemd(unit, "celery.service", &|_| None).unwrap();
    assert!(
        d.workers.is_empty() || !d.workers[0].worker.unset.is_empty(),
        "{d:?}"
    );
}

#[test]
fn compose_services_with_anchors_merges_env_and_healthchecks() {
    let text = r#"
x-worker: &worker
  image: proj
  environment:
    CONCURRENCY: "4"
services:
  redis:
    image: redis:7
  worker:
    <<: *worker
    command: celery -A proj worker -c ${CONCURRENCY} --prefetch-multiplier=${PREFETCH:-8}
    deploy:
      replicas: 12
    stop_grace_period: 1m30s
    healthcheck:
      test: ["CMD-SHELL", "celery -A proj inspect ping -d celery@$$HOSTNAME"]
"#;
    let d = docs(text);
    assert_eq!(yaml_kind(&d[0]), YamlKind::Compose);
    let c = compose(&d[0], &HashMap::new()).unwrap();
    assert_eq!(c.workers.len(), 1);
    let w = &c.workers[0];
    assert_eq!(
        (w.name.as_str(), w.line, w.replicas),
        ("worker", 11, Some(12))
    );
    let got: Vec<(&str, &crate::lint::value::Py)> =
        w.worker.settings.iter().map(|(k, v, _)| (*k, v)).collect();
    use crate::lint::value::Py;
    assert_eq!(
        got,
        vec![
            ("worker_concurrency", &Py::Int(4)),
            ("worker_prefetch_multiplier", &Py::Int(8))
        ]
    );
    assert_eq!(w.grace.as_ref().unwrap().seconds, 90.0);
    assert!(w.probes[0].remote_control);
}

#[test]
fn kubernetes_deployments_probes_grace_and_templates() {
    let text = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 3
  template:
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: celery
          image: proj
          env:
            - name: OPTS
              value: "--max-memory-per-child=512000"
          command: ["celery"]
          args: ["-A", "proj", "worker", "$(OPTS)"]
          livenessProbe:
            exec:
              command: ["celtool", "probe", "liveness"]
          readinessProbe:
            exec:
              command: ["sh", "-c", "celery -A proj inspect ping"]
"#;
    let d = docs(text);
    assert_eq!(yaml_kind(&d[0]), YamlKind::Kubernetes);
    assert!(kubernetes(&d[0]).unwrap().workers.is_empty());
    let k = kubernetes(&d[1]).unwrap();
    let w = &k.workers[0];
    assert_eq!(w.replicas, Some(3));
    assert_eq!(w.line, 21);
    assert_eq!(w.worker.settings[0].0, "worker_max_memory_per_child");
    let g = w.grace.as_ref().unwrap();
    assert_eq!((g.seconds, g.explicit, g.line), (60.0, true, 14));
    let probes: Vec<(&str, bool)> = w
        .probes
        .iter()
        .map(|p| (p.kind, p.remote_control))
        .collect();
    assert_eq!(
        probes,
        vec![("livenessProbe", false), ("readinessProbe", true)]
    );
    let err = yaml_docs("replicas: {{ .Values.replicas }}\n").unwrap_err();
    assert!(err.starts_with("a template"), "{err}");
    assert!(
        yaml_docs("a: [1\n")
            .unwrap_err()
            .starts_with("not valid YAML")
    );
}
