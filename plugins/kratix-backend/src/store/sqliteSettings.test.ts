import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { tuneSqlite } from './sqliteSettings';

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
