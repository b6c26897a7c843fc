import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DestinationObject,
  KubeObject,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORK,
  PromiseObject,
  WorkObject,
  WorkStatus,
} from '@kratix-backstage/plugin-kratix-common';
import {
  InProcessPipeline,
  PipelineRunner,
  StateStoreWriterFactory,
} from '@kratix-backstage/plugin-kratix-node';
import {
  ClaimedItem,
  ObjectChange,
  ObjectStore,
  WorkQueue,
} from '../store/types';
import { EngineContext, ReconcileResult, ScheduledGroup } from './context';
import { ReconcileKey, decodeKey, encodeKey, resourceKey } from './keys';
import {
  DESTINATION_KIND,
  InMemoryKindRegistry,
  PROMISE_KIND,
  WORK_KIND,
  WORK_PLACEMENT_KIND,
  followPromiseKinds,
  isStateStoreKind,
  sameKind,
} from '../admission/kinds';
import { reconcilePromise } from './promiseController';
import { reconcileResource } from './resourceRequestController';
import { groupRef, reconcileWork, toCandidate } from './workController';
import { reconcilePlacement } from './workPlacementController';
import { reconcileDestination } from './destinationController';
import { SchedulingIndex } from './schedulingIndex';
import { StateStores } from './stateStores';
import {
  DEFAULT_PIPELINE_RUN_LIMITS,
  PipelineRunLimits,
  PipelineRuns,
} from './pipelineRuns';
import { DEFAULT_EVENT_LIMITS, EventLimits, EventRecorder } from './events';

export interface EngineOptions {
  store: ObjectStore;
  queue: WorkQueue;
  kinds: InMemoryKindRegistry;
  logger: LoggerService;
  runners: PipelineRunner[];
  inProcess: Map<string, InProcessPipeline>;
  stateStoreFactories: StateStoreWriterFactory[];
  random?: () => number;
  /** How many objects are reconciled at once. */
  workers?: number;
  /** Ceiling of the retry backoff after a failed reconcile. */
  maxBackoffMs?: number;
  limits?: { maxOutputBytes?: number; maxOutputFiles?: number };
  /** How many pipeline runs and events are kept, and for how long. */
  records?: {
    pipelineRuns?: Partial<PipelineRunLimits>;
    events?: Partial<EventLimits>;
  };
}

/**
 * A claim lasts this long unless renewed; a killed replica's work is picked
 * up by another after at most this delay. Renewed three times a lease, so a
 * busy event loop or a slow database round trip does not lose a live claim.
 */
export const LEASE_MS = 15_000;
const RENEW_EVERY_MS = 5_000;
const IDLE_POLL_MS = 5_000;

/**
 * Drives the controllers from a durable queue. Store changes enqueue the
 * objects they concern; workers claim keys and reconcile them. Controllers
 * are level-triggered, so a restart only has to enqueue everything again.
 */
export class Engine {
  private readonly index = new SchedulingIndex();
  private readonly groupsByWork = new Map<string, string[]>();
  /** Work keys being reconciled now: their view of the destinations may be stale. */
  private readonly worksInFlight = new Set<string>();
  private readonly abort = new AbortController();
  private readonly ctx: EngineContext;
  private workers: Promise<void>[] = [];
  private wake: (() => void)[] = [];
  private unsubscribe?: () => void;
  private unfollowKinds?: () => void;
  private inFlight = 0;
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.ctx = {
      store: options.store,
      kinds: options.kinds,
      logger: options.logger,
      random: options.random ?? Math.random,
      pipelines: {
        runners: options.runners,
        inProcess: options.inProcess,
        limits: options.limits,
      },
      stateStores: new StateStores(options.store, options.stateStoreFactories),
      runs: new PipelineRuns(options.store, {
        ...DEFAULT_PIPELINE_RUN_LIMITS,
        ...options.records?.pipelineRuns,
      }),
      events: new EventRecorder(
        options.store,
        { ...DEFAULT_EVENT_LIMITS, ...options.records?.events },
        options.logger,
      ),
      signal: this.abort.signal,
      enqueue: (key, delayMs) => this.enqueue(key, delayMs),
      recordScheduling: (workKey, groups) =>
        this.recordScheduling(workKey, groups),
      withDestinationLock: (name, fn) =>
        options.queue.exclusive(`destination/${name}`, fn),
    };
  }

  async start() {
    const { store, kinds } = this.options;
    this.unfollowKinds = await followPromiseKinds(store, kinds);
    for (const d of await store.list(DESTINATION_KIND)) {
      this.index.upsertDestination(toCandidate(d as DestinationObject));
    }
    for (const w of await store.list(WORK_KIND)) this.indexWork(w, 'ADDED');
    this.unsubscribe = store.onChange(change => this.onChange(change));
    // Runs a previous process left Running ended with it.
    await this.ctx.runs.failInterrupted();
    await this.resync();
    const count = this.options.workers ?? 4;
    this.workers = Array.from({ length: count }, (_, i) => this.work(i));
  }

  async stop() {
    this.stopped = true;
    this.abort.abort();
    this.unsubscribe?.();
    this.unfollowKinds?.();
    this.wake.splice(0).forEach(w => w());
    await Promise.allSettled(this.workers);
  }

  /** Hands an interrupted claim back at once rather than at lease expiry. */
  private async release(item: ClaimedItem) {
    await this.options.queue
      .retry(item, 0)
      .catch(e =>
        this.options.logger.warn(`could not release ${item.key}: ${e}`),
      );
  }

  /** Reconciling everything once is what makes a restart resume safely. */
  private async resync() {
    const { store, kinds } = this.options;
    const keys: ReconcileKey[] = [];
    for (const d of await store.list(DESTINATION_KIND))
      keys.push({ type: 'destination', name: d.metadata.name });
    for (const p of await store.list(PROMISE_KIND))
      keys.push({ type: 'promise', name: p.metadata.name });
    for (const k of kinds.list().filter(kind => kind.promiseName)) {
      for (const r of await store.list(k))
        keys.push(resourceKey(k, r.metadata.namespace!, r.metadata.name));
    }
    for (const w of await store.list(WORK_KIND))
      keys.push({
        type: 'work',
        namespace: w.metadata.namespace!,
        name: w.metadata.name,
      });
    for (const p of await store.list(WORK_PLACEMENT_KIND))
      keys.push({
        type: 'placement',
        namespace: p.metadata.namespace!,
        name: p.metadata.name,
      });
    for (const key of keys) await this.options.queue.enqueue(encodeKey(key));
  }

  async enqueue(key: ReconcileKey, delayMs?: number) {
    await this.options.queue.enqueue(
      encodeKey(key),
      delayMs ? { delayMs } : undefined,
    );
    if (!delayMs) this.wake.splice(0).forEach(w => w());
  }

  private onChange(change: ObjectChange) {
    const { object, previous, type } = change;
    const keys = this.keysFor(object, previous, type);
    for (const key of keys) {
      this.enqueue(key).catch(e =>
        this.options.logger.error(`could not enqueue ${encodeKey(key)}: ${e}`),
      );
    }
  }

  /**
   * Which reconciles a stored change calls for. Status-only writes of an
   * object do not re-trigger its own controller (that would loop); they
   * only notify whoever summarises it.
   */
  private keysFor(
    object: KubeObject,
    previous: KubeObject | undefined,
    type: ObjectChange['type'],
  ): ReconcileKey[] {
    const { kinds } = this.options;
    const meta = object.metadata;
    const specChanged =
      type !== 'MODIFIED' ||
      previous?.metadata.generation !== meta.generation ||
      previous?.metadata.deletionTimestamp !== meta.deletionTimestamp ||
      JSON.stringify(previous?.metadata.labels ?? {}) !==
        JSON.stringify(meta.labels ?? {}) ||
      JSON.stringify(previous?.metadata.finalizers ?? []) !==
        JSON.stringify(meta.finalizers ?? []);
    const kind = kinds.byKind(object.apiVersion, object.kind);
    if (!kind) return [];
    if (sameKind(kind, PROMISE_KIND)) {
      if (specChanged || previous?.status?.status !== object.status?.status) {
        // Promises requiring this one may become (un)available.
        this.enqueueDependentsOf(meta.name);
      }
      return specChanged ? [{ type: 'promise', name: meta.name }] : [];
    }
    if (sameKind(kind, DESTINATION_KIND)) {
      const after =
        type === 'DELETED'
          ? undefined
          : toCandidate(object as DestinationObject);
      const before = after
        ? this.index.upsertDestination(after)
        : this.index.removeDestination(meta.name);
      const impact = this.index.affectedByDestinationChange(before, after);
      const works = new Set(
        impact.refs.map(ref => ref.split('/').slice(0, 2).join('/')),
      );
      const keys: ReconcileKey[] = [...works].map(w => {
        const [namespace, name] = w.split('/');
        return { type: 'work', namespace, name };
      });
      // A Work being reconciled may have read the destinations before this
      // change and will record its groups after the index was asked, so
      // the index could not answer for it: run it again once it is done.
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        for (const key of this.worksInFlight) keys.push(decodeKey(key));
      }
      if (specChanged) keys.push({ type: 'destination', name: meta.name });
      return keys;
    }
    if (kind.promiseName) {
      return specChanged ? [resourceKey(kind, meta.namespace!, meta.name)] : [];
    }
    if (sameKind(kind, WORK_KIND)) {
      this.indexWork(object, type);
      const keys: ReconcileKey[] = [];
      if (specChanged)
        keys.push({
          type: 'work',
          namespace: meta.namespace!,
          name: meta.name,
        });
      keys.push(...this.ownerKeys(object));
      return keys;
    }
    if (sameKind(kind, WORK_PLACEMENT_KIND)) {
      const keys: ReconcileKey[] = [];
      if (specChanged)
        keys.push({
          type: 'placement',
          namespace: meta.namespace!,
          name: meta.name,
        });
      const written = (o?: KubeObject) =>
        (o?.status?.conditions ?? []).find(
          (c: { type: string }) => c.type === 'WriteSucceeded',
        )?.status;
      if (
        type === 'DELETED' ||
        previous?.metadata.deletionTimestamp !== meta.deletionTimestamp ||
        // The Work reports placements that fail to write (Kratix's
        // WorkplacementsFailing), and their recovery; a first successful
        // write changes nothing it reports.
        (written(previous) !== written(object) &&
          [written(previous), written(object)].includes('False'))
      ) {
        keys.push({
          type: 'work',
          namespace: meta.namespace!,
          name: meta.labels?.[LABEL_WORK] ?? '',
        });
      }
      if (!specChanged) keys.push(...this.ownerKeys(object));
      return keys.filter(k => k.type !== 'work' || k.name);
    }
    if (isStateStoreKind(kind)) {
      // Its destinations may become (un)ready; found asynchronously.
      this.enqueueDestinationsOf(kind.kind, meta.name);
    }
    return [];
  }

  private enqueueDependentsOf(promiseName: string) {
    this.options.store
      .list(PROMISE_KIND)
      .then(async promises => {
        for (const p of promises as PromiseObject[]) {
          if (p.spec?.requiredPromises?.some(r => r.name === promiseName)) {
            await this.enqueue({ type: 'promise', name: p.metadata.name });
          }
        }
      })
      .catch(e =>
        this.options.logger.error(
          `could not enqueue Promises requiring ${promiseName}: ${e}`,
        ),
      );
  }

  private enqueueDestinationsOf(stateStoreKind: string, name: string) {
    this.options.store
      .list(DESTINATION_KIND)
      .then(async destinations => {
        for (const d of destinations as DestinationObject[]) {
          const ref = d.spec?.stateStoreRef;
          if (ref?.kind === stateStoreKind && ref.name === name) {
            await this.enqueue({ type: 'destination', name: d.metadata.name });
          }
        }
      })
      .catch(e =>
        this.options.logger.error(
          `could not enqueue destinations of ${stateStoreKind} ${name}: ${e}`,
        ),
      );
  }

  /** The request or Promise whose status summarises this Work or placement. */
  private ownerKeys(object: KubeObject): ReconcileKey[] {
    const promiseName = object.metadata.labels?.[LABEL_PROMISE_NAME];
    const resourceName = object.metadata.labels?.[LABEL_RESOURCE_NAME];
    if (!promiseName) return [];
    if (!resourceName) return [{ type: 'promise', name: promiseName }];
    const kind = this.options.kinds.forPromise(promiseName);
    return kind
      ? [resourceKey(kind, object.metadata.namespace!, resourceName)]
      : [];
  }

  /**
   * Another replica may have reconciled this Work: its status says where its
   * groups are and what they need, so every replica's index agrees.
   */
  private indexWork(object: KubeObject, type: ObjectChange['type']) {
    const { namespace = '', name } = object.metadata;
    const work = object as WorkObject;
    const groups =
      type === 'DELETED' || object.metadata.deletionTimestamp
        ? []
        : ((work.status as WorkStatus | undefined)?.workloadGroups ?? []).map(
            g => ({
              ref: groupRef(namespace, name, g.id),
              resolved: g.resolvedSelectors ?? {},
              isDependency: !work.spec?.resourceName,
              placedOn: g.destinations ?? [],
            }),
          );
    this.recordScheduling(encodeKey({ type: 'work', namespace, name }), groups);
  }

  private recordScheduling(workKey: string, groups: ScheduledGroup[]) {
    for (const ref of this.groupsByWork.get(workKey) ?? []) {
      if (!groups.some(g => g.ref === ref)) this.index.removeGroup(ref);
    }
    for (const g of groups) this.index.upsertGroup(g);
    if (groups.length)
      this.groupsByWork.set(
        workKey,
        groups.map(g => g.ref),
      );
    else this.groupsByWork.delete(workKey);
  }

  private async work(worker: number) {
    const { queue, logger } = this.options;
    while (!this.stopped) {
      let item: ClaimedItem | undefined;
      try {
        item = await queue.claim({ leaseMs: LEASE_MS });
      } catch (e) {
        if (this.stopped) return;
        logger.error(`engine worker ${worker}: queue claim failed: ${e}`);
      }
      if (!item) {
        const due = await queue.nextDueInMs().catch(() => undefined);
        await this.sleep(
          Math.min(Math.max(due ?? IDLE_POLL_MS, 10), IDLE_POLL_MS),
        );
        continue;
      }
      this.inFlight++;
      const claimed = item;
      const heartbeat = setInterval(() => {
        queue
          .renew(claimed, LEASE_MS)
          .catch(e =>
            logger.warn(`could not renew the claim on ${claimed.key}: ${e}`),
          );
      }, RENEW_EVERY_MS);
      try {
        const result = await this.reconcile(item.key);
        if (result?.requeueAfterMs) {
          await queue.complete(item);
          await queue.enqueue(item.key, { delayMs: result.requeueAfterMs });
        } else {
          await queue.complete(item);
        }
      } catch (e) {
        if (this.stopped) {
          await this.release(item);
          return;
        }
        const delay = Math.min(
          1000 * 2 ** Math.min(item.attempts, 10),
          this.options.maxBackoffMs ?? 60_000,
        );
        logger.warn(
          `reconcile of ${item.key} failed (attempt ${
            item.attempts + 1
          }), retrying in ${delay} ms: ${(e as Error).message}`,
        );
        await queue.retry(item, delay).catch(() => undefined);
      } finally {
        clearInterval(heartbeat);
        this.inFlight--;
      }
    }
  }

  private sleep(ms: number) {
    return new Promise<void>(resolve => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake.push(done);
    });
  }

  private async reconcile(text: string): Promise<ReconcileResult | void> {
    const key = decodeKey(text);
    switch (key.type) {
      case 'promise':
        return reconcilePromise(this.ctx, key.name);
      case 'destination':
        return reconcileDestination(this.ctx, key.name);
      case 'work':
        this.worksInFlight.add(text);
        try {
          return await reconcileWork(this.ctx, key.namespace, key.name);
        } finally {
          this.worksInFlight.delete(text);
        }
      case 'placement':
        return reconcilePlacement(this.ctx, key.namespace, key.name);
      case 'resource':
        return reconcileResource(this.ctx, key);
      default:
        return undefined;
    }
  }
}
