//! Server tests: a real server on a loopback port, a real HTTP client, a real database
//! (SQLite; PostgreSQL too where a test says so), and an injected clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod auth;
mod coordination;
mod dashboard;
mod feed;
mod hardening;
mod harness;
mod mail;
mod mail_in;
mod ops;
mod programs;
mod publication;
mod reports;
mod tokens;
mod triage;
