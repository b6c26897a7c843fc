import {
  Condition,
  ENGINE_FINALIZERS,
  KubeObject,
  LABEL_MANUAL_RECONCILIATION,
  LabelRequirement,
  Labels,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';
import { NotFoundError } from '@backstage/errors';
import { ObjectKey, ObjectStore } from '../store/types';
import { jsonEqual } from '../store/json';

/** Label equality requirements for store.list. */
export function labelsEqual(labels: Labels): LabelRequirement[] {
  return Object.entries(labels).map(([key, value]) => ({
    key,
    operator: 'Equals',
    values: [value],
  }));
}

/**
 * Sets a condition, keeping lastTransitionTime when the status does not
 * change, so reconciling twice writes nothing the second time.
 */
export function setCondition(
  conditions: Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex(c => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime =
    prev && prev.status === next.status
      ? prev.lastTransitionTime
      : new Date().toISOString();
  const merged = { ...next, lastTransitionTime };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

/**
 * Writes status only when it changed (no write, no watch event, no loop).
 * Typed by the object's kind, so each controller writes its kind's status.
 */
export async function writeStatus<T extends KubeObject>(
  store: ObjectStore,
  object: T,
  status: NonNullable<T['status']>,
): Promise<T> {
  if (jsonEqual(object.status ?? {}, status)) return object;
  return (await store.updateStatus({ ...object, status })) as T;
}

/** Removes the engine's finalizers (others' stay, and hold the object). */
export async function removeFinalizer(store: ObjectStore, object: KubeObject) {
  const finalizers = (object.metadata.finalizers ?? []).filter(
    f => !ENGINE_FINALIZERS.includes(f),
  );
  if (finalizers.length === (object.metadata.finalizers ?? []).length) return;
  await store.update({
    ...object,
    metadata: { ...object.metadata, finalizers },
  });
}

/**
 * Deletes an object a controller listed a moment ago; already gone is fine
 * (another worker, or the user, got there first).
 */
export async function deleteIfExists(store: ObjectStore, key: ObjectKey) {
  try {
    await store.delete(key);
  } catch (e) {
    if (!(e instanceof NotFoundError) && (e as Error)?.name !== 'NotFoundError')
      throw e;
  }
}

export function wantsManualReconciliation(object: KubeObject) {
  return object.metadata.labels?.[LABEL_MANUAL_RECONCILIATION] === 'true';
}

/** Drops the manual-reconciliation label, keeping everything else. */
export async function clearManualReconciliation(
  store: ObjectStore,
  object: KubeObject,
) {
  if (!wantsManualReconciliation(object)) return object;
  const fresh = await store.get({
    group: parseApiVersion(object.apiVersion).group,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
  });
  if (!fresh) return object;
  const { [LABEL_MANUAL_RECONCILIATION]: _, ...labels } =
    fresh.metadata.labels ?? {};
  return store.update({ ...fresh, metadata: { ...fresh.metadata, labels } });
}
