//! Webhooks per program: integrations (issue trackers, chat) told about case events by a JSON
//! POST signed with HMAC-SHA256, delivered through the outbox with retries and a delivery log.

pub mod html;
pub mod service;

/// Sealing context of webhook secrets.
pub const SECRET_CONTEXT: &str = "webhook-secret";

/// The events a webhook can subscribe to (`*` is all of them).
pub const EVENTS: &[&str] = &[
    "case.created",
    "case.state_changed",
    "message.received",
    "clock.due_soon",
    "embargo.ending",
    "advisory.published",
    "advisory.withdrawn",
];
