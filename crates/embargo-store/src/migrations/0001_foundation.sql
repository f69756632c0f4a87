-- Foundation: accounts, sessions, tokens, audit log, access log, jobs.
-- Dialect tokens: {pk} auto-increment primary key, {ts} UTC timestamp (microseconds),
-- {blob} bytes. Everything else is portable SQL for SQLite and PostgreSQL.

CREATE TABLE users (
    id {pk},
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL,
    password_hash TEXT,
    password_changed_at {ts},
    totp_secret TEXT,
    totp_enabled_at {ts},
    totp_last_step BIGINT,
    disabled_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE recovery_codes (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at {ts},
    created_at {ts} NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

-- One-time links: first-admin setup (no user yet), invitations and password resets.
CREATE TABLE setup_tokens (
    id {pk},
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts},
    created_at {ts} NOT NULL
);

-- Server-side sessions; the id is sha256(cookie secret), so a database dump yields no
-- usable cookie.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_verified BOOLEAN NOT NULL,
    created_at {ts} NOT NULL,
    last_seen_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts},
    revoked_at {ts},
    last_used_at {ts}
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Failed-login counters for progressive back-off, keyed "account:<email>" or "ip:<addr>".
-- In the database so that several instances share them.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at {ts} NOT NULL,
    blocked_until {ts} NOT NULL
);

-- Append-only, hash-chained. `audit_head` is a single row that appenders update first: the
-- row lock serialises concurrent appenders on PostgreSQL so the chain never forks.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at {ts} NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- One row per request. `ip` is replaced by sha256(salt || ip) after the retention window.
CREATE TABLE access_log (
    id {pk},
    at {ts} NOT NULL,
    request_id TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_us BIGINT NOT NULL,
    ip TEXT NOT NULL,
    ip_hashed BOOLEAN NOT NULL
);
CREATE INDEX access_log_unhashed ON access_log(ip_hashed, at);

-- Jobs with a lease: a runner owns a job only while lease_until is in the future.
CREATE TABLE jobs (
    id {pk},
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    run_at {ts} NOT NULL,
    interval_secs BIGINT,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until {ts},
    last_error TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs(state, run_at);

CREATE TABLE job_runs (
    id {pk},
    job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    started_at {ts} NOT NULL,
    finished_at {ts},
    outcome TEXT NOT NULL,
    error TEXT
);
CREATE INDEX job_runs_job ON job_runs(job_id);
