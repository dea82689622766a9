-- Claims of spike alerts (spikes.go).

-- name: claim-spike-alert
-- Arguments: dimension, value, bucket, spike JSON, now. No row changes when
-- the spike was claimed before.
INSERT INTO spike_alerts (dimension, value, bucket, spike, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (dimension, value, bucket) DO NOTHING;

-- name: release-spike-alert
DELETE FROM spike_alerts WHERE dimension = ? AND value = ? AND bucket = ?;

-- name: spike-alert
SELECT spike, created_at FROM spike_alerts WHERE dimension = ? AND value = ? AND bucket = ?;
