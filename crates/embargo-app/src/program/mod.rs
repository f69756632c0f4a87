//! Programs: a product or project with its `policy.toml`, its team (per-program roles), and
//! the public pages the policy renders to (policy page, SECURITY.md, security.txt).

pub mod api;
pub mod html;
pub mod service;
