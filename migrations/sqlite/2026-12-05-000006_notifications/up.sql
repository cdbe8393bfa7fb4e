-- The outbox of execution notifications (params.notify webhooks). The
-- engine inserts a row in the same transaction as the state change the
-- event reports; the delivery loop POSTs the rows of each (execution, url)
-- lane in id order and the engine deletes a row once it is delivered or
-- given up. AUTOINCREMENT: an id is never reused, so "rows after the last
-- id seen" never misses one.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    execution_id TEXT NOT NULL,
    url TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
