import { Worker } from 'node:worker_threads';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/*
 * The engine writes in many small transactions (every object write, every
 * queue claim and completion is one), so on SQLite's defaults (a rollback
 * journal, synchronous=FULL) each of them waits for several fsyncs, with
 * the event loop blocked, since better-sqlite3 is synchronous: most of a
 * request's time went there.
 *
 * WAL with synchronous=NORMAL, SQLite's recommended setting for WAL: a
 * commit appends to the log and syncs nothing; the log is synced at
 * checkpoints. Commits stay atomic and the file cannot be corrupted. A
 * crash of the backend loses nothing (the log is in the OS's cache); only
 * a power loss or OS crash can roll back the last transactions before a
 * checkpoint, to a consistent earlier state. The engine is level-triggered
 * and re-reconciles everything at start, so it recovers from such a state
 * as from any restart; deployments that cannot lose a committed write to a
 * power cut run on PostgreSQL (several replicas do anyway).
 */
const tuned = new WeakSet<Knex>();

/*
 * knex prepares every statement anew (better-sqlite3's `prepare`: parse and
 * plan), which was a third of the SQLite time per request, although the
 * engine issues the same few hundred statement texts again and again. A
 * prepared statement is reusable: knex runs it to completion with `all` or
 * `run` at once and never keeps one iterating, so one per text is enough.
 */
const STATEMENT_CACHE_SIZE = 500;

interface Preparing {
  prepare(sql: string): unknown;
}

interface Connection extends Preparing {
  pragma(sql: string): unknown;
}

/** Makes a connection's `prepare` answer the statement it prepared last for the text (once per connection). */
function cachePreparedStatements(connection: Preparing): void {
  const prepare = connection.prepare.bind(connection);
  // A Map iterates in insertion order, so re-inserting a hit makes it an LRU.
  const statements = new Map<string, unknown>();
  connection.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement) {
      statements.delete(sql);
    } else {
      statement = prepare(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) {
        statements.delete(statements.keys().next().value!);
      }
    }
    statements.set(sql, statement);
    return statement;
  };
}

/** Whether the client is SQLite (either driver). */
export function isSqlite(knex: Knex): boolean {
  const client = knex.client.config.client;
  return client === 'better-sqlite3' || client === 'sqlite3';
}

/*
 * SQLite copies the log back into the database file (a checkpoint) from
 * within the commit that finds the log past 1,000 pages, and a checkpoint
 * syncs the file. better-sqlite3 is synchronous, so that fsync stalled the
 * event loop, every hundred commits or so: on the bench's disk a COMMIT
 * averaged 438 µs with checkpoints and 286 µs without (an fsync there takes
 * 5 ms). So the engine's connections never checkpoint; a worker thread,
 * with a connection of its own to the same file, does, PASSIVE: it copies
 * what no reader still needs and never waits for a reader or a writer.
 * Writers reuse the log from its start once it is all copied back, so it
 * stays about one interval of writes long.
 */
const CHECKPOINT_INTERVAL_MS = 1000;

const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.filename, { fileMustExist: true });
} catch (error) {
  // The driver's own error class reaches the parent without its message.
  throw new Error(String(error && error.message));
}
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy or locked: the next tick tries again.
  }
};
// The first one opens the log, so the connection holds it from now on.
checkpoint();
parentPort.postMessage('ready');
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/** The database file of a better-sqlite3 client, or undefined for memory. */
function databaseFile(knex: Knex): string | undefined {
  const connection = knex.client.config.connection;
  const filename =
    typeof connection === 'string' ? connection : connection?.filename;
  return filename && filename !== ':memory:' ? filename : undefined;
}

/**
 * Checkpoints the client's database file from a worker thread until the
 * client is destroyed (its pool is gone). `ready` resolves once the worker
 * has its connection; `stopped` once it has made its last checkpoint and
 * closed it, or has failed (then after `onFailure`, told why).
 */
export function startCheckpointer(
  knex: Knex,
  filename: string,
  intervalMs = CHECKPOINT_INTERVAL_MS,
  onFailure: (error: unknown) => void = () => {},
): { ready: Promise<void>; stopped: Promise<void> } {
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      filename,
      intervalMs,
    },
  });
  // Neither the worker nor the watch below keeps an idle process alive.
  worker.unref();
  // knex tells no one it is destroyed; destroy() drops its pool.
  const destroyed = () => !knex.client.pool;
  const watch = setInterval(() => {
    if (!destroyed()) return;
    clearInterval(watch);
    worker.postMessage('stop');
  }, intervalMs);
  watch.unref();
  let failure: unknown;
  const stopped = new Promise<void>(resolve => {
    worker.once('exit', code => {
      clearInterval(watch);
      // A checkpointer that died (its file unreadable, say) must not let
      // the log grow without end: the engine's connections take over.
      if (!destroyed()) {
        onFailure(failure ?? new Error(`exited with code ${code}`));
      }
      resolve();
    });
    // Followed by the exit; unhandled, it would end the process.
    worker.on('error', error => {
      failure = error;
    });
  });
  const ready = new Promise<void>(resolve => worker.once('message', resolve));
  return { ready, stopped };
}

/** Applies the settings above to a SQLite client, once; others are left as they are. */
export async function tuneSqlite(
  knex: Knex,
  logger?: LoggerService,
): Promise<void> {
  if (!isSqlite(knex) || tuned.has(knex)) return;
  tuned.add(knex);
  const filename = databaseFile(knex);
  let checkpointer = filename !== undefined;
  if (knex.client.config.client === 'better-sqlite3') {
    // Every connection passes here before its first query, including those
    // the pool makes later (and again at each query).
    const seen = new WeakSet<Connection>();
    knex.client.pool?.on('acquireSuccess', (_id: number, c: Connection) => {
      if (seen.has(c)) return;
      seen.add(c);
      cachePreparedStatements(c);
      // Per connection, like synchronous: the checkpointer below does it.
      if (checkpointer) c.pragma('wal_autocheckpoint = 0');
    });
  }
  // A property of the database file, kept across connections and restarts;
  // an in-memory database stays "memory", which needs no syncing at all.
  await knex.raw('PRAGMA journal_mode = WAL');
  // Per connection: this sets the one knex keeps for SQLite by default;
  // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so any
  // further connection to a WAL file starts at NORMAL too.
  await knex.raw('PRAGMA synchronous = NORMAL');
  if (knex.client.config.client === 'better-sqlite3' && filename) {
    startCheckpointer(knex, filename, CHECKPOINT_INTERVAL_MS, error => {
      logger?.warn(
        `SQLite checkpoints are back on the engine's connections: the checkpointer thread stopped: ${error}`,
      );
      checkpointer = false;
      // SQLite's default; connections made from now on keep it.
      knex.raw('PRAGMA wal_autocheckpoint = 1000').catch(() => {});
    });
  }
}
