-- Coordination: people invited to a case from outside the team, what they saw, what their
-- organisation states per product, the pre-notifications they were sent, and the thread
-- between them and the team. Contact details, statements and messages are sealed like a
-- report (they describe an embargoed issue and people outside the team).

CREATE TABLE case_participants (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    -- developer | vendor | reviewer
    role TEXT NOT NULL,
    -- Sealed JSON: name, e-mail, organisation, OpenPGP public key.
    contact TEXT NOT NULL,
    -- sha256 of the invitation link's secret (the secret itself is only in the invitation).
    secret_hash TEXT NOT NULL UNIQUE,
    nda_accepted_at {ts},
    -- sha256 of the NDA text that was accepted.
    nda_sha256 TEXT,
    revoked_at {ts},
    invited_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX case_participants_case ON case_participants(case_id);

-- Every page a participant opened (the view log the team reads).
CREATE TABLE participant_views (
    id {pk},
    participant_id BIGINT NOT NULL REFERENCES case_participants(id) ON DELETE CASCADE,
    page TEXT NOT NULL,
    at {ts} NOT NULL
);
CREATE INDEX participant_views_participant ON participant_views(participant_id, at);

-- One organisation's status for one product (sealed JSON: product, statement).
CREATE TABLE vendor_statuses (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES case_participants(id) ON DELETE CASCADE,
    -- unknown | affected | not_affected | fixed | will_not_fix
    status TEXT NOT NULL,
    sealed TEXT NOT NULL,
    stated_on TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX vendor_statuses_case ON vendor_statuses(case_id);

-- A pre-notification sent to a participant for one embargo end, and its acknowledgement.
CREATE TABLE prenotifications (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES case_participants(id) ON DELETE CASCADE,
    ends_at {ts} NOT NULL,
    ack_hash TEXT NOT NULL UNIQUE,
    sent_at {ts} NOT NULL,
    acknowledged_at {ts},
    UNIQUE (participant_id, ends_at)
);
CREATE INDEX prenotifications_case ON prenotifications(case_id);

-- The thread between the team and the case's participants (the reporter never sees it).
CREATE TABLE coordination_messages (
    id {pk},
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    -- NULL: written by the team.
    participant_id BIGINT REFERENCES case_participants(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX coordination_messages_case ON coordination_messages(case_id, id);
