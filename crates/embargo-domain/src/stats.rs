//! Statistics over SLA clocks, for the program dashboard and the public responsiveness
//! summary: percentiles by nearest rank, compliance ratios per clock, and the sentences a
//! program may publish on its policy page.
//!
//! Input is one [`SlaReport`] per case, computed by [`crate::sla::evaluate`]; nothing here
//! re-derives business time. A clock counts towards compliance once it is decided (met, or
//! breached — done late or overdue); a clock still running or paused is left out.

use jiff::SignedDuration;

use crate::policy::{Policy, PolicyDuration};
use crate::sla::{ClockKind, ClockState, SlaReport};

/// Below this many decided clocks, a clock's figures are withheld from the public summary:
/// "100 % (n = 2)" says more about chance than about the team.
pub const MIN_PUBLIC_SAMPLE: usize = 5;

/// The `p`-th percentile (1 ≤ p ≤ 100) of values sorted ascending, by the nearest-rank method:
/// the value at 1-based rank ⌈p/100 · n⌉. The result is always an observed value; the median
/// (p = 50) of an even count is the lower of the two middle values. `None` for an empty slice
/// or `p` outside 1..=100.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: u32) -> Option<T> {
    if sorted.is_empty() || p == 0 || p > 100 {
        return None;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100);
    sorted.get(rank.max(1) - 1).copied()
}

/// Median and 90th percentile (both nearest rank) of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    /// How many durations.
    pub n: usize,
    /// The nearest-rank 50th percentile.
    pub median: SignedDuration,
    /// The nearest-rank 90th percentile.
    pub p90: SignedDuration,
}

impl Spread {
    /// The spread of `values` (in any order); `None` when empty.
    pub fn of(mut values: Vec<SignedDuration>) -> Option<Spread> {
        values.sort_unstable();
        Some(Spread {
            n: values.len(),
            median: nearest_rank(&values, 50)?,
            p90: nearest_rank(&values, 90)?,
        })
    }
}

/// How often a clock was met among the decided ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    /// Done in time.
    pub met: usize,
    /// Done late, or overdue.
    pub breached: usize,
}

impl Compliance {
    /// Decided clocks: met + breached.
    pub fn total(&self) -> usize {
        self.met + self.breached
    }

    /// The share met, 0.0 to 1.0; `None` when nothing was decided.
    pub fn ratio(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.met as f64 / total as f64)
    }

    /// The whole percentage met, rounded *down* so that a published figure never overstates
    /// (29 of 30 is 96 %, and 100 % means every one); `None` when nothing was decided.
    pub fn percent(&self) -> Option<usize> {
        let total = self.total();
        (total > 0).then(|| self.met * 100 / total)
    }
}

/// One clock over a set of cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockStats {
    /// Which clock.
    pub kind: ClockKind,
    /// Time from start to completion of the clocks that completed (whether or not a target
    /// applied), e.g. receipt to acknowledgement. `None` for the status-update cadence, which
    /// has no single duration, and when no clock completed.
    pub durations: Option<Spread>,
    /// Met and breached among the decided clocks.
    pub compliance: Compliance,
    /// The distinct targets the decided clocks ran on (one per channel or severity in play).
    pub targets: Vec<PolicyDuration>,
}

/// Per clock, in [`ClockKind`] order: durations, compliance and targets over `reports`.
pub fn clock_stats(reports: &[SlaReport]) -> Vec<ClockStats> {
    [
        ClockKind::Acknowledgement,
        ClockKind::InitialAssessment,
        ClockKind::StatusUpdate,
        ClockKind::Resolution,
    ]
    .into_iter()
    .map(|kind| {
        let mut durations = Vec::new();
        let mut compliance = Compliance::default();
        let mut targets: Vec<PolicyDuration> = Vec::new();
        for c in reports
            .iter()
            .flat_map(|r| r.clocks.iter())
            .filter(|c| c.kind == kind)
        {
            if let (Some(start), Some(done)) = (c.started, c.completed)
                && done >= start
                && kind != ClockKind::StatusUpdate
            {
                durations.push(done.duration_since(start));
            }
            let decided = match c.state {
                ClockState::Met => {
                    compliance.met += 1;
                    true
                }
                ClockState::Breached => {
                    compliance.breached += 1;
                    true
                }
                ClockState::Running | ClockState::Paused | ClockState::NotApplicable => false,
            };
            if decided
                && let Some(t) = c.target
                && !targets.contains(&t)
            {
                targets.push(t);
            }
        }
        ClockStats {
            kind,
            durations: Spread::of(durations),
            compliance,
            targets,
        }
    })
    .collect()
}

/// The clocks a policy promises a target for (and so may publish figures about).
pub fn promised(policy: &Policy) -> Vec<ClockKind> {
    let c = &policy.clocks;
    let mut out = Vec::new();
    if policy.ack_target(None).is_some() {
        out.push(ClockKind::Acknowledgement);
    }
    if c.initial_assessment.is_some() {
        out.push(ClockKind::InitialAssessment);
    }
    if c.status_updates.is_some() {
        out.push(ClockKind::StatusUpdate);
    }
    let res = &c.resolution;
    if [&res.critical, &res.high, &res.medium, &res.low]
        .into_iter()
        .flatten()
        .any(|t| t.deadline().is_some())
    {
        out.push(ClockKind::Resolution);
    }
    out
}

/// "within 7 days" when every decided clock ran on one target, else the general promise.
fn within(targets: &[PolicyDuration], general: &str) -> String {
    match targets {
        [t] => format!("within {t}"),
        _ => general.to_owned(),
    }
}

/// The public responsiveness summary: one sentence per promised clock with at least
/// [`MIN_PUBLIC_SAMPLE`] decided cases ("In the last 12 months we acknowledged 96% of reports
/// within 7 days (n = 31)."), and a sentence naming the clocks with too few to give a figure.
/// `period` completes "In …" ("the last 12 months"). Empty when the policy promises no clock.
pub fn responsiveness(policy: &Policy, stats: &[ClockStats], period: &str) -> Vec<String> {
    let promised = promised(policy);
    let mut out = Vec::new();
    let mut too_few = Vec::new();
    for kind in &promised {
        let s = stats.iter().find(|s| s.kind == *kind);
        let n = s.map_or(0, |s| s.compliance.total());
        let Some((s, pct)) = s
            .and_then(|s| Some((s, s.compliance.percent()?)))
            .filter(|_| n >= MIN_PUBLIC_SAMPLE)
        else {
            too_few.push(match kind {
                ClockKind::Acknowledgement => "acknowledgement",
                ClockKind::InitialAssessment => "initial assessment",
                ClockKind::StatusUpdate => "status updates",
                ClockKind::Resolution => "fixes",
            });
            continue;
        };
        let t = &s.targets;
        out.push(match kind {
            ClockKind::Acknowledgement => format!(
                "In {period} we acknowledged {pct}% of reports {} (n = {n}).",
                within(t, "within the target for their channel")
            ),
            ClockKind::InitialAssessment => format!(
                "In {period} we sent our initial assessment {} for {pct}% of reports (n = {n}).",
                within(t, "within our published target")
            ),
            ClockKind::StatusUpdate => format!(
                "In {period} we sent status updates {} on {pct}% of reports (n = {n}).",
                match t.as_slice() {
                    [t] => format!("at least every {t}"),
                    _ => String::from("at our published cadence"),
                }
            ),
            ClockKind::Resolution => format!(
                "In {period} we released a fix {} for {pct}% of reports with a fix deadline (n = {n}).",
                within(t, "within the target for its severity")
            ),
        });
    }
    if too_few.len() == promised.len() && !promised.is_empty() {
        out.push(format!(
            "We have had too few reports in {period} (fewer than {MIN_PUBLIC_SAMPLE}) to publish response figures yet."
        ));
    } else if !too_few.is_empty() {
        let list = match too_few.as_slice() {
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => String::new(),
        };
        out.push(format!(
            "Too few reports in {period} (fewer than {MIN_PUBLIC_SAMPLE}) to give figures for {list}."
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use jiff::Timestamp;

    use super::*;
    use crate::sla::ClockStatus;

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    #[test]
    fn nearest_rank_by_hand() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        // ⌈0.5·10⌉ = 5 → 5; ⌈0.9·10⌉ = 9 → 9; ⌈0.01·10⌉ = 1 → 1; 100 → the maximum.
        assert_eq!(nearest_rank(&v, 50), Some(5));
        assert_eq!(nearest_rank(&v, 90), Some(9));
        assert_eq!(nearest_rank(&v, 1), Some(1));
        assert_eq!(nearest_rank(&v, 100), Some(10));
        // Three values: ⌈1.5⌉ = 2 → the middle; ⌈2.7⌉ = 3 → the largest.
        assert_eq!(nearest_rank(&[1, 3, 5], 50), Some(3));
        assert_eq!(nearest_rank(&[1, 3, 5], 90), Some(5));
        // Even count: the lower middle value, never an average.
        assert_eq!(nearest_rank(&[2, 4, 6, 8], 50), Some(4));
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        assert_eq!(nearest_rank::<i32>(&[], 50), None);
        assert_eq!(nearest_rank(&v, 0), None);
        assert_eq!(nearest_rank(&v, 101), None);
    }

    #[test]
    fn spread_sorts_first() {
        let s = Spread::of(vec![hours(5), hours(1), hours(3)]).unwrap();
        assert_eq!((s.n, s.median, s.p90), (3, hours(3), hours(5)));
        assert_eq!(Spread::of(Vec::new()), None);
    }

    #[test]
    fn compliance_rounds_down() {
        let c = Compliance {
            met: 29,
            breached: 1,
        };
        assert_eq!(c.percent(), Some(96));
        assert!((c.ratio().unwrap() - 29.0 / 30.0).abs() < 1e-12);
        let all = Compliance {
            met: 3,
            breached: 0,
        };
        assert_eq!(all.percent(), Some(100));
        assert_eq!(Compliance::default().percent(), None);
        assert_eq!(Compliance::default().ratio(), None);
    }

    fn ts(h: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + h * 3600).unwrap()
    }

    fn status(
        kind: ClockKind,
        state: ClockState,
        target: Option<&str>,
        done_after: Option<i64>,
    ) -> ClockStatus {
        ClockStatus {
            kind,
            state,
            target: target.map(|t| t.parse().unwrap()),
            started: Some(ts(0)),
            deadline: None,
            completed: done_after.map(ts),
            remaining: None,
            note: None,
        }
    }

    fn report(clocks: Vec<ClockStatus>) -> SlaReport {
        SlaReport {
            clocks,
            due_next: None,
        }
    }

    #[test]
    fn stats_per_clock() {
        use ClockKind::{Acknowledgement as Ack, Resolution as Res, StatusUpdate as Upd};
        use ClockState::{Breached, Met, NotApplicable, Running};
        let reports = vec![
            report(vec![
                status(Ack, Met, Some("7 days"), Some(1)),
                status(Upd, Met, Some("2 weeks"), Some(400)),
                status(Res, NotApplicable, None, Some(100)),
            ]),
            report(vec![
                status(Ack, Met, Some("7 days"), Some(5)),
                status(Res, Running, Some("2 weeks"), None),
            ]),
            report(vec![
                status(Ack, Breached, Some("7 days"), Some(200)),
                status(Res, Breached, Some("2 weeks"), None),
            ]),
            report(vec![status(Ack, Running, Some("7 days"), None)]),
        ];
        let s = clock_stats(&reports);
        let ack = &s[0];
        assert_eq!(ack.kind, Ack);
        // Durations 1 h, 5 h, 200 h: median 5 h, p90 200 h; the running clock is left out.
        assert_eq!(
            ack.durations,
            Some(Spread {
                n: 3,
                median: hours(5),
                p90: hours(200)
            })
        );
        assert_eq!(
            ack.compliance,
            Compliance {
                met: 2,
                breached: 1
            }
        );
        assert_eq!(ack.targets, vec!["7 days".parse().unwrap()]);
        assert_eq!(s[1].compliance.total(), 0);
        assert_eq!(s[1].durations, None);
        // A cadence has no duration, but it has compliance.
        assert_eq!((s[2].durations, s[2].compliance.met), (None, 1));
        // Time to fix counts without a target; compliance counts the overdue one.
        let res = &s[3];
        assert_eq!(
            res.durations.map(|d| (d.n, d.median)),
            Some((1, hours(100)))
        );
        assert_eq!(
            res.compliance,
            Compliance {
                met: 0,
                breached: 1
            }
        );
    }

    fn policy(extra: &str) -> Policy {
        let src = format!(
            "[program]\nname = \"P\"\nslug = \"p\"\n\n[[channels]]\nid = \"email\"\nkind = \"email\"\naddress = \"security@example.org\"\nack = \"48 hours\"\n\n[calendar]\ntime_zone = \"UTC\"\n\n[supported]\nmode = \"latest-only\"\n\n{extra}"
        );
        Policy::from_toml(&src, "p.toml").unwrap()
    }

    fn ack_stats(met: usize, breached: usize, targets: &[&str]) -> Vec<ClockStats> {
        vec![ClockStats {
            kind: ClockKind::Acknowledgement,
            durations: None,
            compliance: Compliance { met, breached },
            targets: targets.iter().map(|t| t.parse().unwrap()).collect(),
        }]
    }

    #[test]
    fn sentences() {
        let p = policy("");
        assert_eq!(promised(&p), vec![ClockKind::Acknowledgement]);
        assert_eq!(
            responsiveness(&p, &ack_stats(30, 1, &["48 hours"]), "the last 12 months"),
            vec!["In the last 12 months we acknowledged 96% of reports within 48 hours (n = 31)."]
        );
        assert_eq!(
            responsiveness(&p, &ack_stats(4, 0, &["48 hours"]), "the last 12 months"),
            vec![
                "We have had too few reports in the last 12 months (fewer than 5) to publish response figures yet."
            ]
        );
        assert_eq!(
            responsiveness(
                &p,
                &ack_stats(5, 0, &["48 hours", "7 days"]),
                "the last 90 days"
            ),
            vec![
                "In the last 90 days we acknowledged 100% of reports within the target for their channel (n = 5)."
            ]
        );
        let p = policy(
            "[clocks]\ninitial_assessment = \"5 days\"\n[clocks.resolution]\nhigh = \"2 weeks\"\nlow = \"next release\"\n",
        );
        assert_eq!(
            promised(&p),
            vec![
                ClockKind::Acknowledgement,
                ClockKind::InitialAssessment,
                ClockKind::Resolution
            ]
        );
        let got = responsiveness(&p, &ack_stats(9, 1, &["48 hours"]), "the last 12 months");
        assert_eq!(
            got,
            vec![
                "In the last 12 months we acknowledged 90% of reports within 48 hours (n = 10).",
                "Too few reports in the last 12 months (fewer than 5) to give figures for initial assessment and fixes."
            ]
        );
    }
}
