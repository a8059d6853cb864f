-- v16 -> v17: Rooms whose coalition moved to another instance, and copies another bot made
-- This bot hands each over to the instance's bot (an invite, a notice) and
-- leaves it; until then it acts in it no more.
CREATE TABLE room_move (
    room_id  TEXT   PRIMARY KEY,
    moved_to TEXT   NOT NULL,
    moved_at BIGINT NOT NULL
);
-- The bot that made a copy, when it was another instance's before the
-- coalition moved here ('' for this bot): it alone can edit the copy.
ALTER TABLE relay_copy ADD COLUMN copied_by TEXT NOT NULL DEFAULT '';
