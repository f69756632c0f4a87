//! Integration tests of the `embargo` binary: one test binary for the crate (DESIGN.md §7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod cli;
mod feed;
mod sbom;
