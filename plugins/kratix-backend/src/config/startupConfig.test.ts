import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { kratixPlugin } from '../plugin';

describe('the Kratix plugin with invalid config', () => {
  it('fails the backend at start, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          kratixPlugin,
          mockServices.rootConfig.factory({
            data: {
              kratix: {
                engine: { concurrency: { work: 'four' } },
                bootstarp: [],
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      /kratix\.bootstarp is not a Kratix setting.*kratix\.engine\.concurrency\.work/,
    );
  });
});
