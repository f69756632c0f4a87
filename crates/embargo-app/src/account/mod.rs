//! A team member's own account: password, two-factor authentication, API tokens, and `/me`.

pub mod api;
pub mod html;
pub mod service;
