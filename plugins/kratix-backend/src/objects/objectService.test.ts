import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackstageCredentials,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  KratixAlreadyExistsError,
  KratixBadRequestError,
  KratixConflictError,
  KratixForbiddenError,
  KratixInvalidError,
  KratixMethodNotAllowedError,
  KratixNotFoundError,
  KratixObjectService,
  kratixObjectServiceRef,
  KratixWatchEvent,
  KratixWatchOptions,
} from '@kratix-backstage/plugin-kratix-node';
import { kratixPlugin } from '../plugin';
import { InMemoryKindRegistry } from '../admission/kinds';
import { FakeAdmission } from '../api/__testUtils__/fakes';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { initDatabase } from '../store/__testUtils__/databases';
import { DefaultKratixObjectService } from './objectService';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');
const KRATIX = 'platform.kratix.io/v1alpha1';
const DESTINATION = { apiVersion: KRATIX, kind: 'Destination' };

jest.setTimeout(60_000);

describe('the object service, from another plugin’s module', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-objects-'));
  const denied = new Set<string>();
  let objects: KratixObjectService;
  let service: BackstageCredentials;
  let stop: () => Promise<void>;
  const user = mockCredentials.user('user:default/ada');

  beforeAll(async () => {
    const decide = async (requests: any[]) =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      }));
    const backend = await startTestBackend({
      features: [
        kratixPlugin,
        createBackendModule({
          pluginId: 'kratix',
          moduleId: 'test-user',
          register(reg) {
            reg.registerInit({
              deps: { o: kratixObjectServiceRef, auth: coreServices.auth },
              async init({ o, auth }) {
                objects = o;
                service = await auth.getOwnServiceCredentials();
              },
            });
          },
        }),
        mockServices.permissions.mock({
          authorize: decide,
          authorizeConditional: decide,
        } as any).factory,
        mockServices.rootConfig.factory({
          data: {
            kratix: {
              bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
              filesystemStateStore: { rootDir: root },
            },
          },
        }),
      ],
    });
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    fs.rmSync(root, { recursive: true, force: true });
  });

  beforeEach(() => denied.clear());

  it('reads what bootstrap created through it, and lists with a label selector', async () => {
    const worker = await objects.get(
      { ...DESTINATION, name: 'worker-1' },
      { credentials: service },
    );
    expect(worker.metadata.name).toBe('worker-1');
    const none = await objects.list(DESTINATION, {
      credentials: service,
      labelSelector: 'environment=dev',
    });
    expect(none.items).toEqual([]);
    expect(Number(none.resourceVersion)).toBeGreaterThan(0);
  });

  it('throws the domain error classes', async () => {
    const credentials = service;
    await expect(
      objects.get({ ...DESTINATION, name: 'nope' }, { credentials }),
    ).rejects.toBeInstanceOf(KratixNotFoundError);
    await expect(
      objects.create(
        {
          ...DESTINATION,
          metadata: { name: 'worker-1' },
          spec: {
            stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          },
        },
        { credentials },
      ),
    ).rejects.toBeInstanceOf(KratixAlreadyExistsError);
    const invalid = await objects
      .create(
        { ...DESTINATION, metadata: { name: 'x', annotations: 3 as any } },
        { credentials },
      )
      .catch(e => e);
    expect(invalid).toBeInstanceOf(KratixInvalidError);
    expect(invalid.causes[0].field).toBe('metadata.annotations');
    await expect(
      objects.update(
        {
          ...DESTINATION,
          metadata: { name: 'worker-1', resourceVersion: '1' },
          spec: {
            stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
          },
        },
        { credentials },
      ),
    ).rejects.toBeInstanceOf(KratixConflictError);
    await expect(
      objects.list(DESTINATION, { credentials, labelSelector: 'a in (' }),
    ).rejects.toBeInstanceOf(KratixBadRequestError);
    await expect(
      objects.create(
        { apiVersion: KRATIX, kind: 'Work', metadata: { name: 'w' } },
        { credentials },
      ),
    ).rejects.toBeInstanceOf(KratixMethodNotAllowedError);
    await expect(
      objects.get(
        { apiVersion: 'x/v1', kind: 'Nope', name: 'n' },
        { credentials },
      ),
    ).rejects.toBeInstanceOf(KratixNotFoundError);
  });

  it('checks the caller’s permissions: a DENY is a Forbidden naming the permission, and nothing changes', async () => {
    denied.add('kratix.destination.label');
    const error = await objects
      .patch(
        { ...DESTINATION, name: 'worker-1' },
        { metadata: { labels: { environment: 'dev' } } },
        { credentials: user },
      )
      .catch(e => e);
    expect(error).toBeInstanceOf(KratixForbiddenError);
    expect(error.permission).toBe('kratix.destination.label');
    expect(error.message).toContain('user "user:default/ada"');
    const worker = await objects.get(
      { ...DESTINATION, name: 'worker-1' },
      { credentials: user },
    );
    expect(worker.metadata.labels ?? {}).toEqual({});
  });

  it('records the requesting user, applies YAML, serves the Promise’s kind with its schema, and watches', async () => {
    const abort = new AbortController();
    const seen: KratixWatchEvent[] = [];
    const { resourceVersion } = await objects.list(DESTINATION, {
      credentials: user,
    });
    const watching = (async () => {
      for await (const event of objects.watch(DESTINATION, {
        credentials: user,
        resourceVersion,
        signal: abort.signal,
      })) {
        seen.push(event);
        if (event.type === 'DELETED') abort.abort();
      }
    })();

    const created = await objects.create(
      {
        ...DESTINATION,
        metadata: { name: 'worker-2' },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      },
      { credentials: user },
    );
    expect(
      created.metadata.annotations?.['kratix.backstage.io/requested-by'],
    ).toBe('user:default/ada');
    await objects.delete(
      { ...DESTINATION, name: 'worker-2' },
      { credentials: user },
    );
    await watching;
    expect(seen[0]).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'worker-2' } },
    });
    expect(seen.at(-1)?.type).toBe('DELETED');

    const applied = await objects.apply(
      fs.readFileSync(
        path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
        'utf8',
      ),
      { credentials: user },
    );
    expect(applied.items).toEqual([
      expect.objectContaining({ name: 'elastic-cloud', action: 'created' }),
    ]);
    const kinds = await objects.listKinds({ credentials: user });
    const elastic = kinds.find(k => k.promiseName === 'elastic-cloud');
    expect(elastic).toMatchObject({
      apiVersion: 'marketplace.kratix.io/v1alpha1',
      kind: 'elastic-cloud',
      namespaced: true,
    });
    expect(JSON.stringify(elastic?.schema)).toContain('enableDataCollection');
  });
});

describe('the object service’s watch and deletes, on a store', () => {
  const databases = TestDatabases.create({
    ids: ['SQLITE_3'],
    disableDocker: true,
  });
  const denied = new Set<string>();
  const credentials = mockCredentials.user('user:default/ada');

  async function setup() {
    const store = await DatabaseObjectStore.create({
      database: await initDatabase(databases, 'SQLITE_3'),
    });
    const kinds = new InMemoryKindRegistry();
    const decide = async (requests: any[]) =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      }));
    const objects = new DefaultKratixObjectService({
      store,
      kinds,
      admission: new FakeAdmission(),
      permissions: mockServices.permissions.mock({
        authorize: decide,
        authorizeConditional: decide,
      } as any),
      watchBookmarkMs: 20,
    });
    const destination = (name: string, labels: Record<string, string>) =>
      objects.create(
        { ...DESTINATION, metadata: { name, labels }, spec: {} },
        { credentials },
      );
    return { objects, destination };
  }

  beforeEach(() => denied.clear());

  it('accepts or refuses a watch before its first event', async () => {
    const { objects } = await setup();
    const signal = new AbortController().signal;
    const refused = (o: Partial<KratixWatchOptions>, ref = DESTINATION) =>
      objects.watch(ref, { credentials, signal, ...o }).accepted;
    await expect(refused({ resourceVersion: 'x1' })).rejects.toBeInstanceOf(
      KratixBadRequestError,
    );
    await expect(refused({ labelSelector: 'a in (' })).rejects.toBeInstanceOf(
      KratixBadRequestError,
    );
    await expect(
      refused({}, { apiVersion: 'x/v1', kind: 'Nope' }),
    ).rejects.toBeInstanceOf(KratixNotFoundError);
    denied.add('kratix.destination.read');
    await expect(refused({})).rejects.toBeInstanceOf(KratixForbiddenError);
    denied.clear();
    await expect(refused({ resourceVersion: '1' })).resolves.toBeUndefined();
  });

  it('sends bookmarks that follow changes the watcher does not see, only when asked', async () => {
    const { objects, destination } = await setup();
    await destination('before', { environment: 'dev' });
    const { resourceVersion } = await objects.list(DESTINATION, {
      credentials,
    });
    const abort = new AbortController();
    const watching = (allowBookmarks: boolean) =>
      objects
        .watch(DESTINATION, {
          credentials,
          labelSelector: 'environment=dev',
          resourceVersion,
          allowBookmarks,
          signal: abort.signal,
        })
        [Symbol.asyncIterator]();
    const bookmarks = watching(true);
    // Waiting from now on, through every bookmark the other is sent.
    const plainFirst = watching(false).next();
    const unseen = await destination('prod-1', { environment: 'prod' });

    const reached: string[] = [];
    while (!reached.includes(unseen.metadata.resourceVersion!)) {
      const { value } = await bookmarks.next();
      expect(value?.type).toBe('BOOKMARK');
      reached.push(value!.object.metadata.resourceVersion);
      if (reached.length > 100) throw new Error(`stuck at ${reached.at(-1)}`);
    }
    expect(Number(reached[0])).toBeGreaterThanOrEqual(Number(resourceVersion));
    // Bookmarks were due many times over by now: a watch that did not ask
    // for them sees the next change it matches first.
    await destination('dev-1', { environment: 'dev' });
    expect((await plainFirst).value).toMatchObject({
      type: 'ADDED',
      object: { metadata: { name: 'dev-1' } },
    });
    abort.abort();
  });

  it('keeps the class of an apply’s error, naming the document', async () => {
    const { objects } = await setup();
    denied.add('kratix.destination.create');
    const error = await objects
      .apply([{ ...DESTINATION, metadata: { name: 'new-one' }, spec: {} }], {
        credentials,
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(KratixForbiddenError);
    expect(error.permission).toBe('kratix.destination.create');
    expect(error.message).toMatch(
      /^error applying document 1 \(line 1\) Destination "new-one": .* \(nothing was applied\)$/,
    );
    expect(error.details).toMatchObject({ document: 0, applied: [] });
  });

  it('answers what a delete did, and deletes a collection only when every object may be deleted', async () => {
    const { objects, destination } = await setup();
    await destination('a', { environment: 'dev' });
    await destination('b', { environment: 'dev' });
    const held = await objects.create(
      {
        ...DESTINATION,
        metadata: { name: 'held', finalizers: ['kratix.io/cleanup'] },
        spec: {},
      },
      { credentials },
    );
    const gone = await objects.delete(
      { ...DESTINATION, name: 'a' },
      { credentials },
    );
    expect(gone.gone).toBe(true);
    expect(gone.object.metadata.name).toBe('a');
    const kept = await objects.delete(
      { ...DESTINATION, name: 'held' },
      { credentials },
    );
    expect(kept.gone).toBe(false);
    expect(kept.object.metadata.uid).toBe(held.metadata.uid);
    expect(kept.object.metadata.deletionTimestamp).toEqual(expect.any(String));

    denied.add('kratix.destination.delete');
    await expect(
      objects.deleteCollection(DESTINATION, {
        credentials,
        labelSelector: 'environment=dev',
      }),
    ).rejects.toBeInstanceOf(KratixForbiddenError);
    expect(
      (await objects.list(DESTINATION, { credentials })).items.map(
        d => d.metadata.name,
      ),
    ).toEqual(['b', 'held']);
    denied.clear();
    const deleted = await objects.deleteCollection(DESTINATION, {
      credentials,
      labelSelector: 'environment=dev',
    });
    expect(deleted.map(d => d.metadata.name)).toEqual(['b']);
    expect(
      (await objects.list(DESTINATION, { credentials })).items.map(
        d => d.metadata.name,
      ),
    ).toEqual(['held']);
  });
});
