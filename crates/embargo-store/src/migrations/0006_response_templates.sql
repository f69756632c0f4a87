-- The team's canned responses per program (minijinja templates, rendered with the case's
-- facts and previewed before sending). The policy's own canned answers live in the policy.
CREATE TABLE response_templates (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (program_id, name)
);
