-- Spike alerts (the analytics spike watcher of `deskmine serve`): one row per
-- spike told, keyed by dimension, value and bucket start (unix microseconds,
-- UTC). Whoever inserts the row tells; another instance, or the same one
-- after a restart, finds it and stays silent.
CREATE TABLE spike_alerts (
    dimension  TEXT NOT NULL,
    value      TEXT NOT NULL,
    bucket     BIGINT NOT NULL,
    spike      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (dimension, value, bucket)
);
