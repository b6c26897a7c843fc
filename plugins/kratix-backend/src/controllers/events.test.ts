import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from '../store/__testUtils__/databases';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { EventRecorder, pruneEvery } from './events';
import { EVENT_KIND } from '../admission/kinds';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

const work = (name: string, uid: string): KubeObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Work',
  metadata: { name, namespace: 'default', uid },
});

describe.each(databases.eachSupportedId())('EventRecorder on %s', id => {
  const stores: DatabaseObjectStore[] = [];
  // Its change feed holds a connection (LISTEN on PostgreSQL).
  afterEach(() => stores.splice(0).forEach(s => s.feed.stop()));

  async function setup(limits = { ttlMs: 60_000, perObject: 3 }) {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = await DatabaseObjectStore.create({
      database: await initDatabase(databases, id),
      now: () => new Date(now),
    });
    stores.push(store);
    const clock = {
      advance: (ms: number) => {
        now += ms;
      },
    };
    const recorder = new EventRecorder(
      store,
      limits,
      undefined,
      () => new Date(now),
    );
    const events = async () =>
      (await store.list(EVENT_KIND)) as (KubeObject & Record<string, any>)[];
    return { store, recorder, clock, events };
  }

  it('counts a repeated event instead of adding one, as kube-apiserver aggregates them', async () => {
    const { recorder, clock, events } = await setup();
    const w = work('w', 'uid-1');
    await recorder.record(w, 'Normal', 'AllWorkplacementsScheduled', 'ok');
    clock.advance(1000);
    await recorder.record(w, 'Normal', 'AllWorkplacementsScheduled', 'ok');
    const [event, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      count: 2,
      firstTimestamp: '2026-01-01T00:00:00.000Z',
      lastTimestamp: '2026-01-01T00:00:01.000Z',
      involvedObject: { kind: 'Work', name: 'w', namespace: 'default' },
    });
  });

  it('keeps at most perObject events per object, newest first, and drops expired ones', async () => {
    const { recorder, clock, events } = await setup();
    const w = work('w', 'uid-1');
    const other = work('other', 'uid-2');
    await recorder.record(other, 'Normal', 'Kept', 'other object');
    for (const reason of ['A', 'B', 'C', 'D']) {
      clock.advance(1000);
      await recorder.record(w, 'Normal', reason, reason);
    }
    expect((await events()).map(e => e.reason).sort()).toEqual([
      'B',
      'C',
      'D',
      'Kept',
    ]);
    // An hour later the sweep takes every expired event, whoever it is about.
    clock.advance(60 * 60 * 1000);
    await recorder.record(w, 'Normal', 'E', 'E');
    expect((await events()).map(e => e.reason)).toEqual(['E']);
  });

  it("prunes an object's events every few events, not on each one, so it carries at most a few beyond perObject", async () => {
    const perObject = 10;
    const every = pruneEvery(perObject);
    expect(every).toBe(2);
    const { recorder, clock, events } = await setup({
      ttlMs: 60 * 60 * 1000,
      perObject,
    });
    const w = work('w', 'uid-1');
    const counts: number[] = [];
    const reasons = 'ABCDEFGHIJKLMN'.split('');
    for (const reason of reasons) {
      clock.advance(1000);
      await recorder.record(w, 'Normal', reason, reason);
      counts.push((await events()).length);
    }
    // Pruned at the 12th and 14th events; the 11th and 13th wait for them.
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 10, 11, 10]);
    expect((await events()).map(e => e.reason).sort()).toEqual(
      reasons.slice(-perObject),
    );
  });

  it('expires an Event a ttl after it was written, as --event-ttl does, whatever its lastTimestamp says', async () => {
    const { store, recorder, clock, events } = await setup();
    // Written straight to the store, with times of their own.
    const written = (name: string, lastTimestamp: string) =>
      store.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: 'default' },
        reason: name,
        lastTimestamp,
      } as KubeObject);
    await written('claims-to-be-recent', '2026-01-01T00:59:00Z');
    clock.advance(50_000);
    await written('claims-to-be-old', '2025-01-01T00:00:00Z');
    clock.advance(20_000);
    // 70 s after the first write, 20 s after the second; the ttl is 60 s.
    await recorder.sweep();
    expect((await events()).map(e => e.reason)).toEqual(['claims-to-be-old']);
  });

  it('keeps an Event updated in place until a ttl after its update', async () => {
    const { store, recorder, clock, events } = await setup();
    const event = await store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'edited', namespace: 'default' },
      reason: 'Edited',
      count: 1,
    } as KubeObject);
    clock.advance(50_000);
    await store.update({ ...event, count: 2 } as KubeObject);
    clock.advance(20_000);
    // 70 s after it was created, 20 s after its update; the ttl is 60 s.
    await recorder.sweep();
    expect((await events()).map(e => e.reason)).toEqual(['Edited']);
    clock.advance(41_000);
    await recorder.sweep();
    expect(await events()).toEqual([]);
  });

  it('puts the events of cluster-scoped objects in default, as Kubernetes does', async () => {
    const { recorder, events } = await setup();
    await recorder.record(
      {
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Destination',
        metadata: { name: 'worker-1', uid: 'uid-3' },
      },
      'Normal',
      'DestinationReady',
      'Destination is Ready',
    );
    const [event] = await events();
    expect(event.metadata.namespace).toBe('default');
    expect(event.involvedObject).toEqual({
      apiVersion: 'platform.kratix.io/v1alpha1',
      kind: 'Destination',
      name: 'worker-1',
      uid: 'uid-3',
    });
  });
});
