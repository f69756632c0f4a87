//! Reports: private intake by web form and JSON API (e-mail joins later), the confirmation
//! with the reporter's tracking link, and the reporter's tracking page.

pub mod api;
pub mod html;
pub mod intake;
pub mod sniff;
pub mod track;
