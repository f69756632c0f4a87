//! Fuzzes the policy reader: arbitrary UTF-8 → `Policy::from_toml` and `lint` (with a fixed
//! date); a policy that parses is then rendered (SECURITY.md, security.txt, HTML, JSON) and
//! its clocks evaluated. Nothing may panic, and the two readers must agree on errors.

#![no_main]

use embargo_domain::policy::{Policy, Severity, lint};
use embargo_domain::sla::{self, Event, EventKind};
use embargo_domain::supported;
use embargo_formats::{policy_html, policy_json, security_md, security_txt};
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let today = date(2025, 11, 3);
    let diags = lint(src, "policy.toml", today);
    for d in &diags {
        assert!(
            d.line >= 1 && d.column >= 1,
            "diagnostic without a position: {d:?}"
        );
    }
    let policy = match Policy::from_toml(src, "policy.toml") {
        Ok(p) => p,
        Err(errors) => {
            assert!(!errors.is_empty(), "from_toml failed without a diagnostic");
            assert!(
                diags.iter().any(|d| d.is_error()),
                "from_toml rejected what lint accepted: {errors:?}"
            );
            return;
        }
    };

    // Renders must not panic, and are deterministic.
    let md = security_md::render(&policy, today);
    assert_eq!(md, security_md::render(&policy, today));
    let _ = security_txt::render(&policy, today);
    let _ = security_txt::expiry(&policy, today);
    let _ = policy_html::render(&policy, today);
    let _ = policy_json::render(&policy);

    // Supported-version evaluation.
    if let Some(sv) = &policy.supported {
        let _ = supported::fix_window_ends(sv);
        for v in ["1.0.0", "v0.2", "0.1", "2.3.4-rc.1"] {
            let _ = supported::evaluate(sv, v, today, Some("1.2.3"));
        }
    }

    // Clocks on a small case history.
    let Ok(cal) = policy.business_calendar() else {
        return;
    };
    let t0: Timestamp = match "2025-11-07T16:00:00Z".parse() {
        Ok(t) => t,
        Err(_) => return,
    };
    let channel = policy.channels.first().map(|c| c.id.clone());
    let at = |h: i64| t0 + SignedDuration::from_hours(h);
    let events = [
        Event {
            at: t0,
            kind: EventKind::Received { channel },
        },
        Event {
            at: at(30),
            kind: EventKind::Acknowledged,
        },
        Event {
            at: at(40),
            kind: EventKind::SeveritySet(Severity::High),
        },
        Event {
            at: at(50),
            kind: EventKind::Paused,
        },
        Event {
            at: at(90),
            kind: EventKind::Resumed,
        },
        Event {
            at: at(100),
            kind: EventKind::SeveritySet(Severity::Critical),
        },
        Event {
            at: at(120),
            kind: EventKind::StatusUpdateSent,
        },
    ];
    for now in [at(1), at(60), at(24 * 30)] {
        let _ = sla::evaluate(&policy, &cal, &events, now);
    }
});
