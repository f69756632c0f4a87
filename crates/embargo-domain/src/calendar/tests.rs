//! Hand-checked examples in three time zones, and property tests (monotonic, additive, never
//! lands on a non-working day).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use jiff::civil::{date, time};
use proptest::prelude::*;

const WEEK: [Weekday; 5] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
];

fn cal(tz: &str, hours: Option<(Time, Time)>, holidays: &[Date]) -> BusinessCalendar {
    BusinessCalendar::new(
        TimeZone::get(tz).unwrap(),
        &WEEK,
        hours,
        holidays.iter().copied(),
    )
    .unwrap()
}

fn at(tz: &str, d: Date, t: Time) -> Timestamp {
    d.to_datetime(t)
        .to_zoned(TimeZone::get(tz).unwrap())
        .unwrap()
        .timestamp()
}

fn nine_to_five() -> Option<(Time, Time)> {
    Some((time(9, 0, 0, 0), time(17, 0, 0, 0)))
}

#[test]
fn paris_five_business_days_from_friday_evening_across_dst() {
    // Friday 28 March 2025 17:00 CET; DST starts Sunday 30 March. Whole-day calendar: the
    // same local time five working days later, Friday 4 April 17:00 CEST.
    let c = cal("Europe/Paris", None, &[]);
    let start = at("Europe/Paris", date(2025, 3, 28), time(17, 0, 0, 0));
    let end = c.add_business_days(start, 5).unwrap();
    assert_eq!(end, at("Europe/Paris", date(2025, 4, 4), time(17, 0, 0, 0)));
    assert_eq!(end.to_string(), "2025-04-04T15:00:00Z");
    // With 09:00–17:00 hours the report arrives at closing: counting starts Monday 09:00 and
    // ends at close of the fifth working day, the same Friday 17:00.
    let c = cal("Europe/Paris", nine_to_five(), &[]);
    assert_eq!(
        c.add_business_days(start, 5).unwrap(),
        at("Europe/Paris", date(2025, 4, 4), time(17, 0, 0, 0))
    );
    // Easter Monday 21 April 2025 as a holiday pushes a Thursday report one day.
    let c = cal("Europe/Paris", nine_to_five(), &[date(2025, 4, 21)]);
    let start = at("Europe/Paris", date(2025, 4, 17), time(10, 0, 0, 0));
    assert_eq!(
        c.add_business_days(start, 2).unwrap(),
        at("Europe/Paris", date(2025, 4, 22), time(10, 0, 0, 0))
    );
}

#[test]
fn new_york_business_hours_over_christmas_and_new_year() {
    let c = cal(
        "America/New_York",
        nine_to_five(),
        &[date(2025, 12, 25), date(2026, 1, 1)],
    );
    // Wednesday 24 Dec 16:00 + 8 business hours: 1 h on the 24th, the 25th is a holiday,
    // 7 h on Friday the 26th → 16:00.
    let start = at("America/New_York", date(2025, 12, 24), time(16, 0, 0, 0));
    let end = c
        .add_business_time(start, SignedDuration::from_hours(8))
        .unwrap();
    assert_eq!(
        end,
        at("America/New_York", date(2025, 12, 26), time(16, 0, 0, 0))
    );
    // Year end: Wednesday 31 Dec 15:00 + 3 business days skips New Year's Day and the weekend.
    let start = at("America/New_York", date(2025, 12, 31), time(15, 0, 0, 0));
    assert_eq!(
        c.add_business_days(start, 3).unwrap(),
        at("America/New_York", date(2026, 1, 6), time(15, 0, 0, 0))
    );
    assert_eq!(
        c.business_time_between(
            start,
            at("America/New_York", date(2026, 1, 6), time(15, 0, 0, 0))
        ),
        SignedDuration::from_hours(24)
    );
}

#[test]
fn new_york_dst_day_is_25_hours_of_business_time() {
    let all = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    let c =
        BusinessCalendar::new(TimeZone::get("America/New_York").unwrap(), &all, None, []).unwrap();
    let a = at("America/New_York", date(2025, 11, 1), time(0, 0, 0, 0));
    let b = at("America/New_York", date(2025, 11, 3), time(0, 0, 0, 0));
    assert_eq!(
        c.business_time_between(a, b),
        SignedDuration::from_hours(49)
    );
    // 72 business hours from Saturday midnight = 3 civil days minus the extra fall-back hour.
    let end = c
        .add_business_time(a, SignedDuration::from_hours(72))
        .unwrap();
    assert_eq!(
        end,
        at("America/New_York", date(2025, 11, 3), time(23, 0, 0, 0))
    );
}

#[test]
fn tokyo_golden_week_and_new_year() {
    let hol = [
        date(2025, 5, 5),
        date(2025, 5, 6),
        date(2025, 12, 29),
        date(2025, 12, 30),
        date(2025, 12, 31),
        date(2026, 1, 1),
        date(2026, 1, 2),
    ];
    let c = cal(
        "Asia/Tokyo",
        Some((time(10, 0, 0, 0), time(18, 0, 0, 0))),
        &hol,
    );
    let start = at("Asia/Tokyo", date(2025, 5, 2), time(17, 0, 0, 0));
    let end = c
        .add_business_time(start, SignedDuration::from_hours(2))
        .unwrap();
    assert_eq!(end, at("Asia/Tokyo", date(2025, 5, 7), time(11, 0, 0, 0)));
    let start = at("Asia/Tokyo", date(2025, 12, 26), time(12, 0, 0, 0));
    assert_eq!(
        c.add_business_days(start, 1).unwrap(),
        at("Asia/Tokyo", date(2026, 1, 5), time(12, 0, 0, 0))
    );
    assert!(!c.is_working_time(at("Asia/Tokyo", date(2026, 1, 1), time(12, 0, 0, 0))));
    assert!(c.is_working_time(at("Asia/Tokyo", date(2026, 1, 5), time(10, 0, 0, 0))));
}

#[test]
fn policy_durations_use_the_right_arithmetic() {
    let c = cal("Europe/Paris", None, &[]);
    let start = at("Europe/Paris", date(2025, 3, 29), time(12, 0, 0, 0));
    // 72 wall-clock hours across the spring-forward night end at 13:00 local.
    let h72 = c.add(start, "72 hours".parse().unwrap()).unwrap();
    assert_eq!(h72, at("Europe/Paris", date(2025, 4, 1), time(13, 0, 0, 0)));
    // 7 civil days keep the local time.
    let d7 = c.add(start, "7 days".parse().unwrap()).unwrap();
    assert_eq!(d7, at("Europe/Paris", date(2025, 4, 5), time(12, 0, 0, 0)));
    let m6 = c.add(start, "6 months".parse().unwrap()).unwrap();
    assert_eq!(m6, at("Europe/Paris", date(2025, 9, 29), time(12, 0, 0, 0)));
}

#[test]
fn rejects_impossible_calendars() {
    let tz = TimeZone::UTC;
    assert_eq!(
        BusinessCalendar::new(tz.clone(), &[], None, []).unwrap_err(),
        CalendarError::NoWorkingDays
    );
    assert_eq!(
        BusinessCalendar::new(tz, &WEEK, Some((time(17, 0, 0, 0), time(9, 0, 0, 0))), [])
            .unwrap_err(),
        CalendarError::BadHours
    );
    // A year of holidays is an error, not an endless loop.
    let mut hol = Vec::new();
    let mut d = date(2025, 1, 1);
    for _ in 0..500 {
        hol.push(d);
        d = d.tomorrow().unwrap();
    }
    let c = cal("UTC", None, &hol);
    assert_eq!(
        c.add_business_days(at("UTC", date(2025, 1, 1), time(0, 0, 0, 0)), 1)
            .unwrap_err(),
        CalendarError::NoWorkingTime
    );
}

fn zones() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("Europe/Paris"),
        Just("America/New_York"),
        Just("Asia/Tokyo"),
        Just("UTC")
    ]
}

fn calendar_strategy() -> impl Strategy<Value = BusinessCalendar> {
    (
        zones(),
        any::<bool>(),
        proptest::collection::vec(0i32..800, 0..10),
    )
        .prop_map(|(tz, hours, hol)| {
            let base = date(2025, 1, 1);
            let holidays: Vec<Date> = hol
                .iter()
                .map(|n| base.checked_add(i64::from(*n).days()).unwrap())
                .collect();
            cal(tz, if hours { nine_to_five() } else { None }, &holidays)
        })
}

fn instant() -> impl Strategy<Value = Timestamp> {
    // 2025-01-01 .. 2027-01-01, minute resolution.
    (0i64..(2 * 366 * 24 * 60))
        .prop_map(|m| Timestamp::from_second(1_735_689_600 + m * 60).unwrap())
}

/// Whether the calendar's zone has DST (where a carried local time can fall into a gap).
fn has_dst(c: &BusinessCalendar) -> bool {
    c.time_zone()
        .iana_name()
        .is_some_and(|n| n != "UTC" && n != "Asia/Tokyo")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn business_time_is_monotonic(c in calendar_strategy(), a in instant(), b in instant(), h in 0i64..200) {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let d = SignedDuration::from_hours(h);
        prop_assert!(c.add_business_time(a, d).unwrap() <= c.add_business_time(b, d).unwrap());
    }

    #[test]
    fn business_days_are_monotonic(c in calendar_strategy(), a in instant(), b in instant(), n in 0u32..30) {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(c.add_business_days(a, n).unwrap() <= c.add_business_days(b, n).unwrap());
    }

    #[test]
    fn business_time_is_additive(c in calendar_strategy(), s in instant(), x in 0i64..100, y in 0i64..100) {
        let (dx, dy) = (SignedDuration::from_mins(x * 37), SignedDuration::from_mins(y * 41));
        let two = c.add_business_time(c.add_business_time(s, dx).unwrap(), dy).unwrap();
        prop_assert_eq!(two, c.add_business_time(s, dx + dy).unwrap());
    }

    #[test]
    fn business_days_are_additive(c in calendar_strategy(), s in instant(), x in 0u32..15, y in 0u32..15) {
        // In DST zones without working hours a carried local time can fall into a DST gap on
        // the intermediate day and move forward an hour; working hours avoid the gap.
        prop_assume!(!has_dst(&c) || c.hours.is_some());
        let two = c.add_business_days(c.add_business_days(s, x).unwrap(), y).unwrap();
        prop_assert_eq!(two, c.add_business_days(s, x + y).unwrap());
    }

    #[test]
    fn never_lands_on_non_working_time(c in calendar_strategy(), s in instant(), h in 1i64..300, n in 1u32..30) {
        let e = c.add_business_time(s, SignedDuration::from_mins(h * 13)).unwrap();
        prop_assert!(c.is_working_time(e - SignedDuration::from_secs(1)));
        let e = c.add_business_days(s, n).unwrap();
        prop_assert!(c.is_working_time(e - SignedDuration::from_secs(1)));
    }

    #[test]
    fn measured_time_inverts_addition(c in calendar_strategy(), s in instant(), h in 0i64..300) {
        let d = SignedDuration::from_mins(h * 7);
        let e = c.add_business_time(s, d).unwrap();
        prop_assert_eq!(c.business_time_between(s, e), d);
    }
}
