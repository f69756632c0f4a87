//! `embargo policy check`: every diagnostic for a policy file, including the ones that depend
//! on today's date (security.txt expiry, fix windows that have ended, stale holiday lists).

use jiff::ToSpan;
use jiff::civil::Date;

use super::diagnostic::{Diagnostic, Seg, Sink};
use super::{LineStatus, Policy};
use crate::supported::fix_window_ends;

use Seg::{Index as I, Key as K};

/// Lints a policy source. `today` is the date the check runs (the caller reads the clock).
/// Errors first by position, then warnings, each in file order.
pub fn lint(src: &str, file: &str, today: Date) -> Vec<Diagnostic> {
    let (policy, mut sink) = super::parse(src, file);
    if let Some(p) = policy {
        super::check::check(&p, &mut sink);
        dated(&p, &mut sink, today);
    }
    let mut d = sink.diagnostics;
    d.sort_by_key(|x| (x.level, x.line, x.column));
    d
}

fn dated(p: &Policy, s: &mut Sink<'_>, today: Date) {
    if let Some(exp) = p.security_txt.expires {
        let exp = exp.0;
        let in_30 = today.checked_add(30.days()).unwrap_or(Date::MAX);
        let in_year = today.checked_add(1.year()).unwrap_or(Date::MAX);
        let path = [K("security_txt"), K("expires")];
        if exp <= today {
            s.error(&path, format!("security.txt expired on {exp}"), "set a new expires date (at most a year ahead), or use expires_after = \"6 months\"");
        } else if exp <= in_30 {
            s.warn(
                &path,
                format!("security.txt expires within 30 days (on {exp})"),
                "renew it, or use expires_after = \"6 months\" so each render sets a fresh date",
            );
        } else if exp > in_year {
            s.warn(
                &path,
                format!("security.txt expiry {exp} is more than a year ahead"),
                "RFC 9116 §2.5.5 recommends less than a year",
            );
        }
    }
    if let Some(sv) = &p.supported {
        for (i, (line, end)) in sv.lines.iter().zip(fix_window_ends(sv)).enumerate() {
            if let Ok(Some(end)) = end
                && end < today
                && line.status != LineStatus::EndOfLife
            {
                s.warn(
                    &[K("supported"), K("lines"), I(i), K("status")],
                    format!(
                        "the fix window of {} ended on {end} but its status is not end-of-life",
                        line.name
                    ),
                    "set status = \"end-of-life\"",
                );
            }
        }
    }
    let hol = &p.calendar.holidays;
    if !hol.is_empty() && hol.iter().all(|d| d.0 < today) {
        s.warn(
            &[K("calendar"), K("holidays")],
            "every holiday is in the past",
            "add this year's and next year's holidays",
        );
    }
}
