-- Per-program OpenPGP keys: the secret key sealed with the master key, the public key in
-- clear (it is published). A retired key stays published after rotation.
CREATE TABLE program_keys (
    id {pk},
    program_id BIGINT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL UNIQUE,
    public_armored TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at {ts} NOT NULL,
    retired_at {ts}
);
CREATE INDEX program_keys_program ON program_keys(program_id);
