-- v16 -> v17: Rooms whose coalition moved to another instance
-- This bot hands each over to the instance's bot (an invite, a notice) and
-- leaves it; until then it acts in it no more.
CREATE TABLE room_move (
    room_id  TEXT   PRIMARY KEY,
    moved_to TEXT   NOT NULL,
    moved_at BIGINT NOT NULL
);
