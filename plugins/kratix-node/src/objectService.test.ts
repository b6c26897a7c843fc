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

describe('DeferredKratixObjectService.watch', () => {
  const kind = { apiVersion: ref.apiVersion, kind: ref.kind };
  const signal = new AbortController().signal;

  it('is accepted once the plugin binds, then yields its events', async () => {
    const deferred = new DeferredKratixObjectService();
    const watch = deferred.watch(kind, { credentials, signal });
    const event = { type: 'ADDED', object: { ...kind, metadata: ref } };
    deferred.bind({
      watch: () => ({
        accepted: Promise.resolve(),
        async *[Symbol.asyncIterator]() {
          yield event;
        },
      }),
    } as unknown as KratixObjectService);
    await expect(watch.accepted).resolves.toBeUndefined();
    const seen = [];
    for await (const e of watch) seen.push(e);
    expect(seen).toEqual([event]);
  });

  it('is refused with the implementation’s error, and without the plugin', async () => {
    const deferred = new DeferredKratixObjectService();
    deferred.bind({
      watch: () => {
        const accepted = Promise.reject(new KratixNotFoundError('no kind'));
        return {
          accepted,
          async *[Symbol.asyncIterator]() {
            await accepted;
          },
        };
      },
    } as unknown as KratixObjectService);
    await expect(
      deferred.watch(kind, { credentials, signal }).accepted,
    ).rejects.toBeInstanceOf(KratixNotFoundError);

    const without = new DeferredKratixObjectService();
    const watch = without.watch(kind, { credentials, signal });
    without.startupComplete();
    await expect(watch.accepted).rejects.toThrow(/is not installed/);
  });
});
