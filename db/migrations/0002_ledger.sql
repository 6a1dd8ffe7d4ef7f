-- The token ledger: double-entry accounts and immutable, hash-chained transfers (TigerBeetle's model in SQL).
-- Amounts are integers in base units (1 MCP = 10^9 units). The Marketplace grain's LedgerStore is the only writer;
-- the constraints and triggers below hold even against a hand-written statement.
CREATE SCHEMA ledger;

-- What each transfer code means; analysts group flows by it.
CREATE TABLE ledger.transfer_codes (
    code        integer PRIMARY KEY CHECK (code > 0),
    name        text    NOT NULL UNIQUE,
    description text    NOT NULL
);
INSERT INTO ledger.transfer_codes (code, name, description) VALUES
    (1,  'issuance',             'tokens issued by the treasury (funding a pool or an account)'),
    (2,  'payment',              'a plain payment between accounts'),
    (10, 'game_reward',          'reward pool to a player for a teaching game or a dogfight'),
    (20, 'revenue_data',         'API payment share for data contributors (40 %)'),
    (21, 'revenue_relay',        'API payment share for relay maintainers (30 %)'),
    (22, 'revenue_trainer',      'API payment share for model trainers (20 %)'),
    (23, 'revenue_treasury',     'API payment share for the treasury (10 % and every rounding remainder)'),
    (30, 'contribution_reward',  'training-session pool to a contributor in proportion to its score'),
    (31, 'contribution_bonus',   'training-session bonus to the top contributors'),
    (40, 'subsidy_funding',      'an account funding the relay subsidy pool'),
    (41, 'subsidy_high_quality', 'subsidy: a stamp batch created at least 10 stamps'),
    (42, 'subsidy_model',        'subsidy: a submitted model beat win rate 60 and accuracy 70'),
    (43, 'subsidy_participation','subsidy: a relay took part on a day'),
    (50, 'stamp_deposit',        'a relay''s deposit for a training stamp, held in escrow'),
    (51, 'stamp_deposit_return', 'the returned part of a burned stamp''s deposit'),
    (52, 'stamp_burn',           'the kept part of a burned stamp''s deposit, to the treasury'),
    (60, 'inference_payment',    'an API client paying for model inference');

CREATE TABLE ledger.accounts (
    account_id     text        PRIMARY KEY CHECK (account_id ~ '^[A-Za-z0-9._:@-]{1,128}$'),
    kind           text        NOT NULL CHECK (kind IN ('player', 'relay', 'trainer', 'treasury', 'reward_pool', 'subsidy_pool', 'api_client', 'deposit_escrow')),
    currency       text        NOT NULL CHECK (currency ~ '^[A-Z]{2,8}$'),
    -- bit 1: debits_must_not_exceed_credits, bit 2: credits_must_not_exceed_debits
    flags          integer     NOT NULL CHECK (flags BETWEEN 0 AND 3 AND flags <> 3),
    debits_posted  bigint      NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted bigint      NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    debits_pending bigint      NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    credits_pending bigint     NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- The balance rules, checked again by the database (the engine checks them first, with a reason).
    CHECK (flags & 1 = 0 OR debits_posted::numeric + debits_pending <= credits_posted),
    CHECK (flags & 2 = 0 OR credits_posted::numeric + credits_pending <= debits_posted)
);

-- Every applied transfer, in chain order. Immutable: corrections are reversing transfers.
-- kind: 'immediate' posts at once; 'pending' reserves; 'post' / 'void' / 'expire' resolve a pending transfer.
CREATE TABLE ledger.transfers (
    seq                bigint      PRIMARY KEY CHECK (seq > 0),
    transfer_id        text        NOT NULL UNIQUE,
    kind               text        NOT NULL CHECK (kind IN ('immediate', 'pending', 'post', 'void', 'expire')),
    debit_account_id   text        NOT NULL REFERENCES ledger.accounts,
    credit_account_id  text        NOT NULL REFERENCES ledger.accounts,
    amount             bigint      NOT NULL CHECK (amount >= 0),
    currency           text        NOT NULL,
    code               integer     NOT NULL REFERENCES ledger.transfer_codes,
    pending_id         text        REFERENCES ledger.transfers (transfer_id),
    reverses_id        text        REFERENCES ledger.transfers (transfer_id),
    reference          text,
    timeout_seconds    integer     NOT NULL DEFAULT 0 CHECK (timeout_seconds >= 0),
    expires_at         timestamptz,
    created_at         timestamptz NOT NULL,
    -- SHA-256 of the request as submitted: a retry must match it to get "exists".
    request_hash       bytea       NOT NULL,
    prev_hash          bytea       NOT NULL CHECK (length(prev_hash) = 32),
    hash               bytea       NOT NULL CHECK (length(hash) = 32),
    CHECK (debit_account_id <> credit_account_id),
    CHECK ((kind IN ('post', 'void', 'expire')) = (pending_id IS NOT NULL)),
    CHECK (kind IN ('void', 'expire', 'post') OR amount > 0)
);
-- A pending transfer is resolved (posted, voided or expired) at most once; a transfer is reversed at most once.
CREATE UNIQUE INDEX transfers_resolve_once ON ledger.transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE UNIQUE INDEX transfers_reverse_once ON ledger.transfers (reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX transfers_debit ON ledger.transfers (debit_account_id, seq);
CREATE INDEX transfers_credit ON ledger.transfers (credit_account_id, seq);
CREATE INDEX transfers_reference ON ledger.transfers (reference) WHERE reference IS NOT NULL;
CREATE INDEX transfers_open_pending ON ledger.transfers (expires_at) WHERE kind = 'pending' AND expires_at IS NOT NULL;

-- Transfers that were refused for a reason of ledger state (exceeds_credits, an unknown account, ...). Their id is
-- spent: a retry returns the same refusal forever, as TigerBeetle does.
CREATE TABLE ledger.rejected_transfers (
    transfer_id       text        PRIMARY KEY,
    kind              text        NOT NULL,
    debit_account_id  text        NOT NULL,
    credit_account_id text        NOT NULL,
    amount            bigint      NOT NULL,
    currency          text        NOT NULL,
    code              integer     NOT NULL,
    pending_id        text,
    reverses_id       text,
    reference         text,
    timeout_seconds   integer     NOT NULL,
    result            text        NOT NULL,
    request_hash      bytea       NOT NULL,
    created_at        timestamptz NOT NULL
);

-- The head of the hash chain: one row, locked by every writer, which orders all transfers.
CREATE TABLE ledger.chain_head (
    id           boolean     PRIMARY KEY DEFAULT true CHECK (id),
    last_seq     bigint      NOT NULL,
    last_hash    bytea       NOT NULL,
    last_time    timestamptz NOT NULL
);
INSERT INTO ledger.chain_head (last_seq, last_hash, last_time) VALUES (0, decode(repeat('00', 32), 'hex'), 'epoch');

-- Immutability: applied and rejected transfers are never updated or deleted.
CREATE FUNCTION ledger.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger.% is append-only: correct a transfer by reversing it', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON ledger.transfers
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON ledger.transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change();
CREATE TRIGGER rejected_append_only BEFORE UPDATE OR DELETE ON ledger.rejected_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change();

-- The system accounts. The treasury issues tokens, so it may go negative; every pool and the escrow may not.
INSERT INTO ledger.accounts (account_id, kind, currency, flags) VALUES
    ('treasury',     'treasury',       'MCP', 0),
    ('reward-pool',  'reward_pool',    'MCP', 1),
    ('subsidy-pool', 'subsidy_pool',   'MCP', 1),
    ('stamp-escrow', 'deposit_escrow', 'MCP', 1);

-- API keys bound to a ledger account: a key may move money only out of its own account. Only the hash is stored.
CREATE TABLE ledger.api_keys (
    key_hash    bytea       PRIMARY KEY,
    account_id  text        NOT NULL REFERENCES ledger.accounts,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------------------------------------------
-- Views for analysts. Amounts are shown in base units and in MCP.
CREATE VIEW ledger.balances AS
SELECT account_id, kind, currency, flags,
       debits_posted, credits_posted, debits_pending, credits_pending,
       credits_posted - debits_posted                           AS balance,
       (credits_posted - debits_posted)::numeric / 1000000000   AS balance_mcp,
       credits_posted - debits_posted - debits_pending          AS available
FROM ledger.accounts;

CREATE VIEW ledger.daily_flows AS
SELECT date_trunc('day', t.created_at)::date AS day, c.name AS flow, t.currency,
       count(*) AS transfers, sum(t.amount) AS amount, sum(t.amount)::numeric / 1000000000 AS amount_mcp
FROM ledger.transfers t JOIN ledger.transfer_codes c USING (code)
WHERE t.kind IN ('immediate', 'post')
GROUP BY 1, 2, 3;

CREATE VIEW ledger.rewards_by_recipient AS
SELECT a.account_id, a.kind, c.name AS reward, count(*) AS transfers, sum(t.amount) AS amount,
       sum(t.amount)::numeric / 1000000000 AS amount_mcp
FROM ledger.transfers t
JOIN ledger.transfer_codes c USING (code)
JOIN ledger.accounts a ON a.account_id = t.credit_account_id
WHERE t.kind IN ('immediate', 'post') AND a.kind IN ('player', 'relay', 'trainer')
  AND c.name IN ('game_reward', 'contribution_reward', 'contribution_bonus', 'revenue_data', 'revenue_relay',
                 'revenue_trainer', 'subsidy_high_quality', 'subsidy_model', 'subsidy_participation')
GROUP BY 1, 2, 3;

CREATE VIEW ledger.revenue_splits AS
SELECT t.reference AS payment_id,
       min(t.debit_account_id) AS paid_by,
       sum(t.amount) AS total,
       sum(t.amount) FILTER (WHERE c.name = 'revenue_data')     AS data_contributors,
       sum(t.amount) FILTER (WHERE c.name = 'revenue_relay')    AS relay_maintainers,
       sum(t.amount) FILTER (WHERE c.name = 'revenue_trainer')  AS model_trainers,
       sum(t.amount) FILTER (WHERE c.name = 'revenue_treasury') AS treasury,
       min(t.created_at) AS paid_at
FROM ledger.transfers t JOIN ledger.transfer_codes c USING (code)
WHERE c.name LIKE 'revenue_%' AND t.kind = 'immediate'
GROUP BY t.reference;

CREATE VIEW ledger.subsidy_pool_history AS
SELECT t.seq, t.created_at, c.name AS movement, t.transfer_id, t.reference,
       CASE WHEN t.credit_account_id = 'subsidy-pool' THEN t.debit_account_id ELSE t.credit_account_id END AS counterparty,
       CASE WHEN t.credit_account_id = 'subsidy-pool' THEN t.amount ELSE -t.amount END AS change,
       sum(CASE WHEN t.credit_account_id = 'subsidy-pool' THEN t.amount ELSE -t.amount END) OVER (ORDER BY t.seq) AS pool_balance
FROM ledger.transfers t JOIN ledger.transfer_codes c USING (code)
WHERE 'subsidy-pool' IN (t.debit_account_id, t.credit_account_id) AND t.kind IN ('immediate', 'post');
