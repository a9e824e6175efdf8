//! How long the management API client waits, and for what: for a connection and for silence
//! inside an answer that has started (`--timeout`), for an answer to start (longer, scaled to
//! the broker's size, because RabbitMQ gathers a whole list before it sends its first byte),
//! and for the whole run (`--deadline`). It also knows which requests are still waiting, for
//! the terminal's spinner.

pub use crate::settings::{DEFAULT_DEADLINE, FLEET_DEADLINE, PING_DEADLINE};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The wait for an answer to start is this many times `--timeout`, plus [`PER_OBJECT`] per
/// object: 30 s with the default 10 s, which a proxy holding a listing back for 15 s passes.
pub const START_FACTOR: u32 = 3;

/// Extra wait for an answer to start, per queue, connection, channel, consumer and exchange
/// the overview counts. RabbitMQ 3.10 here sent the first byte of a 50 000-queue listing after
/// 22.5 s on a busy machine (0.45 ms per queue; FACTS.md); this is twice that.
pub const PER_OBJECT: Duration = Duration::from_millis(1);

/// Why a wait ended without an answer. Carried inside the `io::Error` of a body read, so the
/// client can tell a stall from malformed JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cut {
    /// No answer started within the (scaled) wait.
    #[error("no answer within {}s", .0.as_secs())]
    NoStart(Duration),
    /// The answer started, then nothing came for the idle timeout.
    #[error("the answer stalled after {bytes} bytes: nothing for {}s", .idle.as_secs())]
    Stalled { bytes: u64, idle: Duration },
    /// The run's deadline passed.
    #[error("the run's deadline of {}s passed", .0.as_secs())]
    Deadline(Duration),
    /// The run's deadline passed while an answer was still arriving: it started and dripped.
    #[error("the run's deadline of {}s passed after {bytes} bytes of the answer", .len.as_secs())]
    DeadlineMidAnswer { len: Duration, bytes: u64 },
}

/// The waits of one run, shared by every request of the client.
#[derive(Debug)]
pub struct Budget {
    idle: Duration,
    deadline: Option<(Instant, Duration)>,
    /// The deadline bounds reading the snapshot; a fix's reads after the consent prompt are
    /// not the broker's slowness.
    deadline_on: AtomicBool,
    extra_ms: AtomicU64,
    next_id: AtomicU64,
    waiting: Mutex<Vec<(u64, String, Instant)>>,
}

impl Budget {
    /// `idle` is `--timeout`; `deadline` counts from now.
    pub fn new(idle: Duration, deadline: Option<Duration>) -> Budget {
        Budget {
            idle,
            deadline: deadline.map(|d| (Instant::now() + d, d)),
            deadline_on: AtomicBool::new(true),
            extra_ms: AtomicU64::new(0),
            next_id: AtomicU64::new(0),
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// Scale the wait for answers to start to the broker's size; requests already waiting get
    /// the longer wait too.
    pub fn scale_to(&self, objects: f64) {
        if objects.is_finite() && objects > 0.0 {
            let ms = (objects.min(1e9) * PER_OBJECT.as_secs_f64() * 1000.0) as u64;
            self.extra_ms.fetch_max(ms, Ordering::Relaxed);
        }
    }

    /// `--timeout`: the longest silence tolerated once an answer has started.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// How long an answer may take to start.
    pub fn start_wait(&self) -> Duration {
        self.idle * START_FACTOR + Duration::from_millis(self.extra_ms.load(Ordering::Relaxed))
    }

    /// When the run's deadline ends and how long it is, while it applies: the worker probe and
    /// the Redis reads are bounded by the same deadline as the API requests.
    pub fn deadline(&self) -> Option<(Instant, Duration)> {
        self.deadline
            .filter(|_| self.deadline_on.load(Ordering::Relaxed))
    }

    /// The snapshot is in: later requests (a fix's, after its prompt) are not bound by the
    /// run's deadline.
    pub fn lift_deadline(&self) {
        self.deadline_on.store(false, Ordering::Relaxed);
    }

    fn cap(&self, at: Instant, cut: Cut, deadline: bool) -> (Instant, Cut) {
        let deadline = deadline && self.deadline_on.load(Ordering::Relaxed);
        match self.deadline {
            Some((end, len)) if deadline && end <= at => match cut {
                // The answer had started: say so, it did not fail to come.
                Cut::Stalled { bytes, .. } => (end, Cut::DeadlineMidAnswer { len, bytes }),
                _ => (end, Cut::Deadline(len)),
            },
            _ => (at, cut),
        }
    }

    /// When an answer asked for at `since` must have started; `deadline` says whether the
    /// run's deadline applies (it does not to the changes a fix makes after its report).
    pub fn start_limit(&self, since: Instant, deadline: bool) -> (Instant, Cut) {
        let wait = self.start_wait();
        self.cap(since + wait, Cut::NoStart(wait), deadline)
    }

    /// When the next bytes of an answer that has `bytes` so far must be in, counted from now
    /// (ask once per wait, not in [`Budget::until`]'s re-check).
    pub fn idle_limit(&self, bytes: u64) -> (Instant, Cut) {
        let cut = Cut::Stalled {
            bytes,
            idle: self.idle,
        };
        self.cap(Instant::now() + self.idle, cut, true)
    }

    /// Await `fut` until `limit` says it is too late. The limit is asked again when it fires,
    /// so a wait that grew meanwhile (the overview arrived) is honoured.
    pub async fn until<F: Future>(
        &self,
        limit: impl Fn() -> (Instant, Cut),
        fut: F,
    ) -> Result<F::Output, Cut> {
        let mut fut = std::pin::pin!(fut);
        loop {
            let (at, _) = limit();
            if let Ok(v) = tokio::time::timeout_at(at.into(), &mut fut).await {
                return Ok(v);
            }
            let (again, cut) = limit();
            if again <= Instant::now() {
                return Err(cut);
            }
        }
    }

    /// Note that `what` is waiting for its answer, until the guard is dropped.
    pub fn waiting(&self, what: String) -> Waiting<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut w) = self.waiting.lock() {
            w.push((id, what, Instant::now()));
        }
        Waiting { budget: self, id }
    }

    /// What the run has waited longest for, once that is at least a second:
    /// `waiting for /api/queues (12 s)`, with how many others are still out.
    pub fn status(&self) -> Option<String> {
        let w = self.waiting.lock().ok()?;
        let (_, what, since) = w.iter().min_by_key(|(_, _, since)| *since)?;
        status_line(what, since.elapsed(), w.len() - 1)
    }
}

/// The spinner's text for the oldest wait; nothing before a second has passed.
pub fn status_line(what: &str, waited: Duration, others: usize) -> Option<String> {
    if waited < Duration::from_secs(1) {
        return None;
    }
    let more = match others {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(format!("waiting for {what} ({} s){more}", waited.as_secs()))
}

/// Removes its request from the waiting list when dropped.
pub struct Waiting<'a> {
    budget: &'a Budget,
    id: u64,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.budget.waiting.lock() {
            w.retain(|(id, _, _)| *id != self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_wait_grows_with_the_broker() {
        let b = Budget::new(Duration::from_secs(10), None);
        assert_eq!(b.start_wait(), Duration::from_secs(30));
        b.scale_to(50_000.0);
        assert_eq!(b.start_wait(), Duration::from_secs(80));
        // Never shrinks, and ignores nonsense.
        b.scale_to(10.0);
        b.scale_to(f64::NAN);
        b.scale_to(-5.0);
        assert_eq!(b.start_wait(), Duration::from_secs(80));
    }

    #[test]
    fn the_deadline_caps_every_wait_but_a_fix_s() {
        let b = Budget::new(Duration::from_secs(10), Some(Duration::from_secs(2)));
        let now = Instant::now();
        let (at, cut) = b.start_limit(now, true);
        assert_eq!(cut, Cut::Deadline(Duration::from_secs(2)));
        assert!(at <= now + Duration::from_secs(2));
        assert_eq!(
            b.start_limit(now, false).1,
            Cut::NoStart(Duration::from_secs(30))
        );
        assert_eq!(
            b.idle_limit(5).1,
            Cut::DeadlineMidAnswer {
                len: Duration::from_secs(2),
                bytes: 5
            }
        );
        b.lift_deadline();
        assert_eq!(
            b.start_limit(now, true).1,
            Cut::NoStart(Duration::from_secs(30))
        );
        let b = Budget::new(Duration::from_secs(1), None);
        assert_eq!(
            b.idle_limit(5).1,
            Cut::Stalled {
                bytes: 5,
                idle: Duration::from_secs(1)
            }
        );
    }

    #[test]
    fn status_names_the_oldest_wait_after_a_second() {
        assert_eq!(
            status_line("/api/queues", Duration::from_millis(300), 0),
            None
        );
        assert_eq!(
            status_line("/api/queues", Duration::from_secs(12), 0).as_deref(),
            Some("waiting for /api/queues (12 s)")
        );
        assert_eq!(
            status_line("/api/queues", Duration::from_secs(3), 2).as_deref(),
            Some("waiting for /api/queues (3 s) and 2 more")
        );
        let b = Budget::new(Duration::from_secs(1), None);
        let guard = b.waiting("/api/queues".into());
        assert_eq!(b.status(), None);
        drop(guard);
        assert!(b.waiting.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn until_honours_a_wait_that_grew_meanwhile() {
        let b = Budget::new(Duration::from_millis(10), None);
        let since = Instant::now();
        // Far longer than the 30 ms wait: a test thread starved past 100 ms (a loaded machine)
        // must still see the cut, not a finished answer.
        let never = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            7
        };
        let r = b.until(|| b.start_limit(since, true), never).await;
        assert_eq!(r, Err(Cut::NoStart(Duration::from_millis(30))));
        let since = Instant::now();
        b.scale_to(1000.0);
        let slow = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            7
        };
        assert_eq!(b.until(|| b.start_limit(since, true), slow).await, Ok(7));
    }
}
