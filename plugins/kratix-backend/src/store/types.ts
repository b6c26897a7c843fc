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
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectChange {
  type: ChangeType;
  object: KubeObject;
  /** The stored object before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
}

/**
 * Kubernetes-like object persistence. Errors: NotFoundError from
 * @backstage/errors, AlreadyExistsError and ResourceVersionConflictError
 * from ../engine/errors.
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
 * - every successful write bumps resourceVersion and notifies listeners
 *   after the write is committed.
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
  /** Claims one due key, or returns undefined when none is due. */
  claim(options?: { leaseMs?: number }): Promise<ClaimedItem | undefined>;
  /** Done: removed, unless enqueued again since the claim. */
  complete(item: ClaimedItem): Promise<void>;
  /**
   * Extends a live claim while its work goes on (a long pipeline); false
   * when the claim was lost (its lease expired and another took it).
   */
  renew(item: ClaimedItem, leaseMs: number): Promise<boolean>;
  /** Failed: due again after `delayMs`, with attempts + 1. */
  retry(item: ClaimedItem, delayMs: number): Promise<void>;
  /** Milliseconds until the next key is due (undefined when empty). */
  nextDueInMs(): Promise<number | undefined>;
  size(): Promise<number>;
}

export interface ClaimedItem {
  key: string;
  attempts: number;
  /** Opaque; identifies this claim. */
  token: string;
}
