//! Advisories as the team writes them: drafts from cases, the editor, CVE ids, scheduling.
//! Publication (the public files) is `crate::publication`.

pub mod html;
pub mod service;
