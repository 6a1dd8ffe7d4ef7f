-- Relays, player ratings and training stamps (issues 4 and 5).

-- Relays: what each relay registered and its health. The RelayNode grain writes registrations and heartbeats; the
-- health monitor (a cluster singleton) moves health between healthy, suspect, dead and quarantined.
CREATE SCHEMA relays;

CREATE TABLE relays.relays (
    relay_id          text PRIMARY KEY CHECK (relay_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    public_key        text        NOT NULL,
    region            text        NOT NULL,
    latitude          float8      NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude         float8      NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    capacity          int         NOT NULL CHECK (capacity > 0),
    bandwidth_mbps    float8      NOT NULL CHECK (bandwidth_mbps >= 0),
    fl_enabled        boolean     NOT NULL,
    address           text        NOT NULL,
    staked_tokens     bigint      NOT NULL CHECK (staked_tokens >= 0),
    role              text        NOT NULL CHECK (role IN ('primary', 'standby')),
    health            text        NOT NULL CHECK (health IN ('healthy', 'suspect', 'dead', 'quarantined')),
    sessions          int         NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    circuits          int         NOT NULL DEFAULT 0 CHECK (circuits >= 0),
    latency_ms        float8      NOT NULL DEFAULT 0,
    cpu_percent       float8      NOT NULL DEFAULT 0,
    reputation        int         NOT NULL DEFAULT 50 CHECK (reputation BETWEEN 0 AND 100),
    failures          timestamptz[] NOT NULL DEFAULT '{}',
    registered_at     timestamptz NOT NULL,
    last_heartbeat_at timestamptz,
    health_changed_at timestamptz NOT NULL,
    quarantined_until timestamptz
);

-- Every nonce a relay signed with, kept until its timestamp can no longer pass the clock-skew check.
CREATE TABLE relays.request_nonces (
    relay_id   text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (relay_id, nonce)
);
CREATE INDEX request_nonces_expiry ON relays.request_nonces (expires_at);

-- Which relay each live player session is on. Written before the game records the assignment and removed after the
-- game ends, so it always covers every live session the game grains hold (failover re-checks each with its game).
CREATE TABLE relays.sessions (
    game_id     text        NOT NULL,
    player_id   text        NOT NULL,
    relay_id    text        NOT NULL,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (game_id, player_id)
);
CREATE INDEX sessions_by_relay ON relays.sessions (relay_id);

-- Player ratings as an index for opponent search (the PlayerRating grains hold the truth).
CREATE SCHEMA players;

CREATE TABLE players.ratings (
    player_id  text PRIMARY KEY,
    rating     float8      NOT NULL,
    deviation  float8      NOT NULL,
    volatility float8      NOT NULL,
    games      int         NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX ratings_by_rating ON players.ratings (rating);

-- Training stamps: one per consensus game, paid for by a deposit held in the stamp escrow account.
CREATE SCHEMA market;

CREATE TABLE market.stamps (
    stamp_id         text PRIMARY KEY,
    game_id          text        NOT NULL UNIQUE,
    game_hash        text        NOT NULL,
    black_relay      text,
    white_relay      text,
    owner_relay      text        NOT NULL,
    black_player     text        NOT NULL,
    white_player     text        NOT NULL,
    consensus_result text        NOT NULL,
    total_moves      int         NOT NULL CHECK (total_moves >= 0),
    game_class       text        NOT NULL,
    features         jsonb       NOT NULL,
    deposit          bigint      NOT NULL CHECK (deposit >= 0),
    uses             int         NOT NULL DEFAULT 0 CHECK (uses >= 0),
    status           text        NOT NULL CHECK (status IN ('active', 'burned')),
    created_at       timestamptz NOT NULL,
    burned_at        timestamptz,
    deposit_returned bigint CHECK (deposit_returned >= 0 AND deposit_returned <= deposit)
);
CREATE INDEX stamps_burnable ON market.stamps (owner_relay, created_at) WHERE status = 'active';

-- Who may use a stamp in a model: both relays of the game (and the relay that paid the deposit).
CREATE TABLE market.stamp_access (
    relay_id text NOT NULL,
    stamp_id text NOT NULL REFERENCES market.stamps,
    PRIMARY KEY (relay_id, stamp_id)
);
CREATE INDEX stamp_access_by_stamp ON market.stamp_access (stamp_id);

CREATE TABLE market.models (
    model_hash          text PRIMARY KEY,
    generation          int         NOT NULL CHECK (generation >= 0),
    submitted_by        text        NOT NULL,
    win_rate            float8      NOT NULL,
    prediction_accuracy float8      NOT NULL,
    style_consistency   float8      NOT NULL,
    request_hash        text        NOT NULL,
    created_at          timestamptz NOT NULL
);

CREATE TABLE market.model_stamps (
    model_hash text NOT NULL REFERENCES market.models,
    stamp_id   text NOT NULL REFERENCES market.stamps,
    PRIMARY KEY (model_hash, stamp_id)
);
CREATE INDEX model_stamps_by_stamp ON market.model_stamps (stamp_id);

-- Every contributor of a model: the relays and players of each stamp it was trained on.
CREATE VIEW market.model_contributors AS
SELECT ms.model_hash, c.contributor, c.role, count(*) AS stamps
FROM market.model_stamps ms
JOIN market.stamps s USING (stamp_id)
CROSS JOIN LATERAL (VALUES (s.black_relay, 'relay'), (s.white_relay, 'relay'),
                           (s.black_player, 'player'), (s.white_player, 'player')) AS c(contributor, role)
WHERE c.contributor IS NOT NULL
GROUP BY 1, 2, 3;
