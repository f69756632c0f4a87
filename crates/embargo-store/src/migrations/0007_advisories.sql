-- Advisories and publication. The canonical record is sealed like a report (it is embargoed
-- until published). Public routes read only `published_files`, which only the publication
-- job writes, so nothing reaches the public before its time.

CREATE TABLE advisories (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id),
    advisory_id TEXT NOT NULL UNIQUE,
    -- draft | scheduled | published | withdrawn
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    -- When the publication job should publish (the embargo end, or now for "publish now").
    publish_at {ts},
    -- The revision summary and reason recorded with a scheduled publication.
    publish_note TEXT,
    published_at {ts},
    -- The number of the last published revision (0: never published).
    published_revision INTEGER NOT NULL,
    -- The record as last published (sealed): indexes are rebuilt from it, never from an
    -- edit that is not published yet.
    published_record TEXT,
    version INTEGER NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX advisories_program ON advisories(program_id, status);
CREATE INDEX advisories_due ON advisories(status, publish_at);

-- Which cases an advisory covers (many to many).
CREATE TABLE advisory_cases (
    advisory_id BIGINT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (advisory_id, case_id)
);
CREATE INDEX advisory_cases_case ON advisory_cases(case_id);

-- Per program and year: the next advisory number.
CREATE TABLE advisory_counters (
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (program_id, year)
);

-- Every public file, by URL path (no leading slash), written in the publication transaction.
CREATE TABLE published_files (
    id {pk},
    path TEXT NOT NULL UNIQUE,
    advisory_id BIGINT REFERENCES advisories(id),
    content_type TEXT NOT NULL,
    body {blob} NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX published_files_advisory ON published_files(advisory_id);

-- CVE ids per program: a reserved pool (available → assigned → published | rejected) and ids
-- assigned elsewhere (external).
CREATE TABLE cve_ids (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id),
    cve_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    advisory_id BIGINT REFERENCES advisories(id),
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX cve_ids_pool ON cve_ids(program_id, state);

-- The embargo of a case: an end in a stated time zone, who proposed it, who agreed.
CREATE TABLE embargoes (
    case_id BIGINT NOT NULL PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    ends_at {ts} NOT NULL,
    time_zone TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at {ts} NOT NULL,
    team_agreed_at {ts},
    reporter_agreed_at {ts},
    override_reason TEXT,
    exploited_at {ts},
    version INTEGER NOT NULL
);

-- Instance-wide signing keys by purpose (`minisign`): the secret sealed, the public key in
-- clear. A retired key stays listed so older signatures still verify.
CREATE TABLE instance_keys (
    id {pk},
    purpose TEXT NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at {ts} NOT NULL,
    retired_at {ts}
);
CREATE INDEX instance_keys_purpose ON instance_keys(purpose, retired_at);
