import {
  KubeObject,
  LabelRequirement,
  matchesLabelSelector,
} from '@kratix-backstage/plugin-kratix-common';
import type { ObjectChange } from '../store/types';

/**
 * What a watcher with a label selector sees of a change, as kube-apiserver
 * decides it: an object that starts matching is ADDED, one that stops
 * matching is DELETED, one that never matched is nothing.
 */
export function visibleChange(
  change: ObjectChange,
  selector: LabelRequirement[] | undefined,
): { type: ObjectChange['type']; object: KubeObject } | undefined {
  const matches = (o?: KubeObject) =>
    !!o &&
    (!selector?.length || matchesLabelSelector(selector, o.metadata.labels));
  const now = matches(change.object);
  if (change.type === 'MODIFIED') {
    const before = matches(change.previous);
    if (now && before) return { type: 'MODIFIED', object: change.object };
    if (now) return { type: 'ADDED', object: change.object };
    if (before) return { type: 'DELETED', object: change.object };
    return undefined;
  }
  return now ? { type: change.type, object: change.object } : undefined;
}
