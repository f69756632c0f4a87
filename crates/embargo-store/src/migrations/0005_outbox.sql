-- Outbound deliveries (mail and webhooks) and the webhook subscriptions.
--
-- A notification is written to the outbox in the transaction of the change that caused it, so
-- it is never lost and never sent for a change that rolled back. The outbox job delivers it,
-- retries with back-off, and records every attempt (the delivery log).

CREATE TABLE outbox (
    id {pk},
    kind TEXT NOT NULL,                -- 'mail' or 'webhook'
    program_id BIGINT REFERENCES programs(id) ON DELETE CASCADE,
    case_id BIGINT REFERENCES cases(id) ON DELETE CASCADE,
    webhook_id BIGINT,
    event TEXT NOT NULL,               -- e.g. case.created, message.received
    -- At most one delivery per key (a clock reminder per case, clock and deadline).
    dedupe_key TEXT UNIQUE,
    -- Sealed: recipient address and subject (kept for the delivery log) ...
    summary TEXT NOT NULL,
    -- ... and the message itself, cleared once delivered.
    payload TEXT NOT NULL,
    state TEXT NOT NULL,               -- pending, sent, failed (gave up)
    attempts INTEGER NOT NULL,
    next_attempt_at {ts} NOT NULL,
    last_error TEXT,
    created_at {ts} NOT NULL,
    sent_at {ts}
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_case ON outbox(case_id);

CREATE TABLE outbox_attempts (
    id {pk},
    outbox_id BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    at {ts} NOT NULL,
    ok BOOLEAN NOT NULL,
    -- SMTP reply or HTTP status, and the error if any.
    detail TEXT NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts(outbox_id, id);

CREATE TABLE webhooks (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Sealed HMAC-SHA256 key; shown once when the webhook is created.
    secret TEXT NOT NULL,
    -- Comma-separated event names, or '*'.
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX webhooks_program ON webhooks(program_id);
