import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kratixTestDatabases } from '../__testUtils__/databases';
import { condition } from '../__testUtils__/kratixObjects';
import {
  EXAMPLES,
  KratixTestBackend,
  eventually,
  startKratixBackend,
  tempDir,
} from '../__testUtils__/testBackend';
import { tutorialStepsOn } from '../__testUtils__/tutorial';
import { describeWithBwrap } from '../pipelines/__testUtils__/sandbox';
import {
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  TestS3Server,
} from './__testUtils__/s3Server';
import { BareRepos } from './__testUtils__/gitRepos';
import { TestGitHttpServer } from './__testUtils__/gitHttpServer';

jest.setTimeout(180_000);

const databases = kratixTestDatabases();
const V1 = '/apis/platform.kratix.io/v1alpha1';
const STATIC_DEPS =
  'worker-1/dependencies/elastic-cloud/5058f/static/elastic-cloud-dependencies.yaml';
const CANARIES = [
  'worker-1/dependencies/kratix-canary-namespace.yaml',
  'worker-1/resources/kratix-canary-configmap.yaml',
];

const minioSecret = {
  name: 'minio-credentials',
  namespace: 'default',
  data: { accessKeyID: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
};

/** examples/platform/minio-store.yaml, pointed at the test server. */
function minioStoreBootstrap(endpoint: string): string {
  const yaml = fs
    .readFileSync(path.join(EXAMPLES, 'platform/minio-store.yaml'), 'utf8')
    .replace(/endpoint: .*/, `endpoint: ${endpoint}`);
  const file = path.join(tempDir('kratix-minio-store-'), 'minio-store.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

const destination = async (b: KratixTestBackend) =>
  (await b.api.get(`${V1}/destinations/worker-1`)).body;

const staticDepsPlacement = async (b: KratixTestBackend) =>
  (
    await b.api.get(
      `${V1}/namespaces/kratix-platform-system/workplacements/elastic-cloud-static-deps.worker-1-5058f`,
    )
  ).body;

const applyPromise = (b: KratixTestBackend) =>
  b.api
    .apply(
      fs.readFileSync(
        path.join(EXAMPLES, 'elastic-cloud/promise.yaml'),
        'utf8',
      ),
    )
    .expect(200);

interface Outage {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * With worker-1 Ready, its store goes down and the Promise is applied:
 * the failed write of its dependencies, as the placement reports it.
 */
async function failedWriteDuringOutage(b: KratixTestBackend, store: Outage) {
  await eventually(
    async () => condition(await destination(b), 'Ready')?.status === 'True',
    'worker-1 Ready on its state store',
  );
  await store.pause();
  await b.api
    .patch(`${V1}/destinations/worker-1`, {
      metadata: { labels: { environment: 'dev' } },
    })
    .expect(200);
  await applyPromise(b);
  return eventually(async () => {
    const c = condition(await staticDepsPlacement(b), 'WriteSucceeded');
    return c?.status === 'False' && c;
  }, 'the placement to report the failed write');
}

/** The store comes back: the retried write succeeds. */
async function writtenAfterOutage(b: KratixTestBackend, store: Outage) {
  await store.resume();
  await eventually(
    async () =>
      condition(await staticDepsPlacement(b), 'WriteSucceeded')?.status ===
      'True',
    'the placement to be written after the outage',
    60_000,
  );
}

describeWithBwrap(
  'the tutorial on a BucketStateStore named minio-store',
  () => {
    let server: TestS3Server;
    beforeAll(async () => {
      server = await TestS3Server.start(['kratix']);
    });
    afterAll(() => server?.stop());

    it.each(databases.eachSupportedId())(
      'shows every outcome of the tutorial on %s, with the files in the kratix bucket',
      async databaseId => {
        const backend = await startKratixBackend({
          knex: await databases.init(databaseId),
          stateStoreRoot: tempDir('kratix-unused-'),
          config: {
            bootstrap: [minioStoreBootstrap(server.endpoint)],
            secrets: [minioSecret],
          },
        });
        try {
          const steps = tutorialStepsOn({
            plural: 'bucketstatestores',
            files: () => server.objects('kratix'),
          });
          for (const step of steps) {
            await step.act(backend);
            await step.outcome(backend);
          }
          const store = (
            await backend.api.get(`${V1}/bucketstatestores/minio-store`)
          ).body;
          // Kratix's defaults, applied at admission.
          expect(store.spec).toMatchObject({
            authMethod: 'accessKey',
            path: '.',
          });
        } finally {
          await backend.stop();
          // The next database starts from an empty bucket.
          for (const key of Object.keys(await server.objects('kratix'))) {
            await (server as any).s3rver.store.deleteObject('kratix', key);
          }
        }
      },
    );
  },
);

describe('a state store outage', () => {
  it('sets the conditions False, retries, and writes everything exactly once when the bucket is back', async () => {
    const server = await TestS3Server.start(['kratix']);
    const backend = await startKratixBackend({
      knex: await databases.init('SQLITE_3'),
      stateStoreRoot: tempDir('kratix-unused-'),
      config: {
        bootstrap: [minioStoreBootstrap(server.endpoint)],
        secrets: [minioSecret],
      },
    });
    try {
      const failed = await failedWriteDuringOutage(backend, server);
      expect(failed.reason).toBe('WorkloadsFailedWrite');
      expect(failed.message).toMatch(
        /bucket "kratix" at 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      );
      const notReady = await eventually(async () => {
        const c = condition(await destination(backend), 'Ready');
        return c?.status === 'False' && c;
      }, 'worker-1 to be not Ready');
      expect(notReady.message).toMatch(/ECONNREFUSED/);
      expect(
        condition(await staticDepsPlacement(backend), 'Ready')?.status,
      ).toBe('False');

      await writtenAfterOutage(backend, server);
      await eventually(
        async () =>
          condition(await destination(backend), 'Ready')?.status === 'True',
        'worker-1 Ready again',
        60_000,
      );
      expect(Object.keys(await server.objects('kratix')).sort()).toEqual(
        [...CANARIES, STATIC_DEPS].sort(),
      );
      // Content hashes kept every object to one upload.
      for (const [key, count] of server.puts) {
        expect([key, count]).toEqual([key, 1]);
      }
    } finally {
      await backend.stop();
      await server.stop();
    }
  });

  it('on a GitStateStore, commits everything once the server is back, each change once', async () => {
    const repos = new BareRepos();
    repos.create('state', { files: { 'README.md': 'state\n' } });
    const git = await TestGitHttpServer.start({
      projectRoot: repos.root,
      username: 'kratix',
      password: 'git-password-42',
    });
    const bootstrap = path.join(tempDir('kratix-git-store-'), 'git.yaml');
    fs.writeFileSync(
      bootstrap,
      `
apiVersion: platform.kratix.io/v1alpha1
kind: GitStateStore
metadata: { name: default }
spec:
  url: ${git.url('state')}
  branch: main
  secretRef: { name: git-credentials, namespace: default }
---
apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: { name: worker-1 }
spec:
  stateStoreRef: { kind: GitStateStore, name: default }
`,
    );
    const backend = await startKratixBackend({
      knex: await databases.init('SQLITE_3'),
      stateStoreRoot: tempDir('kratix-unused-'),
      config: {
        bootstrap: [bootstrap],
        secrets: [
          {
            name: 'git-credentials',
            namespace: 'default',
            data: { username: 'kratix', password: 'git-password-42' },
          },
        ],
      },
    });
    try {
      const failed = await failedWriteDuringOutage(backend, git);
      expect(failed.message).toMatch(
        /^repository http:\/\/127\.0\.0\.1:\d+\/state\.git \(branch main\): git (fetch|push) failed/,
      );
      expect(failed.message).not.toContain('git-password-42');

      await writtenAfterOutage(backend, git);
      expect(Object.keys(repos.files('state')).sort()).toEqual(
        ['README.md', ...CANARIES, STATIC_DEPS].sort(),
      );
      const subjects = repos.log('state').map(c => c.subject);
      expect(subjects).toEqual(
        expect.arrayContaining([
          'Update from: elastic-cloud-static-deps.worker-1-5058f',
          'seed',
        ]),
      );
      expect(new Set(subjects).size).toBe(subjects.length);
    } finally {
      await backend.stop();
      await git.stop();
      repos.remove();
    }
  });
});

afterAll(() => {
  fs.rmSync(
    path.join(os.tmpdir(), `kratix-git-${process.getuid?.() ?? 'user'}`),
    {
      recursive: true,
      force: true,
    },
  );
});
