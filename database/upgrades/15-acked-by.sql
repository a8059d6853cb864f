-- v14 -> v15: Who took each incident, and the round of its escalation
-- Who took it: paged again if it is not resolved in time.
ALTER TABLE incident ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
-- The escalation starts again (a new round) when the incident is handed
-- back or its severity changes; each round's pages are their own.
ALTER TABLE incident ADD COLUMN round INTEGER NOT NULL DEFAULT 0;
-- Taken incidents were never due before; none is due now until its taker
-- takes it again under a policy with a time limit.
UPDATE incident SET next_escalation = 0 WHERE state = 'acknowledged';
