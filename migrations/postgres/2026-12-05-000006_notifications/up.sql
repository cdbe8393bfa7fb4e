-- The outbox of execution notifications (params.notify webhooks). The
-- engine inserts a row in the same transaction as the state change the
-- event reports; the delivery loop POSTs the rows of each (execution, url)
-- lane in id order and the engine deletes a row once it is delivered or
-- given up. A sequence never reuses an id.
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    execution_id TEXT NOT NULL,
    url TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
