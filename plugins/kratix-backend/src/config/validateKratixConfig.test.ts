import { ConfigReader } from '@backstage/config';
import { validateKratixConfig } from './validateKratixConfig';

const check = (kratix: unknown) => () =>
  validateKratixConfig(new ConfigReader({ kratix } as any));

describe('validateKratixConfig', () => {
  it('accepts the settings the README documents', () => {
    expect(
      check({
        bootstrap: ['examples/platform/worker-1.yaml'],
        engine: { concurrency: { work: 8, placement: 2 } },
        changeFeed: { retention: { minutes: 15 } },
        records: { events: { ttl: '1h', perObject: 50 } },
        filesystemStateStore: { rootDir: '/tmp/x' },
        pipelines: { images: { a: '/bin/true' }, timeout: 30 },
        secrets: [{ name: 'minio', data: { accessKeyID: 'x' } }],
        policy: { denyRequests: ['elastic-cloud'] },
        scaffolder: { anything: 'theirs' },
        catalog: { owner: 'group:default/platform' },
      }),
    ).not.toThrow();
  });

  it.each([
    [{ engne: { concurrency: {} } }, 'kratix.engne is not a Kratix setting'],
    [
      { engine: { workers: 2 } },
      'kratix.engine.workers is not a Kratix setting',
    ],
    [
      { engine: { concurrency: { schedulr: 2 } } },
      'kratix.engine.concurrency.schedulr is not a Kratix setting',
    ],
    [
      { engine: { concurrency: { work: 0 } } },
      'kratix.engine.concurrency.work must be a positive integer',
    ],
    [
      { engine: { concurrency: { placement: 'four' } } },
      'kratix.engine.concurrency.placement',
    ],
    [{ bootstrap: 'one.yaml' }, 'kratix.bootstrap'],
    [{ pipelines: { maxLogBytes: 'lots' } }, 'kratix.pipelines.maxLogBytes'],
    [{ secrets: [{ data: {} }] }, 'kratix.secrets[0].name is required'],
    [{ records: 3 }, 'kratix.records must be a map'],
  ])('refuses %j naming the key', (kratix, message) => {
    expect(check(kratix)).toThrow(message);
  });
});
