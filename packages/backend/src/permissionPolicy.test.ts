import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import kratixPlugin from '@kratix-backstage/plugin-kratix-backend';
import { KratixSamplePolicy } from './permissionPolicy';

/**
 * The permissions service answering with the policy itself. (Through the
 * permission backend over HTTP, a test user's token has no actor, which
 * the backend refuses for conditional queries; a signed-in user's has.)
 */
function permissionsFrom(policy: KratixSamplePolicy) {
  const decide = async (requests: any[]) =>
    Promise.all(requests.map(r => policy.handle({ permission: r.permission })));
  return mockServices.permissions.mock({
    authorize: decide,
    authorizeConditional: decide,
  } as any).factory;
}

const EXAMPLES = path.resolve(__dirname, '../../../examples');

jest.setTimeout(60_000);

describe('the sample permission policy in a real backend', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-policy-'));
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        kratixPlugin,
        permissionsFrom(new KratixSamplePolicy(['elastic-cloud'])),
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
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const apply = (yaml: string) =>
    request(server)
      .post('/api/kratix/apply')
      .set('Authorization', mockCredentials.user.header())
      .set('Content-Type', 'application/yaml')
      .send(yaml);

  it('lets a user install the Promise, and stops a request of it with a clear message', async () => {
    const promise = await apply(
      fs.readFileSync(
        path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
        'utf8',
      ),
    );
    expect(promise.status).toBe(200);

    const denied = await apply(
      fs.readFileSync(path.join(EXAMPLES, 'resource-request.yaml'), 'utf8'),
    );
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain(
      'is not allowed "kratix.promise.request"',
    );
    expect(denied.body.details.permission).toBe('kratix.promise.request');

    const list = await request(server)
      .get(
        '/api/kratix/apis/marketplace.kratix.io/v1alpha1/namespaces/default/elastic-clouds',
      )
      .set('Authorization', mockCredentials.user.header());
    expect(list.body.items).toEqual([]);
  });
});
