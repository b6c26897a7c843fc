import express from 'express';
import request from 'supertest';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { initDatabase } from '../store/__testUtils__/databases';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { InMemoryKindRegistry } from '../admission/kinds';
import { DefaultKratixObjectService } from '../objects/objectService';
import { FakeAdmission } from './__testUtils__/fakes';
import { coreV1Router, logTail } from './coreV1';
import { statusErrorHandler } from './status';

describe('logTail', () => {
  it("gives kubectl logs' --tail and --limit-bytes answers", () => {
    const log = 'one\ntwo\nthree\n';
    expect(logTail(log)).toBe(log);
    expect(logTail(log, 2)).toBe('two\nthree\n');
    expect(logTail(log, 0)).toBe('');
    expect(logTail(log, 10)).toBe(log);
    expect(logTail(log, undefined, 5)).toBe('one\nt');
  });
});

describe('coreV1Router', () => {
  const databases = kratixTestDatabases();
  let store: DatabaseObjectStore;

  beforeAll(async () => {
    store = await DatabaseObjectStore.create({
      database: await initDatabase(databases, 'SQLITE_3'),
    });
    await store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'run', namespace: 'default' },
      spec: { containers: [{ name: 'main', image: 'x' }] },
      status: { phase: 'Succeeded', containerLogs: { main: 'hello\n' } },
    });
  });
  afterAll(() => store.feed.stop());

  function app(result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) {
    const permissions = mockServices.permissions.mock({
      authorize: async requests => requests.map(() => ({ result })),
    });
    const a = express();
    a.use((_req, res, next) => {
      res.locals.credentials = mockCredentials.user();
      next();
    });
    const objects = new DefaultKratixObjectService({
      store,
      kinds: new InMemoryKindRegistry(),
      admission: new FakeAdmission(),
      permissions,
    });
    a.use(coreV1Router({ objects, permissions }));
    a.use(statusErrorHandler(mockServices.logger.mock()));
    return a;
  }

  it('needs kratix.object.read for runs, logs and events', async () => {
    const denied = app(AuthorizeResult.DENY);
    for (const path of [
      '/api/v1/namespaces/default/pods',
      '/api/v1/namespaces/default/pods/run/log',
      '/api/v1/events',
    ]) {
      const res = await request(denied).get(path);
      expect(res.status).toBe(403);
      expect(res.body.reason).toBe('Forbidden');
      expect(res.body.message).toContain('kratix.object.read');
    }
    const allowed = app(AuthorizeResult.ALLOW);
    const log = await request(allowed).get(
      '/api/v1/namespaces/default/pods/run/log',
    );
    expect(log.status).toBe(200);
    expect(log.text).toBe('hello\n');
    const pods = await request(allowed).get('/api/v1/namespaces/default/pods');
    expect(pods.body.items[0].status).toEqual({ phase: 'Succeeded' });
  });

  it('answers writes with MethodNotAllowed and unknown kinds with NotFound', async () => {
    const a = app(AuthorizeResult.ALLOW);
    const post = await request(a)
      .post('/api/v1/namespaces/default/events')
      .send({});
    expect(post.status).toBe(405);
    expect(post.body.reason).toBe('MethodNotAllowed');
    expect(
      (await request(a).get('/api/v1/namespaces/default/secrets')).status,
    ).toBe(404);
  });
});
