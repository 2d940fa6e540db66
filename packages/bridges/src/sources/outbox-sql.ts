/**
 * SQL of the PostgreSQL outbox. Table and channel names are checked by the config schema (lower-case
 * identifiers, optionally `schema.table`), which is what makes writing them into SQL text safe.
 */

/** The part of a possibly schema-qualified table name that names the table. */
function baseName(table: string): string {
  return table.slice(table.lastIndexOf('.') + 1);
}

/**
 * The outbox table, its index of pending rows and the trigger that wakes the bridges at commit (NOTIFY
 * is delivered only when the inserting transaction commits, and never for one that rolls back).
 * Idempotent; also printed in docs/bridges.md for migrations.
 */
export function outboxDdl(table = 'herald_outbox', notifyChannel = 'herald_outbox'): string {
  const base = baseName(table);
  const fn = table.includes('.') ? `${table.slice(0, table.lastIndexOf('.'))}.${base}_notify` : `${base}_notify`;
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id         bigserial   PRIMARY KEY,
  topic      text        NOT NULL,              -- matched by 'match', fills the channel template
  event      text,                              -- event name (else the payload's, else the config's)
  payload    jsonb       NOT NULL,              -- the message data (a text column works too)
  created_at timestamptz NOT NULL DEFAULT now(),
  status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  error      text,                              -- why a 'dead' row could not be published
  done_at    timestamptz
);
CREATE INDEX IF NOT EXISTS ${base}_pending ON ${table} (id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ${base}_pending_topic ON ${table} (topic, id) WHERE status = 'pending';
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${notifyChannel}', '');
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER ${base}_notify AFTER INSERT ON ${table}
  FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`;
}

/** The statements one outbox bridge runs. */
export interface OutboxQueries {
  /**
   * Locks and returns up to $1 pending rows in id order. `FOR UPDATE SKIP LOCKED` gives each row to one
   * node. `blocked` marks a row whose topic has an earlier pending row this node did not get (another
   * node holds it): publishing it now would overtake that row, so it is left for later and each
   * channel keeps its order however many nodes share the table. The locks end with the transaction.
   */
  readonly claim: string;
  /** Marks (or deletes) the rows whose ids are in $1 as delivered. */
  readonly done: string;
  /** Marks row $1 dead with the reason $2. */
  readonly dead: string;
  /** Counts the pending rows. */
  readonly pending: string;
}

/** The statements for `table`; `onDone` chooses between deleting delivered rows and keeping them marked. */
export function outboxQueries(table: string, onDone: 'delete' | 'mark'): OutboxQueries {
  return {
    // `firsts`: per topic, the first pending row this node did not get, below its last claimed row.
    // Walks the (topic, id) index from the topic's oldest pending row: about `batch` steps per call.
    claim: `WITH claimed AS MATERIALIZED (
  SELECT id, topic, event, payload::text AS payload, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms
    FROM ${table}
   WHERE status = 'pending'
   ORDER BY id
   LIMIT $1
     FOR UPDATE SKIP LOCKED
), firsts AS MATERIALIZED (
  SELECT k.topic,
         (SELECT e.id FROM ${table} e
           WHERE e.topic = k.topic AND e.status = 'pending' AND e.id < k.last
             AND e.id NOT IN (SELECT id FROM claimed)
           ORDER BY e.id LIMIT 1) AS first_unclaimed
    FROM (SELECT topic, max(id) AS last FROM claimed GROUP BY topic) k
)
SELECT c.*, COALESCE(c.id > f.first_unclaimed, false) AS blocked
  FROM claimed c JOIN firsts f USING (topic)
 ORDER BY c.id`,
    done:
      onDone === 'delete'
        ? `DELETE FROM ${table} WHERE id = ANY($1::bigint[])`
        : `UPDATE ${table} SET status = 'done', done_at = now() WHERE id = ANY($1::bigint[])`,
    dead: `UPDATE ${table} SET status = 'dead', error = $2, done_at = now() WHERE id = $1::bigint`,
    pending: `SELECT count(*)::float8 AS n FROM ${table} WHERE status = 'pending'`,
  };
}
