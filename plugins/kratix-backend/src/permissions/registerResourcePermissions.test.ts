import request from 'supertest';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  eventually,
  startKratixBackend,
  tempDir,
} from '../__testUtils__/testBackend';
import { kratixTestDatabases } from '../__testUtils__/databases';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();

describe('conditional decisions on refs', () => {
  it("are applied by the permission backend's call to a Destination named by its ref", async () => {
    const backend = await startKratixBackend({
      knex: await databases.init('SQLITE_3'),
      stateStoreRoot: tempDir('kratix-conditions-'),
    });
    try {
      await eventually(
        async () =>
          (
            await backend.api.get(
              '/apis/platform.kratix.io/v1alpha1/destinations/worker-1',
            )
          ).status === 200,
        'worker-1',
      );
      const ask = (value: string) =>
        request(backend.baseUrl.replace(/\/api\/kratix$/, ''))
          .post(
            '/api/kratix/.well-known/backstage/permissions/apply-conditions',
          )
          .set('Authorization', mockCredentials.service.header())
          .send({
            items: [
              {
                id: '1',
                resourceRef: 'worker-1',
                resourceType: 'kratix-destination',
                conditions: {
                  rule: 'HAS_LABEL',
                  resourceType: 'kratix-destination',
                  params: { key: 'environment', value },
                },
              },
            ],
          });
      // worker-1 starts without labels.
      expect((await ask('dev')).body).toEqual({
        items: [{ id: '1', result: 'DENY' }],
      });
      await backend.api
        .patch('/apis/platform.kratix.io/v1alpha1/destinations/worker-1', {
          metadata: { labels: { environment: 'dev' } },
        })
        .expect(200);
      expect((await ask('dev')).body).toEqual({
        items: [{ id: '1', result: 'ALLOW' }],
      });
    } finally {
      await backend.stop();
    }
  });
});
