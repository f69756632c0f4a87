//! Publication of advisories: the job and "publish now" (`service`), the public files
//! (`render`), and the public routes that serve them (`html`).

pub mod html;
pub mod render;
pub mod service;
