-- Programs: one product or project each, described by its policy.toml (kept verbatim, so the
-- published text is exactly what the team wrote), and per-program team roles.

CREATE TABLE programs (
    id {pk},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    policy_toml TEXT NOT NULL,
    revision INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

CREATE TABLE program_members (
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (program_id, user_id)
);
CREATE INDEX program_members_user ON program_members(user_id);
