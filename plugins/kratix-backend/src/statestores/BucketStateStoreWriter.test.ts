import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { BucketStateStoreWriterFactory } from './BucketStateStore';
import { ConfigSecrets } from './secrets';
import { placementFiles, PlacementInput } from './layout';
import {
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  TestS3Server,
} from './__testUtils__/s3Server';

jest.setTimeout(30_000);

const BUCKET = 'kratix';

const secrets = new ConfigSecrets([
  {
    name: 'minio-credentials',
    namespace: 'default',
    data: { accessKeyID: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
  },
  { name: 'half', data: { accessKeyID: S3_ACCESS_KEY } },
]);

const bucketStore = (
  endpoint: string,
  spec: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'BucketStateStore',
  metadata: { name: 'minio-store' },
  spec: {
    endpoint,
    insecure: true,
    bucketName: BUCKET,
    authMethod: 'accessKey',
    secretRef: { name: 'minio-credentials', namespace: 'default' },
    ...spec,
  },
});

const placement = (
  resourceName: string,
  files: Record<string, string>,
): PlacementInput => ({
  name: `elastic-cloud-${resourceName}.worker-1-5058f`,
  namespace: 'default',
  promiseName: 'elastic-cloud',
  resourceName,
  pipelineName: 'instance-configure',
  groupId: '5058f1af8388633f609cadb75a75dc9d',
  workloads: Object.entries(files).map(([filepath, content]) => ({
    filepath,
    content,
  })),
});

describe('BucketStateStoreWriter against a real S3 server', () => {
  let server: TestS3Server;
  let factory: BucketStateStoreWriterFactory;
  let writer: StateStoreWriter;

  beforeAll(async () => {
    server = await TestS3Server.start([BUCKET]);
    factory = new BucketStateStoreWriterFactory({ secrets });
  });
  afterAll(() => server?.stop());

  beforeEach(async () => {
    writer = await factory.create(
      bucketStore(server.endpoint, { path: `t${Date.now()}${Math.random()}` }),
    );
  });

  const write = (
    files: { path: string; content: string }[],
    remove: string[] = [],
  ) => writer.update({ write: files, remove, message: 'Update from: test' });

  it("puts a placement at Kratix's keys, below spec.path", async () => {
    const store = await factory.create(
      bucketStore(server.endpoint, { path: 'clusters/' }),
    );
    const files = placementFiles({
      mode: 'nestedByMetadata',
      destinationPath: 'worker-1',
      placement: placement('example', { 'kibana.yaml': 'kind: Kibana\n' }),
    });
    await store.update({ write: files, remove: [], message: 'Update from: x' });
    const objects = await server.objects(BUCKET);
    expect(
      objects[
        'clusters/worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml'
      ],
    ).toBe('kind: Kibana\n');
    expect(await store.list('worker-1')).toEqual([
      'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml',
    ]);
    expect(
      await store.read(
        'worker-1/resources/default/elastic-cloud/example/instance-configure/5058f/kibana.yaml',
      ),
    ).toBe('kind: Kibana\n');
    expect(await store.read('worker-1/missing.yaml')).toBeUndefined();
  });

  it('does not upload objects whose content hash is unchanged', async () => {
    const files = [
      { path: 'w/a/one.yaml', content: 'one' },
      { path: 'w/a/two.yaml', content: 'two' },
      { path: 'w/b/three.yaml', content: 'three' },
    ];
    await write(files);
    server.resetCounts();
    await write(files);
    expect(server.requests.PUT ?? 0).toBe(0);
    // One listing for the directory with two files, one HEAD for the other.
    expect(server.totalRequests).toBe(2);

    server.resetCounts();
    await write([{ ...files[0], content: 'changed' }, files[1], files[2]]);
    expect(server.requests.PUT).toBe(1);
    expect(await writer.read('w/a/one.yaml')).toBe('changed');
    expect(await writer.read('w/a/two.yaml')).toBe('two');
  });

  it('deletes exactly the objects removed, in one request', async () => {
    await write([
      { path: 'w/p1/a.yaml', content: 'a' },
      { path: 'w/p1/b.yaml', content: 'b' },
      { path: 'w/p2/a.yaml', content: 'other placement' },
      { path: 'w/p1x/a.yaml', content: 'prefix of p1, not p1' },
    ]);
    server.resetCounts();
    await write([], ['w/p1/a.yaml', 'w/p1/b.yaml', 'w/never-was.yaml']);
    expect(server.totalRequests).toBe(1);
    expect(await writer.list('')).toEqual(['w/p1x/a.yaml', 'w/p2/a.yaml']);
  });

  it('lists across pages', async () => {
    const files = Array.from({ length: 1005 }, (_, i) => ({
      path: `many/${String(i).padStart(4, '0')}.yaml`,
      content: `${i}`,
    }));
    await write(files);
    const listed = await writer.list('many');
    expect(listed).toHaveLength(1005);
    expect(listed[1004]).toBe('many/1004.yaml');
  });

  it('refuses bad paths before sending anything', async () => {
    server.resetCounts();
    await expect(write([{ path: '../escape', content: 'x' }])).rejects.toThrow(
      /must not contain "\.\."/,
    );
    await expect(write([{ path: 'a', content: '1' }], ['a'])).rejects.toThrow(
      /both written and removed/,
    );
    expect(server.totalRequests).toBe(0);
  });

  it('names the missing secret or key', async () => {
    await expect(
      factory.create(
        bucketStore(server.endpoint, {
          secretRef: { name: 'nope', namespace: 'default' },
        }),
      ),
    ).rejects.toThrow(
      'BucketStateStore "minio-store": secret "default/nope" not found',
    );
    await expect(
      factory.create(
        bucketStore(server.endpoint, { secretRef: { name: 'half' } }),
      ),
    ).rejects.toThrow('secret "default/half" is missing key: secretAccessKey');
  });

  it('reports wrong credentials without revealing them', async () => {
    const wrong = new BucketStateStoreWriterFactory({
      secrets: new ConfigSecrets([
        {
          name: 'minio-credentials',
          namespace: 'default',
          data: {
            accessKeyID: 'WRONG-KEY-ID',
            secretAccessKey: 'very-secret-value',
          },
        },
      ]),
    });
    const bad = await wrong.create(bucketStore(server.endpoint));
    const error: Error = await bad.list('').then(
      () => new Error('listed'),
      e => e,
    );
    expect(error.message).toMatch(/^bucket "kratix" at 127\.0\.0\.1:\d+: /);
    expect(error.message).not.toContain('very-secret-value');
    expect(error.message).not.toContain('WRONG-KEY-ID');
  });

  it('reports an unreachable endpoint, then works once it is back', async () => {
    await server.pause();
    try {
      await expect(
        write([{ path: 'outage/a.yaml', content: 'a' }]),
      ).rejects.toThrow(/bucket "kratix" at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    } finally {
      await server.resume();
    }
    await write([{ path: 'outage/a.yaml', content: 'a' }]);
    expect(await writer.read('outage/a.yaml')).toBe('a');
  });
});
