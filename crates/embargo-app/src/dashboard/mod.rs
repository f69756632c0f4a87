//! Dashboards: the signed-in start page and each program's statistics (open cases, response
//! times, SLA compliance), and the public responsiveness summary of the policy page.

pub mod html;
pub mod service;

pub use html::get_dashboard;
