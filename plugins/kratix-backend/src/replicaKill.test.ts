/*
 * Two replicas, each a real backend in a process of its own, on one
 * PostgreSQL database and one state store; one is SIGKILLed while it holds
 * claims, midway through 1,000 requests. What must hold afterwards is
 * checked against what the database and the state store hold, not against
 * what was sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Knex } from 'knex';
import { TestDatabases } from '@backstage/backend-test-utils';
import { hasPostgres } from './__testUtils__/databases';
import { ECHO_PROMISE } from './__testUtils__/echoPipeline';
import {
  ReplicaProcess,
  SlowPipelines,
  startReplicaProcess,
} from './__testUtils__/replicaProcess';
import {
  engineIdle,
  eventually,
  listFiles,
  tempDir,
} from './__testUtils__/testBackend';
import { LEASE_MS } from './controllers/ControllerManager';

const REQUESTS = 1000;
/** Accepted requests before A is killed: well into the run. */
const KILL_AFTER = 400;
const SENDERS = 16;
const ECHOES = '/apis/example.org/v1/namespaces/default/echoes';
const V1 = '/apis/platform.kratix.io/v1alpha1';

const CANARIES = ['worker-1', 'worker-2'].flatMap(d => [
  `${d}/dependencies/kratix-canary-namespace.yaml`,
  `${d}/resources/kratix-canary-configmap.yaml`,
]);
const ECHO_FILE =
  /^(worker-[12])\/resources\/default\/echo\/(echo-\d+)\/echo\/[0-9a-f]{5}\/echo\.yaml$/;

interface Claim {
  key: string;
  token: string;
  leaseUntil: number;
  owner: string;
}

async function claims(knex: Knex): Promise<Claim[]> {
  const rows = await knex('kratix_queue')
    .whereNotNull('claim_token')
    .select('key', 'claim_token', 'lease_until', 'claimed_by');
  return rows.map(r => ({
    key: r.key,
    token: r.claim_token,
    leaseUntil: Number(r.lease_until),
    owner: r.claimed_by,
  }));
}

/**
 * Follows the claims the dead replica (`deadOwner`) held when it died until
 * another replica takes each over. Resolves with them, and when each was
 * taken over.
 */
async function followDeadClaims(
  knex: Knex,
  held: Claim[],
  deadOwner: string,
  killedAt: number,
) {
  const open = new Map(
    held.filter(c => c.owner === deadOwner).map(c => [c.key, c]),
  );
  const dead: {
    key: string;
    leaseEndedAfterMs: number;
    takenOverAfterMs: number;
  }[] = [];
  const deadline = killedAt + LEASE_MS + 30_000;
  while (open.size && Date.now() < deadline) {
    const now = Date.now();
    const rows = new Map(
      (
        await knex('kratix_queue')
          .whereIn('key', [...open.keys()])
          .select('key', 'claim_token')
      ).map(r => [r.key, r]),
    );
    for (const [key, claim] of open) {
      if (rows.get(key)?.claim_token === claim.token) continue;
      open.delete(key);
      dead.push({
        key,
        takenOverAfterMs: now - killedAt,
        leaseEndedAfterMs: claim.leaseUntil - killedAt,
      });
    }
    await new Promise(r => setTimeout(r, 20));
  }
  if (open.size) {
    throw new Error(
      `claims never let go: ${JSON.stringify([...open.values()])}`,
    );
  }
  return dead;
}

const postgres = hasPostgres();
const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const describeOnPostgres = postgres ? describe : describe.skip;

describeOnPostgres(
  'two replica processes on one PostgreSQL, one SIGKILLed',
  () => {
    let a: ReplicaProcess | undefined;
    let b: ReplicaProcess | undefined;
    let stateStoreRoot: string | undefined;
    let inFlightRoot: string | undefined;
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      for (const dir of [stateStoreRoot, inFlightRoot]) {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000); // a graceful stop may take 10 s before it is a SIGKILL

    // About two minutes on two idle cores; the rest is room for busy ones.
    it("places every request exactly once and takes over the dead replica's claims within seconds", async () => {
      const knex = await databases.init('POSTGRES_15');
      const root = tempDir('kratix-replica-kill-');
      stateStoreRoot = root;
      const inFlightDir = tempDir('kratix-replica-kill-runs-');
      inFlightRoot = inFlightDir;
      const replica = (name: string, slowPipelines?: SlowPipelines) =>
        startReplicaProcess({
          name,
          knex,
          stateStoreRoot: root,
          slowPipelines,
        });
      // One after the other: both would bootstrap the same objects at once.
      const bootAt = Date.now();
      // A's pipelines take a while, so it dies with runs in flight.
      a = await replica('a', { delayMs: 300, inFlightDir });
      const aUpAfterMs = Date.now() - bootAt;
      b = await replica('b');
      const bUpAfterMs = Date.now() - bootAt - aUpAfterMs;
      const survivor = b;
      const doomed = a;

      await doomed.api
        .apply(
          `${ECHO_PROMISE}
---
apiVersion: platform.kratix.io/v1alpha1
kind: Destination
metadata: { name: worker-2 }
spec:
  stateStoreRef: { kind: FilesystemStateStore, name: default }
`,
        )
        .expect(200);
      await eventually(
        async () => (await survivor.api.get(ECHOES)).status === 200,
        'both replicas to serve echoes',
      );

      const started = Date.now();
      let accepted = 0;
      let cut = 0;
      const rejected: string[] = [];
      let aUp = true;
      const create = async (i: number) => {
        const body = {
          apiVersion: 'example.org/v1',
          kind: 'Echo',
          metadata: { name: `echo-${i}`, namespace: 'default' },
        };
        const target = i % 2 && aUp ? doomed : survivor;
        const res = await target.api.post(ECHOES, body).catch(() => undefined);
        if (res?.status === 201) {
          accepted++;
          return;
        }
        // Cut by the kill: sent again to B, as a load balancer's client
        // would; 409 when A had stored it before dying.
        if (!res && target === doomed) cut++;
        const retry = await survivor.api.post(ECHOES, body);
        if (retry.status === 201 || (!res && retry.status === 409)) accepted++;
        else rejected.push(`echo-${i}: ${res?.status} then ${retry.status}`);
      };

      let next = 0;
      const senders = Array.from({ length: SENDERS }, async () => {
        while (next < REQUESTS) {
          const i = next++;
          if (i < REQUESTS) await create(i);
        }
      });

      // Kill A well into the run, while the queue is busy and A runs a
      // pipeline: which claims were A's is known only afterwards.
      await eventually(
        async () => accepted >= KILL_AFTER,
        `${KILL_AFTER} requests accepted`,
        120_000,
      );
      await eventually(
        async () =>
          (await claims(knex)).length > 4 &&
          fs.readdirSync(inFlightDir).length > 0,
        'the queue to be busy and A to run a pipeline',
      );
      aUp = false;
      await doomed.kill('SIGKILL');
      const killedAt = Date.now();
      const acceptedAtKill = accepted;
      // The runs A was in the middle of: their files outlive it.
      const cutShort = fs.readdirSync(inFlightDir).sort();
      const atKill = await claims(knex);
      // A's claims are its in-flight request's owner's. ("Whoever makes no
      // claim after the kill" does not tell: a claim A sent just before it
      // died may still be carried out by the server.)
      const deadOwner = atKill.find(c =>
        cutShort.some(name => c.key.endsWith(`/${name}`)),
      )?.owner;
      expect(deadOwner).toBeDefined();
      const dead = followDeadClaims(knex, atKill, deadOwner!, killedAt);
      dead.catch(() => undefined); // awaited below, once the senders are done

      await Promise.all(senders);
      expect(rejected).toEqual([]);
      const takenOver = await dead;
      await engineIdle(knex, 120_000);
      const placedAfterMs = Date.now() - started;
      const pods: any[] = (
        await survivor.api.get(
          '/api/v1/namespaces/default/pods?labelSelector=kratix-promise-id%3Decho',
        )
      ).body.items;
      const stillRunning = pods.filter(p => p.status?.phase === 'Running');
      const interrupted = new Set(
        pods
          .filter(p => p.status?.reason === 'Aborted')
          .map(p => p.metadata.labels['kratix.io/resource-name']),
      );
      // eslint-disable-next-line no-console
      console.log(
        [
          `replica processes answered ${aUpAfterMs} ms (A) and ${bUpAfterMs} ms (B) after their start`,
          `A SIGKILLed after ${acceptedAtKill} of ${REQUESTS} requests accepted (${cut} cut by the kill, sent again to B)`,
          `A held ${takenOver.length} claims (lease ${LEASE_MS} ms); after the kill:`,
          ...takenOver.map(
            c =>
              `  ${c.key}: taken over by B +${c.takenOverAfterMs} ms (its lease would have ended +${c.leaseEndedAfterMs} ms)`,
          ),
          `all ${REQUESTS} placed once, engine idle, ${placedAfterMs} ms after the first request`,
          `A's pipeline runs cut short: ${cutShort.join(
            ', ',
          )}; ended as interrupted: ${[...interrupted].join(
            ', ',
          )}; still Running: ${stillRunning.length}`,
        ].join('\n'),
      );

      // The database holds every request once, each placed once.
      const requests: string[] = (
        await survivor.api.get(ECHOES).expect(200)
      ).body.items.map((r: any) => r.metadata.name);
      expect(new Set(requests).size).toBe(requests.length);
      expect(requests.sort()).toEqual(
        Array.from({ length: REQUESTS }, (_, i) => `echo-${i}`).sort(),
      );
      const placements: any[] = (
        await survivor.api.get(`${V1}/namespaces/default/workplacements`)
      ).body.items;
      const placedOn = new Map<string, string[]>();
      for (const p of placements) {
        const name = p.spec.resourceName;
        placedOn.set(name, [
          ...(placedOn.get(name) ?? []),
          p.spec.targetDestinationName,
        ]);
      }
      expect([...placedOn.keys()].sort()).toEqual([...requests].sort());
      expect([...placedOn].filter(([, on]) => on.length !== 1)).toEqual([]);

      // The state store holds exactly those placements' files: each
      // request's one file on the destination it was placed on, the canaries.
      const files = listFiles(root);
      expect(files.filter(f => CANARIES.includes(f))).toEqual(CANARIES);
      const unexpected: string[] = [];
      const filesOf = new Map<string, string[]>();
      for (const f of files.filter(file => !CANARIES.includes(file))) {
        const [, destination, name] = f.match(ECHO_FILE) ?? [];
        const placedHere =
          destination &&
          placedOn.get(name)?.[0] === destination &&
          fs.readFileSync(path.join(root, f), 'utf8').includes(`name: ${name}`);
        if (placedHere) filesOf.set(name, [...(filesOf.get(name) ?? []), f]);
        else unexpected.push(f);
      }
      expect(unexpected).toEqual([]);
      expect([...filesOf.keys()].sort()).toEqual([...requests].sort());
      expect([...filesOf].filter(([, of]) => of.length !== 1)).toEqual([]);
      // Both destinations were chosen: each placement was a real decision.
      expect(new Set([...placedOn.values()].flat())).toEqual(
        new Set(['worker-1', 'worker-2']),
      );

      // A held claims when it died, and B took each over as soon as it
      // saw A's liveness lock gone (checked every 2 s), long before their
      // leases ended; the claims go first in line.
      expect(takenOver.length).toBeGreaterThan(0);
      for (const c of takenOver) {
        expect(c.takenOverAfterMs).toBeLessThan(c.leaseEndedAfterMs);
        expect(c.takenOverAfterMs).toBeLessThanOrEqual(8_000);
      }
      // The runs A had in flight were ended when B ran their objects again.
      expect(cutShort.length).toBeGreaterThan(0);
      expect(cutShort.filter(name => !interrupted.has(name))).toEqual([]);
      expect(stillRunning.map(p => p.metadata.name)).toEqual([]);
      // The server dropped A's sessions, and with them any advisory lock.
      const sessionsOfA = await knex('pg_stat_activity')
        .where({ application_name: 'kratix-replica-a' })
        .count({ n: '*' });
      expect(Number(sessionsOfA[0].n)).toBe(0);
    }, 300_000);
  },
);
