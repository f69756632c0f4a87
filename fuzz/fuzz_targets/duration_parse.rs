//! Fuzzes the policy duration parser ("72 hours", "5 business days"): arbitrary UTF-8 must
//! parse or be rejected without a panic; a parsed duration renders to text that parses back
//! to the same value, and adding it on a business calendar does not panic.

#![no_main]

use embargo_domain::calendar::BusinessCalendar;
use embargo_domain::policy::PolicyDuration;
use embargo_domain::policy::duration::MAX_AMOUNT;
use jiff::Timestamp;
use jiff::civil::{Weekday, time};
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let d = match s.parse::<PolicyDuration>() {
        Ok(d) => d,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert!(
        d.amount <= MAX_AMOUNT,
        "{s:?} parsed to {d:?} above MAX_AMOUNT"
    );
    let text = d.to_string();
    let back: PolicyDuration = match text.parse() {
        Ok(b) => b,
        Err(e) => panic!("{s:?} → {d:?} renders as {text:?}, which does not parse: {e}"),
    };
    assert_eq!(back, d, "{s:?} → {text:?} does not round-trip");
    let _ = d.approx_hours();

    // Adding the largest durations must error or succeed, never panic or overflow.
    let Ok(tz) = TimeZone::get("Europe/Berlin") else {
        return;
    };
    let days = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
    ];
    let Ok(cal) = BusinessCalendar::new(tz, &days, Some((time(9, 0, 0, 0), time(17, 0, 0, 0))), [])
    else {
        return;
    };
    for start in [Timestamp::UNIX_EPOCH, Timestamp::MAX] {
        if let Ok(end) = cal.add(start, d) {
            assert!(end >= start, "{d:?} from {start} went backwards to {end}");
        }
    }
});
