//! After a fix is applied: wait until the broker shows its effect, for as long as a broker of
//! this size may take, asking again with a growing pause (never one fixed sleep, never a fixed
//! limit: a busy 50 000-queue broker needs far longer than an idle one).

use std::time::{Duration, Instant};

use super::FixError;
use super::{Change, Plan, event_queues};
use crate::rabbitmq::client::Client;

/// The first pause between two looks; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(300);
/// The longest pause: a listing of a big vhost costs the broker seconds, so do not ask it in a
/// tight loop.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// How long to wait for a fix to show: twice the wait for an answer to start (3 x --timeout
/// plus 1 s per 1 000 objects on the broker), so 60 s with the defaults on a small broker and
/// more on a big one; `--timeout` raises it.
pub fn settle_wait(client: &Client) -> Duration {
    client.budget().start_wait() * 2
}

/// Ask `look` until it returns `Some` or `wait()` has passed since `started` (asked after every
/// look, so a wait that grew meanwhile is honoured). Pauses grow from [`FIRST_PAUSE`] to
/// [`MAX_PAUSE`] and never end past the limit (one last look is taken at it). `Ok(None)`
/// means the limit passed.
pub fn until<T>(
    started: Instant,
    wait: impl Fn() -> Duration,
    mut look: impl FnMut() -> Result<Option<T>, FixError>,
) -> Result<Option<T>, FixError> {
    let mut pause = FIRST_PAUSE;
    loop {
        if let Some(v) = look()? {
            return Ok(Some(v));
        }
        let limit = started + wait();
        let now = Instant::now();
        if now >= limit {
            return Ok(None);
        }
        std::thread::sleep(pause.min(limit - now));
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// RabbitMQ applies policies asynchronously: wait until every event queue of the changed
/// vhosts carries the TTL and expiry, for [`settle_wait`] (which grows with the queues seen).
pub fn event_queues(
    client: &Client,
    plan: &Plan,
    opts: &event_queues::Options,
) -> Result<(), FixError> {
    let rt = crate::gather::runtime()?;
    for change in &plan.changes {
        let Change::PutPolicy { vhost, .. } = change else {
            continue;
        };
        let started = Instant::now();
        let mut left: Vec<String> = Vec::new();
        let settled = until(
            started,
            || settle_wait(client),
            || {
                let queues: Vec<crate::rabbitmq::records::Queue> = rt.block_on(client.get(
                    &["queues", vhost],
                    Some("name,vhost,effective_policy_definition"),
                ))?;
                // A big vhost takes the broker longer to apply a policy to: wait in proportion.
                client.budget().scale_to(queues.len() as f64);
                left = event_queues::unsettled(vhost, &queues, opts)
                    .iter()
                    .map(|q| q.name().to_string())
                    .collect();
                Ok(left.is_empty().then_some(()))
            },
        )?;
        if settled.is_none() {
            return Err(FixError::Failed(format!(
                "the policy was applied, but {} event queue(s) in vhost {vhost} (e.g. {}) still do not show it after {} s (the wait is 6 x --timeout plus 2 s per 1 000 queues); check `rabbitmqctl list_queues -p {vhost} name policy`, or raise --timeout",
                left.len(),
                crate::text::sanitize(left.first().map(String::as_str).unwrap_or("?")),
                started.elapsed().as_secs()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn until_looks_again_until_the_condition_holds() {
        let looks = Cell::new(0);
        let started = Instant::now();
        let r = until(
            started,
            || Duration::from_secs(30),
            || {
                looks.set(looks.get() + 1);
                Ok((looks.get() == 3).then_some("done"))
            },
        )
        .unwrap();
        assert_eq!(r, Some("done"));
        assert_eq!(looks.get(), 3);
        // Pauses of 0.3 s and 0.6 s: no fixed sleep, no waiting out the limit.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900), "{took:?}");
        assert!(took < Duration::from_secs(10), "{took:?}");
    }

    #[test]
    fn until_gives_up_at_its_limit_with_one_last_look() {
        let looks = Cell::new(0);
        let started = Instant::now();
        let r: Option<()> = until(
            started,
            || Duration::from_millis(1000),
            || {
                looks.set(looks.get() + 1);
                Ok(None)
            },
        )
        .unwrap();
        assert_eq!(r, None);
        let took = started.elapsed();
        // Looks at 0, 0.3, 0.9 and, after the 0.1 s left, at the limit: no pause past it.
        assert!(took >= Duration::from_millis(1000), "{took:?}");
        assert!(took < Duration::from_millis(1900), "{took:?}");
        assert_eq!(looks.get(), 4);
        // An error ends the wait at once.
        let r: Result<Option<()>, FixError> = until(
            Instant::now(),
            || Duration::from_secs(30),
            || Err(FixError::Failed("gone".into())),
        );
        assert!(r.is_err());
    }

    #[test]
    fn the_wait_scales_with_timeout_and_the_broker() {
        let client = |secs| {
            Client::new(crate::rabbitmq::client::Endpoint {
                url: reqwest::Url::parse("http://127.0.0.1:1").unwrap(),
                user: "guest".into(),
                password: crate::settings::Secret::new("guest".into()),
                timeout: Duration::from_secs(secs),
                profile: None,
                deadline: None,
                ca_file: None,
            })
            .unwrap()
        };
        let c = client(10);
        assert_eq!(settle_wait(&c), Duration::from_secs(60));
        c.budget().scale_to(50_000.0);
        assert_eq!(settle_wait(&c), Duration::from_secs(160));
        assert_eq!(settle_wait(&client(1)), Duration::from_secs(6));
    }
}
