import { DatabaseService } from '@backstage/backend-plugin-api';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from './__testUtils__/databases';
import { DatabaseObjectStore } from './DatabaseObjectStore';
import { DatabaseWorkQueue } from './DatabaseWorkQueue';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

describe.each(databases.eachSupportedId())('DatabaseWorkQueue on %s', id => {
  let time: number;
  const advance = (ms: number) => {
    time += ms;
  };

  async function setup() {
    time = 1_700_000_000_000;
    const database = await initDatabase(databases, id);
    const queue = await newQueue(database);
    return { database, queue };
  }

  function newQueue(database: DatabaseService) {
    return DatabaseWorkQueue.create({ database, now: () => time });
  }

  it('is empty at first', async () => {
    const { queue } = await setup();
    expect(await queue.size()).toBe(0);
    expect(await queue.nextDueInMs()).toBeUndefined();
    expect(await queue.claim()).toBeUndefined();
  });

  it('de-duplicates keys', async () => {
    const { queue } = await setup();
    await queue.enqueue('promise/a');
    await queue.enqueue('promise/a');
    await queue.enqueue('promise/b');

    expect(await queue.size()).toBe(2);
    const first = await queue.claim();
    const second = await queue.claim();
    expect([first?.key, second?.key].sort()).toEqual([
      'promise/a',
      'promise/b',
    ]);
    expect(await queue.claim()).toBeUndefined();
  });

  it('gives each controller its own share: a backlog of one does not hold up another', async () => {
    const { queue } = await setup();
    for (let i = 0; i < 50; i++) await queue.enqueue(`destination/d${i}`);
    advance(1);
    await queue.enqueue('resource/example.org/Thing/default/late-comer');

    // Without a share, the oldest key in the whole queue comes first.
    const any = await queue.claim();
    expect(any?.key).toBe('destination/d0');

    const mine = await queue.claim({ queue: 'resource' });
    expect(mine?.key).toBe('resource/example.org/Thing/default/late-comer');
    expect(await queue.claim({ queue: 'resource' })).toBeUndefined();
    expect(await queue.nextDueInMs('resource')).toBeGreaterThan(0);
    expect(await queue.nextDueInMs('destination')).toBe(0);
    expect((await queue.claim({ queue: 'destination' }))?.key).toBe(
      'destination/d1',
    );
  });

  it('claims the earliest due key first and nothing before it is due', async () => {
    const { queue } = await setup();
    await queue.enqueue('late', { delayMs: 2000 });
    await queue.enqueue('soon', { delayMs: 1000 });

    expect(await queue.nextDueInMs()).toBe(1000);
    expect(await queue.claim()).toBeUndefined();

    advance(2000);
    expect((await queue.claim())?.key).toBe('soon');
    expect((await queue.claim())?.key).toBe('late');
  });

  it('moves a waiting key earlier but never later', async () => {
    const { queue } = await setup();
    await queue.enqueue('k', { delayMs: 5000 });
    await queue.enqueue('k', { delayMs: 9000 });
    expect(await queue.nextDueInMs()).toBe(5000);

    await queue.enqueue('k');
    expect(await queue.nextDueInMs()).toBe(0);
    expect(await queue.size()).toBe(1);
  });

  it('removes a completed key', async () => {
    const { queue } = await setup();
    await queue.enqueue('k');
    const item = await queue.claim();

    expect(item).toEqual({ key: 'k', attempts: 0, token: expect.any(String) });
    await queue.complete(item!);
    expect(await queue.size()).toBe(0);
  });

  it('runs a key again when it was enqueued during processing', async () => {
    const { queue } = await setup();
    await queue.enqueue('k');
    const item = await queue.claim();

    await queue.enqueue('k');
    expect(await queue.claim()).toBeUndefined();
    await queue.complete(item!);

    expect(await queue.size()).toBe(1);
    const again = await queue.claim();
    expect(again).toEqual({ key: 'k', attempts: 0, token: expect.any(String) });
    expect(again?.token).not.toBe(item?.token);
    await queue.complete(again!);
    expect(await queue.size()).toBe(0);
  });

  it('keeps the delay of an enqueue made during processing', async () => {
    const { queue } = await setup();
    await queue.enqueue('k');
    const item = await queue.claim({ leaseMs: 1000 });

    await queue.enqueue('k', { delayMs: 30_000 });
    await queue.complete(item!);

    expect(await queue.nextDueInMs()).toBe(30_000);
    advance(29_999);
    expect(await queue.claim()).toBeUndefined();
    advance(1);
    expect((await queue.claim())?.key).toBe('k');
  });

  it('lets another worker claim a key whose lease expired', async () => {
    const { database, queue } = await setup();
    const other = await newQueue(database);
    await queue.enqueue('k');
    const dead = await queue.claim({ leaseMs: 10_000 });

    expect(await queue.nextDueInMs()).toBe(10_000);
    advance(9_999);
    expect(await other.claim()).toBeUndefined();
    advance(1);
    const taken = await other.claim();
    expect(taken?.key).toBe('k');
    expect(taken?.token).not.toBe(dead?.token);

    // The dead worker's late answers no longer count.
    await queue.complete(dead!);
    await queue.retry(dead!, 0);
    expect(await queue.size()).toBe(1);
    expect(await queue.claim()).toBeUndefined();

    await other.complete(taken!);
    expect(await queue.size()).toBe(0);
  });

  it('keeps a renewed claim from others, and tells a worker its claim was lost', async () => {
    const { database, queue } = await setup();
    const other = await newQueue(database);
    await queue.enqueue('k');
    const mine = await queue.claim({ leaseMs: 10_000 });

    advance(8_000);
    expect(await queue.renew(mine!, 10_000)).toBe(true);
    advance(8_000);
    expect(await other.claim()).toBeUndefined();

    advance(2_001);
    const taken = await other.claim();
    expect(taken?.key).toBe('k');
    expect(await queue.renew(mine!, 10_000)).toBe(false);
  });

  it('backs off a failed key and counts attempts', async () => {
    const { queue } = await setup();
    await queue.enqueue('k');

    const first = await queue.claim();
    await queue.retry(first!, 5000);
    expect(await queue.nextDueInMs()).toBe(5000);
    expect(await queue.claim()).toBeUndefined();

    advance(5000);
    const second = await queue.claim();
    expect(second).toEqual({
      key: 'k',
      attempts: 1,
      token: expect.any(String),
    });
    await queue.retry(second!, 10_000);

    advance(10_000);
    const third = await queue.claim();
    expect(third?.attempts).toBe(2);
    await queue.complete(third!);
    expect(await queue.size()).toBe(0);
  });

  it('runs a failed key early when it was enqueued during the failed run', async () => {
    const { queue } = await setup();
    await queue.enqueue('k');
    const item = await queue.claim();

    await queue.enqueue('k', { delayMs: 100 });
    await queue.retry(item!, 60_000);

    expect(await queue.nextDueInMs()).toBe(100);
    advance(100);
    expect((await queue.claim())?.attempts).toBe(1);
  });

  it('hands each due key to exactly one of many concurrent claimers', async () => {
    const { database, queue } = await setup();
    const workers = await Promise.all([1, 2, 3].map(() => newQueue(database)));
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    for (const key of keys) {
      await queue.enqueue(key);
    }

    const claims = await Promise.all(
      Array.from({ length: 45 }, (_, i) => workers[i % 3].claim()),
    );

    const claimed = claims.flatMap(c => (c ? [c.key] : []));
    expect(new Set(claimed).size).toBe(claimed.length);
    // Claimers that lose a race may come back empty; none may double-claim.
    const rest: string[] = [];
    for (let c = await queue.claim(); c; c = await queue.claim()) {
      rest.push(c.key);
    }
    expect([...claimed, ...rest].sort()).toEqual([...keys].sort());
  });

  it('keeps keys, attempts and delays across a restart', async () => {
    const { database, queue } = await setup();
    await queue.enqueue('a');
    await queue.enqueue('b', { delayMs: 1000 });
    const a = await queue.claim();
    await queue.retry(a!, 500);

    const restarted = await newQueue(database);
    expect(await restarted.size()).toBe(2);
    expect(await restarted.nextDueInMs()).toBe(500);
    advance(500);
    expect(await restarted.claim()).toEqual({
      key: 'a',
      attempts: 1,
      token: expect.any(String),
    });
  });

  it("hands a dead replica's claims to the others at once, first in line", async () => {
    const { database, queue: dying } = await setup();
    const survivor = await newQueue(database);
    await Promise.all([dying.start(), survivor.start()]);
    try {
      await dying.enqueue('work/ns/was-running');
      advance(1);
      await dying.enqueue('work/ns/waiting');
      const claimed = await dying.claim({ leaseMs: 15_000 });
      expect(claimed?.key).toBe('work/ns/was-running');

      // Alive: its claim is its own, however long the survivor looks.
      expect(await survivor.releaseDeadClaims()).toBe(0);
      const waiting = await survivor.claim();
      expect(waiting?.key).toBe('work/ns/waiting');
      await survivor.complete(waiting!);

      // Its process (and so its connection and liveness lock) is gone.
      await dying.stop();
      const knex = await database.getClient();
      const claimedRows = async () =>
        Number(
          (
            await knex('kratix_queue')
              .whereNotNull('claim_token')
              .count({ n: '*' })
          )[0].n,
        );
      const before = await claimedRows();
      // One process per SQLite file: a restart takes back what the previous
      // process left claimed. On PostgreSQL any replica does, at once.
      await (id === 'SQLITE_3'
        ? newQueue(database).then(q => q.start())
        : survivor.releaseDeadClaims());
      expect(before - (await claimedRows())).toBe(1);
      await survivor.enqueue('work/ns/later');
      expect(await survivor.claim()).toEqual({
        key: 'work/ns/was-running',
        attempts: 0,
        token: expect.any(String),
      });
    } finally {
      await Promise.all([dying.stop(), survivor.stop()]);
    }
  });

  it('shares one migration run with the object store', async () => {
    const database = await initDatabase(databases, id);
    const [queue, store] = await Promise.all([
      DatabaseWorkQueue.create({ database }),
      DatabaseObjectStore.create({ database }),
      DatabaseWorkQueue.create({ database }),
    ]);
    await queue.enqueue('k');
    expect(await queue.size()).toBe(1);
    expect(await store.list({ group: 'g', kind: 'K' })).toEqual([]);
  });

  it('runs one exclusive section per name at a time, across queues', async () => {
    const database = await initDatabase(databases, id);
    // Two queues on one database stand for two replicas (SQLite has one
    // writer process, so one queue there).
    const one = await newQueue(database);
    const two = id === 'SQLITE_3' ? one : await newQueue(database);
    const inside = new Map<string, number>();
    let overlapSameName = 0;
    let overlapOtherName = 0;
    // The sections of "a" stay inside until the one of "b", asked for
    // last, has entered: by then every section of "a" asked to enter too.
    let otherNameEntered!: () => void;
    const entered = new Promise<void>(r => (otherNameEntered = r));
    const section = (queue: DatabaseWorkQueue, name: string) =>
      queue.exclusive(name, async () => {
        const n = (inside.get(name) ?? 0) + 1;
        inside.set(name, n);
        if (n > 1) overlapSameName++;
        if ([...inside].some(([other, m]) => other !== name && m > 0))
          overlapOtherName++;
        if (name === 'destination/b') otherNameEntered();
        else await entered;
        inside.set(name, inside.get(name)! - 1);
        return name;
      });
    const results = await Promise.all([
      section(one, 'destination/a'),
      section(two, 'destination/a'),
      section(one, 'destination/a'),
      section(two, 'destination/b'),
    ]);
    expect(results).toEqual([
      'destination/a',
      'destination/a',
      'destination/a',
      'destination/b',
    ]);
    expect(overlapSameName).toBe(0);
    expect(overlapOtherName).toBeGreaterThan(0);
  });

  it('releases an exclusive section whose function fails', async () => {
    const database = await initDatabase(databases, id);
    const queue = await newQueue(database);
    await expect(
      queue.exclusive('destination/a', async () => {
        throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');
    await expect(
      queue.exclusive('destination/a', async () => 'next'),
    ).resolves.toBe('next');
  });
});
