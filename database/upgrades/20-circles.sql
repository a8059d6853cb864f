-- v19 -> v20: Listening circles
-- The form a listening circle opens to its participants afterwards.
ALTER TABLE schedule ADD COLUMN template TEXT NOT NULL DEFAULT '';
-- Results go to every room of the coalition, each in its language (a
-- listening circle's retro), not only to the room that started it.
ALTER TABLE form ADD COLUMN results_everywhere BOOLEAN NOT NULL DEFAULT false;
