import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestDatabases } from '@backstage/backend-test-utils';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { DatabaseObjectStore } from '../store/DatabaseObjectStore';
import { DatabaseWorkQueue } from '../store/DatabaseWorkQueue';
import { ObjectStore } from '../store/types';
import {
  capturingLogger,
  eventually,
  listFiles,
  LogRecord,
} from '../__testUtils__/testBackend';
import { ControllerManager } from './ControllerManager';
import { FilesystemStateStoreWriterFactory } from '../statestores/FilesystemStateStore';
import {
  DESTINATION_KIND,
  InMemoryKindRegistry,
  WORK_KIND,
  WORK_PLACEMENT_KIND,
} from '../admission/kinds';

jest.setTimeout(30_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const ROOT_ID = createHash('md5').update('.').digest('hex');
const SYSTEM = 'kratix-platform-system';

/**
 * A store that, once armed, holds the next call matching a predicate until
 * released: `list` after reading (the caller acts on what it read), creates
 * and status writes before writing (the caller's copy goes stale meanwhile).
 */
function gatedStore(store: ObjectStore) {
  let armed: ((method: string, arg: any) => boolean) | undefined;
  let release!: (error?: Error) => void;
  let reached!: () => void;
  const released = new Promise<Error | undefined>(r => (release = r));
  const hasReached = new Promise<void>(r => (reached = r));
  const hold = async (method: string, arg: any) => {
    if (armed?.(method, arg)) {
      armed = undefined;
      reached();
      const error = await released;
      if (error) throw error;
    }
  };
  const wrapped: ObjectStore = {
    get: key => store.get(key),
    list: async (type, options) => {
      const items = await store.list(type, options);
      await hold('list', type);
      return items;
    },
    create: async o => {
      await hold('create', o);
      return store.create(o);
    },
    update: o => store.update(o),
    updateStatus: async o => {
      await hold('updateStatus', o);
      return store.updateStatus(o);
    },
    delete: key => store.delete(key),
    listPage: (type, options) => store.listPage(type, options),
    watch: options => store.watch(options),
    onChange: listener => store.onChange(listener),
  };
  return {
    wrapped,
    arm: (predicate: (method: string, arg: any) => boolean) =>
      (armed = predicate),
    hasReached,
    /** Lets the held call go on, or fail with `error`. */
    release: (error?: Error) => release(error),
  };
}

const destination = (
  name: string,
  labels: Record<string, string>,
  spec: object = {},
): KubeObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Destination',
  metadata: { name, labels },
  spec,
});

/** A Work of a Promise's dependencies: it belongs on every matching destination. */
const dependencyWork = (
  name: string,
  selector: Record<string, string>,
): KubeObject => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Work',
  metadata: { name, namespace: SYSTEM },
  spec: {
    promiseName: 'p',
    workloadGroups: [
      {
        id: ROOT_ID,
        directory: '.',
        workloads: [{ filepath: 'a.yaml', content: 'a: 1\n' }],
        destinationSelectors: [{ matchLabels: selector, source: 'promise' }],
      },
    ],
  },
});

describe('ControllerManager', () => {
  async function startEngine(options: { stateStoreRoot?: string } = {}) {
    const knex = await databases.init('SQLITE_3');
    const database = { getClient: async () => knex };
    const store = await DatabaseObjectStore.create({ database });
    const queue = await DatabaseWorkQueue.create({ database });
    const gate = gatedStore(store);
    const logs: LogRecord[] = [];
    const engine = new ControllerManager({
      store: gate.wrapped,
      queue,
      kinds: new InMemoryKindRegistry(),
      logger: capturingLogger(logs),
      runners: [],
      inProcess: new Map(),
      stateStoreFactories: options.stateStoreRoot
        ? [
            new FilesystemStateStoreWriterFactory({
              rootDir: options.stateStoreRoot,
            }),
          ]
        : [],
      concurrency: { work: 2, placement: 2 },
    });
    return { store, gate, engine, logs };
  }

  it('reschedules a Work whose reconcile read the destinations before a label change', async () => {
    const { store, gate, engine } = await startEngine();
    await store.create(destination('d1', { environment: 'dev' }));
    await store.create(destination('d2', { environment: 'prod' }));
    await engine.start();
    try {
      // Held as it places what it decided from the destinations it read.
      gate.arm(
        (method, object) =>
          method === 'create' && object.kind === WORK_PLACEMENT_KIND.kind,
      );
      // A dependency Work: it belongs on every destination labelled dev.
      await store.create(dependencyWork('deps', { environment: 'dev' }));
      await gate.hasReached;
      const d2 = (await store.get({ ...DESTINATION_KIND, name: 'd2' }))!;
      await store.update({
        ...d2,
        metadata: { ...d2.metadata, labels: { environment: 'dev' } },
      });
      gate.release();

      const names = await eventually(
        async () => {
          const placements = await store.list(WORK_PLACEMENT_KIND, {
            namespace: SYSTEM,
          });
          const found = placements.map(p => p.metadata.name).sort();
          return found.length === 2 && found;
        },
        'placements on d1 and d2',
        5_000,
      );
      expect(names).toEqual(['deps.d1-5058f', 'deps.d2-5058f']);
      const work = await store.get({
        ...WORK_KIND,
        namespace: SYSTEM,
        name: 'deps',
      });
      expect(work?.status?.workloadGroups[0].destinations).toEqual([
        'd1',
        'd2',
      ]);
    } finally {
      await engine.stop();
    }
  });

  it.each([
    ['nestedByMetadata', 'conflicts', 'd1/dependencies/p/5058f/a.yaml'],
    ['none', 'conflicts', 'd1/a.yaml'],
    ['nestedByMetadata', 'fails', 'd1/dependencies/p/5058f/a.yaml'],
  ])(
    'removes the files of a %s placement deleted while recording its write (the record %s)',
    async (mode, outcome, file) => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-engine-'));
      const { store, gate, engine } = await startEngine({
        stateStoreRoot: root,
      });
      const placement = {
        ...WORK_PLACEMENT_KIND,
        namespace: SYSTEM,
        name: 'deps.d1-5058f',
      };
      const workloadFiles = () =>
        listFiles(root).filter(
          f => !path.basename(f).startsWith('kratix-canary'),
        );
      try {
        await store.create({
          apiVersion: 'platform.kratix.io/v1alpha1',
          kind: 'FilesystemStateStore',
          metadata: { name: 'default' },
          spec: { path: '.' },
        });
        await store.create(
          destination(
            'd1',
            { environment: 'dev' },
            {
              stateStoreRef: { kind: 'FilesystemStateStore', name: 'default' },
              filepath: { mode },
            },
          ),
        );
        await engine.start();
        // Hold the placement's status write: its files are in the store.
        gate.arm(
          (method, o) =>
            method === 'updateStatus' && o.kind === 'WorkPlacement',
        );
        await store.create(dependencyWork('deps', { environment: 'dev' }));
        await gate.hasReached;
        expect(workloadFiles()).toContain(file);
        // The Work goes (no finalizer here), so its placement is deleted.
        await store.delete({ ...WORK_KIND, namespace: SYSTEM, name: 'deps' });
        await eventually(
          async () =>
            Boolean((await store.get(placement))?.metadata.deletionTimestamp),
          'the placement to be deleting',
        );
        // Released, the held write meets a newer placement (a conflict), or
        // the database fails it.
        gate.release(
          outcome === 'fails' ? new Error('connection lost') : undefined,
        );

        await eventually(
          async () => !(await store.get(placement)),
          'the placement to be gone',
          10_000,
        );
        expect(workloadFiles()).toEqual([]);
      } finally {
        await engine.stop();
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  );
});
