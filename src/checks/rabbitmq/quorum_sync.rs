//! Quorum queue members not yet in step (RabbitMQ 4.x): a member added to a queue
//! (`rabbitmq-queues add_member`, `grow`, the membership reconciliation) joins as `promotable`
//! and copies the leader's log before it votes; a `non_voter` never votes; a voter far behind the
//! leader's commit index is slow to copy. Seen only in the per-queue status endpoint: the queue
//! listing names the new member as a member, and online, from its first second. On 3.x every
//! member votes from the start: said once, as ok. Pure functions; no I/O.

use super::{Ctx, level};
use crate::rabbitmq::cluster::{QuorumStatus, RaftMember, major};
use crate::rabbitmq::records::subject;
use crate::report::{Finding, Severity};

const ID: &str = "cluster.quorum.sync";

pub fn check(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(version) = ctx.snap.overview.as_ref().and_then(|o| o.version()) else {
        return;
    };
    let node = ctx
        .snap
        .cluster
        .node
        .clone()
        .unwrap_or_else(|| "broker".into());
    if major(version) < 4 {
        out.push(Finding::new(ID, Severity::Ok, node).summary(format!(
            "not applicable: RabbitMQ {version} makes a new quorum queue member a voter at once; members that catch up before they vote exist from 4.0 on"
        )));
        return;
    }
    let replicas = &ctx.snap.cluster.quorum;
    if !replicas.asked {
        return;
    }
    let before = out.len();
    for status in &replicas.statuses {
        queue(ctx, status, out);
    }
    let problems = out[before..]
        .iter()
        .filter(|f| f.severity != Severity::Ok)
        .count();
    if problems == 0 && !replicas.statuses.is_empty() {
        out.push(Finding::new(ID, Severity::Ok, node.clone()).summary(format!(
            "every member of the {} replicated quorum queue(s) asked votes and is in step with its leader",
            replicas.statuses.len()
        )));
    }
    if replicas.not_asked + replicas.unreadable > 0 {
        out.push(
            Finding::new(ID, Severity::Ok, node)
                .summary(format!(
                    "member status not read for {} quorum queue(s): {} past the {} asked per run, {} unreadable",
                    replicas.not_asked + replicas.unreadable,
                    replicas.not_asked,
                    crate::rabbitmq::cluster::QUORUM_STATUS_MAX,
                    replicas.unreadable
                ))
                .evidence("not_asked", replicas.not_asked as f64)
                .evidence("unreadable", replicas.unreadable as f64),
        );
    }
}

/// The leader's commit index: how far the log is agreed; the members' highest when no leader
/// is listed.
fn commit_index(status: &QuorumStatus) -> Option<f64> {
    status
        .members
        .iter()
        .find(|m| m.raft_state.as_deref() == Some("leader"))
        .and_then(|m| m.commit_index)
        .or_else(|| {
            status
                .members
                .iter()
                .filter_map(|m| m.commit_index)
                .reduce(f64::max)
        })
}

fn queue(ctx: &Ctx, status: &QuorumStatus, out: &mut Vec<Finding>) {
    let limits = ctx.thresholds.get(ID);
    let commit = commit_index(status);
    let subject = subject(&status.vhost, &status.name);
    for m in &status.members {
        if m.raft_state.as_deref() == Some("leader") {
            continue;
        }
        let behind = match (commit, m.last_written) {
            (Some(c), Some(w)) => (c - w).max(0.0),
            _ => 0.0,
        };
        let membership = m.membership.as_deref().unwrap_or("voter");
        let severity = match membership {
            "promotable" | "non_voter" => Severity::Warn,
            _ => level(&limits, behind),
        };
        if severity == Severity::Ok {
            continue;
        }
        out.push(
            Finding::new(ID, severity, subject.clone())
                .summary(summary(&subject, m, membership, behind, commit))
                .evidence("entries_behind", behind)
                .evidence("commit_index", commit.unwrap_or(0.0))
                .remedy(remedy(status, m, membership)),
        );
    }
}

fn summary(
    subject: &str,
    m: &RaftMember,
    membership: &str,
    behind: f64,
    commit: Option<f64>,
) -> String {
    let copied = match commit {
        Some(c) if c > 0.0 => format!(
            "{} of {} log entries still to copy ({:.0}% written)",
            behind as u64,
            c as u64,
            100.0 * (c - behind) / c
        ),
        _ => "its progress unknown".into(),
    };
    match membership {
        "promotable" => format!(
            "{subject}: the member on {} is catching up and does not vote yet (promotable): {copied}; until it votes, the queue survives no more member losses than before it was added",
            m.node
        ),
        "non_voter" => format!(
            "{subject}: the member on {} is a non-voter: it holds a copy but does not count toward the quorum ({copied})",
            m.node
        ),
        _ => format!(
            "{subject}: the member on {} is behind its leader: {copied}",
            m.node
        ),
    }
}

fn remedy(status: &QuorumStatus, m: &RaftMember, membership: &str) -> String {
    let cmd = format!(
        "rabbitmq-queues quorum_status --vhost {} {}",
        super::shell_word(&status.vhost),
        super::shell_word(&status.name)
    );
    match membership {
        "promotable" => format!(
            "wait until it has caught up ({cmd} shows Membership voter; a large queue takes a while): do not stop, restart or remove another member of this queue until then; if it stays promotable, check {}'s disk and its link to the leader; see `celtool explain {ID}`",
            m.node
        ),
        "non_voter" => format!(
            "make it a voter (remove the member and add it again: rabbitmq-queues delete_member and add_member), or accept the lower fault tolerance; {cmd}; see `celtool explain {ID}`"
        ),
        _ => format!(
            "{cmd} shows how far each member is; a member that stays behind is slowed by its disk or its link to the leader (check {}'s disk and rabbitmq-diagnostics check_port_connectivity); see `celtool explain {ID}`",
            m.node
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, snapshot};
    use crate::rabbitmq::cluster::{QuorumReplicas, QuorumStatus};
    use crate::report::Severity;
    use serde_json::json;

    fn found(s: &crate::rabbitmq::read::Snapshot) -> Vec<(Severity, String, String)> {
        run(s)
            .into_iter()
            .filter(|f| f.id == super::ID)
            .map(|f| (f.severity, f.subject, f.summary))
            .collect()
    }

    #[test]
    fn a_member_catching_up_warns_and_a_3x_broker_is_told_once() {
        let mut s = snapshot();
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": "3.10.8"})).unwrap());
        let f = found(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, Severity::Ok);
        assert!(
            f[0].2.starts_with("not applicable: RabbitMQ 3.10.8"),
            "{}",
            f[0].2
        );
        s.overview = Some(serde_json::from_value(json!({"rabbitmq_version": "4.0.5"})).unwrap());
        // As RabbitMQ 4.0.5 answered while a member was added to a queue of 100 000 messages.
        let body = json!([
            {"Node Name": "n1@h", "Raft State": "leader", "Membership": "voter",
             "Last Log Index": 100008, "Last Written": 100008, "Commit Index": 100008},
            {"Node Name": "n2@h", "Raft State": "follower", "Membership": "promotable",
             "Last Log Index": 57425, "Last Written": 53329, "Commit Index": 100008}
        ]);
        s.cluster.quorum = QuorumReplicas {
            asked: true,
            statuses: vec![QuorumStatus::parse("v", "big", &body).unwrap()],
            not_asked: 0,
            unreadable: 0,
        };
        let f = found(&s);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0, f[0].1.as_str()), (Severity::Warn, "v/big"));
        assert!(
            f[0].2.contains("n2@h is catching up and does not vote yet (promotable): 46679 of 100008 log entries still to copy (53% written)"),
            "{}",
            f[0].2
        );
        // Caught up: a voter in step.
        {
            let m = &mut s.cluster.quorum.statuses[0].members[1];
            m.membership = Some("voter".into());
            m.last_written = Some(100008.0);
        }
        let f = found(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, Severity::Ok);
        // A voter far behind its leader: the threshold.
        s.cluster.quorum.statuses[0].members[1].last_written = Some(0.0);
        assert_eq!(found(&s)[0].0, Severity::Warn);
    }
}
