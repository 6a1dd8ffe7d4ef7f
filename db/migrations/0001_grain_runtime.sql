-- The grain runtime's tables: grain state, the silos table (membership) and durable reminders.

-- One row per (grain type, key, state name). Every write is a compare-and-swap on version; a cleared state keeps
-- its row with state = NULL so that a writer holding an older version still conflicts.
CREATE TABLE grain_state (
    grain_type  text        NOT NULL,
    grain_key   text        NOT NULL,
    state_name  text        NOT NULL,
    state_type  text        NOT NULL,
    state       jsonb,
    version     bigint      NOT NULL CHECK (version > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (grain_type, grain_key, state_name)
);

-- Membership: who is alive. Times are the database's clock.
CREATE TABLE silos (
    silo_id          text        PRIMARY KEY,
    silo_name        text        NOT NULL,
    address          text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('active', 'shutting_down', 'dead', 'left')),
    started_at       timestamptz NOT NULL,
    heartbeat_at     timestamptz NOT NULL,
    declared_dead_at timestamptz
);
CREATE INDEX silos_live ON silos (heartbeat_at) WHERE status IN ('active', 'shutting_down');

-- Durable reminders; a claim is a lease (lease_owner, lease_until) so a tick survives its silo's death.
CREATE TABLE reminders (
    grain_type   text        NOT NULL,
    grain_key    text        NOT NULL,
    name         text        NOT NULL,
    period       interval    NOT NULL CHECK (period >= interval '100 milliseconds'),
    first_due_at timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    lease_owner  text,
    lease_until  timestamptz,
    PRIMARY KEY (grain_type, grain_key, name)
);
CREATE INDEX reminders_due ON reminders (due_at);
