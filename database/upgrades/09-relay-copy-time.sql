-- v8 -> v9: When each relayed copy was made, so copies can be forgotten after a while
ALTER TABLE relay_copy ADD COLUMN copied_at BIGINT NOT NULL DEFAULT 0;
-- A copy made before this counts from its job while the job is kept, else
-- from the upgrade: none is forgotten sooner than its time.
-- only: postgres for next 2 lines
UPDATE relay_copy SET copied_at = COALESCE((SELECT received_at FROM relay_job WHERE relay_job.event_id = relay_copy.source_event),
    (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT);
-- only: sqlite for next 2 lines
UPDATE relay_copy SET copied_at = COALESCE((SELECT received_at FROM relay_job WHERE relay_job.event_id = relay_copy.source_event),
    CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
CREATE INDEX relay_copy_copied_at_idx ON relay_copy (copied_at);
