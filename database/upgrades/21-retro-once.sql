-- v20 -> v21: A listening circle's retro opens once per occurrence
-- What opened the form ("circle:<schedule>:<occurrence>"), when something
-- other than a person did: a retro interrupted halfway is taken up again,
-- never opened twice.
ALTER TABLE form ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX form_origin ON form (origin) WHERE origin <> '';
