//! Inputs for Embargo's benchmarks: the example policies and a generator of realistic,
//! deterministic case histories for the SLA clock engine. The benchmarks themselves are in
//! `benches/`; `bench/policy.sh` runs them and writes `bench/results/policy.json`.

use embargo_domain::policy::Severity;
use embargo_domain::sla::{Event, EventKind};
use jiff::{SignedDuration, Timestamp};

/// The example policies of `examples/policies/`, by file name (compiled in, so the benchmarks
/// do no I/O).
pub const EXAMPLE_POLICIES: [(&str, &str); 5] = [
    (
        "container-scanning-platform",
        include_str!("../../../examples/policies/container-scanning-platform.toml"),
    ),
    (
        "exposure-management-api",
        include_str!("../../../examples/policies/exposure-management-api.toml"),
    ),
    (
        "home-automation-integration",
        include_str!("../../../examples/policies/home-automation-integration.toml"),
    ),
    (
        "network-security-appliance",
        include_str!("../../../examples/policies/network-security-appliance.toml"),
    ),
    (
        "public-sector-product-family",
        include_str!("../../../examples/policies/public-sector-product-family.toml"),
    ),
];

/// A small deterministic generator (xorshift64*), so every run benchmarks the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

/// A case history of `n` events (at least 5) starting at `t0` on `channel`, the way a long
/// case really goes: received, acknowledged, assessed and a severity within days; then status
/// updates, severity changes and waits on the reporter (pause/resume pairs) a few hours to a
/// few days apart; the case is still open at the end (no fix yet), so every clock is running
/// and every pause has to be accounted for. Events are in time order; the returned instant
/// is one hour after the last event, the `now` to evaluate at.
pub fn case_history(n: usize, t0: Timestamp, channel: Option<&str>) -> (Vec<Event>, Timestamp) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut at = t0;
    let mut events = Vec::with_capacity(n);
    let push = |events: &mut Vec<Event>, at: Timestamp, kind: EventKind| {
        events.push(Event { at, kind });
    };
    push(
        &mut events,
        at,
        EventKind::Received {
            channel: channel.map(str::to_owned),
        },
    );
    let opening = [
        EventKind::Acknowledged,
        EventKind::SeveritySet(Severity::Medium),
        EventKind::Assessed,
    ];
    for kind in opening.into_iter().take(n.saturating_sub(1)) {
        at += SignedDuration::from_hours(rng.between(4, 30));
        push(&mut events, at, kind);
    }
    let severities = [
        Severity::High,
        Severity::Critical,
        Severity::Medium,
        Severity::Low,
    ];
    let mut paused = false;
    while events.len() < n {
        at += SignedDuration::from_mins(rng.between(30, 48 * 60));
        let roll = rng.between(0, 99);
        let kind = if paused {
            // Waiting on the reporter: the next thing that happens is usually their answer.
            if roll < 80 {
                paused = false;
                EventKind::Resumed
            } else {
                EventKind::StatusUpdateSent
            }
        } else {
            match roll {
                0..=44 => EventKind::StatusUpdateSent,
                45..=74 => {
                    paused = true;
                    EventKind::Paused
                }
                75..=89 => {
                    let i = usize::try_from(rng.next() % 4).unwrap_or(0);
                    EventKind::SeveritySet(severities[i])
                }
                90..=94 => EventKind::Acknowledged,
                _ => EventKind::Assessed,
            }
        };
        push(&mut events, at, kind);
    }
    (events, at + SignedDuration::from_hours(1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use embargo_domain::policy::Policy;
    use embargo_domain::sla;

    #[test]
    fn history_is_realistic_and_every_example_evaluates() {
        let t0: Timestamp = "2025-11-07T16:30:00Z".parse().unwrap();
        let (events, now) = case_history(200, t0, Some("email"));
        assert_eq!(events.len(), 200);
        assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(now > events[199].at);
        let count = |f: fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.kind)).count();
        assert!(count(|k| matches!(k, EventKind::Paused)) >= 20);
        assert!(count(|k| matches!(k, EventKind::StatusUpdateSent)) >= 40);
        assert!(count(|k| matches!(k, EventKind::SeveritySet(_))) >= 10);
        for (name, src) in EXAMPLE_POLICIES {
            let p = Policy::from_toml(src, name).unwrap();
            let cal = p.business_calendar().unwrap();
            let r = sla::evaluate(&p, &cal, &events, now).unwrap();
            assert_eq!(r.clocks.len(), 4, "{name}");
        }
    }
}
