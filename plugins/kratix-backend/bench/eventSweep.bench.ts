/*
 * The events sweep, which every replica runs once a minute: how long it
 * takes to find the expired Events among many, two ways, on one database:
 *
 * - baseline, the sweep before 2026-12-02: list every Event (each body read
 *   and parsed), keep those whose lastTimestamp is older than the ttl;
 * - ours: list only the Events last written before the cutoff, by the
 *   written_at index.
 *
 * Both find the same Events (checked). The deletes that follow are the same
 * for both and are not timed. One Event in 60 is expired, as in a steady
 * state where a minute's worth of an hour's Events expires each minute.
 * Run with `yarn bench:events`; BENCH_EVENTS (50000) sets the size.
 */
import { performance } from 'node:perf_hooks';
import { TestDatabases } from '@backstage/backend-test-utils';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { EVENT_KIND } from '../src/admission/kinds';
import { DEFAULT_EVENT_LIMITS } from '../src/controllers/events';
import { DatabaseObjectStore } from '../src/store/DatabaseObjectStore';
import { initDatabase } from '../src/store/__testUtils__/databases';
import { bulkCreate } from './bulkCreate';
import { envInt, formatMs } from './labelWorld';

const EVENTS = envInt('BENCH_EVENTS', 50_000);
const EXPIRED_SHARE = 1 / 60;
const REPEATS = 5;
const CHUNK = 5000;

jest.setTimeout(30 * 60_000);

const databases = TestDatabases.create({
  ids: process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
    ? ['SQLITE_3', 'POSTGRES_15']
    : ['SQLITE_3'],
  disableDocker: true,
});

function event(i: number, at: Date): KubeObject {
  const name = `work-${i}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${name}.${i.toString(16).padStart(16, '0')}`,
      namespace: 'default',
      labels: { 'kratix.io/involved-uid': `uid-${i}` },
    },
    involvedObject: {
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Work',
      name,
      namespace: 'default',
      uid: `uid-${i}`,
    },
    reason: 'AllWorkplacementsScheduled',
    message: 'All workplacements scheduled successfully',
    type: 'Normal',
    count: 1,
    firstTimestamp: at.toISOString(),
    lastTimestamp: at.toISOString(),
    source: { component: 'kratix-platform-controller-manager' },
    reportingComponent: 'kratix-platform-controller-manager',
  } as KubeObject;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function timed(fn: () => Promise<KubeObject[]>) {
  const started = performance.now();
  const found = await fn();
  return { ms: performance.now() - started, found };
}

describe('events sweep', () => {
  it.each(databases.eachSupportedId())(
    'finds the expired among many Events, on %s',
    async id => {
      const database = await initDatabase(databases, id);
      const store = await DatabaseObjectStore.create({ database });
      const knex = await database.getClient();
      const now = Date.now();
      const expiredAt = new Date(now - DEFAULT_EVENT_LIMITS.ttlMs - 60_000);
      const expired = Math.round(EVENTS * EXPIRED_SHARE);
      const write = async (from: number, to: number, at: Date) => {
        for (let i = from; i < to; i += CHUNK) {
          const chunk: KubeObject[] = [];
          for (let j = i; j < Math.min(i + CHUNK, to); j++) {
            chunk.push(event(j, at));
          }
          await bulkCreate(knex, chunk, at);
        }
      };
      await write(0, expired, expiredAt);
      await write(expired, EVENTS, new Date(now));
      const cutoff = now - DEFAULT_EVENT_LIMITS.ttlMs;
      const baseline = async () =>
        (await store.list(EVENT_KIND)).filter(
          e => Date.parse(String((e as any).lastTimestamp)) < cutoff,
        );
      const ours = () =>
        store.list(EVENT_KIND, { writtenBefore: new Date(cutoff) });
      const runs = { baseline: [] as number[], ours: [] as number[] };
      for (let r = 0; r < REPEATS; r++) {
        const b = await timed(baseline);
        const o = await timed(ours);
        expect(o.found.map(e => e.metadata.name).sort()).toEqual(
          b.found.map(e => e.metadata.name).sort(),
        );
        expect(o.found).toHaveLength(expired);
        runs.baseline.push(b.ms);
        runs.ours.push(o.ms);
      }
      const b = median(runs.baseline);
      const o = median(runs.ours);
      // eslint-disable-next-line no-console
      console.log(
        [
          `events sweep on ${id}: ${EVENTS} Events, ${expired} expired; median of ${REPEATS} alternating runs`,
          '',
          '| finding the expired Events | time | ratio to baseline |',
          '|---|---|---|',
          `| baseline: list all, compare lastTimestamp | ${formatMs(
            b,
          )} | 1.00 |`,
          `| ours: list written before the cutoff | ${formatMs(o)} | ${(
            o / b
          ).toFixed(3)} |`,
        ].join('\n'),
      );
      store.feed.stop();
    },
  );
});
