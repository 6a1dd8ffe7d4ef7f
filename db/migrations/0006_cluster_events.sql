-- The cluster's activity and audit log (issue 14): every node change, round, update, model and settlement, in the
-- order the cluster committed them. Silos append through PostgresClusterEventLog and push the rows to
-- GET /api/v1/events; analysts query the table and the views below.
CREATE SCHEMA audit;

CREATE TABLE audit.events (
    sequence   bigint      PRIMARY KEY CHECK (sequence > 0),
    type       text        NOT NULL CHECK (type IN ('node_joined', 'node_left', 'round_started', 'gradient_received',
                                                    'model_updated', 'rewards_distributed', 'game_stamped')),
    at         timestamptz NOT NULL,
    subject    text        NOT NULL,
    data       jsonb       NOT NULL,
    -- A retried operation reports its fact once: the writer's key for it (null for facts that may repeat).
    dedupe_key text        UNIQUE
);
CREATE INDEX events_type_at ON audit.events (type, at);
CREATE INDEX events_subject ON audit.events (subject, sequence);

-- One row: the last sequence given. An append updates it in the same statement as its insert, so appends commit in
-- sequence order and a reader never sees n + 1 before n.
CREATE TABLE audit.event_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    sequence bigint  NOT NULL
);
INSERT INTO audit.event_head VALUES (true, 0);

-- The log is append-only.
CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit.events is append-only';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON audit.events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();

-- Events per hour and type.
CREATE VIEW audit.activity_by_hour AS
SELECT date_trunc('hour', at) AS hour, type, count(*) AS events
FROM audit.events GROUP BY 1, 2;

-- Each relay's comings and goings: how often it joined and left, and its last change.
CREATE VIEW audit.relay_membership AS
SELECT subject AS relay_id,
       count(*) FILTER (WHERE type = 'node_joined') AS joins,
       count(*) FILTER (WHERE type = 'node_left') AS departures,
       max(at) AS last_change_at,
       (array_agg(type ORDER BY sequence DESC))[1] AS last_change
FROM audit.events WHERE type IN ('node_joined', 'node_left') GROUP BY subject;
