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
} from '@kratix-backstage/plugin-kratix-node';
import { kratixPlugin } from '../plugin';

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
