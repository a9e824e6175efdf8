//! Issue 21, the event fan-out forecast on RabbitMQ (`rabbitmq.events.fanout`) with the real
//! thing: two Celery workers with -E (gossip on) and a monitor (`celery events --dump`, bound to
//! `#`) in the test's own vhost. The forecast counts them, measures one receiver's stream from
//! the monitor's connection as the management API reports it, and stays ok on a gigabit link.

use serde_json::Value;

use crate::support::*;

/// Mbit/s given to celtool as the broker's link (this host's NIC publishes no speed).
const LINK_MBIT: f64 = 1000.0;

fn doctor(vhost: &str) -> Run {
    run(celtool()
        .env("CELTOOL_RABBITMQ_LINK_MBIT", LINK_MBIT.to_string())
        .args([
            "doctor", "--only", "broker", "--format", "json", "--vhost", vhost,
        ])
        .args(skip_node_wide()))
}

fn fanout(r: &Run) -> Option<Value> {
    serde_json::from_str::<Value>(&r.stdout).ok()?["findings"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == "rabbitmq.events.fanout")
        .cloned()
}

/// The bytes per second the management API says the broker sends to the monitor: the
/// connection consuming a `celeryev.*` queue and no worker mailbox.
fn monitor_send_rate(vhost: &str) -> Option<f64> {
    let consumers = api("GET", &["consumers", vhost], None);
    let conn_of = |c: &Value| {
        c["channel_details"]["connection_name"]
            .as_str()
            .map(str::to_string)
    };
    let consumes = |name: &str, pred: &dyn Fn(&str) -> bool| {
        consumers.as_array().into_iter().flatten().any(|c| {
            conn_of(c).as_deref() == Some(name) && c["queue"]["name"].as_str().is_some_and(pred)
        })
    };
    let mut monitors: Vec<String> = consumers
        .as_array()?
        .iter()
        .filter_map(conn_of)
        .filter(|n| consumes(n, &|q| q.starts_with("celeryev.")))
        .filter(|n| !consumes(n, &|q| q.ends_with(".celery.pidbox")))
        .collect();
    monitors.dedup();
    let [name] = monitors.as_slice() else {
        return None;
    };
    api("GET", &["connections", name], None)["send_oct_details"]["rate"].as_f64()
}

/// The forecast once the fleet is counted and the monitor's stream measured, with the API's own
/// rate for the monitor read just before and after it.
fn settled(vhost: &str) -> Option<(Value, f64, f64)> {
    let before = monitor_send_rate(vhost)?;
    let f = fanout(&doctor(vhost))?;
    let after = monitor_send_rate(vhost)?;
    let e = &f["evidence"];
    let counted = e["worker_nodes"] == 2.0 && e["event_receivers"] == 3.0;
    let measured = !f["summary"].as_str()?.contains("assumed");
    // The stream one receiver gets, as celtool read it: cost x N.
    let stream = e["bytes_per_node_per_receiver"].as_f64()? * 2.0;
    let (lo, hi) = (before.min(after), before.max(after));
    (counted && measured && lo > 0.0 && stream >= lo / 2.0 && stream <= hi * 2.0)
        .then_some((f, lo, hi))
}

#[test]
fn the_fan_out_of_two_workers_and_a_monitor_is_forecast_from_the_apis_rates() {
    let v = Vhost::new("fanout");
    let w1 = Worker::start(&v.name, "w1@fanout");
    let w2 = Worker::start(&v.name, "w2@fanout");
    let monitor = VenvProcess::spawn(
        &v.name,
        "celery",
        &["-A", "celtool_testapp", "events", "--dump"],
        &[],
    );
    let (f, lo, hi) = wait_for(CELERY_WAIT, || settled(&v.name)).unwrap_or_else(|| {
        panic!(
            "no settled forecast; last: {:#?}\nmonitor rate {:?}\nw1: {}\nw2: {}\nmonitor: {}",
            fanout(&doctor(&v.name)),
            monitor_send_rate(&v.name),
            w1.log(),
            w2.log(),
            monitor.log()
        )
    });
    let e = &f["evidence"];
    // A small fleet on a gigabit: nothing to act on.
    assert_eq!(f["severity"], "ok", "{f:#}");
    assert_eq!(f["subject"], v.name.as_str(), "{f:#}");
    let link = LINK_MBIT * 1e6 / 8.0;
    assert_eq!(e["link_bytes_per_second"].as_f64(), Some(link), "{f:#}");
    // The forecast is N x (N + M) x c = link solved for N, with the measured c and M = 1.
    let cost = e["bytes_per_node_per_receiver"].as_f64().unwrap();
    let n = ((1.0 + 4.0 * link / cost).sqrt() - 1.0) / 2.0;
    assert_eq!(
        e["saturating_worker_nodes"].as_f64(),
        Some(n.floor()),
        "{f:#}"
    );
    assert!(
        f["summary"].as_str().unwrap().contains("saturates near"),
        "{f:#}"
    );
    // The event stream is what 3 receivers get, and the vhost sends at least that.
    let events = e["event_bytes_per_second"].as_f64().unwrap();
    assert!((events - 3.0 * cost * 2.0).abs() < 1e-6, "{f:#}");
    let output = e["output_bytes_per_second"].as_f64().unwrap();
    assert!(
        output >= cost * 2.0,
        "output {output} under one receiver's stream; {f:#}"
    );
    eprintln!("fan-out: {f:#}\nAPI monitor send rate {lo}..{hi} B/s");
}

#[test]
fn a_bad_link_speed_is_a_usage_error_naming_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    write(&config, "[profiles.default]\nrabbitmq_link_mbit = 0\n");
    let cmd = || {
        let mut c = celtool();
        c.args(["doctor", "--only", "broker", "--config"])
            .arg(&config);
        c
    };
    let r = run(&mut cmd());
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr
            .starts_with("celtool: error: rabbitmq_link_mbit '0': expected Mbit/s"),
        "{r:#?}"
    );
    // The environment wins over the profile.
    let r = run(cmd().env("CELTOOL_RABBITMQ_LINK_MBIT", "fast"));
    assert_eq!(r.code, 3, "{r:#?}");
    assert!(
        r.stderr
            .starts_with("celtool: error: CELTOOL_RABBITMQ_LINK_MBIT 'fast': expected Mbit/s"),
        "{r:#?}"
    );
}
