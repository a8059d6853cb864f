-- v13 -> v14: When a person is away, and their quiet hours
-- Away from away_from to away_until, calendar days (yyyy-mm-dd) in the
-- person's zone, both included; "" when not away.
ALTER TABLE person ADD COLUMN away_from TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN away_until TEXT NOT NULL DEFAULT '';
-- Quiet hours, minutes after midnight in the person's zone; -1 when none.
ALTER TABLE person ADD COLUMN quiet_start INTEGER NOT NULL DEFAULT -1;
ALTER TABLE person ADD COLUMN quiet_end INTEGER NOT NULL DEFAULT -1;
