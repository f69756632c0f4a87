//! The business-time engine: adds business hours and days in a program's time zone, with
//! working days, optional working hours and holidays, and measures business time between two
//! instants. Correct across DST changes and year ends because every working interval is built
//! from civil times in the zone (jiff resolves gaps and folds "compatibly", RFC 5545 style).
//!
//! Semantics, chosen so the engine is monotonic and additive:
//! - Working time is a set of half-open intervals, one per working day: `[start, end)` of the
//!   working hours, or the whole civil day when no hours are set.
//! - `add_business_time(t, d)` is the earliest instant at which `d` of working time has elapsed
//!   since `t`. A result can be the *end* of an interval (Friday 17:00), never an instant on a
//!   non-working day after it.
//! - `add_business_days(t, n)`: counting starts at the first working instant at or after `t`.
//!   Started at the opening of a working day, the result is the close of the n-th working day
//!   (that day included), so "5 business days" from Friday 17:00 after hours ends the following
//!   Friday at close. Started mid-day, the result is the same local time n working days later.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, ToSpan};

use crate::policy::{CalendarSpec, DurationUnit, PolicyDuration};

/// How many consecutive days without working time we scan before giving up: more than a
/// year of holidays in a row means the calendar is wrong, not that the deadline is far.
const MAX_IDLE_DAYS: u32 = 400;

/// Why business time cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No weekday is a working day.
    #[error("the calendar has no working days")]
    NoWorkingDays,
    /// Working hours end before they start.
    #[error("working hours end before they start")]
    BadHours,
    /// More than a year passed without working time (every day a holiday).
    #[error("no working time within {MAX_IDLE_DAYS} days")]
    NoWorkingTime,
    /// A date or instant went out of range.
    #[error("date out of range")]
    OutOfRange,
}

/// A business calendar in one time zone.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    tz: TimeZone,
    days: [bool; 7],
    hours: Option<(Time, Time)>,
    holidays: BTreeSet<Date>,
}

fn day_index(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)
}

impl BusinessCalendar {
    /// Builds a calendar. `hours` is `(open, close)`; a close of `Time::MAX` means midnight.
    pub fn new(
        tz: TimeZone,
        working_days: &[Weekday],
        hours: Option<(Time, Time)>,
        holidays: impl IntoIterator<Item = Date>,
    ) -> Result<Self, CalendarError> {
        let mut days = [false; 7];
        for d in working_days {
            days[day_index(*d)] = true;
        }
        if !days.iter().any(|d| *d) {
            return Err(CalendarError::NoWorkingDays);
        }
        if let Some((a, b)) = hours
            && a >= b
        {
            return Err(CalendarError::BadHours);
        }
        Ok(Self {
            tz,
            days,
            hours,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// Builds the calendar a policy's `[calendar]` describes.
    pub fn from_spec(spec: &CalendarSpec) -> Result<Self, CalendarError> {
        let days: Vec<Weekday> = spec.working_days.iter().map(|d| d.to_jiff()).collect();
        let hours = spec.working_hours.map(|h| (h.start.0, h.end.0));
        Self::new(
            spec.time_zone.zone.clone(),
            &days,
            hours,
            spec.holidays.iter().map(|d| d.0),
        )
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Whether `d` is a working day (a working weekday that is not a holiday).
    pub fn is_working_day(&self, d: Date) -> bool {
        self.days[day_index(d.weekday())] && !self.holidays.contains(&d)
    }

    fn local_date(&self, t: Timestamp) -> Date {
        t.to_zoned(self.tz.clone()).date()
    }

    fn instant(&self, d: Date, t: Time) -> Result<Timestamp, CalendarError> {
        // Gaps resolve forward and folds to the earlier instant ("compatible").
        self.tz
            .to_timestamp(d.to_datetime(t))
            .map_err(|_| CalendarError::OutOfRange)
    }

    fn midnight_after(&self, d: Date) -> Result<Timestamp, CalendarError> {
        let next = d.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
        self.instant(next, Time::midnight())
    }

    /// The working interval of day `d`, if it is a working day.
    fn interval(&self, d: Date) -> Result<Option<(Timestamp, Timestamp)>, CalendarError> {
        if !self.is_working_day(d) {
            return Ok(None);
        }
        let (a, b) = match self.hours {
            None => (self.instant(d, Time::midnight())?, self.midnight_after(d)?),
            Some((open, close)) => {
                let b = if close == Time::MAX {
                    self.midnight_after(d)?
                } else {
                    self.instant(d, close)?
                };
                (self.instant(d, open)?, b)
            }
        };
        Ok((a < b).then_some((a, b)))
    }

    /// Walks working intervals that end after `from`, in order, calling `f` until it returns
    /// `Some`. Fails if a year passes without working time.
    fn walk<T>(
        &self,
        from: Timestamp,
        mut f: impl FnMut(Date, Timestamp, Timestamp) -> Result<Option<T>, CalendarError>,
    ) -> Result<T, CalendarError> {
        // Start a day early: with working hours past midnight in a DST fold the previous
        // civil day's interval could still be open.
        let mut d = self
            .local_date(from)
            .yesterday()
            .map_err(|_| CalendarError::OutOfRange)?;
        let mut idle = 0u32;
        loop {
            match self.interval(d)? {
                Some((a, b)) if b > from => {
                    idle = 0;
                    if let Some(r) = f(d, a, b)? {
                        return Ok(r);
                    }
                }
                Some(_) => idle = 0,
                None => {
                    idle += 1;
                    if idle > MAX_IDLE_DAYS {
                        return Err(CalendarError::NoWorkingTime);
                    }
                }
            }
            d = d.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
        }
    }

    /// Whether `t` is inside working time.
    pub fn is_working_time(&self, t: Timestamp) -> bool {
        let d = self.local_date(t);
        [d.yesterday().ok(), Some(d)]
            .into_iter()
            .flatten()
            .any(|d| matches!(self.interval(d), Ok(Some((a, b))) if a <= t && t < b))
    }

    /// The earliest instant at which `amount` of working time has elapsed since `start`.
    /// A negative amount is treated as zero.
    pub fn add_business_time(
        &self,
        start: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, CalendarError> {
        if amount <= SignedDuration::ZERO {
            return Ok(start);
        }
        let mut remaining = amount;
        self.walk(start, |_, a, b| {
            let from = a.max(start);
            let avail = b.duration_since(from);
            if remaining <= avail {
                return from
                    .checked_add(remaining)
                    .map(Some)
                    .map_err(|_| CalendarError::OutOfRange);
            }
            remaining -= avail;
            Ok(None)
        })
    }

    /// Adds `n` business days (see the module docs for the exact rule).
    pub fn add_business_days(&self, start: Timestamp, n: u32) -> Result<Timestamp, CalendarError> {
        if n == 0 {
            return Ok(start);
        }
        // The first working instant at or after `start`, and its day.
        let (d0, s, a0) = self.walk(start, |d, a, _| Ok(Some((d, a.max(start), a))))?;
        let at_open = s == a0;
        // The working day that ends the count: with an opening start, day `n` counting `d0`
        // as day 1; otherwise `n` working days after `d0`.
        let need = if at_open { n - 1 } else { n };
        let mut d = d0;
        let mut found = 0u32;
        let mut idle = 0u32;
        while found < need {
            d = d.tomorrow().map_err(|_| CalendarError::OutOfRange)?;
            if self.is_working_day(d) {
                found += 1;
                idle = 0;
            } else {
                idle += 1;
                if idle > MAX_IDLE_DAYS {
                    return Err(CalendarError::NoWorkingTime);
                }
            }
        }
        let Some((a, b)) = self.interval(d)? else {
            return Err(CalendarError::OutOfRange);
        };
        if at_open {
            return Ok(b);
        }
        let local = s.to_zoned(self.tz.clone()).time();
        let t = self.instant(d, local)?;
        Ok(t.clamp(a, b))
    }

    /// Working time in `[from, to)`; negative when `to < from`.
    pub fn business_time_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to < from {
            return -self.business_time_between(to, from);
        }
        let mut total = SignedDuration::ZERO;
        let r = self.walk(from, |_, a, b| {
            if a >= to {
                return Ok(Some(()));
            }
            total += b.min(to).duration_since(a.max(from));
            Ok(None)
        });
        // Only a calendar without working time for a year can fail; count what was found.
        let _ = r;
        total
    }

    /// Adds a policy duration: wall-clock hours, civil days/weeks/months in the zone, or
    /// business hours/days on the calendar.
    pub fn add(&self, start: Timestamp, d: PolicyDuration) -> Result<Timestamp, CalendarError> {
        let n = i64::from(d.amount);
        let civil = |span: Span| -> Result<Timestamp, CalendarError> {
            start
                .to_zoned(self.tz.clone())
                .checked_add(span)
                .map(|z| z.timestamp())
                .map_err(|_| CalendarError::OutOfRange)
        };
        match d.unit {
            DurationUnit::Hours => start
                .checked_add(n.hours())
                .map_err(|_| CalendarError::OutOfRange),
            DurationUnit::Days => civil(n.days()),
            DurationUnit::Weeks => civil(n.weeks()),
            DurationUnit::Months => civil(n.months()),
            DurationUnit::BusinessHours => {
                self.add_business_time(start, SignedDuration::from_hours(n))
            }
            DurationUnit::BusinessDays => self.add_business_days(start, d.amount),
        }
    }

    /// Pushes a deadline back by a pause `[from, to)`: by the pause's working time for
    /// business clocks, by its wall-clock length otherwise.
    pub fn extend(
        &self,
        deadline: Timestamp,
        business: bool,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Timestamp, CalendarError> {
        if to <= from {
            return Ok(deadline);
        }
        if business {
            self.add_business_time(deadline, self.business_time_between(from, to))
        } else {
            deadline
                .checked_add(to.duration_since(from))
                .map_err(|_| CalendarError::OutOfRange)
        }
    }
}

#[cfg(test)]
mod tests;
