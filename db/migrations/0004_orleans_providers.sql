-- Schema for the Microsoft Orleans 10.4.2 ADO.NET providers with the "Npgsql" invariant:
--   Microsoft.Orleans.Clustering.AdoNet   (membership)        -> orleans_membership_version, orleans_membership
--   Microsoft.Orleans.Reminders.AdoNet    (reminder service)  -> orleans_reminders
--   Microsoft.Orleans.Persistence.AdoNet  (grain storage)     -> orleans_storage
-- plus orleansquery, the table every provider reads its SQL from at start-up.
--
-- How the providers talk to this schema (read from the 10.4.2 assemblies):
--   * Each provider runs `SELECT QueryKey, QueryText FROM OrleansQuery` once when it starts and then only ever
--     executes those texts. A missing required key fails the start. Editing a text takes effect on the next start.
--   * Parameters are bound by name without the '@' (e.g. "DeploymentId"); the texts below refer to them as
--     @DeploymentId. Npgsql matches the names case-insensitively, so the casing here is for the reader only.
--   * Result columns are looked up by name (GetOrdinal("IAmAliveTime")); Npgsql falls back to a case-insensitive
--     match, so the lower-case column names returned here are found.
--   * Timestamps are bound as DbType.DateTime with Kind=Utc, which Npgsql sends as timestamptz, and read back as UTC:
--     every time column is timestamptz.
--   * @DeploymentId carries ClusterOptions.ClusterId (membership); @ServiceId carries ClusterOptions.ServiceId
--     (reminders, grain state). Keep ServiceId stable across deployments, or state and reminders are not found.
--   * Write paths that must be atomic live in plpgsql functions (orleans_membership_insert/update,
--     orleans_storage_write) or in single statements, so each query text is one statement returning what the
--     provider expects.

-- ---------------------------------------------------------------------------------------------------------------
-- Query catalogue. The table name and the two column names are fixed by the providers (unquoted, so folded to
-- lower case by PostgreSQL).
CREATE TABLE orleansquery (
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

-- ---------------------------------------------------------------------------------------------------------------
-- Membership (clustering).
--
-- One row per cluster holding the membership table version. Orleans uses it for optimistic concurrency over the
-- whole table: every insert/update of a silo row must present the version it read (@Version) and bumps it by one.
-- I-am-alive heartbeats do not bump it. Created by the first silo (InsertMembershipVersionKey).
CREATE TABLE orleans_membership_version (
    clusterid varchar(150) PRIMARY KEY,
    version   integer      NOT NULL DEFAULT 0,
    updatedon timestamptz  NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation). Written by the silos' membership agents; read by
-- silos (MembershipReadAll/ReadRow) and by clients' gateway list provider (GatewaysQueryKey).
-- status is Orleans' SiloStatus: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown, 5 Stopping, 6 Dead.
-- suspecttimes is Orleans' own "silo,time|silo,time" text of suspicion votes.
-- proxyport is the gateway port, 0 when the silo is no gateway.
-- Dead rows stay until the silos' cleanup agent removes them (ClusterMembershipOptions.DefunctSilo*).
CREATE TABLE orleans_membership (
    clusterid    varchar(150) NOT NULL REFERENCES orleans_membership_version (clusterid) ON DELETE CASCADE,
    address      varchar(45)  NOT NULL,
    port         integer      NOT NULL,
    generation   integer      NOT NULL,
    siloname     varchar(150) NOT NULL,
    hostname     varchar(150) NOT NULL,
    status       integer      NOT NULL,
    proxyport    integer,
    suspecttimes text,
    starttime    timestamptz  NOT NULL,
    iamalivetime timestamptz  NOT NULL,
    PRIMARY KEY (clusterid, address, port, generation)
);

-- Adds a silo row if the caller still holds the current table version; bumps the version only when the row was
-- added. Returns whether it was added (the provider reads one boolean column).
CREATE FUNCTION orleans_membership_insert(
    _clusterid text, _address text, _port integer, _generation integer,
    _siloname text, _hostname text, _status integer, _proxyport integer,
    _starttime timestamptz, _iamalivetime timestamptz, _version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    -- Lock the version row, but only if it still carries the version the caller read; a concurrent writer that
    -- bumped it first makes this find nothing.
    PERFORM 1 FROM orleans_membership_version
     WHERE clusterid = _clusterid AND version = _version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO orleans_membership
        (clusterid, address, port, generation, siloname, hostname, status, proxyport, starttime, iamalivetime)
    VALUES
        (_clusterid, _address, _port, _generation, _siloname, _hostname, _status, _proxyport, _starttime, _iamalivetime)
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1, updatedon = now()
     WHERE clusterid = _clusterid;
    RETURN true;
END
$$;

-- Changes a silo row (status, suspicion votes, heartbeat) under the same version check as the insert.
CREATE FUNCTION orleans_membership_update(
    _clusterid text, _address text, _port integer, _generation integer,
    _status integer, _suspecttimes text, _iamalivetime timestamptz, _version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM orleans_membership_version
     WHERE clusterid = _clusterid AND version = _version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership
       SET status = _status, suspecttimes = _suspecttimes, iamalivetime = _iamalivetime
     WHERE clusterid = _clusterid AND address = _address AND port = _port AND generation = _generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1, updatedon = now()
     WHERE clusterid = _clusterid;
    RETURN true;
END
$$;

INSERT INTO orleansquery (querykey, querytext) VALUES
-- Creates the version row of a cluster if there is none; one boolean: whether it was created.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (clusterid) VALUES (@DeploymentId)
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT count(*) > 0 FROM created
$q$),

-- All silos of a cluster. Always one row per silo plus the version: the LEFT JOIN yields a single row with NULL
-- silo columns when the cluster has no silos yet (the provider then reads just the version).
('MembershipReadAllKey', $q$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime
  FROM orleans_membership_version v
  LEFT JOIN orleans_membership m ON m.clusterid = v.clusterid
 WHERE v.clusterid = @DeploymentId
$q$),

-- One silo of a cluster, with the table version (same shape as MembershipReadAllKey).
('MembershipReadRowKey', $q$
SELECT v.version, m.address, m.port, m.generation, m.siloname, m.hostname, m.status, m.proxyport,
       m.suspecttimes, m.starttime, m.iamalivetime
  FROM orleans_membership_version v
  LEFT JOIN orleans_membership m
         ON m.clusterid = v.clusterid AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
 WHERE v.clusterid = @DeploymentId
$q$),

-- Gateways for clients: silos with the given status (the provider passes 3, Active) that listen for clients.
('GatewaysQueryKey', $q$
SELECT address, proxyport, generation
  FROM orleans_membership
 WHERE clusterid = @DeploymentId AND status = @Status AND proxyport > 0
$q$),

('InsertMembershipKey', $q$
SELECT orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status,
                                 @ProxyPort, @StartTime, @IAmAliveTime, @Version)
$q$),

('UpdateMembershipKey', $q$
SELECT orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                                 @IAmAliveTime, @Version)
$q$),

-- Heartbeat; deliberately leaves the table version alone.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
   SET iamalivetime = @IAmAliveTime
 WHERE clusterid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

-- Removes a whole cluster's membership (IMembershipTable.DeleteMembershipTableEntries, used by tests/tools);
-- the silo rows go with the version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE clusterid = @DeploymentId
$q$),

-- Bulk cleanup of dead silos older than the cutoff (@IAmAliveTime). Required, but 10.4.2 only runs it when
-- CleanupDefunctSiloEntryKey below is absent.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
 WHERE clusterid = @DeploymentId AND status = 6
   AND iamalivetime < @IAmAliveTime AND starttime < @IAmAliveTime
$q$),

-- Optional in 10.4.2; when present the provider uses it instead of the bulk query: it reads the table, picks the
-- dead rows whose start, heartbeat and suspicion votes are all older than the cutoff, and deletes each one only if
-- it is still exactly what it read.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
 WHERE clusterid = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6 AND starttime = @StartTime AND iamalivetime = @IAmAliveTime
   AND suspecttimes IS NOT DISTINCT FROM @SuspectTimes
$q$);

-- ---------------------------------------------------------------------------------------------------------------
-- Reminders.
--
-- One row per (service, grain, reminder name). Read and written by the reminder service of whichever silo owns the
-- grain's hash range. grainid is GrainId.ToString() ("type/key"); grainhash is GrainId.GetUniformHashCode() cast
-- from uint to int, so ranges are compared in signed order (the provider picks ReadRangeRows1Key or 2Key
-- accordingly). period is in milliseconds. version is the reminder's ETag.
CREATE TABLE orleans_reminders (
    serviceid    varchar(150) NOT NULL,
    grainid      text         NOT NULL,
    remindername varchar(150) NOT NULL,
    starttime    timestamptz  NOT NULL,
    period       bigint       NOT NULL,
    grainhash    integer      NOT NULL,
    version      integer      NOT NULL,
    PRIMARY KEY (serviceid, grainid, remindername)
);

-- Range scans by the owning silo.
CREATE INDEX orleans_reminders_range ON orleans_reminders (serviceid, grainhash);

INSERT INTO orleansquery (querykey, querytext) VALUES
('ReadReminderRowsKey', $q$
SELECT grainid, remindername, starttime, period, version
  FROM orleans_reminders
 WHERE serviceid = @ServiceId AND grainid = @GrainId
$q$),

('ReadReminderRowKey', $q$
SELECT grainid, remindername, starttime, period, version
  FROM orleans_reminders
 WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName
$q$),

-- Range (begin, end] that does not wrap in signed order.
('ReadRangeRows1Key', $q$
SELECT grainid, remindername, starttime, period, version
  FROM orleans_reminders
 WHERE serviceid = @ServiceId AND grainhash > @BeginHash AND grainhash <= @EndHash
$q$),

-- Range (begin, end] that wraps around (also the full ring when begin = end).
('ReadRangeRows2Key', $q$
SELECT grainid, remindername, starttime, period, version
  FROM orleans_reminders
 WHERE serviceid = @ServiceId AND (grainhash > @BeginHash OR grainhash <= @EndHash)
$q$),

-- Insert or replace; returns the new ETag in a column named version.
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
   SET starttime = excluded.starttime,
       period    = excluded.period,
       grainhash = excluded.grainhash,
       version   = orleans_reminders.version + 1
RETURNING version
$q$),

-- Deletes if the ETag still matches; one boolean: whether a row went.
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminders
     WHERE serviceid = @ServiceId AND grainid = @GrainId AND remindername = @ReminderName AND version = @Version
    RETURNING 1)
SELECT count(*) > 0 FROM deleted
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE serviceid = @ServiceId
$q$);

-- ---------------------------------------------------------------------------------------------------------------
-- Grain state (AdoNetGrainStorage).
--
-- One row per (service, state name, grain key). Beware: in 10.4.2 the provider does NOT pass the grain type.
-- graintypestring is the *state name* ([PersistentState("name")]), and the key columns hold only the grain key:
--   long key   -> grainidn0 = 0, grainidn1 = key, grainidextensionstring = key extension (or NULL)
--   Guid key   -> grainidn0/grainidn1 = the Guid's two halves, grainidextensionstring = extension (or NULL)
--   string key -> grainidn0 = grainidn1 = 0, grainidextensionstring = the key
-- so two grain types with the same key and the same state name share a row; give state names that are unique per
-- grain type. grainidhash/graintypehash are the provider's 32-bit hashes of the key and the state name, used to
-- narrow the lookup. payloadbinary is the serialised state (NULL once cleared); version is the ETag.
CREATE TABLE orleans_storage (
    grainidhash            integer      NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    graintypehash          integer      NOT NULL,
    graintypestring        varchar(512) NOT NULL,
    grainidextensionstring varchar(512),
    serviceid              varchar(150) NOT NULL,
    payloadbinary          bytea,
    modifiedon             timestamptz  NOT NULL DEFAULT now(),
    version                integer      NOT NULL
);

-- The identity of a state row, unique so that two first writes racing for the same grain cannot both insert (the
-- loser gets a version conflict). NULLS NOT DISTINCT (PostgreSQL 15) makes a NULL extension one value.
CREATE UNIQUE INDEX orleans_storage_identity ON orleans_storage
    (graintypehash, grainidhash, grainidn0, grainidn1, serviceid, graintypestring, grainidextensionstring)
    NULLS NOT DISTINCT;

-- Writes a state. With no version (the state was never stored) it inserts version 1; otherwise it replaces the
-- row only if it still has the caller's version. Returns the new version, or NULL on a conflict, which the
-- provider turns into an InconsistentStateException.
CREATE FUNCTION orleans_storage_write(
    _grainidhash integer, _grainidn0 bigint, _grainidn1 bigint, _graintypehash integer, _graintypestring text,
    _grainidextensionstring text, _serviceid text, _grainstateversion integer, _payloadbinary bytea)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    _newversion integer;
BEGIN
    IF _grainstateversion IS NULL THEN
        INSERT INTO orleans_storage
            (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring, grainidextensionstring,
             serviceid, payloadbinary, version)
        VALUES
            (_grainidhash, _grainidn0, _grainidn1, _graintypehash, _graintypestring, _grainidextensionstring,
             _serviceid, _payloadbinary, 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO _newversion;
    ELSE
        UPDATE orleans_storage
           SET payloadbinary = _payloadbinary, version = version + 1, modifiedon = now()
         WHERE graintypehash = _graintypehash AND grainidhash = _grainidhash
           AND grainidn0 = _grainidn0 AND grainidn1 = _grainidn1
           AND serviceid = _serviceid AND graintypestring = _graintypestring
           AND grainidextensionstring IS NOT DISTINCT FROM _grainidextensionstring
           AND version = _grainstateversion
        RETURNING version INTO _newversion;
    END IF;
    RETURN _newversion;
END
$$;

-- Every storage query binds GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
-- GrainIdExtensionString and ServiceId; writes and clears also GrainStateVersion (NULL when the grain has no ETag).
INSERT INTO orleansquery (querykey, querytext) VALUES
-- The provider reads payloadbinary (NULL: no state) and version (the ETag); zero or one row.
('ReadFromStorageKey', $q$
SELECT payloadbinary, version
  FROM orleans_storage
 WHERE graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

-- The provider reads the column newgrainstateversion; it must get exactly one row.
('WriteToStorageKey', $q$
SELECT orleans_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
                             @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)
       AS newgrainstateversion
$q$),

-- ClearStateAsync with DeleteStateOnClear = false (the default): keeps the row with no payload and a new
-- version, so a writer holding the old ETag still conflicts. No row back means a conflict.
('ClearStorageKey', $q$
UPDATE orleans_storage
   SET payloadbinary = NULL, version = version + 1, modifiedon = now()
 WHERE graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version
$q$),

-- ClearStateAsync with DeleteStateOnClear = true: removes the row. Returns any value other than the old ETag on
-- success (version + 1); no row back means a conflict.
('DeleteStorageKey', $q$
DELETE FROM orleans_storage
 WHERE graintypehash = @GrainTypeHash AND grainidhash = @GrainIdHash
   AND grainidn0 = @GrainIdN0 AND grainidn1 = @GrainIdN1
   AND serviceid = @ServiceId AND graintypestring = @GrainTypeString
   AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
   AND version = @GrainStateVersion
RETURNING version + 1
$q$);
