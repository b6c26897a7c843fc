import { DefaultKratixObjectService } from '../objects/objectService';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  kratixDestinationReadPermission,
  kratixPromiseRequestPermission,
  kratixResourceReadPermission,
} from '@kratix-backstage/plugin-kratix-common';
import {
  kratixDestinationConditions,
  kratixPromiseConditions,
  kratixResourceConditions,
} from '@kratix-backstage/plugin-kratix-node';
import express from 'express';
import request from 'supertest';
import { createRouter } from '../api/createRouter';
import { FakeAdmission } from '../api/__testUtils__/fakes';
import { followPromiseKinds, InMemoryKindRegistry } from '../admission/kinds';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { initDatabase } from '../store/__testUtils__/databases';

const BASE = '/api/kratix';
const K = `${BASE}/apis/platform.kratix.io/v1alpha1`;
const M = `${BASE}/apis/marketplace.kratix.io/v1alpha1/namespaces/default/elastic-clouds`;

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

const PROMISE = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Promise',
  metadata: { name: 'elastic-cloud' },
  spec: {
    api: {
      spec: {
        group: 'marketplace.kratix.io',
        names: { kind: 'elastic-cloud', plural: 'elastic-clouds' },
        versions: [{ name: 'v1alpha1', served: true, storage: true }],
      },
    },
  },
};

/**
 * A policy: DENY for the named permissions, the given conditional
 * decisions, ALLOW for the rest.
 */
function policy(
  deny: string[],
  conditional: Record<string, PolicyDecision> = {},
) {
  const decide = async (requests: any[]) =>
    requests.map(r => {
      const name = r.permission.name;
      if (deny.includes(name)) return { result: AuthorizeResult.DENY };
      return conditional[name] ?? { result: AuthorizeResult.ALLOW };
    });
  return mockServices.permissions.mock({
    authorize: decide,
    authorizeConditional: decide,
  } as any);
}

async function setup(permissions = policy([])) {
  const store = await DatabaseObjectStore.create({
    database: await initDatabase(databases, 'SQLITE_3'),
  });
  const writes: string[] = [];
  store.onChange(c => writes.push(`${c.type} ${c.object.metadata.name}`));
  const kinds = new InMemoryKindRegistry();
  await followPromiseKinds(store, kinds);
  await store.create(PROMISE);
  await store.create({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Destination',
    metadata: { name: 'worker-1', labels: { environment: 'dev' } },
    spec: {},
  });
  await store.create({
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Destination',
    metadata: { name: 'worker-2', labels: { environment: 'prod' } },
    spec: {},
  });
  await store.create({
    apiVersion: 'marketplace.kratix.io/v1alpha1',
    kind: 'elastic-cloud',
    metadata: {
      name: 'mine',
      namespace: 'default',
      annotations: {
        'kratix.backstage.io/requested-by': 'user:default/mock',
      },
    },
    spec: {},
  });
  // The kind registry follows the store's feed: wait for the Promise's kind.
  const deadline = Date.now() + 5000;
  while (!kinds.byKind('marketplace.kratix.io/v1alpha1', 'elastic-cloud')) {
    if (Date.now() > deadline) throw new Error('the Promise kind never came');
    await new Promise(r => setTimeout(r, 10));
  }
  const router = await createRouter({
    objects: new DefaultKratixObjectService({
      store,
      kinds,
      admission: new FakeAdmission(),
      permissions,
    }),
    store,
    kinds,
    // As in production: no token, no credentials.
    httpAuth: mockServices.httpAuth({
      defaultCredentials: mockCredentials.none(),
    }),
    permissions,
    logger: mockServices.logger.mock(),
  });
  const app = express().use(BASE, router);
  writes.length = 0;
  return { app, writes };
}

const json = (body: unknown) => JSON.stringify(body);
const user = mockCredentials.user.header();

/** Every mutating route, with the permission that governs it. */
const ROUTES: [string, string, (app: express.Express) => request.Test][] = [
  [
    'create a Promise',
    'kratix.promise.create',
    app =>
      request(app)
        .post(`${K}/promises`)
        .send({ metadata: { name: 'other' } }),
  ],
  [
    'replace a Promise',
    'kratix.promise.update',
    app =>
      request(app)
        .put(`${K}/promises/elastic-cloud`)
        .send({ ...PROMISE, spec: { ...PROMISE.spec, requiredPromises: [] } }),
  ],
  [
    'patch a Promise',
    'kratix.promise.update',
    app =>
      request(app)
        .patch(`${K}/promises/elastic-cloud`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(json({ spec: { destinationSelectors: [] } })),
  ],
  [
    'delete a Promise',
    'kratix.promise.delete',
    app => request(app).delete(`${K}/promises/elastic-cloud`),
  ],
  [
    'create a Destination',
    'kratix.destination.create',
    app =>
      request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-3' } }),
  ],
  [
    'relabel a Destination',
    'kratix.destination.label',
    app =>
      request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(json({ metadata: { labels: { pvCapacity: 'large' } } })),
  ],
  [
    'change a Destination spec',
    'kratix.destination.update',
    app =>
      request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(json({ spec: { strictMatchLabels: true } })),
  ],
  [
    'relabel a Destination by apply',
    'kratix.destination.label',
    app =>
      request(app)
        .post(`${BASE}/apply`)
        .set('Content-Type', 'application/yaml')
        .send(
          'apiVersion: platform.kratix.io/v1alpha1\nkind: Destination\nmetadata:\n  name: worker-1\n  labels:\n    environment: prod\nspec: {}\n',
        ),
  ],
  [
    'delete a Destination',
    'kratix.destination.delete',
    app => request(app).delete(`${K}/destinations/worker-1`),
  ],
  [
    'delete every Destination',
    'kratix.destination.delete',
    app => request(app).delete(`${K}/destinations`),
  ],
  [
    'request a resource',
    'kratix.promise.request',
    app =>
      request(app)
        .post(M)
        .send({ metadata: { name: 'new' }, spec: {} }),
  ],
  [
    'request a resource by apply',
    'kratix.promise.request',
    app =>
      request(app)
        .post(`${BASE}/apply`)
        .set('Content-Type', 'application/yaml')
        .send(
          'apiVersion: marketplace.kratix.io/v1alpha1\nkind: elastic-cloud\nmetadata:\n  name: new\nspec: {}\n',
        ),
  ],
  [
    'change a resource request',
    'kratix.resource.update',
    app =>
      request(app)
        .patch(`${M}/mine`)
        .set('Content-Type', 'application/merge-patch+json')
        .send(json({ spec: { enableDataCollection: true } })),
  ],
  [
    'delete a resource request',
    'kratix.resource.delete',
    app => request(app).delete(`${M}/mine`),
  ],
  [
    'create a state store',
    'kratix.platform.manage',
    app =>
      request(app)
        .post(`${K}/filesystemstatestores`)
        .send({ metadata: { name: 'other' }, spec: { path: 'x' } }),
  ],
];

describe('permissions of the HTTP API', () => {
  it.each(ROUTES)(
    'DENY of %s: 403 naming %s, nothing changed',
    async (_what, permission, send) => {
      const { app, writes } = await setup(policy([permission]));
      const res = await send(app).set('Authorization', user);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        details: { permission },
      });
      expect(res.body.message).toContain(`"${permission}"`);
      expect(writes).toEqual([]);
    },
  );

  it.each(ROUTES)(
    'ALLOW of %s goes through',
    async (_what, _permission, send) => {
      const { app, writes } = await setup();
      const res = await send(app).set('Authorization', user);
      expect(res.status).toBeLessThan(300);
      expect(writes.length).toBeGreaterThan(0);
    },
  );

  it('filters lists by a conditional read decision, and refuses a hidden object', async () => {
    const { app } = await setup(
      policy([], {
        [kratixDestinationReadPermission.name]:
          kratixDestinationConditions.createConditionalDecision(
            kratixDestinationReadPermission,
            kratixDestinationConditions.conditions.hasLabel({
              key: 'environment',
              value: 'dev',
            }),
          ),
        [kratixResourceReadPermission.name]:
          kratixResourceConditions.createConditionalDecision(
            kratixResourceReadPermission,
            kratixResourceConditions.conditions.isOwner({
              claims: ['user:default/someone-else'],
            }),
          ),
      }),
    );
    const list = await request(app)
      .get(`${K}/destinations`)
      .set('Authorization', user);
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: any) => d.metadata.name)).toEqual([
      'worker-1',
    ]);
    const hidden = await request(app)
      .get(`${K}/destinations/worker-2`)
      .set('Authorization', user);
    expect(hidden.status).toBe(403);
    expect(hidden.body.details.permission).toBe('kratix.destination.read');

    const requests = await request(app).get(M).set('Authorization', user);
    expect(requests.body.items).toEqual([]);
  });

  it('allows requests per Promise with a conditional decision', async () => {
    const only = (names: string[]) =>
      policy([], {
        [kratixPromiseRequestPermission.name]:
          kratixPromiseConditions.createConditionalDecision(
            kratixPromiseRequestPermission,
            kratixPromiseConditions.conditions.hasName({ names }),
          ),
      });
    const denied = await setup(only(['redis']));
    const no = await request(denied.app)
      .post(M)
      .set('Authorization', user)
      .send({ metadata: { name: 'new' }, spec: {} });
    expect(no.status).toBe(403);
    expect(no.body.details.permission).toBe('kratix.promise.request');
    expect(denied.writes).toEqual([]);

    const allowed = await setup(only(['elastic-cloud']));
    const yes = await request(allowed.app)
      .post(M)
      .set('Authorization', user)
      .send({ metadata: { name: 'new' }, spec: {} });
    expect(yes.status).toBe(201);
    expect(
      yes.body.metadata.annotations['kratix.backstage.io/requested-by'],
    ).toBe('user:default/mock');
  });

  it('answers 401 with a Status to a caller without credentials', async () => {
    const { app, writes } = await setup();
    const res = await request(app)
      .post(`${K}/destinations`)
      .send({ metadata: { name: 'worker-3' } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ kind: 'Status', code: 401 });
    expect(writes).toEqual([]);
  });
});
