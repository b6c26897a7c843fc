import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { ObjectChange } from '../store/types';
import { KindInfo } from '../admission/types';
import { WORK_KIND, sameKind } from '../admission/kinds';
import { ReconcileResult } from './context';
import { ReconcileKey } from './keys';

/**
 * What a change of some kind means to one controller, as a Kratix
 * controller's `For`, `Owns` and `Watches` say in `SetupWithManager`.
 */
export interface Watch {
  /** Which kinds this watch follows. */
  kind: (kind: KindInfo) => boolean;
  /**
   * The objects of the controller's own kind to reconcile because of this
   * change. May look things up (the Destinations of a state store, say).
   */
  keys(change: ObjectChange): ReconcileKey[] | Promise<ReconcileKey[]>;
}

/**
 * One controller: the kind it reconciles, how, and what else it watches.
 * Each has its own share of the queue (its keys' `type`) and its own
 * concurrency, as controller-runtime gives each controller its own work
 * queue, so a burst for one never starves another.
 */
export interface Controller {
  name: ReconcileKey['type'];
  /** How many of its objects are reconciled at once. */
  concurrency: number;
  watches: Watch[];
  /**
   * Builds what it derives from stored objects (an index, say) before the
   * change feed is followed; the feed keeps it current from then on.
   */
  start?(): Promise<void>;
  /** Every object it reconciles, enqueued at startup (level-triggered). */
  resync(): Promise<ReconcileKey[]>;
  reconcile(key: ReconcileKey): Promise<ReconcileResult | void>;
}

/**
 * Kratix's `GenerationChangedPredicate`, widened to what our controllers
 * act on besides spec: labels, finalizers and deletion. Status-only writes
 * do not re-trigger an object's own controller (that would loop).
 */
export function specChanged({ type, object, previous }: ObjectChange) {
  if (type !== 'MODIFIED' || !previous) return true;
  const before = previous.metadata;
  const after = object.metadata;
  return (
    before.generation !== after.generation ||
    before.deletionTimestamp !== after.deletionTimestamp ||
    !sameStrings(before.labels, after.labels) ||
    !sameList(before.finalizers, after.finalizers)
  );
}

function sameStrings(
  a: Record<string, string> = {},
  b: Record<string, string> = {},
) {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every(k => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k])
  );
}

function sameList(a: string[] = [], b: string[] = []) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Kratix's `Owns(&Work{})`, for whoever summarises Works (the Promise or
 * the resource request named by their labels). Their placements are the
 * Work controller's to summarise: a failed write reaches the owner through
 * its Work's status. A Work's creation is left out: the owner's reconcile
 * made it and is still running (or is retried), and a new Work has no
 * status to summarise; its first status write follows.
 */
export function ownedWorkChanges(
  owner: (labels: Record<string, string>, object: KubeObject) => ReconcileKey[],
): Watch {
  return {
    kind: k => sameKind(k, WORK_KIND),
    keys: ({ type, object }) =>
      type === 'ADDED' ? [] : owner(object.metadata.labels ?? {}, object),
  };
}
