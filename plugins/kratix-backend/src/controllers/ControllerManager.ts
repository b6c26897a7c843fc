import { LoggerService } from '@backstage/backend-plugin-api';
import type { MetricsService } from '@backstage/backend-plugin-api/alpha';
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
import { InMemoryKindRegistry, followPromiseKinds } from '../admission/kinds';
import { EngineContext } from './context';
import { Controller } from './controller';
import { ReconcileKey, decodeKey, encodeKey, resourceKey } from './keys';
import { promiseController } from './promiseController';
import { resourceRequestController } from './resourceRequestController';
import { workController } from './workController';
import { workPlacementController } from './workPlacementController';
import { destinationController } from './destinationController';
import { StateStores } from './stateStores';
import {
  DEFAULT_PIPELINE_RUN_LIMITS,
  PipelineRunLimits,
  PipelineRuns,
} from './pipelineRuns';
import { DEFAULT_EVENT_LIMITS, EventLimits, EventRecorder } from './events';

export type ControllerName = Controller['name'];

/**
 * Default concurrency per controller. Pipelines (promise, resource) and
 * state-store writes (placement, destination) wait on I/O; scheduling a
 * Work is mostly database reads.
 */
export const DEFAULT_CONCURRENCY: Record<ControllerName, number> = {
  promise: 2,
  resource: 4,
  work: 4,
  placement: 4,
  destination: 2,
};

export interface ControllerManagerOptions {
  store: ObjectStore;
  queue: WorkQueue;
  kinds: InMemoryKindRegistry;
  logger: LoggerService;
  runners: PipelineRunner[];
  inProcess: Map<string, InProcessPipeline>;
  stateStoreFactories: StateStoreWriterFactory[];
  /** Reconcile counts and durations per controller, when given. */
  metrics?: MetricsService;
  random?: () => number;
  /** How many objects each controller reconciles at once. */
  concurrency?: Partial<Record<ControllerName, number>>;
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
/** How often a replica looks for claims of replicas that died. */
const DEAD_CLAIMS_EVERY_MS = 2_000;

/**
 * controller-runtime's manager, for our controllers: routes every stored
 * change to the controllers that watch its kind, and runs each controller's
 * workers on its own share of the durable queue. Controllers are
 * level-triggered, so a restart only has to enqueue everything again.
 */
export class ControllerManager {
  private readonly abort = new AbortController();
  private readonly ctx: EngineContext;
  private readonly controllers: Controller[];
  private readonly byName = new Map<ControllerName, Controller>();
  private readonly wake = new Map<ControllerName, (() => void)[]>();
  /** Local enqueues per share, so a worker about to sleep sees one it missed. */
  private readonly pokes = new Map<ControllerName, number>();
  private readonly reconciles;
  private readonly durations;
  private workers: Promise<void>[] = [];
  private unsubscribe?: () => void;
  private unfollowKinds?: () => void;
  private deadClaims?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: ControllerManagerOptions) {
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
      withDestinationLock: (name, fn) =>
        options.queue.exclusive(`destination/${name}`, fn),
    };
    const concurrency = (name: ControllerName) =>
      options.concurrency?.[name] ?? DEFAULT_CONCURRENCY[name];
    this.controllers = [
      promiseController(this.ctx, concurrency('promise')),
      resourceRequestController(this.ctx, concurrency('resource')),
      workController(this.ctx, concurrency('work')),
      workPlacementController(this.ctx, concurrency('placement')),
      destinationController(this.ctx, concurrency('destination')),
    ];
    for (const c of this.controllers) this.byName.set(c.name, c);
    this.reconciles = options.metrics?.createCounter<{
      controller: string;
      result: string;
    }>('kratix.controller.reconciles', {
      description: 'Reconciles run, by controller and result',
    });
    this.durations = options.metrics?.createHistogram<{ controller: string }>(
      'kratix.controller.reconcile.duration',
      { description: 'How long a reconcile took', unit: 's' },
    );
  }

  async start() {
    const { store, kinds, queue } = this.options;
    this.unfollowKinds = await followPromiseKinds(store, kinds);
    for (const c of this.controllers) await c.start?.();
    this.unsubscribe = store.onChange(change => this.route(change));
    // Runs a previous process left Running ended with it, unless another
    // replica is reconciling their object now.
    await this.ctx.runs.failInterrupted(async owner => {
      if (owner.type === 'promise') {
        return queue.isClaimed(
          encodeKey({ type: 'promise', name: owner.promiseName }),
        );
      }
      const kind = kinds.forPromise(owner.promiseName);
      if (!kind || !owner.resourceName) return false;
      return queue.isClaimed(
        encodeKey(resourceKey(kind, owner.namespace, owner.resourceName)),
      );
    });
    for (const c of this.controllers) {
      for (const key of await c.resync()) {
        await this.options.queue.enqueue(encodeKey(key));
      }
    }
    await queue.start(error =>
      this.options.logger.warn(
        `lost this replica's liveness lock; others may take over its claims: ${error}`,
      ),
    );
    this.deadClaims = setInterval(() => {
      queue
        .releaseDeadClaims()
        .then(released => {
          if (released === 0) return;
          this.options.logger.info(
            `took over ${released} claims of a replica that is gone`,
          );
          for (const waiting of this.wake.values()) {
            waiting.splice(0).forEach(w => w());
          }
        })
        .catch(e =>
          this.options.logger.warn(`could not check for dead claims: ${e}`),
        );
    }, DEAD_CLAIMS_EVERY_MS);
    this.deadClaims.unref?.();
    this.workers = this.controllers.flatMap(c =>
      Array.from({ length: c.concurrency }, (_, i) => this.work(c, i)),
    );
  }

  async stop() {
    this.stopped = true;
    this.abort.abort();
    this.unsubscribe?.();
    this.unfollowKinds?.();
    clearInterval(this.deadClaims);
    for (const waiting of this.wake.values())
      waiting.splice(0).forEach(w => w());
    await Promise.allSettled(this.workers);
    await this.options.queue.stop();
  }

  async enqueue(key: ReconcileKey, delayMs?: number) {
    await this.options.queue.enqueue(
      encodeKey(key),
      delayMs ? { delayMs } : undefined,
    );
    if (!delayMs) {
      this.poke(key.type);
    } else {
      // A sleeper's timer was set from the keys due when it fell asleep.
      setTimeout(() => this.poke(key.type), delayMs).unref?.();
    }
  }

  /**
   * One key is due: one sleeping worker of its share is enough (waking all
   * would have them race for it). Each key of a burst wakes one, so a burst
   * reaches every worker; a busy worker looks again before it sleeps; a
   * delayed key wakes one when it is due.
   */
  private poke(share: ControllerName) {
    this.pokes.set(share, (this.pokes.get(share) ?? 0) + 1);
    this.wake.get(share)?.shift()?.();
  }

  /** Every watch of every controller that follows the change's kind. */
  private route(change: ObjectChange) {
    const kind = this.options.kinds.byKind(
      change.object.apiVersion,
      change.object.kind,
    );
    if (!kind) return;
    for (const controller of this.controllers) {
      for (const watch of controller.watches) {
        if (!watch.kind(kind)) continue;
        const failed = (e: unknown) =>
          this.options.logger.error(
            `${controller.name} controller could not map a change of ${kind.kind} ${change.object.metadata.name}: ${e}`,
          );
        // Mapped at once, in feed order: a watch may keep an index current.
        try {
          Promise.resolve(watch.keys(change))
            .then(keys => Promise.all(keys.map(key => this.enqueue(key))))
            .catch(failed);
        } catch (e) {
          failed(e);
        }
      }
    }
  }

  /** Hands an interrupted claim back at once rather than at lease expiry. */
  private async release(item: ClaimedItem) {
    await this.options.queue
      .retry(item, 0)
      .catch(e =>
        this.options.logger.warn(`could not release ${item.key}: ${e}`),
      );
  }

  private async work(controller: Controller, worker: number) {
    const { queue, logger } = this.options;
    const share = controller.name;
    while (!this.stopped) {
      let item: ClaimedItem | undefined;
      const pokes = this.pokes.get(share) ?? 0;
      try {
        item = await queue.claim({ leaseMs: LEASE_MS, queue: share });
      } catch (e) {
        if (this.stopped) return;
        logger.error(`${share} worker ${worker}: queue claim failed: ${e}`);
      }
      if (!item) {
        const due = await queue.nextDueInMs(share).catch(() => undefined);
        // Enqueued while this worker looked: look again instead of sleeping.
        if ((this.pokes.get(share) ?? 0) !== pokes) continue;
        await this.sleep(
          share,
          Math.min(Math.max(due ?? IDLE_POLL_MS, 10), IDLE_POLL_MS),
        );
        continue;
      }
      const claimed = item;
      const heartbeat = setInterval(() => {
        queue
          .renew(claimed, LEASE_MS)
          .catch(e =>
            logger.warn(`could not renew the claim on ${claimed.key}: ${e}`),
          );
      }, RENEW_EVERY_MS);
      const started = performance.now();
      let result = 'success';
      try {
        const outcome = await controller.reconcile(decodeKey(item.key));
        await queue.complete(item);
        if (outcome?.requeueAfterMs) {
          result = 'requeue';
          await queue.enqueue(item.key, { delayMs: outcome.requeueAfterMs });
        }
      } catch (e) {
        result = 'error';
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
        this.reconciles?.add(1, { controller: share, result });
        this.durations?.record((performance.now() - started) / 1000, {
          controller: share,
        });
      }
    }
  }

  private sleep(share: ControllerName, ms: number) {
    const waiting = this.wake.get(share) ?? [];
    this.wake.set(share, waiting);
    return new Promise<void>(resolve => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        const i = waiting.indexOf(done);
        if (i >= 0) waiting.splice(i, 1);
        resolve();
      }
      waiting.push(done);
    });
  }
}
