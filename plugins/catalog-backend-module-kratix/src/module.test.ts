import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
// A test of the module together with the plugin whose service it uses.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import kratixPlugin from '@kratix-backstage/plugin-kratix-backend';
import { catalogModuleKratix } from './module';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const ELASTIC_IMAGE =
  'ghcr.io/syntasso/kratix-marketplace/elastic-cloud-configure-pipeline:v0.1.0';
const DESTINATIONS =
  '/api/kratix/apis/platform.kratix.io/v1alpha1/destinations';

jest.setTimeout(120_000);

/** Polls until `check` answers; fails with the last answer. */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise(r => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
}

describe('catalog module kratix, on the real engine and catalog', () => {
  let server: any;
  let stop: () => Promise<void>;
  const user = mockCredentials.user.header();
  const stateStoreRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-cat-'));

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        kratixPlugin,
        catalogPlugin,
        catalogModuleKratix,
        mockServices.rootConfig.factory({
          data: {
            kratix: {
              bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
              filesystemStateStore: { rootDir: stateStoreRoot },
              pipelines: {
                timeout: 30,
                images: {
                  [ELASTIC_IMAGE]: path.join(
                    EXAMPLES,
                    'elastic-cloud/pipeline/run',
                  ),
                },
              },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    fs.rmSync(stateStoreRoot, { recursive: true, force: true });
  });

  const entity = (kind: string, name: string) =>
    request(server)
      .get(`/api/catalog/entities/by-name/${kind}/default/${name}`)
      .set('Authorization', user);

  /** The entity once `ok` holds for it, and how long that took. */
  async function seen(
    kind: string,
    name: string,
    ok: (e: any) => boolean,
    timeoutMs = 20_000,
  ) {
    const start = Date.now();
    const found = await eventually(
      async () => {
        const res = await entity(kind, name);
        if (res.status === 200 && ok(res.body)) return res.body;
        throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      },
      `${kind} ${name}`,
      timeoutMs,
    );
    return { entity: found, ms: Date.now() - start };
  }

  // The catalog's own processing loop polls every second, so an added or
  // changed entity shows within about that (KratixEntityProvider.test.ts
  // measures the provider's part alone).
  const CATALOG_MS = 3000;

  it('shows the bootstrapped destination, then a created, relabelled and deleted one', async () => {
    await seen(
      'resource',
      'worker-1',
      e => e.spec.type === 'kratix-destination',
    );

    const created = await request(server)
      .post(DESTINATIONS)
      .set('Authorization', user)
      .send({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Destination',
        metadata: { name: 'worker-9', labels: { environment: 'dev' } },
        spec: {
          stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
        },
      });
    expect(created.status).toBe(201);
    const add = await seen('resource', 'worker-9', () => true, CATALOG_MS);
    expect(add.entity.metadata.labels).toEqual({ environment: 'dev' });

    const relabel = await request(server)
      .patch(`${DESTINATIONS}/worker-9`)
      .set('Authorization', user)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { labels: { environment: 'prod' } } }));
    expect(relabel.status).toBe(200);
    const moved = await seen(
      'resource',
      'worker-9',
      e => e.metadata.labels?.environment === 'prod',
      CATALOG_MS,
    );
    expect(moved.entity.metadata.annotations['kratix.io/labels']).toBe(
      '{"environment":"prod"}',
    );

    const deleted = await request(server)
      .delete(`${DESTINATIONS}/worker-9`)
      .set('Authorization', user);
    expect(deleted.status).toBe(200);
    const start = Date.now();
    await eventually(
      async () =>
        (await entity('resource', 'worker-9')).status === 404
          ? true
          : undefined,
      'worker-9 gone from the catalog',
      CATALOG_MS,
    );
    const removalMs = Date.now() - start;
    // eslint-disable-next-line no-console
    console.log(
      `catalog: created ${add.ms} ms, relabelled ${moved.ms} ms, deleted ${removalMs} ms after the change`,
    );
  });

  it('shows the Promise, its API, and a request owned by its requester depending on the Promise and worker-1', async () => {
    const apply = (file: string) =>
      request(server)
        .post('/api/kratix/apply')
        .set('Authorization', user)
        .set('Content-Type', 'application/yaml')
        .send(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
    expect((await apply('elastic-cloud/promise.yaml')).status).toBe(200);
    const promise = await seen('component', 'elastic-cloud', () => true);
    expect(promise.entity.spec).toMatchObject({
      type: 'kratix-promise',
      providesApis: ['api:default/elastic-cloud'],
    });
    const api = await seen('api', 'elastic-cloud', () => true);
    expect(api.entity.spec.definition).toContain('enableDataCollection');

    await request(server)
      .patch(`${DESTINATIONS}/worker-1`)
      .set('Authorization', user)
      .set('Content-Type', 'application/merge-patch+json')
      .send(
        JSON.stringify({
          metadata: { labels: { environment: 'dev', pvCapacity: 'large' } },
        }),
      )
      .expect(200);
    expect((await apply('resource-request.yaml')).status).toBe(200);
    const placed = await seen(
      'component',
      'elastic-cloud-default-example',
      e => e.spec.dependsOn?.includes('resource:default/worker-1'),
      60_000,
    );
    expect(placed.entity.spec).toMatchObject({
      type: 'kratix-resource',
      owner: mockCredentials.user().principal.userEntityRef,
      dependsOn: [
        'component:default/elastic-cloud',
        'resource:default/worker-1',
      ],
    });
    expect(placed.entity.metadata.annotations).toMatchObject({
      'kratix.io/type': 'resource',
      'kratix.io/promise-name': 'elastic-cloud',
      'kratix.io/namespace': 'default',
      'kratix.io/name': 'example',
    });
  });
});
