-- Federated rounds (issue 14): each round's log of accepted messages (written before a message is acknowledged, so a
-- round resumes on another silo by replaying it), the model registry with every version's weights and ONNX file, the
-- relays' standing across rounds, the privacy accountant's state, and the ledger codes of stakes and game impact.
CREATE SCHEMA fl;

CREATE TABLE fl.rounds (
    round_id    text        PRIMARY KEY,
    number      integer     NOT NULL UNIQUE CHECK (number > 0),
    start       jsonb       NOT NULL,   -- RoundStart, as the API shows it
    setup       jsonb       NOT NULL,   -- sampling rate, population, clip norm
    stage       text        NOT NULL,
    outcome     jsonb,                  -- the aggregation's outcome once the round finished
    created_at  timestamptz NOT NULL,
    finished_at timestamptz
);

CREATE TABLE fl.round_messages (
    round_id text        NOT NULL REFERENCES fl.rounds,
    sequence bigint      NOT NULL CHECK (sequence > 0),
    kind     text        NOT NULL CHECK (kind IN ('ready', 'keys', 'shares', 'masked', 'unmask', 'update', 'close')),
    relay_id text        NOT NULL,
    body     bytea       NOT NULL,
    sha256   bytea       NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (round_id, sequence)
);
-- A relay answers each stage once.
CREATE UNIQUE INDEX round_messages_once ON fl.round_messages (round_id, kind, relay_id) WHERE kind <> 'close';

CREATE TABLE fl.model_versions (
    model_hash    text             PRIMARY KEY,
    version       integer          NOT NULL UNIQUE CHECK (version > 0),
    parent        text             REFERENCES fl.model_versions,
    round_id      text             UNIQUE REFERENCES fl.rounds,
    architecture  jsonb            NOT NULL,
    parameters    integer          NOT NULL,
    metrics       jsonb            NOT NULL,
    gate          jsonb,
    stamps_used   text[]           NOT NULL,
    contributors  jsonb            NOT NULL,
    epsilon_spent double precision,
    weights       bytea            NOT NULL,
    onnx          bytea            NOT NULL,
    created_at    timestamptz      NOT NULL,
    promoted_at   timestamptz
);
-- At most one version serves.
CREATE TABLE fl.promoted (
    only_row   boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    model_hash text        NOT NULL REFERENCES fl.model_versions,
    changed_at timestamptz NOT NULL
);

-- Consecutive rounds a relay was sampled for and not included in (three quarantine it).
CREATE TABLE fl.relay_standing (
    relay_id             text        PRIMARY KEY,
    consecutive_failures integer     NOT NULL CHECK (consecutive_failures >= 0),
    rounds_included      integer     NOT NULL DEFAULT 0,
    last_round           text        NOT NULL,
    updated_at           timestamptz NOT NULL
);

-- The DP-FedAvg accountant and clip bound between private rounds.
CREATE TABLE fl.privacy (
    run        text        PRIMARY KEY,
    state      jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);

INSERT INTO ledger.transfer_codes (code, name, description) VALUES
    (11, 'game_impact_reward', 'reward pool to a player for the measured effect of a game on the model it trained'),
    (70, 'stake_lock',         'a relay moves tokens from its wallet into its federated-learning stake'),
    (71, 'stake_release',      'a relay takes tokens back from its stake');

-- For analysts: one row per round.
CREATE VIEW fl.round_summary AS
SELECT r.number, r.round_id, r.stage, r.created_at, r.finished_at,
       extract(epoch FROM r.finished_at - r.created_at) AS seconds,
       jsonb_array_length(r.start -> 'participants') AS sampled,
       (r.outcome -> 'result' ->> 'participantCount')::int AS included,
       r.outcome -> 'result' ->> 'modelVersion' AS model_version,
       (r.outcome -> 'result' ->> 'promoted')::boolean AS promoted,
       (r.outcome ->> 'epsilonSpent')::double precision AS epsilon_spent,
       r.outcome ->> 'failureReason' AS failure_reason,
       (SELECT count(*) FROM fl.round_messages m WHERE m.round_id = r.round_id AND m.kind <> 'close') AS messages,
       (SELECT coalesce(sum(length(m.body)), 0) FROM fl.round_messages m WHERE m.round_id = r.round_id) AS bytes
FROM fl.rounds r;

-- For analysts: the registry's lineage with each version's figures.
CREATE VIEW fl.model_lineage AS
SELECT v.version, v.model_hash, p.version AS parent_version, v.round_id,
       (v.metrics ->> 'top1')::double precision AS top1, (v.metrics ->> 'top5')::double precision AS top5,
       v.gate ->> 'decision' AS gate_decision, v.gate ->> 'rule' AS gate_rule, v.epsilon_spent,
       cardinality(v.stamps_used) AS stamps_used, v.promoted_at, v.created_at
FROM fl.model_versions v LEFT JOIN fl.model_versions p ON p.model_hash = v.parent;
