//! Pure domain of Embargo: ids, roles, policy model, business time and SLA clocks, supported
//! versions, CVE eligibility, package URLs and per-ecosystem version ranges.
//!
//! No I/O, no async, never reads the clock: every function that needs "now" takes it as an
//! argument, so every clock, embargo and SLA computation is deterministic and testable.

pub mod account;
pub mod advisory;
pub mod calendar;
pub mod case;
pub mod coordination;
pub mod cve;
pub mod cvss;
pub mod embargo;
pub mod policy;
pub mod purl;
pub mod sla;
pub mod stats;
pub mod supported;
pub mod version;
