-- Reputation drives discovery (issue 16, point 3): every change of a relay's reputation is recorded under the key of
-- the event that caused it (a stamp, a promoted model its stamps trained, a failed round, a quarantine), in the
-- transaction of that event. The key makes a change count once: a settlement or promotion retried after a crash finds
-- its keys here and moves nothing. The rules are Grains/Relays/ReputationRules.cs; relays.relays.reputation stays the
-- current value (changes before this migration are in it but not in this log).
CREATE TABLE relays.reputation_events (
    event_key text        PRIMARY KEY,   -- stamp:{stamp}, promotion:{model}:{relay}, round:{round}:{relay}, quarantine:{relay}:{at}
    relay_id  text        NOT NULL REFERENCES relays.relays,
    delta     integer     NOT NULL,      -- as the rule gave it; the reputation itself is clamped to 0..100
    reason    text        NOT NULL,
    at        timestamptz NOT NULL
);
CREATE INDEX reputation_events_by_relay ON relays.reputation_events (relay_id, at);

-- For analysts: where each relay's reputation came from.
CREATE VIEW relays.reputation_sources AS
SELECT relay_id, split_part(event_key, ':', 1) AS source, count(*) AS events, sum(delta) AS points, max(at) AS last_at
FROM relays.reputation_events GROUP BY 1, 2;
