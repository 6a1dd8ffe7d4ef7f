-- The dashboard's events (issue 16): games starting and ending, and relay failovers, join the cluster's log, so the
-- page sees a new game or a failover the moment it is logged, and analysts can count active games per class.
ALTER TABLE audit.events DROP CONSTRAINT events_type_check;
ALTER TABLE audit.events ADD CONSTRAINT events_type_check CHECK (type IN (
    'node_joined', 'node_left', 'round_started', 'gradient_received', 'model_updated', 'rewards_distributed',
    'game_stamped', 'game_started', 'game_ended', 'relay_failover'));

-- "Has this game ended?" is a lookup by subject and type.
CREATE INDEX events_subject_type ON audit.events (subject, type);

-- Games started and not yet ended, with the class they were created as.
CREATE VIEW audit.active_games AS
SELECT s.subject AS game_id, s.data ->> 'gameClass' AS game_class, s.at AS started_at
FROM audit.events s
WHERE s.type = 'game_started'
  AND NOT EXISTS (SELECT 1 FROM audit.events e WHERE e.subject = s.subject AND e.type = 'game_ended');
