//! SLA clocks: from a policy and a case's event history, each clock's deadline, remaining
//! time and state (running, paused, met, breached, not applicable), and what is due next.
//!
//! Rules (stated in SECURITY.md by the renderer, enforced here):
//! - Acknowledgement runs from receipt to the first acknowledgement, on the receiving
//!   channel's target. Pauses do not stop it: a report must be acknowledged even if we are
//!   waiting for the reporter.
//! - Initial assessment runs from receipt to the first assessment.
//! - Status updates recur: each update (or the acknowledgement, the first time) restarts the
//!   cadence; the clock stops when a fix is released or the case is published.
//! - Resolution runs from receipt to the fix release on the target of the *current* severity,
//!   so a severity change re-targets it. "Next release" targets have no clock.
//! - A pause (waiting on the reporter) pushes every running clock but acknowledgement back by
//!   the paused time (working time for business clocks).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::{BusinessCalendar, CalendarError};
use crate::policy::{Policy, PolicyDuration, Severity};

/// What happened in a case, as far as clocks care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The report arrived on a channel (by id).
    Received {
        /// The channel id, if known.
        channel: Option<String>,
    },
    /// The team acknowledged receipt.
    Acknowledged,
    /// The initial assessment was sent.
    Assessed,
    /// A status update was sent to the reporter.
    StatusUpdateSent,
    /// Severity was set or changed.
    SeveritySet(Severity),
    /// A fixed release shipped.
    FixReleased,
    /// The advisory was published.
    Published,
    /// Clocks paused (e.g. waiting on the reporter).
    Paused,
    /// Clocks resumed.
    Resumed,
}

/// One event at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// What.
    pub kind: EventKind,
}

/// The clocks a case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// Acknowledge receipt.
    Acknowledgement,
    /// Send the initial assessment.
    InitialAssessment,
    /// Send the next status update.
    StatusUpdate,
    /// Release a fix.
    Resolution,
}

impl ClockKind {
    /// Plain words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Acknowledgement => "acknowledge the report",
            Self::InitialAssessment => "send the initial assessment",
            Self::StatusUpdate => "send a status update",
            Self::Resolution => "release a fix",
        }
    }
}

/// A clock's state at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting down.
    Running,
    /// Stopped while the case waits (e.g. on the reporter).
    Paused,
    /// Done in time.
    Met,
    /// Done late, or overdue.
    Breached,
    /// No target applies (no target in the policy, no severity yet, "next release").
    NotApplicable,
}

/// One clock at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// Which clock.
    pub kind: ClockKind,
    /// Running, paused, met, breached or not applicable.
    pub state: ClockState,
    /// The target it runs on.
    pub target: Option<PolicyDuration>,
    /// When it started.
    pub started: Option<Timestamp>,
    /// When it is due (while paused: if resumed now).
    pub deadline: Option<Timestamp>,
    /// When it was satisfied.
    pub completed: Option<Timestamp>,
    /// Wall-clock time left until the deadline (negative when overdue), for open clocks.
    pub remaining: Option<SignedDuration>,
    /// Why it is not applicable, in plain words.
    pub note: Option<String>,
}

/// All clocks of a case at `now`, and the one due next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaReport {
    /// One entry per clock, in [`ClockKind`] order.
    pub clocks: Vec<ClockStatus>,
    /// The open clock with the earliest deadline (overdue first).
    pub due_next: Option<ClockKind>,
}

/// Pause intervals `[from, to)` up to `now`; an open pause ends at `now`.
fn pauses(events: &[Event], now: Timestamp) -> (Vec<(Timestamp, Timestamp)>, bool) {
    let mut out = Vec::new();
    let mut open: Option<Timestamp> = None;
    for e in events.iter().filter(|e| e.at <= now) {
        match e.kind {
            EventKind::Paused if open.is_none() => open = Some(e.at),
            EventKind::Resumed => {
                if let Some(from) = open.take() {
                    out.push((from, e.at));
                }
            }
            _ => {}
        }
    }
    let paused = open.is_some();
    if let Some(from) = open {
        out.push((from, now));
    }
    (out, paused)
}

struct Ctx<'a> {
    cal: &'a BusinessCalendar,
    now: Timestamp,
    pauses: Vec<(Timestamp, Timestamp)>,
    paused_now: bool,
}

impl Ctx<'_> {
    /// Deadline from `start` on `target`, pushed back by pauses that began before it.
    fn deadline(
        &self,
        start: Timestamp,
        target: PolicyDuration,
        pausable: bool,
    ) -> Result<Timestamp, CalendarError> {
        let mut d = self.cal.add(start, target)?;
        if pausable {
            for &(from, to) in &self.pauses {
                if from >= start && from < d {
                    d = self.cal.extend(d, target.unit.is_business(), from, to)?;
                }
            }
        }
        Ok(d)
    }

    fn status(
        &self,
        kind: ClockKind,
        target: Option<PolicyDuration>,
        start: Option<Timestamp>,
        done: Option<Timestamp>,
        pausable: bool,
    ) -> Result<ClockStatus, CalendarError> {
        let mut st = ClockStatus {
            kind,
            state: ClockState::NotApplicable,
            target,
            started: start,
            deadline: None,
            completed: done,
            remaining: None,
            note: None,
        };
        let (Some(target), Some(start)) = (target, start) else {
            return Ok(st);
        };
        let deadline = self.deadline(start, target, pausable)?;
        st.deadline = Some(deadline);
        st.state = match done {
            Some(at) if at <= deadline => ClockState::Met,
            Some(_) => ClockState::Breached,
            None => {
                st.remaining = Some(deadline.duration_since(self.now));
                if self.now >= deadline {
                    ClockState::Breached
                } else if pausable && self.paused_now {
                    ClockState::Paused
                } else {
                    ClockState::Running
                }
            }
        };
        Ok(st)
    }
}

/// Computes every clock of a case at `now`. Events after `now` are ignored, so the same
/// history replays the case at any instant.
pub fn evaluate(
    policy: &Policy,
    cal: &BusinessCalendar,
    events: &[Event],
    now: Timestamp,
) -> Result<SlaReport, CalendarError> {
    let mut sorted: Vec<&Event> = events.iter().filter(|e| e.at <= now).collect();
    sorted.sort_by_key(|e| e.at);
    let owned: Vec<Event> = sorted.iter().map(|e| (*e).clone()).collect();
    let (pauses, paused_now) = pauses(&owned, now);
    let ctx = Ctx {
        cal,
        now,
        pauses,
        paused_now,
    };

    let first = |k: fn(&EventKind) -> bool| sorted.iter().find(|e| k(&e.kind)).map(|e| e.at);
    let received = sorted.iter().find_map(|e| match &e.kind {
        EventKind::Received { channel } => Some((e.at, channel.clone())),
        _ => None,
    });
    let start = received.as_ref().map(|r| r.0);
    let channel = received.as_ref().and_then(|r| r.1.as_deref());
    let acked = first(|k| matches!(k, EventKind::Acknowledged));
    let assessed = first(|k| matches!(k, EventKind::Assessed));
    let fixed = first(|k| matches!(k, EventKind::FixReleased | EventKind::Published));
    let severity = sorted.iter().rev().find_map(|e| match e.kind {
        EventKind::SeveritySet(s) => Some(s),
        _ => None,
    });

    let mut clocks = Vec::with_capacity(4);
    clocks.push(ctx.status(
        ClockKind::Acknowledgement,
        policy.ack_target(channel),
        start,
        acked,
        false,
    )?);
    clocks.push(ctx.status(
        ClockKind::InitialAssessment,
        policy.clocks.initial_assessment,
        start,
        assessed,
        true,
    )?);

    // Status updates: the cadence restarts at the acknowledgement and at each update.
    let cadence = policy.clocks.status_updates;
    let last_touch = sorted
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Acknowledged | EventKind::StatusUpdateSent
            )
        })
        .map(|e| e.at)
        .rfind(|t| fixed.is_none_or(|f| *t <= f));
    // Releasing the fix closes the cadence: met if the last update was not overdue by then.
    let mut upd = ctx.status(ClockKind::StatusUpdate, cadence, last_touch, fixed, true)?;
    if last_touch.is_none() && cadence.is_some() {
        upd.note = Some(String::from("starts at acknowledgement"));
    }
    clocks.push(upd);

    let target = severity.and_then(|s| policy.clocks.resolution.for_severity(s).copied());
    let mut res = ctx.status(
        ClockKind::Resolution,
        target.and_then(|t| t.deadline()),
        start,
        fixed,
        true,
    )?;
    res.note = match (severity, target) {
        (None, _) => Some(String::from("waiting for a severity")),
        (Some(s), None) => Some(format!("no resolution target for {s} severity")),
        (Some(s), Some(t)) if t.deadline().is_none() => Some(format!("{s} issues are fixed {t}")),
        _ => None,
    };
    clocks.push(res);

    let due_next = clocks
        .iter()
        .filter(|c| {
            c.completed.is_none()
                && matches!(
                    c.state,
                    ClockState::Running | ClockState::Paused | ClockState::Breached
                )
        })
        .filter_map(|c| c.deadline.map(|d| (d, c.kind)))
        .min()
        .map(|(_, k)| k);
    Ok(SlaReport { clocks, due_next })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    fn example(name: &str) -> Policy {
        let (_, src) = crate::policy::tests::EXAMPLES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap();
        Policy::from_toml(src, name).unwrap()
    }

    fn ts(tz: &str, y: i16, m: i8, d: i8, h: i8) -> Timestamp {
        date(y, m, d)
            .at(h, 0, 0, 0)
            .to_zoned(TimeZone::get(tz).unwrap())
            .unwrap()
            .timestamp()
    }

    fn ev(at: Timestamp, kind: EventKind) -> Event {
        Event { at, kind }
    }

    fn received(at: Timestamp, channel: &str) -> Event {
        ev(
            at,
            EventKind::Received {
                channel: Some(channel.to_owned()),
            },
        )
    }

    fn clock(r: &SlaReport, k: ClockKind) -> &ClockStatus {
        r.clocks.iter().find(|c| c.kind == k).unwrap()
    }

    #[test]
    fn obserae_five_business_days_from_friday_evening() {
        let p = example("network-security-appliance.toml");
        let cal = p.business_calendar().unwrap();
        let events = [received(ts("Europe/Paris", 2025, 11, 14, 17), "email")];
        let r = evaluate(&p, &cal, &events, ts("Europe/Paris", 2025, 11, 17, 10)).unwrap();
        let ack = clock(&r, ClockKind::Acknowledgement);
        assert_eq!(ack.state, ClockState::Running);
        assert_eq!(ack.deadline, Some(ts("Europe/Paris", 2025, 11, 21, 17)));
        assert_eq!(r.due_next, Some(ClockKind::Acknowledgement));
        // Acknowledged on Thursday: met; the fortnightly status-update cadence starts.
        let mut events = events.to_vec();
        events.push(ev(
            ts("Europe/Paris", 2025, 11, 20, 9),
            EventKind::Acknowledged,
        ));
        let r = evaluate(&p, &cal, &events, ts("Europe/Paris", 2025, 11, 20, 10)).unwrap();
        assert_eq!(clock(&r, ClockKind::Acknowledgement).state, ClockState::Met);
        let upd = clock(&r, ClockKind::StatusUpdate);
        assert_eq!(
            (upd.state, upd.deadline),
            (
                ClockState::Running,
                Some(ts("Europe/Paris", 2025, 12, 4, 9))
            )
        );
        // The resolution clock waits for a severity (obserae sets no resolution targets).
        assert_eq!(
            clock(&r, ClockKind::Resolution).state,
            ClockState::NotApplicable
        );
    }

    #[test]
    fn christmas_holidays_push_the_obserae_acknowledgement() {
        let p = example("network-security-appliance.toml");
        let cal = p.business_calendar().unwrap();
        // Tuesday 23 December 2025, 12:00: 24th, 26th, 29th, 30th count; 25th and 1st do not.
        let events = [received(ts("Europe/Paris", 2025, 12, 23, 12), "email")];
        let r = evaluate(&p, &cal, &events, ts("Europe/Paris", 2025, 12, 23, 13)).unwrap();
        assert_eq!(
            clock(&r, ClockKind::Acknowledgement).deadline,
            Some(ts("Europe/Paris", 2025, 12, 31, 12))
        );
    }

    #[test]
    fn stella_ops_channel_targets_and_severity_retargeting() {
        let p = example("container-scanning-platform.toml");
        let cal = p.business_calendar().unwrap();
        let t0 = ts("UTC", 2026, 2, 2, 8);
        for (ch, hours) in [("email", 72), ("matrix", 72), ("issues", 7 * 24)] {
            let r = evaluate(&p, &cal, &[received(t0, ch)], t0).unwrap();
            assert_eq!(
                clock(&r, ClockKind::Acknowledgement).deadline,
                Some(t0 + SignedDuration::from_hours(hours)),
                "{ch}"
            );
        }
        let mut events = vec![
            received(t0, "email"),
            ev(t0 + SignedDuration::from_hours(5), EventKind::Acknowledged),
            ev(
                t0 + SignedDuration::from_hours(30),
                EventKind::SeveritySet(Severity::Critical),
            ),
        ];
        let now = ts("UTC", 2026, 2, 10, 8);
        let r = evaluate(&p, &cal, &events, now).unwrap();
        let res = clock(&r, ClockKind::Resolution);
        assert_eq!(
            (res.state, res.deadline),
            (ClockState::Running, Some(ts("UTC", 2026, 3, 4, 8)))
        );
        assert_eq!(res.remaining, Some(SignedDuration::from_hours(22 * 24)));
        // Downgraded to medium: "next release", no clock.
        events.push(ev(
            t0 + SignedDuration::from_hours(100),
            EventKind::SeveritySet(Severity::Medium),
        ));
        let r = evaluate(&p, &cal, &events, now).unwrap();
        let res = clock(&r, ClockKind::Resolution);
        assert_eq!(res.state, ClockState::NotApplicable);
        assert_eq!(
            res.note.as_deref(),
            Some("Medium issues are fixed in the next scheduled release")
        );
        // Events after `now` are ignored: replaying at an earlier instant sees critical.
        let r = evaluate(&p, &cal, &events, t0 + SignedDuration::from_hours(50)).unwrap();
        assert_eq!(clock(&r, ClockKind::Resolution).state, ClockState::Running);
    }

    #[test]
    fn openctem_pause_pushes_clocks_and_breaches() {
        let p = example("exposure-management-api.toml");
        let cal = p.business_calendar().unwrap();
        let t0 = ts("UTC", 2025, 11, 3, 9); // Monday
        let mut events = vec![
            received(t0, "email"),
            ev(
                ts("UTC", 2025, 11, 3, 10),
                EventKind::SeveritySet(Severity::High),
            ),
            ev(ts("UTC", 2025, 11, 5, 9), EventKind::Paused),
        ];
        let r = evaluate(&p, &cal, &events, ts("UTC", 2025, 11, 6, 9)).unwrap();
        // 48 h acknowledgement is not paused and has passed.
        let ack = clock(&r, ClockKind::Acknowledgement);
        assert_eq!(
            (ack.state, ack.deadline),
            (ClockState::Breached, Some(ts("UTC", 2025, 11, 5, 9)))
        );
        assert_eq!(clock(&r, ClockKind::Resolution).state, ClockState::Paused);
        assert_eq!(
            clock(&r, ClockKind::InitialAssessment).state,
            ClockState::Paused
        );
        events.push(ev(ts("UTC", 2025, 11, 7, 9), EventKind::Resumed));
        let r = evaluate(&p, &cal, &events, ts("UTC", 2025, 11, 7, 10)).unwrap();
        // Two business days paused: assessment due Wednesday 12th instead of Monday 10th;
        // the two-week resolution target moves from the 17th to the 19th.
        assert_eq!(
            clock(&r, ClockKind::InitialAssessment).deadline,
            Some(ts("UTC", 2025, 11, 12, 9))
        );
        assert_eq!(
            clock(&r, ClockKind::Resolution).deadline,
            Some(ts("UTC", 2025, 11, 19, 9))
        );
        assert_eq!(r.due_next, Some(ClockKind::Acknowledgement));
        // Critical re-targets to 72 h from receipt (plus the pause): already breached.
        events.push(ev(
            ts("UTC", 2025, 11, 7, 11),
            EventKind::SeveritySet(Severity::Critical),
        ));
        let r = evaluate(&p, &cal, &events, ts("UTC", 2025, 11, 7, 12)).unwrap();
        let res = clock(&r, ClockKind::Resolution);
        assert_eq!(res.deadline, Some(ts("UTC", 2025, 11, 8, 9)));
        assert_eq!(res.state, ClockState::Running);
        events.push(ev(ts("UTC", 2025, 11, 9, 9), EventKind::FixReleased));
        let r = evaluate(&p, &cal, &events, ts("UTC", 2025, 11, 10, 9)).unwrap();
        assert_eq!(clock(&r, ClockKind::Resolution).state, ClockState::Breached);
    }

    #[test]
    fn two_hundred_events_evaluate() {
        let p = example("exposure-management-api.toml");
        let cal = p.business_calendar().unwrap();
        let t0 = ts("UTC", 2025, 11, 3, 9);
        let mut events = vec![received(t0, "email")];
        for i in 1..200i64 {
            let kind = match i % 4 {
                0 => EventKind::Paused,
                1 => EventKind::Resumed,
                2 => EventKind::StatusUpdateSent,
                _ => EventKind::SeveritySet(Severity::High),
            };
            events.push(ev(t0 + SignedDuration::from_mins(i * 17), kind));
        }
        let r = evaluate(&p, &cal, &events, t0 + SignedDuration::from_hours(100)).unwrap();
        assert_eq!(r.clocks.len(), 4);
    }
}
