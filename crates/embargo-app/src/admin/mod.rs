//! User administration (also used by `embargo admin …`) and the audit log page.

pub mod api;
pub mod html;
pub mod service;
