-- v5 -> v6: One bot reaction per key on a copy, however many people react
CREATE TABLE relay_reaction (
    -- The person's reaction, and the room its copy was wanted in.
    source_event TEXT NOT NULL,
    target_room  TEXT NOT NULL,
    -- The event annotated in the target room, the key, and the bot's
    -- reaction that stands for every source reaction with the same key.
    annotated    TEXT NOT NULL,
    reaction_key TEXT NOT NULL,
    copy_event   TEXT NOT NULL,
    PRIMARY KEY (source_event, target_room)
);
CREATE INDEX relay_reaction_key_idx ON relay_reaction (target_room, annotated, reaction_key);
