//! Subcommands that need more than a few lines.

pub mod admin;
pub mod cvss;
pub mod feed;
pub mod kit;
pub mod mail;
pub mod policy;
pub mod program;
pub mod sbom;

/// The wall clock, for commands (the server injects its clock instead).
pub fn now() -> embargo_store::Ts {
    use embargo_app::clock::Clock;
    embargo_app::clock::SystemClock.now()
}
