//! Cases after intake: the sealed case opened for display, SLA clocks from the timeline,
//! state transitions, messages; the team's queue and case page, and the case API.

pub mod api;
pub mod html;
pub mod response;
pub mod service;
