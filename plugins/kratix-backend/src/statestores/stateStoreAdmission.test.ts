import { kratixTestDatabases } from '../__testUtils__/databases';
import { expectFailureStatus } from '../__testUtils__/expectStatus';
import {
  KratixTestBackend,
  startKratixBackend,
  tempDir,
} from '../__testUtils__/testBackend';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();
const V1 = '/apis/platform.kratix.io/v1alpha1';

/** Kratix's samples (config/samples), as a platform team has them. */
const KRATIX_BUCKET_SAMPLE = `
apiVersion: platform.kratix.io/v1alpha1
kind: BucketStateStore
metadata:
  name: default
spec:
  endpoint: minio.kratix-platform-system.svc.cluster.local
  insecure: true
  bucketName: kratix
  authMethod: accessKey
  secretRef:
    name: minio-credentials
    namespace: default
`;
const KRATIX_GIT_SAMPLE = `
apiVersion: platform.kratix.io/v1alpha1
kind: GitStateStore
metadata:
  name: default
spec:
  secretRef:
    name: gitea-credentials
    namespace: default
  url: https://172.18.0.2:31333/gitea_admin/kratix
  branch: main
`;

describe('admission of BucketStateStores and GitStateStores', () => {
  let backend: KratixTestBackend;
  beforeAll(async () => {
    backend = await startKratixBackend({
      knex: await databases.init('SQLITE_3'),
      stateStoreRoot: tempDir('kratix-admission-'),
    });
  });
  afterAll(() => backend?.stop());

  it("applies Kratix's YAML unchanged, with Kratix's defaults", async () => {
    await backend.api.apply(KRATIX_BUCKET_SAMPLE).expect(200);
    await backend.api.apply(KRATIX_GIT_SAMPLE).expect(200);
    const bucket = (
      await backend.api.get(`${V1}/bucketstatestores/default`).expect(200)
    ).body;
    expect(bucket.spec).toEqual({
      endpoint: 'minio.kratix-platform-system.svc.cluster.local',
      insecure: true,
      bucketName: 'kratix',
      authMethod: 'accessKey',
      secretRef: { name: 'minio-credentials', namespace: 'default' },
      path: '.',
    });
    const git = (
      await backend.api.get(`${V1}/gitstatestores/default`).expect(200)
    ).body;
    expect(git.spec).toMatchObject({
      branch: 'main',
      authMethod: 'basicAuth',
      gitAuthor: { name: 'kratix' },
      path: '.',
    });
    // A Destination may name either kind.
    await backend.api
      .apply(
        `
apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: { name: on-git }
spec:
  stateStoreRef: { kind: GitStateStore, name: default }
`,
      )
      .expect(200);
  });

  it.each([
    [
      'a BucketStateStore without bucketName and endpoint',
      `kind: BucketStateStore
metadata: { name: bad-1 }
spec: { secretRef: { name: s } }`,
      ['spec.bucketName', 'spec.endpoint'],
    ],
    [
      'a BucketStateStore with accessKey auth and no secretRef',
      `kind: BucketStateStore
metadata: { name: bad-2 }
spec: { endpoint: s3.example.org, bucketName: kratix }`,
      ['spec.secretRef'],
    ],
    [
      'a BucketStateStore with an unknown authMethod',
      `kind: BucketStateStore
metadata: { name: bad-3 }
spec: { endpoint: s3.example.org, bucketName: kratix, authMethod: magic, secretRef: { name: s } }`,
      ['spec.authMethod'],
    ],
    [
      'a GitStateStore without url',
      `kind: GitStateStore
metadata: { name: bad-4 }
spec: { secretRef: { name: s } }`,
      ['spec.url'],
    ],
    [
      'a GitStateStore with githubApp auth, which is not supported here',
      `kind: GitStateStore
metadata: { name: bad-5 }
spec: { url: "https://github.com/o/r", authMethod: githubApp, secretRef: { name: s } }`,
      ['spec.authMethod'],
    ],
    [
      'a GitStateStore whose path leaves the repository',
      `kind: GitStateStore
metadata: { name: bad-6 }
spec: { url: "https://example.org/r.git", path: ../up, secretRef: { name: s } }`,
      ['spec.path'],
    ],
    [
      'a GitStateStore with a branch git could read as an option',
      `kind: GitStateStore
metadata: { name: bad-7 }
spec: { url: "https://example.org/r.git", branch: --upload-pack=x, secretRef: { name: s } }`,
      ['spec.branch'],
    ],
  ])('refuses %s with 422 naming the fields', async (_, yaml, fields) => {
    const res = await backend.api
      .apply(`apiVersion: platform.kratix.io/v1alpha1\n${yaml}\n`)
      .expect(422);
    expectFailureStatus(res.body, 422, 'Invalid');
    expect(res.body.details.causes.map((c: any) => c.field).sort()).toEqual(
      fields,
    );
    const name = /name: (bad-\d)/.exec(yaml)![1];
    const plural = yaml.startsWith('kind: Bucket')
      ? 'bucketstatestores'
      : 'gitstatestores';
    await backend.api.get(`${V1}/${plural}/${name}`).expect(404);
  });

  it('never shows secrets: they are not objects of the API', async () => {
    const res = await backend.api.get('/apis/v1/namespaces/default/secrets');
    expect(res.status).toBe(404);
  });
});
