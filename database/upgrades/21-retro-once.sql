-- v20 -> v21: A listening circle's retro opens once, for its participants
-- What opened the form ("circle:<schedule>:<occurrence>"), when something
-- other than a person did: a retro interrupted halfway is taken up again,
-- never opened twice.
ALTER TABLE form ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX form_origin ON form (origin) WHERE origin <> '';
-- Who may answer a form opened by invitation only (a circle's retro).
CREATE TABLE form_participant (
    form_id BIGINT NOT NULL REFERENCES form (id) ON DELETE CASCADE,
    user_id TEXT   NOT NULL,
    PRIMARY KEY (form_id, user_id)
);
-- Whether a closed form's results reached every room: a send that failed,
-- or a stop, after the form closed is made good, not lost.
ALTER TABLE form ADD COLUMN results_posted BOOLEAN NOT NULL DEFAULT false;
UPDATE form SET results_posted=closed;
