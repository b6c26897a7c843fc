import type { Entity } from '@backstage/catalog-model';
import { KRATIX_ANNOTATIONS } from '@kratix-backstage/plugin-kratix-common';

export type KratixEntityTarget =
  | { type: 'promise'; name: string }
  | { type: 'destination'; name: string }
  | {
      type: 'resource';
      promiseName?: string;
      group?: string;
      kind?: string;
      namespace: string;
      name: string;
    };

/** Entities the Kratix tabs and cards apply to: any with a `kratix.io/` annotation. */
export function isKratixEntity(entity: Entity): boolean {
  return Object.keys(entity.metadata.annotations ?? {}).some(k => k.startsWith('kratix.io/'));
}

/** Which Kratix object an entity stands for, from its annotations. */
export function kratixEntityTarget(entity: Entity): KratixEntityTarget | undefined {
  const a = entity.metadata.annotations ?? {};
  const type = a[KRATIX_ANNOTATIONS.type]?.toLowerCase();
  const name = a[KRATIX_ANNOTATIONS.name] ?? entity.metadata.name;
  const promiseName = a[KRATIX_ANNOTATIONS.promiseName];
  const group = a[KRATIX_ANNOTATIONS.apiGroup];
  const kind = a[KRATIX_ANNOTATIONS.kind];
  if (type === 'destination') return { type: 'destination', name };
  const looksLikeResource = type
    ? ['resource', 'resource-request', 'request'].includes(type)
    : Boolean(kind && a[KRATIX_ANNOTATIONS.name]);
  if (looksLikeResource)
    return {
      type: 'resource',
      promiseName,
      group,
      kind,
      namespace: a[KRATIX_ANNOTATIONS.namespace] ?? 'default',
      name,
    };
  if (type === 'promise' || promiseName)
    return { type: 'promise', name: type === 'promise' ? promiseName ?? name : promiseName! };
  return undefined;
}
