//! Embargo rules: the longest embargo the policy allows, checking a proposed end, the
//! accelerated date under active exploitation, when pre-notification is due and when a case
//! is "at risk" (the fix is not ready shortly before the end).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::BusinessCalendar;
use crate::policy::{EmbargoPolicy, PolicyDuration, PreNotification};

/// Under active exploitation, the proposed end is this close (unless the current end is
/// sooner): a week gives packagers a pre-notification window and users a fix quickly. The
/// seed policies say only "move faster"; the team can still agree another date.
pub const ACCELERATED: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A case is "at risk" when its fix is not ready this long before the end.
pub const AT_RISK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Why an end date is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum EmbargoError {
    /// The end is not in the future.
    #[error("the embargo end must be in the future")]
    NotFuture,
    /// The end is past the policy's maximum and no admin override was given.
    #[error(
        "the policy allows an embargo of at most {maximum} from the report (until {latest}); an admin can override with a reason"
    )]
    BeyondMaximum {
        /// The policy's maximum, in words.
        maximum: String,
        /// The latest end it allows.
        latest: Timestamp,
    },
}

/// The latest end the policy allows for a case reported at `reported`, if it states a maximum.
pub fn latest_end(
    policy: Option<&EmbargoPolicy>,
    calendar: &BusinessCalendar,
    reported: Timestamp,
) -> Option<(PolicyDuration, Timestamp)> {
    let max = policy?.maximum?;
    calendar.add(reported, max).ok().map(|t| (max, t))
}

/// Checks a proposed end. `admin_override` lifts the maximum (the caller records the reason).
pub fn check_end(
    policy: Option<&EmbargoPolicy>,
    calendar: &BusinessCalendar,
    reported: Timestamp,
    end: Timestamp,
    now: Timestamp,
    admin_override: bool,
) -> Result<(), EmbargoError> {
    if end <= now {
        return Err(EmbargoError::NotFuture);
    }
    if let Some((max, latest)) = latest_end(policy, calendar, reported)
        && end > latest
        && !admin_override
    {
        return Err(EmbargoError::BeyondMaximum {
            maximum: max.to_string(),
            latest,
        });
    }
    Ok(())
}

/// The end the policy proposes for a case reported at `reported` (its `default`, capped by
/// its `maximum`).
pub fn default_end(
    policy: Option<&EmbargoPolicy>,
    calendar: &BusinessCalendar,
    reported: Timestamp,
) -> Option<Timestamp> {
    let d = policy?.default?;
    let end = calendar.add(reported, d).ok()?;
    Some(match latest_end(policy, calendar, reported) {
        Some((_, latest)) => end.min(latest),
        None => end,
    })
}

/// When a case is marked actively exploited: the accelerated end to propose, if the policy
/// accelerates and it is sooner than the current end.
pub fn accelerated_end(
    policy: Option<&EmbargoPolicy>,
    current: Option<Timestamp>,
    now: Timestamp,
) -> Option<Timestamp> {
    if !policy.is_some_and(|p| p.accelerate_if_exploited) {
        return None;
    }
    let proposed = now.checked_add(ACCELERATED).ok()?;
    match current {
        Some(c) if c <= proposed => None,
        _ => Some(proposed),
    }
}

/// When pre-notification is due for an embargo ending at `end` (end − lead time, lead time in
/// calendar hours; business units count as their calendar length here because packagers
/// need the whole window).
pub fn prenotify_at(policy: Option<&PreNotification>, end: Timestamp) -> Option<Timestamp> {
    let lead = policy?.lead_time?;
    let hours = i64::try_from(lead.approx_hours()).ok()?;
    end.checked_sub(SignedDuration::from_hours(hours)).ok()
}

/// What the countdown says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Countdown {
    /// More than `AT_RISK` left, or the fix is ready.
    OnTrack,
    /// Less than `AT_RISK` left and the fix is not ready.
    AtRisk,
    /// The end has passed.
    Ended,
}

/// The state of an embargo ending at `end`.
pub fn countdown(end: Timestamp, fix_ready: bool, now: Timestamp) -> Countdown {
    if now >= end {
        Countdown::Ended
    } else if !fix_ready && end.duration_since(now) <= AT_RISK {
        Countdown::AtRisk
    } else {
        Countdown::OnTrack
    }
}

/// "12 days 4 hours", "3 hours 10 minutes", "ended": the time left, in words.
pub fn time_left(end: Timestamp, now: Timestamp) -> String {
    let secs = end.duration_since(now).as_secs();
    if secs <= 0 {
        return String::from("ended");
    }
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    let unit = |n: i64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    if d > 0 {
        format!("{} {}", unit(d, "day"), unit(h, "hour"))
    } else if h > 0 {
        format!("{} {}", unit(h, "hour"), unit(m, "minute"))
    } else {
        unit(m.max(1), "minute")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::policy::{CalendarSpec, DurationUnit};

    fn cal() -> BusinessCalendar {
        let spec: CalendarSpec = toml::from_str("time_zone = \"UTC\"").unwrap();
        BusinessCalendar::from_spec(&spec).unwrap()
    }

    fn policy() -> EmbargoPolicy {
        EmbargoPolicy {
            default: Some(PolicyDuration::new(60, DurationUnit::Days)),
            maximum: Some(PolicyDuration::new(90, DurationUnit::Days)),
            agreed_with_reporter: true,
            accelerate_if_exploited: true,
            nda: None,
            note: None,
        }
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn maximum_bounds_the_end_unless_overridden() {
        let reported = t("2026-01-01T00:00:00Z");
        let now = t("2026-01-02T00:00:00Z");
        let p = policy();
        assert_eq!(
            check_end(
                Some(&p),
                &cal(),
                reported,
                t("2026-04-01T00:00:00Z"),
                now,
                false
            ),
            Ok(())
        );
        let err = check_end(
            Some(&p),
            &cal(),
            reported,
            t("2026-04-02T00:00:01Z"),
            now,
            false,
        );
        assert!(
            matches!(err, Err(EmbargoError::BeyondMaximum { latest, .. }) if latest == t("2026-04-01T00:00:00Z"))
        );
        assert_eq!(
            check_end(
                Some(&p),
                &cal(),
                reported,
                t("2026-06-01T00:00:00Z"),
                now,
                true
            ),
            Ok(())
        );
        assert_eq!(
            check_end(Some(&p), &cal(), reported, now, now, true),
            Err(EmbargoError::NotFuture)
        );
        assert_eq!(
            check_end(
                None,
                &cal(),
                reported,
                t("2030-01-01T00:00:00Z"),
                now,
                false
            ),
            Ok(())
        );
    }

    #[test]
    fn default_end_is_capped() {
        let reported = t("2026-01-01T00:00:00Z");
        assert_eq!(
            default_end(Some(&policy()), &cal(), reported),
            Some(t("2026-03-02T00:00:00Z"))
        );
        let mut p = policy();
        p.default = Some(PolicyDuration::new(120, DurationUnit::Days));
        assert_eq!(
            default_end(Some(&p), &cal(), reported),
            Some(t("2026-04-01T00:00:00Z"))
        );
    }

    #[test]
    fn exploitation_proposes_a_sooner_date_only_when_the_policy_says_so() {
        let now = t("2026-01-10T00:00:00Z");
        let p = policy();
        assert_eq!(
            accelerated_end(Some(&p), Some(t("2026-03-01T00:00:00Z")), now),
            Some(t("2026-01-17T00:00:00Z"))
        );
        assert_eq!(
            accelerated_end(Some(&p), Some(t("2026-01-12T00:00:00Z")), now),
            None
        );
        let mut slow = p.clone();
        slow.accelerate_if_exploited = false;
        assert_eq!(accelerated_end(Some(&slow), None, now), None);
    }

    #[test]
    fn prenotification_and_countdown() {
        let end = t("2026-03-10T12:00:00Z");
        let pre = PreNotification {
            lead_time: Some(PolicyDuration::new(72, DurationUnit::Hours)),
            groups: vec![],
            note: None,
        };
        assert_eq!(
            prenotify_at(Some(&pre), end),
            Some(t("2026-03-07T12:00:00Z"))
        );
        assert_eq!(prenotify_at(None, end), None);
        assert_eq!(
            countdown(end, false, t("2026-03-01T00:00:00Z")),
            Countdown::OnTrack
        );
        assert_eq!(
            countdown(end, false, t("2026-03-05T00:00:00Z")),
            Countdown::AtRisk
        );
        assert_eq!(
            countdown(end, true, t("2026-03-05T00:00:00Z")),
            Countdown::OnTrack
        );
        assert_eq!(countdown(end, true, end), Countdown::Ended);
        assert_eq!(time_left(end, t("2026-03-08T10:00:00Z")), "2 days 2 hours");
        assert_eq!(
            time_left(end, t("2026-03-10T11:00:00Z")),
            "1 hour 0 minutes"
        );
        assert_eq!(time_left(end, end), "ended");
    }
}
