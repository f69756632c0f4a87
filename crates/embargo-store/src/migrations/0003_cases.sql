-- Reports and cases. Report bodies, messages, attachments and reporter contact details are
-- sealed (XChaCha20-Poly1305 under a key outside the database) in the columns marked
-- "sealed"; search uses keyed token hashes (case_search), so a dump reveals no report text.

-- Every submission exactly as received (sealed), before it is processed. E-mail that cannot
-- be parsed or decrypted stays here as `quarantined` and can be retried.
CREATE TABLE submissions (
    id {pk},
    program_id BIGINT REFERENCES programs(id),
    channel TEXT NOT NULL,
    received_at {ts} NOT NULL,
    raw TEXT NOT NULL,
    size BIGINT NOT NULL,
    state TEXT NOT NULL,
    case_id BIGINT,
    error TEXT,
    processed_at {ts}
);
CREATE INDEX submissions_state ON submissions(state, received_at);

-- Per program and year: the next case number.
CREATE TABLE case_counters (
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (program_id, year)
);

CREATE TABLE cases (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id),
    reference TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    previous_state TEXT,
    severity TEXT,
    title TEXT NOT NULL,
    report TEXT NOT NULL,
    reporter TEXT NOT NULL,
    reporter_email_hash TEXT,
    tracking_hash TEXT NOT NULL UNIQUE,
    assignee_id BIGINT REFERENCES users(id),
    channel TEXT NOT NULL,
    version INTEGER NOT NULL,
    received_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX cases_queue ON cases(program_id, state, received_at);
CREATE INDEX cases_reporter ON cases(reporter_email_hash);

CREATE TABLE case_messages (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id),
    visibility TEXT NOT NULL,
    body TEXT NOT NULL,
    via TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX case_messages_case ON case_messages(case_id, id);

-- The case timeline: every change, with who and when (details never hold sealed content).
CREATE TABLE case_events (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at {ts} NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE attachments (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES case_messages(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {blob} NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id);

-- Blind index: HMAC(search key, normalised word) per case.
CREATE TABLE case_search (
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    PRIMARY KEY (case_id, token)
);
CREATE INDEX case_search_token ON case_search(token);
