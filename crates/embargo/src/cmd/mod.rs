//! Subcommands that need more than a few lines.

pub mod admin;
pub mod cvss;
pub mod feed;
pub mod kit;
pub mod mail;
pub mod policy;
pub mod program;
pub mod sbom;
