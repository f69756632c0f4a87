//! Coordinated disclosure of a case: the embargo agreed with the reporter, invited
//! participants (developers, downstream vendors, reviewers under NDA) with per-case access and
//! a view log, vendor statuses per product, and the pre-notification job. The team's page is
//! `html`, the participants' pages `participant`, the logic `service`, the job `prenotify`.

pub mod html;
pub mod participant;
pub mod prenotify;
pub mod service;
pub mod status;
