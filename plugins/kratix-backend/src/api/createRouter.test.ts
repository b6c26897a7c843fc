import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { parse as parseYaml } from 'yaml';
import { followPromiseKinds, InMemoryKindRegistry } from '../admission/kinds';
import { FakeAdmission } from './__testUtils__/fakes';
import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { initDatabase } from '../store/__testUtils__/databases';
import { ObjectChange } from '../store/types';
import { expectFailureStatus } from '../__testUtils__/expectStatus';
import { DefaultKratixObjectService } from '../objects/objectService';
import { createRouter } from './createRouter';
import { LAST_APPLIED_ANNOTATION } from '../objects/ObjectOperations';

const BASE = '/api/kratix';
const K = `${BASE}/apis/platform.kratix.io/v1alpha1`;
const EC = `${BASE}/apis/marketplace.kratix.io/v1alpha1`;
const MERGE = 'application/merge-patch+json';

const PROMISE_YAML = `apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata:
  name: elastic-cloud
spec:
  destinationSelectors:
    - matchLabels:
        environment: dev
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: elastic-clouds.marketplace.kratix.io
    spec:
      group: marketplace.kratix.io
      scope: Namespaced
      names:
        kind: elastic-cloud
        plural: elastic-clouds
        singular: elastic-cloud
      versions:
        - name: v1alpha1
          served: true
          storage: true
`;

const DESTINATION_YAML = `apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata:
  name: worker-1
spec:
  stateStoreRef:
    name: minio-store
    kind: BucketStateStore
`;

const REQUEST_YAML = `apiVersion: marketplace.kratix.io/v1alpha1
kind: elastic-cloud
metadata:
  name: example
spec:
  enableDataCollection: true
`;

const databases = TestDatabases.create({
  ids: ['SQLITE_3'],
  disableDocker: true,
});

const verbs: Record<ObjectChange['type'], string> = {
  ADDED: 'create',
  MODIFIED: 'update',
  DELETED: 'delete',
};

/** The real store, with every committed write listed for assertions. */
async function recordingStore() {
  const store = await DatabaseObjectStore.create({
    database: await initDatabase(databases, 'SQLITE_3'),
  });
  const writes: string[] = [];
  store.onChange(({ type, object }) =>
    writes.push(`${verbs[type]} ${object.kind}/${object.metadata.name}`),
  );
  return Object.assign(store, { writes });
}

async function setup(options: { permissions?: PermissionsService } = {}) {
  const store = await recordingStore();
  const kinds = new InMemoryKindRegistry();
  await followPromiseKinds(store, kinds);
  const admission = new FakeAdmission();
  const logger = mockServices.logger.mock();
  const permissions = options.permissions ?? mockServices.permissions();
  const router = await createRouter({
    objects: new DefaultKratixObjectService({
      store,
      kinds,
      admission,
      permissions,
    }),
    store,
    kinds,
    httpAuth: mockServices.httpAuth(),
    permissions,
    logger,
  });
  const app = express().use(BASE, router);
  return { app, store, admission, logger };
}

/** Allows only the named permissions. */
function permissionsAllowing(...names: string[]) {
  const seen: string[] = [];
  const decide = async (requests: any[]) =>
    requests.map(r => {
      seen.push(r.permission.name);
      return {
        result: names.includes(r.permission.name)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    });
  // Resource permissions are asked conditionally; the basic ones are not.
  const service = mockServices.permissions.mock({
    authorize: decide,
    authorizeConditional: decide,
  } as any);
  return { service, seen };
}

describe('createRouter', () => {
  describe('create, get, list', () => {
    it('creates from JSON and YAML, gets, and lists with a label selector', async () => {
      const { app } = await setup();

      const created = await request(app)
        .post(`${K}/destinations`)
        .send({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Destination',
          metadata: { name: 'worker-1', labels: { environment: 'dev' } },
          spec: {},
        });
      expect(created.status).toBe(201);
      expect(created.body.metadata).toMatchObject({
        name: 'worker-1',
        uid: expect.any(String),
        resourceVersion: expect.any(String),
      });
      // admission's defaulting is what gets stored
      expect(created.body.spec.path).toBe('worker-1');

      const yaml = await request(app)
        .post(`${K}/destinations`)
        .set('Content-Type', 'application/yaml')
        .send(DESTINATION_YAML.replace('worker-1', 'worker-2'));
      expect(yaml.status).toBe(201);
      expect(yaml.body.spec.stateStoreRef.name).toBe('minio-store');

      const got = await request(app).get(`${K}/destinations/worker-1`);
      expect(got.status).toBe(200);
      expect(got.body.metadata.labels).toEqual({ environment: 'dev' });

      const all = await request(app).get(`${K}/destinations`);
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'DestinationList',
        metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
      });
      expect(all.body.items.map((i: any) => i.metadata.name)).toEqual([
        'worker-1',
        'worker-2',
      ]);

      const dev = await request(app)
        .get(`${K}/destinations`)
        .query({ labelSelector: 'environment=dev' });
      expect(dev.status).toBe(200);
      expect(dev.body.items.map((i: any) => i.metadata.name)).toEqual([
        'worker-1',
      ]);

      const notDev = await request(app)
        .get(`${K}/destinations`)
        .query({ labelSelector: '!environment' });
      expect(notDev.body.items.map((i: any) => i.metadata.name)).toEqual([
        'worker-2',
      ]);
    });

    it('answers 400 for a malformed label selector', async () => {
      const { app } = await setup();
      const res = await request(app)
        .get(`${K}/destinations`)
        .query({ labelSelector: 'environment in (dev' });
      expect(res.status).toBe(400);
      expectFailureStatus(res.body, 400, 'BadRequest');
      expect(res.body.message).toContain('labelSelector');
    });

    it('lists with a field selector on metadata.name, as kubectl --field-selector', async () => {
      const { app } = await setup();
      for (const name of ['worker-1', 'worker-2']) {
        await request(app)
          .post(`${K}/destinations`)
          .send({ metadata: { name }, spec: {} })
          .expect(201);
      }
      const names = async (fieldSelector: string) =>
        (
          await request(app)
            .get(`${K}/destinations`)
            .query({ fieldSelector })
            .expect(200)
        ).body.items.map((d: any) => d.metadata.name);
      expect(await names('metadata.name=worker-2')).toEqual(['worker-2']);
      expect(await names('metadata.name!=worker-2')).toEqual(['worker-1']);
      const unknown = await request(app)
        .get(`${K}/destinations`)
        .query({ fieldSelector: 'spec.path=worker-1' });
      expectFailureStatus(unknown.body, 400, 'BadRequest');
      expect(unknown.body.message).toBe(
        '"spec.path" is not a known field selector: only "metadata.name", "metadata.namespace"',
      );
    });

    it('defaults apiVersion, kind and namespace, and checks them against the path', async () => {
      const { app } = await setup();
      await request(app).post(`${BASE}/apply`).send(PROMISE_YAML).expect(200);

      const created = await request(app)
        .post(`${EC}/namespaces/team-a/elastic-clouds`)
        .send({ metadata: { name: 'example' }, spec: {} });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        apiVersion: 'marketplace.kratix.io/v1alpha1',
        kind: 'elastic-cloud',
        metadata: { name: 'example', namespace: 'team-a' },
      });

      const wrongNamespace = await request(app)
        .post(`${EC}/namespaces/team-a/elastic-clouds`)
        .send({ metadata: { name: 'x', namespace: 'team-b' } });
      expectFailureStatus(wrongNamespace.body, 400, 'BadRequest');
      expect(wrongNamespace.body.message).toContain('namespace');

      const wrongKind = await request(app)
        .post(`${K}/destinations`)
        .send({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'Promise',
          metadata: { name: 'x' },
        });
      expectFailureStatus(wrongKind.body, 400, 'BadRequest');

      const noName = await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: {} });
      expectFailureStatus(noName.body, 422, 'Invalid');
      expect(noName.body.details.causes[0]).toMatchObject({
        field: 'metadata.name',
        reason: 'FieldValueRequired',
      });
    });

    it('lists a namespaced kind across all namespaces and per namespace', async () => {
      const { app } = await setup();
      await request(app)
        .post(`${BASE}/apply`)
        .send(
          `${PROMISE_YAML}---\n${REQUEST_YAML}---\n${REQUEST_YAML.replace(
            'name: example',
            'name: other\n  namespace: team-a',
          )}`,
        )
        .expect(200);

      const all = await request(app).get(`${EC}/elastic-clouds`);
      expect(all.status).toBe(200);
      expect(all.body.kind).toBe('elastic-cloudList');
      expect(
        all.body.items.map(
          (i: any) => `${i.metadata.namespace}/${i.metadata.name}`,
        ),
      ).toEqual(['default/example', 'team-a/other']);

      const teamA = await request(app).get(
        `${EC}/namespaces/team-a/elastic-clouds`,
      );
      expect(teamA.body.items.map((i: any) => i.metadata.name)).toEqual([
        'other',
      ]);

      const one = await request(app).get(
        `${EC}/namespaces/default/elastic-clouds/example`,
      );
      expect(one.status).toBe(200);
      expect(one.body.spec.enableDataCollection).toBe(true);
    });

    it('answers 404 for a kind under the wrong scope', async () => {
      const { app } = await setup();
      const clusterKindInNamespace = await request(app).get(
        `${K}/namespaces/default/destinations`,
      );
      expect(clusterKindInNamespace.status).toBe(404);
      expectFailureStatus(clusterKindInNamespace.body, 404, 'NotFound');

      const namespacedItemWithoutNamespace = await request(app).get(
        `${K}/works/some-work`,
      );
      expectFailureStatus(namespacedItemWithoutNamespace.body, 404, 'NotFound');

      const createNamespacedWithoutNamespace = await request(app)
        .post(`${K}/works`)
        .send({ metadata: { name: 'x' } });
      expectFailureStatus(
        createNamespacedWithoutNamespace.body,
        404,
        'NotFound',
      );
    });

    it('answers 409 AlreadyExists for a second create', async () => {
      const { app } = await setup();
      const body = { metadata: { name: 'worker-1' } };
      await request(app).post(`${K}/destinations`).send(body).expect(201);
      const again = await request(app).post(`${K}/destinations`).send(body);
      expectFailureStatus(again.body, 409, 'AlreadyExists');
      expect(again.body.message).toBe(
        'destinations.platform.kratix.io "worker-1" already exists',
      );
    });
  });

  describe('PUT', () => {
    it('replaces, checks the name and a stale resourceVersion', async () => {
      const { app } = await setup();
      const created = await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-1' }, spec: { path: 'a' } })
        .expect(201);

      const replaced = await request(app)
        .put(`${K}/destinations/worker-1`)
        .send({ ...created.body, spec: { path: 'b' } });
      expect(replaced.status).toBe(200);
      expect(replaced.body.spec.path).toBe('b');

      const stale = await request(app)
        .put(`${K}/destinations/worker-1`)
        .send({ ...created.body, spec: { path: 'c' } });
      expectFailureStatus(stale.body, 409, 'Conflict');

      const otherName = await request(app)
        .put(`${K}/destinations/worker-1`)
        .send({ metadata: { name: 'worker-2' } });
      expectFailureStatus(otherName.body, 400, 'BadRequest');

      const missing = await request(app)
        .put(`${K}/destinations/nope`)
        .send({ metadata: { name: 'nope' } });
      expectFailureStatus(missing.body, 404, 'NotFound');
    });
  });

  describe('PATCH', () => {
    it('labels a destination with a merge patch, and null removes a label', async () => {
      const { app, store } = await setup();
      await request(app)
        .post(`${BASE}/apply`)
        .send(DESTINATION_YAML)
        .expect(200);
      // the engine writes status; a patch must keep it
      const stored = (await store.get({
        group: 'platform.kratix.io',
        kind: 'Destination',
        name: 'worker-1',
      }))!;
      await store.updateStatus({ ...stored, status: { ready: true } });

      const labelled = await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(JSON.stringify({ metadata: { labels: { environment: 'dev' } } }));
      expect(labelled.status).toBe(200);
      expect(labelled.body.metadata.labels).toEqual({ environment: 'dev' });
      expect(labelled.body.spec.stateStoreRef.name).toBe('minio-store');
      expect(labelled.body.status).toEqual({ ready: true });

      const second = await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(
          JSON.stringify({ metadata: { labels: { pvCapacity: 'large' } } }),
        );
      expect(second.body.metadata.labels).toEqual({
        environment: 'dev',
        pvCapacity: 'large',
      });

      const removed = await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(JSON.stringify({ metadata: { labels: { environment: null } } }));
      expect(removed.body.metadata.labels).toEqual({ pvCapacity: 'large' });

      const list = await request(app)
        .get(`${K}/destinations`)
        .query({ labelSelector: 'pvCapacity=large' });
      expect(list.body.items).toHaveLength(1);
    });

    it('answers 415 for other patch types', async () => {
      const { app } = await setup();
      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-1' } })
        .expect(201);
      for (const type of [
        'application/strategic-merge-patch+json',
        'application/json-patch+json',
        'application/json',
      ]) {
        const res = await request(app)
          .patch(`${K}/destinations/worker-1`)
          .set('Content-Type', type)
          .send(JSON.stringify({ metadata: { labels: { a: 'b' } } }));
        expect(res.status).toBe(415);
        expectFailureStatus(res.body, 415, 'UnsupportedMediaType');
      }
    });

    it('answers 404 for a missing object and 400 for a renaming patch', async () => {
      const { app } = await setup();
      const missing = await request(app)
        .patch(`${K}/destinations/nope`)
        .set('Content-Type', MERGE)
        .send('{}');
      expect(missing.status).toBe(404);
      expectFailureStatus(missing.body, 404, 'NotFound');

      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-1' } })
        .expect(201);
      const rename = await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(JSON.stringify({ metadata: { name: 'worker-9' } }));
      expectFailureStatus(rename.body, 400, 'BadRequest');
    });

    it('passes the patched object through admission (422)', async () => {
      const { app } = await setup();
      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-1' } })
        .expect(201);
      const res = await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(JSON.stringify({ metadata: { labels: { environment: 42 } } }));
      expectFailureStatus(res.body, 422, 'Invalid');
      expect(res.body.details.causes[0].field).toBe(
        'metadata.labels.environment',
      );
    });
  });

  describe('object shape', () => {
    it('answers 422 for a spec, annotations or finalizers of the wrong type, before admission', async () => {
      const { app, store } = await setup();
      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-1' } })
        .expect(201);
      const before = await store.get({
        group: 'platform.kratix.io',
        kind: 'Destination',
        name: 'worker-1',
      });
      const cases: [unknown, string][] = [
        [{ spec: 'x' }, 'spec'],
        [{ metadata: { annotations: 'x' } }, 'metadata.annotations'],
        [{ metadata: { annotations: { a: 1 } } }, 'metadata.annotations[a]'],
        [
          { metadata: { finalizers: 'example.com/keep' } },
          'metadata.finalizers',
        ],
        [{ metadata: { finalizers: [''] } }, 'metadata.finalizers[0]'],
      ];
      for (const [patch, field] of cases) {
        const res = await request(app)
          .patch(`${K}/destinations/worker-1`)
          .set('Content-Type', MERGE)
          .send(JSON.stringify(patch));
        expect(res.status).toBe(422);
        expectFailureStatus(res.body, 422, 'Invalid');
        expect(res.body.details.causes.map((c: any) => c.field)).toEqual([
          field,
        ]);
      }
      const create = await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'worker-2' }, spec: ['x'] });
      expect(create.status).toBe(422);
      expect(create.body.message).toBe(
        'Destination.platform.kratix.io "worker-2" is invalid: spec: Invalid value: "array": spec in body must be of type object',
      );
      expect(
        await store.get({
          group: 'platform.kratix.io',
          kind: 'Destination',
          name: 'worker-1',
        }),
      ).toEqual(before);
    });

    it('answers 400 for a path that cannot be decoded', async () => {
      const { app } = await setup();
      const res = await request(app).get(`${K}/namespaces/%ZZ/works`);
      expect(res.status).toBe(400);
      expectFailureStatus(res.body, 400, 'BadRequest');
      expect(res.body.message).toContain('%ZZ');
    });
  });

  describe('POST /apply', () => {
    it('applies multi-document YAML: created, then unchanged, then configured', async () => {
      const { app, store } = await setup();
      const manifests = `${PROMISE_YAML}---\n${DESTINATION_YAML}\n---\n# empty\n---\n${REQUEST_YAML}`;

      const first = await request(app)
        .post(`${BASE}/apply`)
        .set('Content-Type', 'application/yaml')
        .send(manifests);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        kind: 'List',
        apiVersion: 'v1',
        items: [
          {
            apiVersion: 'platform.kratix.io/v1alpha1',
            kind: 'Promise',
            name: 'elastic-cloud',
            action: 'created',
          },
          {
            apiVersion: 'platform.kratix.io/v1alpha1',
            kind: 'Destination',
            name: 'worker-1',
            action: 'created',
          },
          {
            apiVersion: 'marketplace.kratix.io/v1alpha1',
            kind: 'elastic-cloud',
            name: 'example',
            namespace: 'default',
            action: 'created',
          },
        ],
      });

      const again = await request(app).post(`${BASE}/apply`).send(manifests);
      expect(again.body.items.map((i: any) => i.action)).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
      ]);

      const changed = await request(app)
        .post(`${BASE}/apply`)
        .send(
          manifests.replace(
            'enableDataCollection: true',
            'enableDataCollection: false',
          ),
        );
      expect(changed.body.items.map((i: any) => i.action)).toEqual([
        'unchanged',
        'unchanged',
        'configured',
      ]);
      const request_ = await store.get({
        group: 'marketplace.kratix.io',
        kind: 'elastic-cloud',
        namespace: 'default',
        name: 'example',
      });
      expect(request_?.spec).toEqual({ enableDataCollection: false });
      expect(request_?.metadata.generation).toBe(2);
    });

    it('keeps status and labels set by others, drops labels it applied before', async () => {
      const { app, store } = await setup();
      const labelled = DESTINATION_YAML.replace(
        'name: worker-1',
        'name: worker-1\n  labels:\n    zone: a',
      );
      await request(app).post(`${BASE}/apply`).send(labelled).expect(200);
      const stored = (await store.get({
        group: 'platform.kratix.io',
        kind: 'Destination',
        name: 'worker-1',
      }))!;
      await store.updateStatus({ ...stored, status: { ready: true } });
      // `kubectl label destination worker-1 environment=dev`
      await request(app)
        .patch(`${K}/destinations/worker-1`)
        .set('Content-Type', MERGE)
        .send(JSON.stringify({ metadata: { labels: { environment: 'dev' } } }))
        .expect(200);

      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(DESTINATION_YAML.replace('minio-store', 'other-store'));
      expect(res.body.items[0].action).toBe('configured');
      const after = (await store.get({
        group: 'platform.kratix.io',
        kind: 'Destination',
        name: 'worker-1',
      }))!;
      expect(after.metadata.labels).toEqual({ environment: 'dev' });
      expect(after.spec.stateStoreRef.name).toBe('other-store');
      expect(after.status).toEqual({ ready: true });
      expect(
        JSON.parse(after.metadata.annotations![LAST_APPLIED_ANNOTATION]),
      ).toEqual({ labels: [], annotations: [] });

      // applying the label itself, then dropping it from the YAML, removes it
      await request(app)
        .post(`${BASE}/apply`)
        .send(
          DESTINATION_YAML.replace(
            'name: worker-1',
            'name: worker-1\n  labels:\n    pvCapacity: large',
          ),
        )
        .expect(200);
      await request(app)
        .post(`${BASE}/apply`)
        .send(DESTINATION_YAML)
        .expect(200);
      const final = (await store.get({
        group: 'platform.kratix.io',
        kind: 'Destination',
        name: 'worker-1',
      }))!;
      expect(final.metadata.labels).toEqual({ environment: 'dev' });
    });

    it('stops at an unknown kind and reports what was applied before it', async () => {
      const { app, store } = await setup();
      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(
          `${DESTINATION_YAML}---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\n${DESTINATION_YAML.replace(
            'worker-1',
            'worker-2',
          )}`,
        );
      expect(res.status).toBe(400);
      expectFailureStatus(res.body, 400, 'BadRequest');
      expect(res.body.message).toContain(
        'no matches for kind "Widget" in version "example.com/v1"',
      );
      expect(res.body.message).toContain('document 2');
      expect(res.body.details).toMatchObject({
        document: 1,
        objectKind: 'Widget',
        objectName: 'w',
        applied: [
          {
            apiVersion: 'platform.kratix.io/v1alpha1',
            kind: 'Destination',
            name: 'worker-1',
            action: 'created',
          },
        ],
      });
      expect(store.writes).toEqual(['create Destination/worker-1']);
    });

    it('writes nothing when any document has a YAML syntax error', async () => {
      const { app, store } = await setup();
      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(
          `${PROMISE_YAML}---\n${DESTINATION_YAML}---\nkind: Destination\nmetadata:\n  name: [broken\n`,
        );
      expect(res.status).toBe(400);
      expectFailureStatus(res.body, 400, 'BadRequest');
      expect(res.body.message).toMatch(/document 3.*line \d+/);
      expect(res.body.details.line).toEqual(expect.any(Number));
      expect(store.writes).toEqual([]);
    });

    it('writes nothing when a document lacks kind or name', async () => {
      const { app, store } = await setup();
      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(`${DESTINATION_YAML}---\napiVersion: v1\nmetadata:\n  name: x\n`);
      expectFailureStatus(res.body, 400, 'BadRequest');
      expect(res.body.message).toContain("Object 'Kind' is missing");
      expect(store.writes).toEqual([]);

      const empty = await request(app).post(`${BASE}/apply`).send('---\n');
      expectFailureStatus(empty.body, 400, 'BadRequest');
    });

    it('reports a 422 from admission with the failing document', async () => {
      const { app, store } = await setup();
      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(
          `${PROMISE_YAML}---\n${REQUEST_YAML.replace(
            'enableDataCollection: true',
            'enableDataCollection: "yes"',
          )}`,
        );
      expect(res.status).toBe(422);
      expectFailureStatus(res.body, 422, 'Invalid');
      expect(res.body.details).toMatchObject({
        name: 'example',
        kind: 'elastic-cloud',
        causes: [
          {
            field: 'spec.enableDataCollection',
            reason: 'FieldValueTypeInvalid',
            message: expect.stringContaining('boolean'),
          },
        ],
        document: 1,
        applied: [
          { kind: 'Promise', name: 'elastic-cloud', action: 'created' },
        ],
      });
      expect(store.writes).toEqual(['create Promise/elastic-cloud']);
    });

    it('expands a v1 List', async () => {
      const { app } = await setup();
      const res = await request(app)
        .post(`${BASE}/apply`)
        .send(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'List',
            items: [
              {
                apiVersion: 'platform.kratix.io/v1alpha1',
                kind: 'Destination',
                metadata: { name: 'a' },
              },
              {
                apiVersion: 'platform.kratix.io/v1alpha1',
                kind: 'Destination',
                metadata: { name: 'b' },
              },
            ],
          }),
        );
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: any) => i.name)).toEqual(['a', 'b']);
    });
  });

  describe('errors', () => {
    it('answers a NotFound Status for a missing object and unknown routes', async () => {
      const { app } = await setup();
      const res = await request(app).get(`${K}/promises/x`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'promises.platform.kratix.io "x" not found',
        reason: 'NotFound',
        code: 404,
        details: { name: 'x', group: 'platform.kratix.io', kind: 'promises' },
      });

      for (const path of [
        `${BASE}/nothing-here`,
        `${BASE}/apis/platform.kratix.io/v1alpha1/widgets`,
        `${BASE}/apis/platform.kratix.io/v9/promises`,
      ]) {
        const unknown = await request(app).get(path);
        expect(unknown.status).toBe(404);
        expectFailureStatus(unknown.body, 404, 'NotFound');
      }
    });

    it('answers 405 for writes to works and workplacements', async () => {
      const { app, store } = await setup();
      const create = await request(app)
        .post(`${K}/namespaces/default/works`)
        .send({ metadata: { name: 'w' } });
      expect(create.status).toBe(405);
      expectFailureStatus(create.body, 405, 'MethodNotAllowed');

      await store.create({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'WorkPlacement',
        metadata: { name: 'wp', namespace: 'default' },
        spec: {},
      });
      const del = await request(app).delete(
        `${K}/namespaces/default/workplacements/wp`,
      );
      expectFailureStatus(del.body, 405, 'MethodNotAllowed');
      const patch = await request(app)
        .patch(`${K}/namespaces/default/workplacements/wp`)
        .set('Content-Type', MERGE)
        .send('{}');
      expectFailureStatus(patch.body, 405, 'MethodNotAllowed');
      const applied = await request(app)
        .post(`${BASE}/apply`)
        .send(
          'apiVersion: platform.kratix.io/v1alpha1\nkind: Work\nmetadata:\n  name: w\n',
        );
      expectFailureStatus(applied.body, 405, 'MethodNotAllowed');

      // reads are fine
      const read = await request(app).get(
        `${K}/namespaces/default/workplacements/wp`,
      );
      expect(read.status).toBe(200);
    });

    it('answers 405 for a method a known path does not serve', async () => {
      const { app } = await setup();
      const res = await request(app)
        .post(`${K}/destinations/worker-1`)
        .send({});
      expect(res.status).toBe(405);
      expectFailureStatus(res.body, 405, 'MethodNotAllowed');
    });

    it('answers 400 for malformed JSON, unknown body types and 413 for huge bodies', async () => {
      const { app } = await setup();
      const bad = await request(app)
        .post(`${K}/destinations`)
        .set('Content-Type', 'application/json')
        .send('{"metadata": ');
      expect(bad.status).toBe(400);
      expectFailureStatus(bad.body, 400, 'BadRequest');

      const xml = await request(app)
        .post(`${K}/destinations`)
        .set('Content-Type', 'application/xml')
        .send('<destination/>');
      expectFailureStatus(xml.body, 415, 'UnsupportedMediaType');

      const array = await request(app).post(`${K}/destinations`).send([1]);
      expectFailureStatus(array.body, 400, 'BadRequest');

      const huge = await request(app)
        .post(`${BASE}/apply`)
        .set('Content-Type', 'application/yaml')
        .send(`# ${'x'.repeat(6 * 1024 * 1024)}\n`);
      expect(huge.status).toBe(413);
      expectFailureStatus(huge.body, 413, 'RequestEntityTooLarge');
    });

    it('answers 500 InternalError without a stack, and logs it', async () => {
      const { app, store, logger } = await setup();
      jest
        .spyOn(store, 'listPage')
        .mockRejectedValue(new Error('disk on fire'));
      const res = await request(app).get(`${K}/promises`);
      expect(res.status).toBe(500);
      expectFailureStatus(res.body, 500, 'InternalError');
      expect(res.body.message).toBe('Internal error occurred: disk on fire');
      expect(JSON.stringify(res.body)).not.toContain('at ');
      expect(logger.error).toHaveBeenCalled();
    });
  });

  describe('auth and permissions', () => {
    it('answers 401 for invalid credentials and accepts service tokens', async () => {
      const { app } = await setup();
      const invalid = await request(app)
        .get(`${K}/promises`)
        .set('Authorization', mockCredentials.user.invalidHeader());
      expect(invalid.status).toBe(401);
      expectFailureStatus(invalid.body, 401, 'Unauthorized');

      const service = await request(app)
        .get(`${K}/promises`)
        .set('Authorization', mockCredentials.service.header());
      expect(service.status).toBe(200);
    });

    it('answers 403 when the permission framework denies', async () => {
      const { app, store } = await setup({
        permissions: mockServices.permissions({ result: AuthorizeResult.DENY }),
      });
      const read = await request(app).get(`${K}/promises`);
      expect(read.status).toBe(403);
      expectFailureStatus(read.body, 403, 'Forbidden');
      expect(read.body.message).toContain('kratix.object.read');

      const apply = await request(app).post(`${BASE}/apply`).send(PROMISE_YAML);
      expectFailureStatus(apply.body, 403, 'Forbidden');
      expect(store.writes).toEqual([]);
    });

    it('checks read, resource-request and platform-manage permissions per kind', async () => {
      const { service, seen } = permissionsAllowing(
        'kratix.object.read',
        'kratix.resource.request',
        'kratix.promise.read',
        'kratix.promise.request',
      );
      const { app, store } = await setup({ permissions: service });
      // a platform engineer installed the Promise
      await store.create({
        apiVersion: 'platform.kratix.io/v1alpha1',
        kind: 'Promise',
        metadata: { name: 'elastic-cloud' },
        spec: parseYaml(PROMISE_YAML).spec,
      });

      await request(app).get(`${K}/promises`).expect(200);
      const promise = await request(app)
        .post(`${K}/promises`)
        .send({ metadata: { name: 'p' } });
      expectFailureStatus(promise.body, 403, 'Forbidden');
      expect(promise.body.message).toContain('kratix.platform.manage');

      const req = await request(app).post(`${BASE}/apply`).send(REQUEST_YAML);
      expect(req.status).toBe(200);
      expect(seen).toContain('kratix.resource.request');

      // mixing in a platform kind denies the whole apply before any write
      const writes = store.writes.length;
      const mixed = await request(app)
        .post(`${BASE}/apply`)
        .send(`${REQUEST_YAML}---\n${DESTINATION_YAML}`);
      expectFailureStatus(mixed.body, 403, 'Forbidden');
      expect(store.writes).toHaveLength(writes);
    });
  });

  describe('DELETE', () => {
    it('deletes one object: a Status, or the object while finalizers hold it', async () => {
      const { app, store } = await setup();
      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'plain' } })
        .expect(201);
      await request(app)
        .post(`${K}/destinations`)
        .send({ metadata: { name: 'held', finalizers: ['kratix.io/cleanup'] } })
        .expect(201);

      const plain = await request(app).delete(`${K}/destinations/plain`);
      expect(plain.status).toBe(200);
      expect(plain.body).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: {
          name: 'plain',
          group: 'platform.kratix.io',
          kind: 'destinations',
        },
      });
      expect(plain.body.details.uid).toEqual(expect.any(String));

      const held = await request(app).delete(`${K}/destinations/held`);
      expect(held.status).toBe(200);
      expect(held.body.kind).toBe('Destination');
      expect(held.body.metadata.deletionTimestamp).toEqual(expect.any(String));
      expect(
        (await store.list({ group: 'platform.kratix.io', kind: 'Destination' }))
          .length,
      ).toBe(1);

      const gone = await request(app).delete(`${K}/destinations/plain`);
      expectFailureStatus(gone.body, 404, 'NotFound');
    });

    it('deletes a whole collection (kubectl delete promises --all)', async () => {
      const { app, store } = await setup();
      await request(app)
        .post(`${BASE}/apply`)
        .send(
          `${PROMISE_YAML}---\n${PROMISE_YAML.replace(
            'name: elastic-cloud',
            'name: other\n  finalizers: [kratix.io/cleanup]',
          ).replace(/elastic-clouds?/g, 'others')}---\n${DESTINATION_YAML}`,
        )
        .expect(200);

      const res = await request(app).delete(`${K}/promises`);
      expect(res.status).toBe(200);
      expect(res.body.kind).toBe('PromiseList');
      expect(res.body.items.map((i: any) => i.metadata.name)).toEqual([
        'elastic-cloud',
        'other',
      ]);
      expect(res.body.items[1].metadata.deletionTimestamp).toEqual(
        expect.any(String),
      );

      const left = await request(app).get(`${K}/promises`);
      expect(left.body.items.map((i: any) => i.metadata.name)).toEqual([
        'other',
      ]);
      // other kinds untouched
      const kindsLeft = await Promise.all(
        ['Destination', 'Promise'].map(kind =>
          store.list({ group: 'platform.kratix.io', kind }),
        ),
      );
      expect(kindsLeft.map(items => items.length)).toEqual([1, 1]);
    });
  });
});
