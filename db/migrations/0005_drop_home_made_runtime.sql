-- The home-made grain runtime is gone: Orleans' ADO.NET providers keep membership (orleans_membership*) and reminders
-- (orleans_reminders), created in 0004. Its silos table and reminders table go. Its grain_state table stays: the
-- group-commit grain storage writes the same rows (grain type, key, state name, jsonb, version), so every game,
-- rating and other stored state of a deployment reads on as before.
DROP TABLE IF EXISTS silos;
DROP TABLE IF EXISTS reminders;
