//! The store test suite: every test runs on SQLite and, when configured, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod advisories;
mod audit;
mod cases;
mod feed;
mod jobs;
mod programs;
mod stats;
mod users;

use chrono::{TimeZone, Utc};
use embargo_store::Ts;

pub fn t(secs: i64) -> Ts {
    Utc.timestamp_opt(1_800_000_000 + secs, 123_456_000)
        .unwrap()
}
