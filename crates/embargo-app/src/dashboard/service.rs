//! Per-program statistics, read-only: open cases by state and severity (now), and over the
//! reports received in a window, the time to acknowledge, assess and fix and the compliance of
//! each SLA clock; and the responsiveness sentences a program may publish on its policy page.
//!
//! Clocks come from `case::service::clocks` (the domain's `sla::evaluate` over the timeline),
//! never recomputed here. Which instant a case is judged at:
//! - a case still open, at `now` (an overdue clock counts as breached; a running one is left
//!   out until it is met or breached);
//! - a case that ended (closed, duplicate, out of scope, withdrawn…), at the moment it ended,
//!   so a report withdrawn before it was acknowledged does not count as a breach forever;
//! - spam is left out altogether: it is not a report anyone owes an answer to.

use embargo_domain::case::CaseState;
use embargo_domain::policy::{Policy, Severity};
use embargo_domain::sla::SlaReport;
use embargo_domain::stats::{self, ClockStats};
use embargo_store::{Store, Ts, program, stats as queries};

use crate::case::service::clocks;
use crate::error::AppResult;

/// The windows the dashboard offers, in days.
pub const WINDOWS: [u32; 3] = [30, 90, 365];
/// The window shown when none (or an unknown one) is asked for.
pub const DEFAULT_WINDOW: u32 = 90;
/// The public summary's window and how its sentences name it.
const PUBLIC_WINDOW_DAYS: i64 = 365;
const PUBLIC_PERIOD: &str = "the last 12 months";

/// A severity band of open cases (`None`: not scored yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityCount {
    pub severity: Option<Severity>,
    pub n: i64,
}

/// What the program dashboard shows.
#[derive(Debug, Clone)]
pub struct ProgramStats {
    /// Open cases per open state, every open state in workflow order (zeros included).
    pub open_by_state: Vec<(CaseState, i64)>,
    /// Open cases per severity, most severe first, then the unscored.
    pub open_by_severity: Vec<SeverityCount>,
    pub open_total: i64,
    /// Reports received in the window (spam left out).
    pub received: usize,
    /// Per clock over those reports.
    pub clocks: Vec<ClockStats>,
}

/// The clocks of the program's reports received since `since` (spam left out), each judged
/// at `now` or when its case ended.
async fn window_reports(
    store: &Store,
    program_id: i64,
    policy: &Policy,
    since: Ts,
    now: Ts,
) -> AppResult<Vec<SlaReport>> {
    let cases = queries::received_since(store.conn(), program_id, since).await?;
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        let state = c.state.parse::<CaseState>().ok();
        if state == Some(CaseState::Spam) {
            continue;
        }
        // The last state change of an ended case is the one that ended it.
        let at = match state {
            Some(s) if s.is_terminal() => c
                .events
                .iter()
                .rev()
                .find(|e| e.kind == "state_changed")
                .map_or(now, |e| e.at.min(now)),
            _ => now,
        };
        out.push(clocks(policy, &c.events, at)?);
    }
    Ok(out)
}

fn severity_of(s: Option<&str>) -> Option<Severity> {
    match s? {
        "critical" => Some(Severity::Critical),
        "high" => Some(Severity::High),
        "medium" => Some(Severity::Medium),
        "low" => Some(Severity::Low),
        _ => None,
    }
}

/// The dashboard of a program over the last `days` days (reports received since then).
pub async fn program_stats(
    store: &Store,
    program: &program::Program,
    policy: &Policy,
    now: Ts,
    days: u32,
) -> AppResult<ProgramStats> {
    let tally = queries::tally(store.conn(), program.id).await?;
    let open: Vec<(CaseState, Option<Severity>, i64)> = tally
        .iter()
        .filter_map(|t| {
            let st = t.state.parse::<CaseState>().ok()?;
            st.is_open()
                .then(|| (st, severity_of(t.severity.as_deref()), t.n))
        })
        .collect();
    let open_by_state = CaseState::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| {
            let n = open.iter().filter(|o| o.0 == s).map(|o| o.2).sum();
            (s, n)
        })
        .collect();
    let open_by_severity = Severity::ALL_DESC
        .into_iter()
        .map(Some)
        .chain([None])
        .map(|sev| SeverityCount {
            severity: sev,
            n: open.iter().filter(|o| o.1 == sev).map(|o| o.2).sum(),
        })
        .collect();
    let since = now - chrono::Duration::days(i64::from(days));
    let reports = window_reports(store, program.id, policy, since, now).await?;
    Ok(ProgramStats {
        open_by_state,
        open_by_severity,
        open_total: open.iter().map(|o| o.2).sum(),
        received: reports.len(),
        clocks: stats::clock_stats(&reports),
    })
}

/// The sentences for the public policy page when the policy publishes its responsiveness
/// (`[clocks] publish_responsiveness`), over the reports received in the last 12 months;
/// empty otherwise.
pub async fn responsiveness(
    store: &Store,
    program: &program::Program,
    policy: &Policy,
    now: Ts,
) -> AppResult<Vec<String>> {
    if !policy.clocks.publish_responsiveness {
        return Ok(Vec::new());
    }
    let since = now - chrono::Duration::days(PUBLIC_WINDOW_DAYS);
    let reports = window_reports(store, program.id, policy, since, now).await?;
    Ok(stats::responsiveness(
        policy,
        &stats::clock_stats(&reports),
        PUBLIC_PERIOD,
    ))
}

/// A duration as people read it on the dashboard: "45 min", "3 h", "5 h 30 min", "2 d 4 h".
pub fn human(d: jiff::SignedDuration) -> String {
    let mins = d.as_secs().max(0) / 60;
    let (days, hours, m) = (mins / (24 * 60), mins / 60 % 24, mins % 60);
    match (days, hours, m) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) if h < 10 => format!("{h} h {m} min"),
        (0, h, _) => format!("{h} h"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn human_durations() {
        let m = |n: i64| SignedDuration::from_mins(n);
        assert_eq!(human(m(45)), "45 min");
        assert_eq!(human(m(180)), "3 h");
        assert_eq!(human(m(330)), "5 h 30 min");
        assert_eq!(human(m(12 * 60 + 5)), "12 h");
        assert_eq!(human(m(52 * 60)), "2 d 4 h");
        assert_eq!(human(m(7 * 24 * 60)), "7 d");
        assert_eq!(human(m(-5)), "0 min");
    }
}
