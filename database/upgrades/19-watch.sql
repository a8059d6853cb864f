-- v18 -> v19: The coalition's watch circle
-- Each coalition's watch circle: the room whose briefings (!brief) reach
-- every room of the coalition. It goes with the coalition.
CREATE TABLE watch_room (
    coalition_id TEXT PRIMARY KEY REFERENCES coalition (id) ON DELETE CASCADE,
    room_id      TEXT NOT NULL
);
