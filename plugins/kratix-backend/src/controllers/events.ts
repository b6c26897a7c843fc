import { createHash } from 'node:crypto';
import {
  KubeObject,
  LABEL_INVOLVED_UID,
} from '@kratix-backstage/plugin-kratix-common';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ObjectStore } from '../store/types';
import { AlreadyExistsError } from '../store/errors';
import { EVENT_KIND } from '../admission/kinds';
import { deleteIfExists, labelsEqual } from './objects';

export interface EventLimits {
  /**
   * Events last written longer ago than this are dropped, as with
   * kube-apiserver's --event-ttl: whoever wrote them, whatever their
   * lastTimestamp says.
   */
  ttlMs: number;
  /** Events kept per involved object; the oldest go first. */
  perObject: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = {
  ttlMs: 60 * 60 * 1000,
  perObject: 50,
};

const COMPONENT = 'kratix-platform-controller-manager';
/** How often expired events of every object (deleted ones too) are swept. */
const SWEEP_EVERY_MS = 60_000;
/** Objects whose events since their last prune this recorder counts. */
const COUNTED_OBJECTS = 10_000;

/**
 * How many events a recorder records for an object between two prunes of
 * its events. A prune reads all of the object's events, a statement and a
 * parse of each, after every event until then; so an object may carry up to
 * this many beyond perObject, per replica, until the next prune.
 */
export function pruneEvery(perObject: number): number {
  return Math.max(1, Math.ceil(perObject / 5));
}

/**
 * Records what Kratix records as Kubernetes Events: one `v1` Event per
 * object, reason and message, its `count` raised when it happens again, as
 * kube-apiserver's event aggregation does. Cluster-scoped objects' events
 * go to `default`, as in Kubernetes.
 */
export class EventRecorder {
  constructor(
    private readonly store: ObjectStore,
    private readonly limits: EventLimits = DEFAULT_EVENT_LIMITS,
    private readonly logger?: LoggerService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private lastSweep = 0;
  /** Events recorded per involved uid since its last prune, least recent first. */
  private readonly sincePrune = new Map<string, number>();

  /** Best effort, as in Kubernetes: a lost event never fails a reconcile. */
  async record(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    try {
      await this.write(involved, type, reason, message);
    } catch (e) {
      this.logger?.warn(
        `could not record event ${reason} for ${involved.kind} ${
          involved.metadata.name
        }: ${(e as Error).message}`,
      );
    }
  }

  private async write(
    involved: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const { metadata } = involved;
    const namespace = metadata.namespace ?? 'default';
    const identity = [
      involved.apiVersion,
      involved.kind,
      namespace,
      metadata.name,
      reason,
      message,
    ].join('\n');
    const name = `${metadata.name}.${createHash('sha256')
      .update(identity)
      .digest('hex')
      .slice(0, 16)}`;
    const at = this.now().toISOString();
    for (let attempt = 0; attempt < 4; attempt++) {
      // Most events are new: the first attempt creates without reading, and
      // a repeat is read once the create finds it.
      const existing =
        attempt === 0
          ? undefined
          : ((await this.store.get({
              ...EVENT_KIND,
              namespace,
              name,
            })) as (KubeObject & Record<string, any>) | undefined);
      try {
        if (existing) {
          // An Event's fields sit beside its metadata, where an update does
          // not reach: a repeat replaces it, counted.
          await deleteIfExists(this.store, { ...EVENT_KIND, namespace, name });
        }
        await this.store.create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name,
            namespace,
            labels: metadata.uid ? { [LABEL_INVOLVED_UID]: metadata.uid } : {},
          },
          involvedObject: {
            apiVersion: involved.apiVersion,
            kind: involved.kind,
            name: metadata.name,
            ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
            ...(metadata.uid ? { uid: metadata.uid } : {}),
          },
          reason,
          message,
          type,
          count: existing ? (Number(existing.count) || 1) + 1 : 1,
          firstTimestamp: existing?.firstTimestamp ?? at,
          lastTimestamp: at,
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
        } as KubeObject);
        break;
      } catch (e) {
        // A repeat, or another worker recorded it meanwhile: count again.
        if (!(e instanceof AlreadyExistsError)) throw e;
      }
    }
    if (metadata.uid && this.duePrune(metadata.uid)) {
      await this.prune(namespace, metadata.uid);
    }
    if (this.now().getTime() - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = this.now().getTime();
      await this.sweep();
    }
  }

  /** Counts an event of the object; true when its events are to be pruned. */
  private duePrune(uid: string): boolean {
    const count = (this.sincePrune.get(uid) ?? 0) + 1;
    // Re-inserted, so the objects evicted first are those quiet longest: a
    // busy object keeps its count.
    this.sincePrune.delete(uid);
    if (count >= pruneEvery(this.limits.perObject)) return true;
    this.sincePrune.set(uid, count);
    if (this.sincePrune.size > COUNTED_OBJECTS) {
      this.sincePrune.delete(this.sincePrune.keys().next().value!);
    }
    return false;
  }

  /**
   * Drops expired events, whoever they were about. Only the expired ones
   * are read: reading every Event, each minute, on every replica, grew
   * with the platform (see bench:events).
   */
  async sweep() {
    const writtenBefore = new Date(this.now().getTime() - this.limits.ttlMs);
    for (const e of await this.store.list(EVENT_KIND, { writtenBefore })) {
      await deleteIfExists(this.store, {
        ...EVENT_KIND,
        namespace: e.metadata.namespace,
        name: e.metadata.name,
      });
    }
  }

  /** Keeps the object's newest perObject events; expiry is the sweep's. */
  private async prune(namespace: string, uid: string) {
    const events = await this.store.list(EVENT_KIND, {
      namespace,
      labelSelector: labelsEqual({ [LABEL_INVOLVED_UID]: uid }),
    });
    const newestFirst = events.sort((a, b) =>
      String((b as any).lastTimestamp).localeCompare(
        String((a as any).lastTimestamp),
      ),
    );
    for (const e of newestFirst.slice(this.limits.perObject)) {
      await deleteIfExists(this.store, {
        ...EVENT_KIND,
        namespace,
        name: e.metadata.name,
      });
    }
  }
}
