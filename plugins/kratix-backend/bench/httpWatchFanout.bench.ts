/*
 * Watch fan-out over HTTP, end to end: BENCH_WATCHERS (100) clients hold
 * `GET …/destinations?watch=true` streams on a real backend (SQLite, the
 * engine running) while BENCH_CHANGES (10000) Destinations are created
 * through the API, one after another. Each client notes, for every
 * Destination's ADDED event, the time from the start of the POST that made
 * it to the event's arrival. The same run with one watcher is the
 * baseline. Prints p50/p99 delivery latency, POSTs/s and peak RSS; asserts
 * only that every watcher saw every Destination, in resourceVersion order.
 *
 * Clients and backend share one process (and its 2 cores here), so the
 * clients' JSON parsing is in the figures too. `yarn bench:watch:http`
 * from plugins/kratix-backend.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { startKratixBackend, tempDir } from '../src/__testUtils__/testBackend';
import { fanoutTable, percentile } from './fanoutReport';

const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 100);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10_000);
const DESTINATIONS = '/apis/platform.kratix.io/v1alpha1/destinations';

jest.setTimeout(60 * 60 * 1000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** Follows one watch stream; resolves once `expected` names were ADDED. */
async function follow(
  url: string,
  prefix: string,
  started: Map<string, number>,
  latencies: number[],
  signal: AbortSignal,
  ready: () => void,
) {
  const res = await fetch(url, {
    headers: { Authorization: mockCredentials.user.header() },
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`watch answered ${res.status}`);
  ready();
  const decoder = new TextDecoder();
  let buffered = '';
  let added = 0;
  let last = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
      if (!line) continue;
      const event = JSON.parse(line);
      if (event.type === 'BOOKMARK' || event.type === 'ERROR') continue;
      const rv = Number(event.object.metadata.resourceVersion);
      if (rv <= last) throw new Error(`out of order: ${rv} after ${last}`);
      last = rv;
      const name: string = event.object.metadata.name;
      if (event.type !== 'ADDED' || !name.startsWith(prefix)) continue;
      const at = started.get(name);
      if (at !== undefined) latencies.push(performance.now() - at);
      if (++added === CHANGES) return added;
    }
  }
  return added;
}

async function run(watchers: number, prefix: string) {
  const knex = await databases.init('SQLITE_3');
  const backend = await startKratixBackend({
    knex,
    stateStoreRoot: tempDir('kratix-bench-http-watch-'),
  });
  const list = await backend.api.get(DESTINATIONS).expect(200);
  const url = `${backend.baseUrl}${DESTINATIONS}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`;
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const abort = new AbortController();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  let connected = 0;
  const followers = Array.from({ length: watchers }, () =>
    follow(url, prefix, started, latencies, abort.signal, () => connected++),
  );
  while (connected < watchers) await new Promise(r => setImmediate(r));
  const t0 = performance.now();
  for (let i = 0; i < CHANGES; i++) {
    const name = `${prefix}-${i}`;
    started.set(name, performance.now());
    await backend.api
      .post(DESTINATIONS, {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Destination',
        metadata: { name, labels: { environment: i % 2 ? 'dev' : 'prod' } },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      })
      .expect(201);
  }
  const writeMs = performance.now() - t0;
  const seen = await Promise.all(followers);
  const totalMs = performance.now() - t0;
  abort.abort();
  clearInterval(sampler);
  await backend.stop();
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

it(`streams ${CHANGES} Destinations to ${WATCHERS} HTTP watchers`, async () => {
  const baseline = await run(1, 'baseline');
  const fanout = await run(WATCHERS, 'fanout');
  expect(baseline.seen).toEqual([CHANGES]);
  expect(fanout.seen).toEqual(Array(WATCHERS).fill(CHANGES));
  // eslint-disable-next-line no-console
  console.log(
    fanoutTable(
      `HTTP watch fan-out on SQLite, ${CHANGES} Destinations POSTed, ${
        os.cpus().length
      } cores`,
      'POSTs/s',
      baseline,
      fanout,
    ),
  );
});
