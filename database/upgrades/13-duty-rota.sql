-- v12 -> v13: Who of a coalition's responders is on duty for incidents
CREATE TABLE duty_rota (
    coalition_id TEXT    PRIMARY KEY REFERENCES coalition (id) ON DELETE CASCADE,
    -- JSON array of user ids, in the order they take turns.
    people       TEXT    NOT NULL,
    -- Hand-overs are daily, or weekly on weekday (0 = Sunday), at minute
    -- (after midnight) in the zone of the person taking over.
    daily        BOOLEAN NOT NULL,
    weekday      INTEGER NOT NULL,
    minute       INTEGER NOT NULL,
    -- The calendar day (yyyy-mm-dd) of the hand-over to the first person.
    anchor       TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
