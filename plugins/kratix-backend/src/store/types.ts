import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import type { LabelRequirement } from '@kratix-backstage/plugin-kratix-common';

/** Identifies a stored object. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectKey {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface ListOptions {
  /** Only objects of this namespace; all namespaces when absent. */
  namespace?: string;
  /** Parsed Kubernetes label selector; every requirement must hold. */
  labelSelector?: LabelRequirement[];
  /** Only objects last written (created or changed) before this instant. */
  writtenBefore?: Date;
}

/** A page of a list, with the version it was read at. */
export interface ListPage {
  items: KubeObject[];
  /** The newest committed resourceVersion when the list was read. */
  resourceVersion: string;
  /** Present when more items follow: pass it back as `continue`. */
  continue?: string;
  remainingItemCount?: number;
}

export interface PageOptions extends ListOptions {
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  /** Changes after this resourceVersion. */
  since: number;
  /** Only changes of these kinds; all when absent. */
  kinds?: { group: string; kind: string }[];
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectChange {
  type: ChangeType;
  object: KubeObject;
  /** The stored object before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
  /** Its place in the change feed (set on changes read from the feed). */
  resourceVersion?: number;
}

/**
 * Kubernetes-like object persistence. Errors: NotFoundError from
 * @backstage/errors, AlreadyExistsError and ResourceVersionConflictError
 * from ./errors.
 *
 * - create: sets uid, resourceVersion, generation 1, creationTimestamp;
 *   `status` of the input is kept.
 * - update: replaces labels, annotations, finalizers and spec, keeps status;
 *   a given metadata.resourceVersion must equal the stored one; generation
 *   grows only when spec changes. Removing the last finalizer of an object
 *   with a deletionTimestamp removes it.
 * - updateStatus: replaces status only.
 * - delete: with finalizers, sets deletionTimestamp once and returns the
 *   object; without, removes it and returns undefined.
 * - every successful write bumps resourceVersion and appends a row to the
 *   change feed in the same transaction; `onChange` listeners and `watch`
 *   readers get every committed change of every replica, in order.
 */
export interface ObjectStore {
  get(key: ObjectKey): Promise<KubeObject | undefined>;
  list(
    type: { group: string; kind: string },
    options?: ListOptions,
  ): Promise<KubeObject[]>;
  create(object: KubeObject): Promise<KubeObject>;
  update(object: KubeObject): Promise<KubeObject>;
  updateStatus(object: KubeObject): Promise<KubeObject>;
  delete(key: ObjectKey): Promise<KubeObject | undefined>;
  /** Like list, a page at a time, with the version the page was read at. */
  listPage(
    type: { group: string; kind: string },
    options?: PageOptions,
  ): Promise<ListPage>;
  /** Every change after `since` (ResourceVersionExpiredError if compacted). */
  watch(
    options: WatchOptions & { signal?: AbortSignal },
  ): AsyncIterable<ObjectChange>;
  /**
   * Every change committed from now on, by any replica, in order. Every
   * listener gets the same change, frozen: one that needs to change it
   * copies it.
   */
  onChange(listener: (change: ObjectChange) => void): () => void;
}

/**
 * Durable, de-duplicating work queue that drives the controllers. A key
 * enqueued while it is being processed is processed again afterwards; a
 * claim whose process died is claimable again once its lease expires.
 */
export interface WorkQueue {
  /** Adds the key, or moves it earlier if it is already waiting. */
  enqueue(key: string, options?: { delayMs?: number }): Promise<void>;
  /**
   * Claims one due key, or returns undefined when none is due. With
   * `queue`, only from that share: the keys whose first segment it is
   * (`work` for `work/ns/name`), so each controller drains its own.
   */
  claim(options?: {
    leaseMs?: number;
    queue?: string;
  }): Promise<ClaimedItem | undefined>;
  /** Done: removed, unless enqueued again since the claim. */
  complete(item: ClaimedItem): Promise<void>;
  /**
   * Extends a live claim while its work goes on (a long pipeline); false
   * when the claim was lost (its lease expired and another took it).
   */
  renew(item: ClaimedItem, leaseMs: number): Promise<boolean>;
  /** Failed: due again after `delayMs`, with attempts + 1. */
  retry(item: ClaimedItem, delayMs: number): Promise<void>;
  /** Milliseconds until the next key (of a share) is due; undefined when none. */
  nextDueInMs(queue?: string): Promise<number | undefined>;
  size(): Promise<number>;
  /**
   * Joins the replicas sharing the queue; `stop` leaves. A replica that
   * dies without leaving is seen as gone at once (see releaseDeadClaims).
   */
  start(onLivenessLost?: (error: unknown) => void): Promise<void>;
  stop(): Promise<void>;
  /**
   * Makes the claims of replicas that are gone claimable now, first in
   * line, instead of at the end of their lease. Returns how many.
   */
  releaseDeadClaims(): Promise<number>;
  /** Whether some process holds a live claim on the key now. */
  isClaimed(key: string): Promise<boolean>;
  /**
   * Runs `fn` while no other process sharing the queue runs one under the
   * same name (a destination's state store writes, say). Released when `fn`
   * settles or its process dies.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface ClaimedItem {
  key: string;
  attempts: number;
  /** Opaque; identifies this claim. */
  token: string;
}
