import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  eventually,
  KratixTestBackend,
  startKratixBackend,
  tempDir,
} from './__testUtils__/testBackend';
import { kratixTestDatabases } from './__testUtils__/databases';

jest.setTimeout(60_000);

const databases = kratixTestDatabases();
const D = '/apis/platform.kratix.io/v1alpha1/destinations';

function destinations(names: string[], labels: Record<string, string> = {}) {
  return names
    .map(
      name => `apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
spec:
  stateStoreRef: { kind: FilesystemStateStore, name: default }
`,
    )
    .join('---\n');
}

/** Reads a watch stream line by line, as kubectl does. */
async function openWatch(backend: KratixTestBackend, query: string) {
  const abort = new AbortController();
  const res = await fetch(`${backend.baseUrl}${D}?watch=true&${query}`, {
    headers: { Authorization: mockCredentials.user.header() },
    signal: abort.signal,
  });
  const events: any[] = [];
  let ended = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as any) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        events.push(...lines.map(line => JSON.parse(line)));
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  return {
    res,
    events,
    ended: () => ended,
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}

const summary = (events: any[]) =>
  events
    .filter(e => e.type !== 'BOOKMARK')
    .map(e => `${e.type} ${e.object.metadata.name}`);

describe.each(databases.eachSupportedId())(
  'Kubernetes list and watch on %s',
  databaseId => {
    let backend: KratixTestBackend;

    /** Compaction so quick that a test can watch it happen. */
    const quickCompaction = {
      changeFeed: {
        retention: { milliseconds: 300 },
        compactEvery: { milliseconds: 100 },
      },
    };

    beforeEach(async () => {
      const { currentTestName = '' } = expect.getState();
      backend = await startKratixBackend({
        knex: await databases.init(databaseId),
        stateStoreRoot: tempDir('kratix-watch-'),
        config: currentTestName.includes('compacted') ? quickCompaction : {},
      });
      await eventually(
        async () => (await backend.api.get(D)).body.items?.length === 1,
        'the bootstrap destination',
      );
    });
    afterEach(() => backend.stop());

    it('pages a list with limit and continue, at the version it was read', async () => {
      await backend.api
        .apply(destinations(['a', 'b', 'c', 'd', 'e'].map(n => `dest-${n}`)))
        .expect(200);

      const first = await backend.api.get(`${D}?limit=2`).expect(200);
      expect(first.body.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(first.body.metadata.remainingItemCount).toBe(4);
      expect(first.body.items.map((i: any) => i.metadata.name)).toEqual([
        'dest-a',
        'dest-b',
      ]);

      // A destination created before the cursor neither shifts nor repeats
      // what follows it: the token is a position, not an offset.
      await backend.api.apply(destinations(['dest-0'])).expect(200);
      const names: string[] = first.body.items.map((i: any) => i.metadata.name);
      let token = first.body.metadata.continue;
      while (token) {
        const page = await backend.api
          .get(`${D}?limit=2&continue=${encodeURIComponent(token)}`)
          .expect(200);
        names.push(...page.body.items.map((i: any) => i.metadata.name));
        token = page.body.metadata.continue;
      }
      expect(names).toEqual([
        'dest-a',
        'dest-b',
        'dest-c',
        'dest-d',
        'dest-e',
        'worker-1',
      ]);

      const bad = await backend.api.get(`${D}?limit=2&continue=nonsense`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
      const badLimit = await backend.api.get(`${D}?limit=-1`);
      expect(badLimit.body).toMatchObject({ reason: 'BadRequest' });
    });

    it('streams ADDED, MODIFIED and DELETED after a list version, and bookmarks', async () => {
      const list = await backend.api.get(D).expect(200);
      const watch = await openWatch(
        backend,
        `resourceVersion=${list.body.metadata.resourceVersion}&allowWatchBookmarks=true`,
      );
      expect(watch.res.status).toBe(200);
      expect(watch.res.headers.get('content-type')).toContain(
        'application/json',
      );

      await backend.api.apply(destinations(['dev-1'])).expect(200);
      await backend.api
        .patch(`${D}/dev-1`, { metadata: { labels: { environment: 'dev' } } })
        .expect(200);
      await backend.api.del(`${D}/dev-1`).expect(200);

      // The engine also writes the destinations' status; the first events
      // of dev-1 in order are what the client did.
      await eventually(
        async () =>
          summary(watch.events).includes('DELETED dev-1') && watch.events,
        'the deletion',
      );
      const ofDev = summary(watch.events).filter(e => e.endsWith('dev-1'));
      expect(ofDev[0]).toBe('ADDED dev-1');
      expect(ofDev[ofDev.length - 1]).toBe('DELETED dev-1');
      const labelled = watch.events.find(
        e =>
          e.type === 'MODIFIED' &&
          e.object.metadata.labels?.environment === 'dev',
      );
      expect(labelled).toBeDefined();
      const versions = watch.events
        .filter(e => e.type !== 'BOOKMARK')
        .map(e => Number(e.object.metadata.resourceVersion));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      await watch.close();
    });

    it('with a label selector, an object entering the selection is ADDED and one leaving it DELETED', async () => {
      const watch = await openWatch(backend, 'labelSelector=environment%3Ddev');
      await eventually(async () => watch.res.status === 200, 'the watch');
      await backend.api
        .patch(`${D}/worker-1`, {
          metadata: { labels: { environment: 'dev' } },
        })
        .expect(200);
      await backend.api
        .patch(`${D}/worker-1`, { metadata: { labels: { environment: null } } })
        .expect(200);
      await eventually(
        async () => summary(watch.events).includes('DELETED worker-1'),
        'worker-1 leaving the selection',
      );
      const events = summary(watch.events);
      expect(events[0]).toBe('ADDED worker-1');
      expect(events[events.length - 1]).toBe('DELETED worker-1');
      await watch.close();
    });

    it('without a resourceVersion, starts with the current objects as ADDED', async () => {
      const watch = await openWatch(backend, 'timeoutSeconds=1');
      await eventually(async () => watch.ended(), 'the watch timeout');
      // The engine may still be writing worker-1's status: MODIFIED may follow.
      const events = summary(watch.events);
      expect(events[0]).toBe('ADDED worker-1');
      expect(events.slice(1).every(e => e === 'MODIFIED worker-1')).toBe(true);
    });

    it('answers a compacted resourceVersion with a 410 Expired ERROR event', async () => {
      const old = (await backend.api.get(D)).body.metadata.resourceVersion;
      await backend.api.apply(destinations(['later'])).expect(200);
      // Retention is 300 ms here: wait until the feed has dropped it.
      await eventually(async () => {
        const watch = await openWatch(backend, `resourceVersion=${old}`);
        await eventually(
          async () => watch.ended() || watch.events.length > 0,
          'an event or the end',
        );
        await watch.close();
        return watch.events[0]?.type === 'ERROR' && watch.events[0];
      }, 'the expired answer').then(event =>
        expect(event.object).toMatchObject({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
        }),
      );
    });

    it('refuses a PATCH with a stale resourceVersion and changes nothing', async () => {
      const before = (await backend.api.get(`${D}/worker-1`)).body;
      await backend.api
        .patch(`${D}/worker-1`, { metadata: { labels: { a: 'b' } } })
        .expect(200);
      const stale = await backend.api.patch(`${D}/worker-1`, {
        metadata: {
          resourceVersion: before.metadata.resourceVersion,
          labels: { environment: 'dev' },
        },
      });
      expect(stale.status).toBe(409);
      expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict' });
      const after = (await backend.api.get(`${D}/worker-1`)).body;
      expect(after.metadata.labels).toEqual({ a: 'b' });
    });

    it("is followed by @kubernetes/client-node's Watch", async () => {
      const rv = (await backend.api.get(D)).body.metadata.resourceVersion;
      const child = spawn(
        process.execPath,
        [
          path.join(
            __dirname,
            '__fixtures__/kube-client/watch-destinations.mjs',
          ),
          backend.baseUrl,
          mockCredentials.user.token(),
          rv,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const lines: any[] = [];
      readline
        .createInterface({ input: child.stdout! })
        .on('line', line => lines.push(JSON.parse(line)));
      try {
        await backend.api
          .patch(`${D}/worker-1`, {
            metadata: { labels: { environment: 'dev' } },
          })
          .expect(200);
        const seen = await eventually(
          async () =>
            lines.find(
              l => l.type === 'MODIFIED' && l.labels.environment === 'dev',
            ),
          `client-node to see the label (it printed ${JSON.stringify(lines)})`,
        );
        expect(seen).toMatchObject({ name: 'worker-1' });
        expect(lines.some(l => l.done)).toBe(false);
      } finally {
        child.kill();
      }
    });
  },
);
