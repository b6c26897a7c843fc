import { mockServices, TestDatabaseId } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import {
  KubeObject,
  LabelRequirement,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';
import { AlreadyExistsError, ResourceVersionConflictError } from './errors';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from './__testUtils__/databases';
import { DatabaseObjectStore } from './DatabaseObjectStore';
import { ObjectChange } from './types';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

const DESTINATION = { group: 'platform.kratix.io', kind: 'Destination' };
const WORK = { group: 'platform.kratix.io', kind: 'Work' };

function destination(name: string, labels?: Labels): KubeObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Destination',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      path: name,
      stateStoreRef: { kind: 'BucketStateStore', name: 'default' },
    },
  };
}

function work(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Work',
    metadata: { namespace, name },
    spec: { promiseName: 'p', workloadGroups: [] },
  };
}

const names = (objects: KubeObject[]) =>
  objects.map(o => [o.metadata.namespace ?? '', o.metadata.name].join('/'));

describe.each(databases.eachSupportedId())('DatabaseObjectStore on %s', id => {
  async function setup(databaseId: TestDatabaseId = id) {
    const database = await initDatabase(databases, databaseId);
    const store = await DatabaseObjectStore.create({ database });
    const changes: ObjectChange[] = [];
    store.onChange(change => changes.push(change));
    return { database, store, changes };
  }

  describe('create and get', () => {
    it('sets the server fields and keeps status', async () => {
      const { store } = await setup();
      const input = {
        ...destination('dev', { env: 'dev' }),
        status: { conditions: [] },
      };
      input.metadata = {
        ...input.metadata,
        uid: 'from-client',
        resourceVersion: '999',
        generation: 7,
        deletionTimestamp: '2020-01-01T00:00:00Z',
      };

      const created = await store.create(input);

      expect(created.metadata).toEqual({
        name: 'dev',
        labels: { env: 'dev' },
        uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        resourceVersion: expect.stringMatching(/^\d+$/),
        generation: 1,
        creationTimestamp: expect.stringMatching(
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
        ),
      });
      expect(created.metadata.uid).not.toBe('from-client');
      expect(created.status).toEqual({ conditions: [] });
      expect(created.spec).toEqual(input.spec);
      expect(await store.get({ ...DESTINATION, name: 'dev' })).toEqual(created);
    });

    it('keys namespaced objects by namespace', async () => {
      const { store } = await setup();
      await store.create(work('a', 'w'));
      await store.create(work('b', 'w'));

      expect(
        (await store.get({ ...WORK, namespace: 'a', name: 'w' }))?.metadata
          .namespace,
      ).toBe('a');
      expect(await store.get({ ...WORK, name: 'w' })).toBeUndefined();
      expect(
        await store.get({ ...WORK, namespace: 'c', name: 'w' }),
      ).toBeUndefined();
    });

    it('refuses to create an existing object', async () => {
      const { store, changes } = await setup();
      await store.create(destination('dev'));

      await expect(store.create(destination('dev'))).rejects.toThrow(
        AlreadyExistsError,
      );
      await expect(store.create(destination('dev'))).rejects.toThrow(
        'Destination "dev" already exists',
      );
      expect(changes).toHaveLength(1);
    });

    it('lets exactly one of concurrent creates win', async () => {
      const { store } = await setup();
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => store.create(destination('dev'))),
      );

      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter(x => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(
          AlreadyExistsError,
        );
      }
    });

    it('returns copies that callers may mutate', async () => {
      const { store } = await setup();
      const input = destination('dev', { env: 'dev' });
      const created = await store.create(input);
      input.metadata.labels!.env = 'changed-input';
      created.metadata.labels!.env = 'changed-result';
      const listed = await store.list(DESTINATION);
      listed[0].spec.path = 'changed-list';

      const stored = await store.get({ ...DESTINATION, name: 'dev' });
      expect(stored?.metadata.labels).toEqual({ env: 'dev' });
      expect(stored?.spec.path).toBe('dev');
    });
  });

  describe('list', () => {
    it('lists one kind in namespace and name order', async () => {
      const { store } = await setup();
      for (const [ns, name] of [
        ['b', 'x'],
        ['a', 'y'],
        ['a', 'x-1'],
        ['a', 'x'],
      ]) {
        await store.create(work(ns, name));
      }
      await store.create(destination('not-a-work'));

      expect(names(await store.list(WORK))).toEqual([
        'a/x',
        'a/x-1',
        'a/y',
        'b/x',
      ]);
      expect(names(await store.list(WORK, { namespace: 'b' }))).toEqual([
        'b/x',
      ]);
      expect(await store.list({ group: 'other.io', kind: 'Work' })).toEqual([]);
    });

    it('filters by label selector', async () => {
      const { store } = await setup();
      await store.create(destination('dev', { env: 'dev', zone: 'eu' }));
      await store.create(destination('prod', { env: 'prod', zone: 'eu' }));
      await store.create(destination('bare'));

      const select = async (labelSelector: LabelRequirement[]) =>
        names(await store.list(DESTINATION, { labelSelector }));

      expect(
        await select([{ key: 'env', operator: 'Equals', values: ['dev'] }]),
      ).toEqual(['/dev']);
      expect(
        await select([{ key: 'env', operator: 'NotIn', values: ['dev'] }]),
      ).toEqual(['/bare', '/prod']);
      expect(
        await select([
          { key: 'zone', operator: 'Exists', values: [] },
          { key: 'env', operator: 'In', values: ['dev', 'prod'] },
        ]),
      ).toEqual(['/dev', '/prod']);
      expect(
        await select([{ key: 'zone', operator: 'DoesNotExist', values: [] }]),
      ).toEqual(['/bare']);
      expect(await select([])).toEqual(['/bare', '/dev', '/prod']);
    });

    it('lists the objects last written before an instant, with the other filters too', async () => {
      const database = await initDatabase(databases, id);
      let now = Date.parse('2026-03-01T10:00:00.700Z');
      const store = await DatabaseObjectStore.create({
        database,
        now: () => new Date(now),
      });
      await store.create(destination('first', { env: 'dev' }));
      const second = await store.create(destination('second', { env: 'dev' }));
      await store.create(destination('second-bare'));
      now += 1000;
      await store.create(destination('third', { env: 'dev' }));
      const before = async (iso: string, labelSelector?: LabelRequirement[]) =>
        names(
          await store.list(DESTINATION, {
            writtenBefore: new Date(iso),
            labelSelector,
          }),
        );

      // To the millisecond, unlike creationTimestamp's whole seconds.
      expect(await before('2026-03-01T10:00:00.700Z')).toEqual([]);
      expect(await before('2026-03-01T10:00:00.701Z')).toEqual([
        '/first',
        '/second',
        '/second-bare',
      ]);
      expect(
        await before('2026-03-01T10:00:01Z', [
          { key: 'env', operator: 'Equals', values: ['dev'] },
        ]),
      ).toEqual(['/first', '/second']);

      // A change of status is a write too.
      now += 1000;
      await store.updateStatus({ ...second, status: { ready: true } });
      expect(await before('2026-03-01T10:00:02Z')).toEqual([
        '/first',
        '/second-bare',
        '/third',
      ]);
      expect(
        (await store.listPage(DESTINATION, { writtenBefore: new Date(now) }))
          .items.length,
      ).toBe(3);
      store.feed.stop();
    });
  });

  describe('update', () => {
    it('replaces metadata and spec, keeps status, bumps generation on spec change only', async () => {
      const { store } = await setup();
      const created = await store.create({
        ...destination('dev', { env: 'dev' }),
        status: { ready: true },
      });

      const relabelled = await store.update({
        ...created,
        metadata: {
          ...created.metadata,
          labels: { env: 'staging' },
          annotations: { note: 'x' },
          finalizers: ['kratix.io/cleanup'],
        },
        status: { ready: false },
      });
      expect(relabelled.metadata.labels).toEqual({ env: 'staging' });
      expect(relabelled.metadata.annotations).toEqual({ note: 'x' });
      expect(relabelled.metadata.finalizers).toEqual(['kratix.io/cleanup']);
      expect(relabelled.metadata.generation).toBe(1);
      expect(relabelled.status).toEqual({ ready: true });
      expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(
        Number(created.metadata.resourceVersion),
      );

      const respecced = await store.update({
        ...relabelled,
        spec: { ...relabelled.spec, path: 'elsewhere' },
      });
      expect(respecced.metadata.generation).toBe(2);
      expect(respecced.spec.path).toBe('elsewhere');
      expect(respecced.metadata.uid).toBe(created.metadata.uid);
      expect(respecced.metadata.creationTimestamp).toBe(
        created.metadata.creationTimestamp,
      );
      expect(await store.get({ ...DESTINATION, name: 'dev' })).toEqual(
        respecced,
      );
    });

    it("replaces the top-level fields of a kind without spec, such as an Event's", async () => {
      const { store } = await setup();
      const key = { group: '', kind: 'Event', namespace: 'default' };
      const created = await store.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'edited', namespace: 'default' },
        reason: 'Edited',
        message: 'first',
        count: 1,
      } as KubeObject);
      const { count: _count, ...withoutCount } = created as any;

      const edited = await store.update({ ...withoutCount, message: 'second' });
      expect(edited).toMatchObject({ reason: 'Edited', message: 'second' });
      expect(edited).not.toHaveProperty('count');
      expect(edited.metadata.generation).toBe(1);
      expect(await store.get({ ...key, name: 'edited' })).toEqual(edited);
    });

    it('does not count reordered spec keys as a spec change', async () => {
      const { store } = await setup();
      const created = await store.create(destination('dev'));
      const { path, stateStoreRef } = created.spec;

      const updated = await store.update({
        ...created,
        spec: { stateStoreRef, path },
        metadata: { ...created.metadata, labels: { a: 'b' } },
      });
      expect(updated.metadata.generation).toBe(1);
    });

    it('rejects a stale resourceVersion and accepts none', async () => {
      const { store, changes } = await setup();
      const created = await store.create(destination('dev'));
      const first = await store.update({
        ...created,
        metadata: { ...created.metadata, labels: { a: '1' } },
      });

      await expect(
        store.update({
          ...created,
          metadata: { ...created.metadata, labels: { a: '2' } },
        }),
      ).rejects.toThrow(ResourceVersionConflictError);
      expect(changes).toHaveLength(2);

      const { resourceVersion: _, ...unversioned } = created.metadata;
      const forced = await store.update({
        ...created,
        metadata: { ...unversioned, labels: { a: '3' } },
      });
      expect(forced.metadata.labels).toEqual({ a: '3' });
      expect(Number(forced.metadata.resourceVersion)).toBeGreaterThan(
        Number(first.metadata.resourceVersion),
      );
    });

    it('lets exactly one of concurrent updates from the same version win', async () => {
      const { store } = await setup();
      const created = await store.create(destination('dev'));

      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.update({
            ...created,
            metadata: { ...created.metadata, labels: { n: String(i) } },
          }),
        ),
      );

      expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter(x => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(
          ResourceVersionConflictError,
        );
      }
    });

    it('gives concurrent writers distinct, increasing resourceVersions', async () => {
      const { store } = await setup();
      await Promise.all(
        ['a', 'b', 'c', 'd'].map(n => store.create(destination(n))),
      );

      const written = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.update({
            ...destination('abcd'[i % 4]),
            metadata: { name: 'abcd'[i % 4], labels: { n: String(i) } },
          }),
        ),
      );

      const versions = written.map(o => Number(o.metadata.resourceVersion));
      expect(new Set(versions).size).toBe(versions.length);
      const listed = await store.list(DESTINATION);
      for (const object of listed) {
        const mine = written.filter(
          w => w.metadata.name === object.metadata.name,
        );
        const last = Math.max(
          ...mine.map(w => Number(w.metadata.resourceVersion)),
        );
        expect(object.metadata.resourceVersion).toBe(String(last));
      }
    });

    it('skips writes that change nothing', async () => {
      const { store, changes } = await setup();
      const created = await store.create(destination('dev', { env: 'dev' }));

      const same = await store.update(created);
      const sameStatus = await store.updateStatus(created);

      expect(same).toEqual(created);
      expect(sameStatus).toEqual(created);
      expect(changes.map(c => c.type)).toEqual(['ADDED']);
    });

    it('throws NotFoundError for a missing object', async () => {
      const { store } = await setup();
      await expect(store.update(destination('ghost'))).rejects.toThrow(
        NotFoundError,
      );
      await expect(store.updateStatus(destination('ghost'))).rejects.toThrow(
        NotFoundError,
      );
    });
  });

  describe('updateStatus', () => {
    it('replaces only status', async () => {
      const { store } = await setup();
      const created = await store.create({
        ...destination('dev', { env: 'dev' }),
        status: { old: true },
      });

      const updated = await store.updateStatus({
        ...created,
        metadata: { ...created.metadata, labels: { env: 'ignored' } },
        spec: { path: 'ignored' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      });

      expect(updated.status).toEqual({
        conditions: [{ type: 'Ready', status: 'True' }],
      });
      expect(updated.metadata.labels).toEqual({ env: 'dev' });
      expect(updated.spec).toEqual(created.spec);
      expect(updated.metadata.generation).toBe(1);
      expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
        Number(created.metadata.resourceVersion),
      );
    });

    it('rejects a stale resourceVersion', async () => {
      const { store } = await setup();
      const created = await store.create(destination('dev'));
      await store.updateStatus({ ...created, status: { n: 1 } });

      await expect(
        store.updateStatus({ ...created, status: { n: 2 } }),
      ).rejects.toThrow(ResourceVersionConflictError);
    });
  });

  describe('delete', () => {
    it('removes an object without finalizers', async () => {
      const { store } = await setup();
      await store.create(work('ns', 'w'));

      expect(
        await store.delete({ ...WORK, namespace: 'ns', name: 'w' }),
      ).toBeUndefined();
      expect(
        await store.get({ ...WORK, namespace: 'ns', name: 'w' }),
      ).toBeUndefined();
      await expect(
        store.delete({ ...WORK, namespace: 'ns', name: 'w' }),
      ).rejects.toThrow(NotFoundError);
    });

    it('waits for finalizers, then the last one removed deletes it', async () => {
      const { store, changes } = await setup();
      const key = { ...DESTINATION, name: 'dev' };
      const created = await store.create({
        ...destination('dev'),
        metadata: { name: 'dev', finalizers: ['a', 'b'] },
      });

      const deleting = await store.delete(key);
      expect(deleting?.metadata.deletionTimestamp).toEqual(expect.any(String));
      expect(deleting?.metadata.generation).toBe(created.metadata.generation);
      expect(await store.get(key)).toEqual(deleting);

      const again = await store.delete(key);
      expect(again).toEqual(deleting);

      const oneLeft = await store.update({
        ...deleting!,
        metadata: { ...deleting!.metadata, finalizers: ['b'] },
      });
      expect(oneLeft.metadata.deletionTimestamp).toBe(
        deleting?.metadata.deletionTimestamp,
      );
      expect(await store.get(key)).toEqual(oneLeft);

      const last = await store.update({
        ...oneLeft,
        metadata: { ...oneLeft.metadata, finalizers: [] },
      });
      expect(await store.get(key)).toBeUndefined();
      expect(last.metadata.finalizers).toEqual([]);

      expect(changes.map(c => c.type)).toEqual([
        'ADDED',
        'MODIFIED',
        'MODIFIED',
        'DELETED',
      ]);
      expect(changes[3].object).toEqual(last);
      expect(changes[3].previous).toEqual(oneLeft);
    });

    it('ignores a deletionTimestamp sent with an update', async () => {
      const { store } = await setup();
      const created = await store.create({
        ...destination('dev'),
        metadata: { name: 'dev', finalizers: ['a'] },
      });
      const updated = await store.update({
        ...created,
        metadata: {
          ...created.metadata,
          deletionTimestamp: '2020-01-01T00:00:00Z',
        },
      });
      expect(updated.metadata.deletionTimestamp).toBeUndefined();
    });
  });

  describe('the change feed across replicas', () => {
    it("tells a second store on the same database of the first one's writes, in order", async () => {
      const { database, store } = await setup();
      const other = await DatabaseObjectStore.create({ database });
      const seen: string[] = [];
      other.onChange(({ type, object }) =>
        seen.push(`${type} ${object.metadata.name}`),
      );

      const created = await store.create(destination('dev'));
      await store.update({
        ...created,
        metadata: { ...created.metadata, labels: { environment: 'dev' } },
      });
      await store.delete({ ...DESTINATION, name: 'dev' });
      // A later write marks the end: once it is seen, everything before it
      // was told, so a duplicate or a missing change cannot hide.
      await store.create(destination('end'));

      // Woken by NOTIFY on PostgreSQL, by its poll (1 s) on SQLite.
      const deadline = Date.now() + 5000;
      while (!seen.includes('ADDED end') && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 50));
      }
      expect(seen).toEqual([
        'ADDED dev',
        'MODIFIED dev',
        'DELETED dev',
        'ADDED end',
      ]);
    });

    it('replays changes after a version to a watcher, then follows live ones', async () => {
      const { store } = await setup();
      const first = await store.create(destination('a'));
      await store.create(destination('b'));
      const abort = new AbortController();
      const seen: string[] = [];
      const done = (async () => {
        for await (const change of store.watch({
          since: Number(first.metadata.resourceVersion),
          kinds: [DESTINATION],
          signal: abort.signal,
        })) {
          seen.push(`${change.type} ${change.object.metadata.name}`);
          if (seen.length === 2) abort.abort();
        }
      })();
      await store.create(work('ns', 'not-a-destination'));
      await store.create(destination('c'));
      await done;
      expect(seen).toEqual(['ADDED b', 'ADDED c']);
    });

    it('answers a compacted version with ResourceVersionExpiredError', async () => {
      const { store } = await setup();
      const first = await store.create(destination('a'));
      await store.create(destination('b'));
      expect(await store.feed.compact(-1000)).toBeGreaterThanOrEqual(2);
      const iterator = store
        .watch({ since: Number(first.metadata.resourceVersion) - 1 })
        [Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toMatchObject({
        name: 'ResourceVersionExpiredError',
      });
    });
  });

  describe('onChange', () => {
    it('reports every committed change with the previous object', async () => {
      const { store, changes } = await setup();
      const key = { ...DESTINATION, name: 'dev' };

      const created = await store.create(destination('dev'));
      const updated = await store.update({
        ...created,
        metadata: { ...created.metadata, labels: { a: 'b' } },
      });
      const withStatus = await store.updateStatus({
        ...updated,
        status: { x: 1 },
      });
      await store.delete(key);

      const rv = (o: { metadata: { resourceVersion?: string } }) =>
        Number(o.metadata.resourceVersion);
      expect(changes).toEqual([
        { type: 'ADDED', object: created, resourceVersion: rv(created) },
        {
          type: 'MODIFIED',
          object: updated,
          previous: created,
          resourceVersion: rv(updated),
        },
        {
          type: 'MODIFIED',
          object: withStatus,
          previous: updated,
          resourceVersion: rv(withStatus),
        },
        {
          resourceVersion: rv(withStatus) + 1,
          type: 'DELETED',
          object: {
            ...withStatus,
            metadata: {
              ...withStatus.metadata,
              resourceVersion: expect.stringMatching(/^\d+$/),
            },
          },
          previous: withStatus,
        },
      ]);
      expect(
        Number(changes[3].object.metadata.resourceVersion),
      ).toBeGreaterThan(Number(withStatus.metadata.resourceVersion));
    });

    it('tells listeners only after the write is visible', async () => {
      const { store } = await setup();
      const seen: Promise<KubeObject | undefined>[] = [];
      store.onChange(change =>
        seen.push(
          store.get({ ...DESTINATION, name: change.object.metadata.name }),
        ),
      );

      const created = await store.create(destination('dev'));
      expect(await seen[0]).toEqual(created);
    });

    it('keeps writing and notifying when a listener throws', async () => {
      const database = await initDatabase(databases, id);
      const logger = mockServices.logger.mock();
      const store = await DatabaseObjectStore.create({ database, logger });
      store.onChange(() => {
        throw new Error('listener bug');
      });
      const after: ObjectChange[] = [];
      store.onChange(change => after.push(change));

      const created = await store.create(destination('dev'));

      expect(await store.get({ ...DESTINATION, name: 'dev' })).toEqual(created);
      expect(after).toHaveLength(1);
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining('listener'),
        expect.objectContaining({ message: 'listener bug' }),
      );
    });

    it('gives every listener the same frozen change and stops after unsubscribe', async () => {
      const { store, changes } = await setup();
      const late: ObjectChange[] = [];
      const unsubscribe = store.onChange(change => late.push(change));

      const created = await store.create(destination('one'));
      unsubscribe();
      await store.create(destination('two'));

      expect(changes.map(c => c.object.metadata.name)).toEqual(['one', 'two']);
      expect(late).toHaveLength(1);
      expect(late[0]).toBe(changes[0]);
      expect(() => {
        late[0].object.metadata.name = 'mutated';
      }).toThrow(TypeError);
      // The writer's own object is not the listeners'.
      created.metadata.name = 'renamed by its writer';
      expect(changes[0].object.metadata.name).toBe('one');
    });
  });

  it('keeps objects and versions across a restart', async () => {
    const { database, store } = await setup();
    const created = await store.create(destination('dev', { env: 'dev' }));
    await store.create(work('ns', 'w'));

    const restarted = await DatabaseObjectStore.create({ database });

    expect(await restarted.get({ ...DESTINATION, name: 'dev' })).toEqual(
      created,
    );
    expect(names(await restarted.list(WORK))).toEqual(['ns/w']);
    const updated = await restarted.update({
      ...created,
      metadata: { ...created.metadata, labels: { env: 'prod' } },
    });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
  });

  it('does not run migrations when the database says to skip them', async () => {
    const database = await initDatabase(databases, id);
    const skipping = { ...database, migrations: { skip: true } };

    const store = await DatabaseObjectStore.create({ database: skipping });
    const error = await store.list(DESTINATION).then(
      () => undefined,
      e => e,
    );
    expect(String(error?.message)).toMatch(/kratix_objects/);

    await DatabaseObjectStore.create({ database });
    expect(await store.list(DESTINATION)).toEqual([]);
  });
});
