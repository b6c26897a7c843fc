import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { startCheckpointer, tuneSqlite } from './sqliteSettings';

describe('tuneSqlite', () => {
  let dir: string;
  const clients: Knex[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-sqlite-settings-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(k => k.destroy()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function sqlite(pool?: Knex.PoolConfig) {
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: path.join(dir, 'kratix.sqlite') },
      useNullAsDefault: true,
      ...(pool ? { pool } : {}),
    });
    clients.push(knex);
    return knex;
  }

  const synchronous = async (k: Knex | Knex.Transaction) =>
    (await k.raw('PRAGMA synchronous'))[0].synchronous;

  it('puts a database file in WAL mode with synchronous=NORMAL', async () => {
    const knex = sqlite();
    // SQLite's defaults, so the assertions below can fail.
    expect((await knex.raw('PRAGMA journal_mode'))[0].journal_mode).toBe(
      'delete',
    );
    expect(await synchronous(knex)).toBe(2); // FULL

    await tuneSqlite(knex);

    expect((await knex.raw('PRAGMA journal_mode'))[0].journal_mode).toBe('wal');
    expect(await synchronous(knex)).toBe(1); // NORMAL
    // WAL is the file's: a new client of the same file finds it.
    expect((await sqlite().raw('PRAGMA journal_mode'))[0].journal_mode).toBe(
      'wal',
    );
  });

  it('has synchronous=NORMAL on connections the pool makes later (better-sqlite3 builds it so for WAL)', async () => {
    const knex = sqlite({ min: 0, max: 2 });
    await tuneSqlite(knex);
    // Two transactions open at once hold two connections.
    const seen: number[] = [];
    let release!: () => void;
    const held = new Promise<void>(r => {
      release = r;
    });
    const first = knex.transaction(async tx => {
      seen.push(await synchronous(tx));
      await held;
    });
    await new Promise(r => setTimeout(r, 50));
    await knex.transaction(async tx => {
      seen.push(await synchronous(tx));
    });
    release();
    await first;
    expect(seen).toEqual([1, 1]);
  });

  it('prepares each statement text once per connection, and answers every binding right', async () => {
    const knex = sqlite();
    // better-sqlite3's Database, watched before tuneSqlite sees a connection.
    const connection = await knex.client.acquireConnection();
    const prepared = jest.spyOn(Object.getPrototypeOf(connection), 'prepare');
    await knex.client.releaseConnection(connection);
    try {
      await tuneSqlite(knex);
      await knex.schema.createTable('t', table => {
        table.integer('n');
      });
      prepared.mockClear();

      for (let n = 0; n < 5; n++) await knex('t').insert({ n });
      const some = await knex('t').where('n', '>', 2).select('n');
      const all = await knex('t').where('n', '>', -1).select('n');

      expect(some).toEqual([{ n: 3 }, { n: 4 }]);
      expect(all).toHaveLength(5);
      expect(prepared.mock.calls.map(([sql]: unknown[]) => sql)).toEqual([
        'insert into `t` (`n`) values (?)',
        'select `n` from `t` where `n` > ?',
      ]);
    } finally {
      prepared.mockRestore();
    }
  });

  it("never checkpoints on the engine's connections: a worker thread copies the log into the file", async () => {
    const knex = sqlite();
    await tuneSqlite(knex);
    const file = path.join(dir, 'kratix.sqlite');
    expect(
      (await knex.raw('PRAGMA wal_autocheckpoint'))[0].wal_autocheckpoint,
    ).toBe(0);
    await knex.schema.createTable('t', table => {
      table.text('body');
    });
    const before = fs.statSync(file).size;
    // Far past the 1,000 pages at which a connection would checkpoint.
    const body = 'x'.repeat(4000);
    for (let i = 0; i < 1500; i++) await knex('t').insert({ body });

    // The rows reach the database file itself, which the engine's
    // connection never writes to: only a checkpoint does.
    const deadline = Date.now() + 4_000;
    while (fs.statSync(file).size < before + 1500 * 4000) {
      if (Date.now() > deadline) throw new Error('never checkpointed');
      await new Promise(r => setTimeout(r, 50));
    }
    expect(await knex('t').count({ n: '*' })).toEqual([{ n: 1500 }]);
  });

  it('stops its checkpointer once the client is destroyed, closing its connection last', async () => {
    const knex = sqlite();
    const file = path.join(dir, 'kratix.sqlite');
    await knex.raw('PRAGMA journal_mode = WAL');
    await knex.raw('PRAGMA wal_autocheckpoint = 0');
    const { ready, stopped } = startCheckpointer(knex, file, 50);
    await knex.schema.createTable('t', table => {
      table.text('body');
    });
    await knex('t').insert({ body: 'kept' });
    await ready;
    clients.splice(clients.indexOf(knex), 1);
    await knex.destroy();
    // While the worker's connection is open, the log stays.
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    await stopped;

    // The last connection to close copies the log back and removes it.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = sqlite();
    expect(await reopened('t').select('body')).toEqual([{ body: 'kept' }]);
  });

  it('says when its checkpointer fails, so the client can checkpoint again itself', async () => {
    const knex = sqlite();
    const failed = jest.fn();

    const { stopped } = startCheckpointer(
      knex,
      path.join(dir, 'missing.sqlite'),
      50,
      failed,
    );
    await stopped;

    expect(failed).toHaveBeenCalledTimes(1);
    expect(String(failed.mock.calls[0][0])).toMatch(/unable to open/i);
  });

  it('leaves other databases alone', async () => {
    // No connection is ever made: a query would fail to connect.
    const pg = knexFactory({
      client: 'pg',
      connection: { host: '127.0.0.1', port: 1 },
    });
    clients.push(pg);
    await expect(tuneSqlite(pg)).resolves.toBeUndefined();
  });
});
