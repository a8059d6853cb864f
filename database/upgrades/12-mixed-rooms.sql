-- v11 -> v12: Rooms where several languages are spoken
-- Each message's language is detected; the room's language is the one the
-- bot answers in, and the one assumed when detection is unsure.
ALTER TABLE room ADD COLUMN mixed BOOLEAN NOT NULL DEFAULT false;
