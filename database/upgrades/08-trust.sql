-- v7 -> v8: Provenance of stored texts, direct chats the bot made, senders of relayed events
-- The person the bot created this room for as a direct chat.
ALTER TABLE room ADD COLUMN direct_for TEXT NOT NULL DEFAULT '';
-- Whether the text came from an end-to-end encrypted event.
ALTER TABLE schedule ADD COLUMN encrypted BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE glossary_term ADD COLUMN encrypted BOOLEAN NOT NULL DEFAULT false;
-- Who sent the source event: only they may edit its copies.
ALTER TABLE relay_copy ADD COLUMN source_sender TEXT NOT NULL DEFAULT '';
-- A responder room that others took out of the coalition: its moderators
-- still decide where the responder role goes next.
ALTER TABLE responder_room ADD COLUMN vacated_by TEXT NOT NULL DEFAULT '';
