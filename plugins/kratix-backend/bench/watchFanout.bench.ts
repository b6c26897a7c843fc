/*
 * Watch fan-out: BENCH_WATCHERS (100) watchers follow the change feed
 * (`store.watch`, what `?watch=true` serves) while BENCH_CHANGES (10000)
 * Destinations are created one after another; each watcher notes, for every
 * change, the time from the start of the write that made it to its
 * delivery. The same run with one watcher is the baseline. Prints p50/p99
 * delivery latency, write throughput and the process's peak RSS; asserts
 * only that every watcher saw every change, in order.
 *
 * On SQLite (a file in a temporary directory) by default; run under
 * scripts/with-postgres.sh with BENCH_DATABASE=pg for PostgreSQL.
 * `yarn bench:watch` from plugins/kratix-backend.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import knexFactory, { Knex } from 'knex';
import { DatabaseObjectStore } from '../src/store/DatabaseObjectStore';
import { DESTINATION_KIND } from '../src/admission/kinds';
import { fanoutTable, percentile } from './fanoutReport';

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 100);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10_000);

jest.setTimeout(30 * 60 * 1000);

function database(): Knex {
  if (process.env.BENCH_DATABASE === 'pg') {
    const url =
      process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
    if (!url)
      throw new Error('BENCH_DATABASE=pg needs scripts/with-postgres.sh');
    return knexFactory({ client: 'pg', connection: `${url}/postgres` });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-bench-watch-'));
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: path.join(dir, 'kratix.sqlite') },
    useNullAsDefault: true,
  });
}

async function run(watchers: number, prefix: string) {
  const knex = database();
  const store = await DatabaseObjectStore.create({
    database: { getClient: async () => knex },
  });
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const abort = new AbortController();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const since = 0;
  const followers = Array.from({ length: watchers }, async () => {
    let seen = 0;
    let last = 0;
    for await (const change of store.watch({
      since,
      kinds: [DESTINATION_KIND],
      signal: abort.signal,
    })) {
      const at = started.get(change.object.metadata.name);
      if (at !== undefined) latencies.push(performance.now() - at);
      if ((change.resourceVersion ?? 0) <= last)
        throw new Error('out of order');
      last = change.resourceVersion ?? 0;
      if (++seen === CHANGES) return seen;
    }
    return seen;
  });
  const t0 = performance.now();
  for (let i = 0; i < CHANGES; i++) {
    const name = `${prefix}-${i}`;
    started.set(name, performance.now());
    await store.create({
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Destination',
      metadata: { name, labels: { environment: i % 2 ? 'dev' : 'prod' } },
      spec: {
        stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
      },
    });
  }
  const writeMs = performance.now() - t0;
  const seen = await Promise.all(followers);
  const totalMs = performance.now() - t0;
  abort.abort();
  clearInterval(sampler);
  store.feed.stop();
  await knex.destroy();
  latencies.sort((x, y) => x - y);
  return {
    watchers,
    seen,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    perS: (CHANGES / writeMs) * 1000,
    totalMs,
    peakRssMb: peakRss / 2 ** 20,
  };
}

it(`delivers ${CHANGES} changes to ${WATCHERS} watchers`, async () => {
  const baseline = await run(1, 'baseline');
  const fanout = await run(WATCHERS, 'fanout');
  expect(baseline.seen).toEqual([CHANGES]);
  expect(fanout.seen).toEqual(Array(WATCHERS).fill(CHANGES));
  // eslint-disable-next-line no-console
  console.log(
    fanoutTable(
      `watch fan-out on ${
        process.env.BENCH_DATABASE === 'pg' ? 'PostgreSQL' : 'SQLite'
      }, ${CHANGES} changes, ${os.cpus().length} cores`,
      'writes/s',
      baseline,
      fanout,
    ),
  );
});
