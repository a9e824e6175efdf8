//! `celtool doctor`: gather, check, report; exit code by the worst severity.

use super::{Globals, emit, runtime};
use crate::broker::gather::{Need, gather};
use crate::catalog;
use crate::checks;
use crate::cli::{DoctorArgs, Part};
use crate::error::{Error, Outcome};
use crate::output::Format;
use crate::output::report::{Scope, render};
use crate::report::{Finding, Report, Severity};

pub fn run(g: &Globals, args: &DoctorArgs) -> Result<Outcome, Error> {
    for pattern in &args.skip {
        if !catalog::CATALOG
            .iter()
            .any(|e| catalog::matches(pattern, e.id))
        {
            return Err(Error::Usage(format!(
                "--skip {pattern}: no finding ID is or starts with '{pattern}'; list them with `celtool explain`"
            )));
        }
    }
    let wants = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let config = g.config()?;
    let mut findings = Vec::new();
    let mut scope = Scope {
        broker: None,
        vhost: None,
    };
    let mut broker_error = None;

    if wants(Part::Broker) {
        let (client, vhost) = g.client(&config)?;
        scope.broker = Some(client.base().to_string());
        scope.vhost = vhost.clone();
        let snapshot = runtime()?.block_on(gather(&client, vhost.as_deref(), Need::ALL));
        match snapshot {
            Ok(snap) => findings.extend(checks::broker_checks(&snap, &config.thresholds)),
            // A vhost that does not exist is a bad argument, not a broker state.
            Err(e @ crate::broker::client::ApiError::NoSuchVhost { .. }) => return Err(e.into()),
            Err(e) => {
                let id = if e.is_auth() {
                    "broker.auth"
                } else {
                    "broker.unreachable"
                };
                let mut f = Finding::new(id, Severity::Unknown, client.base().as_str())
                    .summary(e.to_string())
                    .remedy(format!("see `celtool explain {id}`"));
                f.host = client.base().host_str().map(str::to_string);
                findings.push(f);
                broker_error = Some(e);
            }
        }
    }
    if wants(Part::Host) {
        let snap = crate::host::gather(&g.roots, &crate::host::GatherOptions::default());
        findings.extend(crate::host::host_checks(&snap, &config.thresholds));
    }

    findings.retain(|f| !args.skip.iter().any(|s| catalog::matches(s, f.id)));
    let report = Report::new(findings);

    // In a terminal a broker that cannot be read is one error line; machine formats still get a
    // report, so a monitoring system sees UNKNOWN rather than nothing.
    if let Some(e) = broker_error
        && g.style.format == Format::Table
        && report.findings.len() == 1
    {
        return Err(e.into());
    }
    if !(g.style.quiet && g.style.format == Format::Table) {
        emit(&render(&g.style, &report, &scope, args.all))?;
    }
    Ok(Outcome::Checked(report.status()))
}
