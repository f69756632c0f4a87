//! Subcommands that need more than a few lines.

pub mod admin;
pub mod policy;
pub mod program;
