import { mockCredentials } from '@backstage/backend-test-utils';
import {
  DeferredKratixObjectService,
  KratixNotFoundError,
  KratixObjectError,
  KratixObjectService,
} from './objectService';

const ref = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
  name: 'worker-1',
};
const credentials = mockCredentials.service();

describe('DeferredKratixObjectService', () => {
  it('holds calls made before the Kratix plugin binds, then answers them', async () => {
    const deferred = new DeferredKratixObjectService();
    const early = deferred.get(ref, { credentials });
    deferred.bind({
      get: async () => ({ ...ref, metadata: { name: 'worker-1' } }),
    } as unknown as KratixObjectService);
    await expect(early).resolves.toMatchObject({
      metadata: { name: 'worker-1' },
    });
  });

  it('fails calls clearly once the backend started without the Kratix plugin', async () => {
    const deferred = new DeferredKratixObjectService();
    const early = deferred.list(ref, { credentials });
    deferred.startupComplete();
    await expect(early).rejects.toThrow(
      /Kratix backend plugin .* is not installed in this backend/,
    );
    await expect(deferred.get(ref, { credentials })).rejects.toThrow(
      /same backend as the Kratix plugin/,
    );
  });

  it('passes the implementation’s domain errors through, by class', async () => {
    const deferred = new DeferredKratixObjectService();
    deferred.bind({
      get: async () => {
        throw new KratixNotFoundError('destinations "x" not found');
      },
    } as unknown as KratixObjectService);
    const error = await deferred.get(ref, { credentials }).catch(e => e);
    expect(error).toBeInstanceOf(KratixNotFoundError);
    expect(error).toBeInstanceOf(KratixObjectError);
    expect(error).toMatchObject({ code: 404, reason: 'NotFound' });
  });
});
