-- Rollouts (org.edgebook.control.rollout): each a durable state machine. A row changes only in a transaction that
-- also writes its audit and event records; a node is assigned once per rollout (the primary key), before any node
-- can be told.
CREATE TABLE rollouts (
    id              VARCHAR(32) PRIMARY KEY,
    group_name      VARCHAR(128) NOT NULL,
    path            VARCHAR(256) NOT NULL,
    module          VARCHAR(64) NOT NULL,
    from_version    VARCHAR(64) NOT NULL,
    to_version      VARCHAR(64) NOT NULL,
    to_sha256       VARCHAR(64) NOT NULL,
    spec            TEXT NOT NULL,
    state           VARCHAR(32) NOT NULL,
    paused          BOOLEAN NOT NULL,
    wave            INT NOT NULL,
    phase_started   BIGINT NOT NULL,
    reason          TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE rollout_nodes (
    rollout_id      VARCHAR(32) NOT NULL,
    node_id         VARCHAR(64) NOT NULL,
    wave            INT NOT NULL,
    assigned_at     BIGINT NOT NULL,
    base_requests   BIGINT NOT NULL,
    base_errors     BIGINT NOT NULL,
    base_p99_micros BIGINT NOT NULL,
    PRIMARY KEY (rollout_id, node_id)
);

-- The nodes of a rollout's shadow stage: they run the new version beside the old one, on copies of requests.
CREATE TABLE rollout_shadows (
    rollout_id      VARCHAR(32) NOT NULL,
    node_id         VARCHAR(64) NOT NULL,
    assigned_at     BIGINT NOT NULL,
    PRIMARY KEY (rollout_id, node_id)
);

CREATE TABLE rollout_counter (
    id    INT PRIMARY KEY,
    next_id  BIGINT NOT NULL
);
INSERT INTO rollout_counter (id, next_id) VALUES (1, 1);
