-- v14 -> v15: Who took each incident, to page them again if it is not resolved in time
ALTER TABLE incident ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
