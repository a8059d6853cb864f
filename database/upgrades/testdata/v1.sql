-- v0 -> v1: Latest revision
-- The schema released as v1: database/upgrades/00-latest.sql as of commit 72d892c,
-- the last one that said "v0 -> v1". Never edit it: upgrade_path_test.go starts here.

-- Settings and membership facts per room the bot is in.
CREATE TABLE room (
    room_id   TEXT   PRIMARY KEY,
    language  TEXT,
    timezone  TEXT,
    -- When the bot last joined (ms). Events older than this are history, not work.
    joined_at BIGINT,
    -- The bot was invited to a direct chat (is_direct on its invite).
    direct    BOOLEAN NOT NULL DEFAULT false
);

-- Settings a person chose for themselves.
CREATE TABLE person (
    user_id  TEXT PRIMARY KEY,
    language TEXT,
    timezone TEXT
);

-- Events the bot has taken on, so none is handled twice, also across restarts.
CREATE TABLE handled_event (
    event_id   TEXT   PRIMARY KEY,
    room_id    TEXT   NOT NULL,
    handled_at BIGINT NOT NULL
);
CREATE INDEX handled_event_handled_at_idx ON handled_event (handled_at);

-- Small facts about the bot itself (e.g. the pickle key check).
CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
