//! The rounds of one probe, whatever carries them: the tickets sent and the replies taken
//! ([`Ledger`]), the [`Transport`] that sends a request and receives a reply (AMQP's channel and
//! reply queue in `client`, Redis's PUBLISH and reply lists in `redis_transport`), and the one
//! [`round`] and [`ask_twice`] over both.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::time::Instant;

use super::Limits;
use super::model::WorkerReport;
use super::protocol::{self, Method, Request, Target};
use super::{ProbeOptions, WorkerError};

/// How requests go out and replies come back; everything else about a round is the same.
pub(crate) trait Transport {
    /// The reply queue's id, which every request names in its `reply_to`.
    fn oid(&self) -> &str;

    /// How long each step may wait, and the run's deadline.
    fn limits(&self) -> &Limits;

    /// Send one request.
    async fn send(&mut self, req: &Request) -> Result<(), WorkerError>;

    /// Whether a reply can come at all once the requests are sent (on Redis: a subscriber
    /// received them).
    fn reached(&self) -> bool {
        true
    }

    /// Wait for one reply, until `deadline` at most: its ticket and body, or None when nothing
    /// came (or nothing with a ticket) yet.
    async fn receive(
        &mut self,
        deadline: Instant,
    ) -> Result<Option<(String, Vec<u8>)>, WorkerError>;

    /// The error of a wait for the replies that the run's deadline cut short (`why`).
    fn cut_short(&self, why: String) -> WorkerError;
}

/// Replies gathered so far, by node then method: the reply and, for ping, its round trip in ms,
/// for the others the epoch second it arrived (to age active tasks).
type Replies = BTreeMap<String, BTreeMap<Method, (Value, f64)>>;

/// One probe's tickets sent (kept across rounds, so a late answer to the first ping still
/// counts) and the replies taken.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    tickets: BTreeMap<String, (Method, Instant)>,
    replies: Replies,
}

impl Ledger {
    /// Whether `node` answered `m` (in any round so far).
    pub(crate) fn answered(&self, node: &str, m: Method) -> bool {
        self.replies.get(node).is_some_and(|r| r.contains_key(&m))
    }

    fn sent(&mut self, req: &Request) {
        self.tickets
            .insert(req.ticket().to_string(), (req.method(), Instant::now()));
    }

    /// Keep a reply to one of this probe's tickets; replies to a ticket it did not send
    /// (another client reusing the OID) are dropped, as kombu does. A node's first reply to a
    /// method stands.
    pub(crate) fn take(&mut self, ticket: &str, body: &[u8]) {
        let Some((method, sent)) = self.tickets.get(ticket).copied() else {
            return;
        };
        let at = match method {
            Method::Ping => sent.elapsed().as_secs_f64() * 1000.0,
            _ => epoch_now(),
        };
        for (node, value) in protocol::decode_reply(body) {
            self.replies
                .entry(node)
                .or_default()
                .entry(method)
                .or_insert((value, at));
        }
    }

    /// What each node said, for the report of `vhost`; `retried` are the nodes pinged twice,
    /// `started` the epoch second the first round started.
    fn reports(self, retried: &BTreeSet<String>, vhost: &str, started: f64) -> Vec<WorkerReport> {
        self.replies
            .into_iter()
            .map(|(node, by_method)| {
                let ping_ms = by_method.get(&Method::Ping).map(|(_, ms)| *ms);
                let received_at = by_method
                    .get(&Method::Active)
                    .map(|(_, at)| *at)
                    .unwrap_or(started);
                WorkerReport {
                    ping_retried: retried.contains(&node) && ping_ms.is_some(),
                    vhost: vhost.to_string(),
                    ping_ms,
                    replies: by_method
                        .into_iter()
                        .map(|(m, (v, _))| (m.name().to_string(), v))
                        .collect(),
                    received_at: received_at.max(0.0),
                    node,
                }
            })
            .collect()
    }
}

pub(crate) fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Ask the workers of one vhost (or Redis database) `vhost` over `t`: everything once, then a
/// second ping for the known nodes that were silent. `known` are the workers' mailboxes the
/// broker shows (those `opts.target` selects are asked again when silent); `known_all`: they
/// are every mailbox the request reaches (see [`first_round_until`]). Returns what each node
/// said and the known nodes silent both times.
pub(crate) async fn ask<T: Transport>(
    t: &mut T,
    known: &[String],
    known_all: bool,
    vhost: &str,
    opts: &ProbeOptions,
) -> Result<(Vec<WorkerReport>, Vec<String>), WorkerError> {
    let known: BTreeSet<String> = known
        .iter()
        .filter(|n| match &opts.target {
            Target::Nodes(nodes) => nodes.contains(n),
            Target::Pattern { pattern, .. } => super::settings::glob_matches(pattern, n),
            Target::All => true,
        })
        .cloned()
        .collect();
    let mut ledger = Ledger::default();
    let (retried, silent, started) = ask_twice(t, &mut ledger, &known, known_all, opts).await?;
    Ok((ledger.reports(&retried, vhost, started), silent))
}

/// The nodes whose answers end the first round before its timeout: the named ones (nobody else
/// answers), else the known ones when they are every mailbox the request reaches (`known_all`).
/// Otherwise none: a worker missing from a lagging listing answers too, and a round that ended
/// on the others would drop its reply and call it missing.
pub(crate) fn first_round_until(
    known: &BTreeSet<String>,
    known_all: bool,
    target: &Target,
) -> Option<BTreeSet<String>> {
    match target {
        Target::Nodes(names) => Some(names.iter().cloned().collect()),
        _ if known_all => Some(known.clone()),
        _ => None,
    }
}

/// Everything asked once, then a second ping for the nodes of `known` that were silent. Returns
/// the nodes pinged twice, the ones silent both times, and when the first round started.
async fn ask_twice<T: Transport>(
    t: &mut T,
    ledger: &mut Ledger,
    known: &BTreeSet<String>,
    known_all: bool,
    opts: &ProbeOptions,
) -> Result<(BTreeSet<String>, Vec<String>, f64), WorkerError> {
    let until = first_round_until(known, known_all, &opts.target);
    let started = round(
        t,
        ledger,
        &opts.methods,
        &opts.target,
        until.as_ref(),
        opts.timeout,
    )
    .await?;
    if !opts.methods.contains(&Method::Ping) {
        return Ok((BTreeSet::new(), Vec::new(), started));
    }
    let missing: BTreeSet<String> = known
        .iter()
        .filter(|n| !ledger.answered(n, Method::Ping))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok((missing, Vec::new(), started));
    }
    let target = Target::Nodes(missing.iter().cloned().collect());
    round(
        t,
        ledger,
        &[Method::Ping],
        &target,
        Some(&missing),
        opts.timeout,
    )
    .await?;
    let silent = missing
        .iter()
        .filter(|n| !ledger.answered(n, Method::Ping))
        .cloned()
        .collect();
    Ok((missing, silent, started))
}

/// One round: send one request per method, then take replies until `timeout` has passed or
/// every node of `until` (when given, and not empty) has answered every method. Returns the
/// epoch second it started.
async fn round<T: Transport>(
    t: &mut T,
    ledger: &mut Ledger,
    methods: &[Method],
    target: &Target,
    until: Option<&BTreeSet<String>>,
    timeout: Duration,
) -> Result<f64, WorkerError> {
    let start_epoch = epoch_now();
    let start = Instant::now();
    for m in methods {
        let req = Request::new(*m, target, t.oid(), start_epoch, timeout.as_secs_f64());
        ledger.sent(&req);
        t.send(&req).await?;
    }
    if !t.reached() {
        return Ok(start_epoch);
    }
    // The run's deadline may cut the wait short: then silence proves nothing, and the round is
    // an error rather than a list of silent (hung-looking) workers.
    let (deadline, why, cut) = t.limits().until(timeout.saturating_sub(start.elapsed()));
    let complete = |l: &Ledger| {
        until.is_some_and(|u| {
            !u.is_empty() && u.iter().all(|n| methods.iter().all(|m| l.answered(n, *m)))
        })
    };
    loop {
        if complete(ledger) {
            break;
        }
        if Instant::now() >= deadline {
            if cut {
                return Err(t.cut_short(why));
            }
            break;
        }
        if let Some((ticket, body)) = t.receive(deadline).await? {
            ledger.take(&ticket, &body);
        }
    }
    Ok(start_epoch)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    /// A transport that delivers scripted replies, one per wait, in order: (the index of the
    /// request it answers, or None for a ticket never sent; the body). With none left (or its
    /// request not sent yet) a wait lasts until its deadline.
    struct Scripted {
        limits: Limits,
        script: VecDeque<(Option<usize>, &'static str)>,
        sent: Vec<(Method, String)>,
    }

    impl Scripted {
        fn new(opts: &ProbeOptions, script: &[(Option<usize>, &'static str)]) -> Self {
            Scripted {
                limits: Limits::new(opts),
                script: script.iter().copied().collect(),
                sent: Vec::new(),
            }
        }
    }

    impl Transport for Scripted {
        fn oid(&self) -> &str {
            "oid"
        }

        fn limits(&self) -> &Limits {
            &self.limits
        }

        async fn send(&mut self, req: &Request) -> Result<(), WorkerError> {
            self.sent.push((req.method(), req.ticket().to_string()));
            Ok(())
        }

        async fn receive(
            &mut self,
            deadline: Instant,
        ) -> Result<Option<(String, Vec<u8>)>, WorkerError> {
            match self.script.front().copied() {
                Some((i, body)) if i.is_none_or(|i| i < self.sent.len()) => {
                    self.script.pop_front();
                    let ticket = i.map_or("not-ours".to_string(), |i| self.sent[i].1.clone());
                    Ok(Some((ticket, body.as_bytes().to_vec())))
                }
                _ => {
                    tokio::time::sleep_until(deadline).await;
                    Ok(None)
                }
            }
        }

        fn cut_short(&self, why: String) -> WorkerError {
            WorkerError::Settings(why)
        }
    }

    const W1: &str = r#"{"w1@h": {"ok": "pong"}}"#;
    const W2: &str = r#"{"w2@h": {"ok": "pong"}}"#;

    fn known(nodes: &[&str]) -> Vec<String> {
        nodes.iter().map(|n| n.to_string()).collect()
    }

    fn answered(workers: &[WorkerReport]) -> Vec<(&str, bool)> {
        workers
            .iter()
            .map(|w| (w.node.as_str(), w.ping_retried))
            .collect()
    }

    /// The flake of the killed-worker test, as it came: the listing named w1 only, w1's reply
    /// came first, and the round ended there, so w2's reply was never read and ping --expect 2
    /// said 2. Known from a listing (not all), the round reads on until its timeout.
    #[tokio::test]
    async fn a_worker_missing_from_a_lagging_listing_is_still_heard() {
        let opts = ProbeOptions::ping(Duration::from_millis(200), Target::All);
        let mut t = Scripted::new(&opts, &[(Some(0), W1), (Some(0), W2)]);
        let (workers, silent) = ask(&mut t, &known(&["w1@h"]), false, "v", &opts)
            .await
            .unwrap();
        assert_eq!(
            (answered(&workers), silent),
            (vec![("w1@h", false), ("w2@h", false)], vec![])
        );
        assert_eq!(t.sent.len(), 1, "nobody known was silent: one ping");
        // Known to be every mailbox reached (the bindings), they end the round once they answered.
        let mut t = Scripted::new(&opts, &[(Some(0), W1), (Some(0), W2)]);
        let (workers, _) = ask(&mut t, &known(&["w1@h"]), true, "v", &opts)
            .await
            .unwrap();
        assert_eq!(answered(&workers), vec![("w1@h", false)]);
    }

    #[tokio::test]
    async fn a_silent_known_node_is_pinged_again_and_silent_only_if_it_stays_so() {
        let opts = ProbeOptions::ping(Duration::from_millis(100), Target::All);
        let both = known(&["w1@h", "w2@h"]);
        // w2 answers the second ping (request 1): retried, not silent.
        let mut t = Scripted::new(&opts, &[(Some(0), W1), (Some(1), W2)]);
        let (workers, silent) = ask(&mut t, &both, true, "v", &opts).await.unwrap();
        assert_eq!(
            (answered(&workers), silent),
            (vec![("w1@h", false), ("w2@h", true)], vec![])
        );
        assert_eq!(t.sent[1].0, Method::Ping);
        // A reply to a ticket never sent counts for nothing; w2 stays silent twice.
        let mut t = Scripted::new(&opts, &[(Some(0), W1), (None, W2)]);
        let (workers, silent) = ask(&mut t, &both, true, "v", &opts).await.unwrap();
        assert_eq!(
            (answered(&workers), silent),
            (vec![("w1@h", false)], known(&["w2@h"]))
        );
    }

    #[tokio::test]
    async fn a_wait_the_runs_deadline_cuts_short_is_an_error_not_silence() {
        let deadline = std::time::Instant::now() + Duration::from_millis(50);
        let opts = ProbeOptions::ping(Duration::from_secs(30), Target::All).bounded(
            Duration::from_secs(30),
            Some((deadline, Duration::from_millis(50))),
        );
        let mut t = Scripted::new(&opts, &[]);
        let err = ask(&mut t, &known(&["w1@h"]), true, "v", &opts)
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with("the run's deadline of "),
            "{err}"
        );
    }
}
