import type {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import type {
  DestinationObject,
  KubeObject,
  PromiseObject,
  WorkPlacementObject,
} from '@kratix-backstage/plugin-kratix-common';
import {
  KratixExpiredError,
  KratixKindRef,
  KratixNotFoundError,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';
import { isDeepStrictEqual } from 'node:util';
import { EntityOptions, entitiesOf, KratixModel } from './entities';

const KRATIX = 'platform.kratix.io/v1alpha1';
const DESTINATION: KratixKindRef = { apiVersion: KRATIX, kind: 'Destination' };
const PROMISE: KratixKindRef = { apiVersion: KRATIX, kind: 'Promise' };
const PLACEMENT: KratixKindRef = { apiVersion: KRATIX, kind: 'WorkPlacement' };
const LOCATION_KEY = 'kratix-entity-provider';
/** Changes arriving together go out as one delta. */
const BATCH_MS = 50;
/** Before watching again after an unexpected watch error. */
const RETRY_MS = 2_000;

function refKey(kind: KratixKindRef) {
  return `${kind.apiVersion}/${kind.kind}`;
}

function objectKey(object: KubeObject) {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/**
 * Mirrors the Kratix engine's objects into the catalog: one full mutation
 * when the catalog connects, then, following the object service's watches,
 * a delta of exactly the entities that changed (none when none did).
 */
export class KratixEntityProvider implements EntityProvider {
  /** Current objects per kind (`apiVersion/kind` → key → object). */
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Promise name per request kind being watched. */
  private readonly requestKinds = new Map<string, string>();
  private readonly abort = new AbortController();
  private emitted = new Map<string, Entity>();
  private connection?: EntityProviderConnection;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      objects: KratixObjectService;
      credentials: () => Promise<BackstageCredentials>;
      logger: LoggerService;
      entityOptions: EntityOptions;
    },
  ) {}

  getProviderName() {
    return 'kratix';
  }

  async connect(connection: EntityProviderConnection) {
    this.connection = connection;
    // Not awaited: the catalog must not wait for the Kratix plugin to start.
    this.start().catch(error =>
      this.options.logger.error(
        `Kratix entity provider could not start: ${error}`,
      ),
    );
  }

  /** Stops every watch. */
  stop() {
    this.abort.abort();
    clearTimeout(this.timer);
  }

  /** Resolves once everything received so far has reached the catalog. */
  async settled() {
    await this.flushing;
  }

  private async start() {
    const versions = new Map<string, string>();
    for (const kind of [DESTINATION, PROMISE, PLACEMENT]) {
      versions.set(refKey(kind), await this.relist(kind));
    }
    const requestKinds = await this.promiseKinds();
    for (const [key, { kind, promiseName }] of requestKinds) {
      this.requestKinds.set(key, promiseName);
      versions.set(key, await this.relist(kind));
    }
    this.flushing = this.flush('full');
    await this.flushing;
    for (const kind of [DESTINATION, PROMISE, PLACEMENT]) {
      this.follow(kind, versions.get(refKey(kind))!);
    }
    for (const [key, { kind }] of requestKinds) {
      this.follow(kind, versions.get(key)!);
    }
  }

  /** The kinds Promises define, now. */
  private async promiseKinds() {
    const kinds = await this.options.objects.listKinds({
      credentials: await this.options.credentials(),
    });
    const result = new Map<
      string,
      { kind: KratixKindRef; promiseName: string }
    >();
    for (const k of kinds) {
      if (k.promiseName === undefined) continue;
      const kind = { apiVersion: k.apiVersion, kind: k.kind };
      result.set(refKey(kind), { kind, promiseName: k.promiseName });
    }
    return result;
  }

  /** Reads every object of the kind; answers the version read at. */
  private async relist(kind: KratixKindRef): Promise<string> {
    const items = new Map<string, KubeObject>();
    let token: string | undefined;
    let version = '0';
    do {
      const page = await this.options.objects.list(kind, {
        credentials: await this.options.credentials(),
        limit: 1000,
        ...(token ? { continue: token } : {}),
      });
      page.items.forEach(o => items.set(objectKey(o), o));
      token = page.continue;
      version = page.resourceVersion;
    } while (token);
    this.objects.set(refKey(kind), items);
    return version;
  }

  /** Follows the kind's changes from `version` until stopped. */
  private follow(kind: KratixKindRef, version: string) {
    const run = async (from: string) => {
      const items = this.objects.get(refKey(kind))!;
      for await (const event of this.options.objects.watch(kind, {
        credentials: await this.options.credentials(),
        resourceVersion: from,
        signal: this.abort.signal,
      })) {
        const key = objectKey(event.object);
        if (event.type === 'DELETED') items.delete(key);
        else items.set(key, event.object);
        if (refKey(kind) === refKey(PROMISE)) await this.followNewKinds();
        this.schedule();
      }
    };
    const loop = async (start: string) => {
      let from = start;
      while (!this.abort.signal.aborted) {
        try {
          await run(from);
          return;
        } catch (error) {
          if (this.abort.signal.aborted) return;
          if (error instanceof KratixNotFoundError) {
            // The Promise that defined the kind is gone, and its requests.
            this.requestKinds.delete(refKey(kind));
            this.objects.delete(refKey(kind));
            this.schedule();
            return;
          }
          if (!(error instanceof KratixExpiredError)) {
            this.options.logger.warn(
              `Kratix entity provider: watching ${kind.kind} failed, again in ${RETRY_MS} ms: ${error}`,
            );
            await new Promise(r => setTimeout(r, RETRY_MS));
          }
          // Missed changes: read the kind again and go on from there.
          const previous = from;
          from = await this.relist(kind).catch(() => previous);
          this.schedule();
        }
      }
    };
    loop(version);
  }

  /** A new Promise may bring a new kind of request to follow. */
  private async followNewKinds() {
    for (const [key, { kind, promiseName }] of await this.promiseKinds()) {
      if (this.requestKinds.has(key)) continue;
      this.requestKinds.set(key, promiseName);
      this.objects.set(key, new Map());
      this.follow(kind, '0');
    }
  }

  private schedule() {
    if (this.timer || this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.flush('delta'));
    }, BATCH_MS);
  }

  private model(): KratixModel {
    const of = <T extends KubeObject>(kind: KratixKindRef) =>
      [...(this.objects.get(refKey(kind))?.values() ?? [])] as T[];
    return {
      destinations: of<DestinationObject>(DESTINATION),
      promises: of<PromiseObject>(PROMISE),
      placements: of<WorkPlacementObject>(PLACEMENT),
      requests: [...this.requestKinds].flatMap(([key, promiseName]) =>
        [...(this.objects.get(key)?.values() ?? [])].map(object => ({
          promiseName,
          object,
        })),
      ),
    };
  }

  private async flush(type: 'full' | 'delta') {
    const connection = this.connection;
    if (!connection) return;
    const next = entitiesOf(this.model(), this.options.entityOptions);
    try {
      if (type === 'full') {
        await connection.applyMutation({
          type: 'full',
          entities: [...next.values()].map(entity => ({
            entity,
            locationKey: LOCATION_KEY,
          })),
        });
      } else {
        const added = [...next]
          .filter(([ref, e]) => !isDeepStrictEqual(this.emitted.get(ref), e))
          .map(([, entity]) => ({ entity, locationKey: LOCATION_KEY }));
        const removed = [...this.emitted.keys()]
          .filter(ref => !next.has(ref))
          .map(entityRef => ({ entityRef, locationKey: LOCATION_KEY }));
        if (added.length === 0 && removed.length === 0) return;
        await connection.applyMutation({ type: 'delta', added, removed });
      }
      this.emitted = next;
    } catch (error) {
      this.options.logger.error(
        `Kratix entity provider: the catalog refused a ${type} mutation: ${error}`,
      );
    }
  }

  /** For tests: the refs of the entities last sent. */
  emittedRefs(): string[] {
    return [...this.emitted.keys()].sort();
  }
}
