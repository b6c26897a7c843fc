import type { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import type { KindInfo } from '../admission/types';
import { badRequest } from './errors';

/**
 * Fields a core kind may also be selected by, as kube-apiserver allows
 * (every kind allows `metadata.name` and `metadata.namespace`).
 */
const CORE_FIELDS: Record<string, string[]> = {
  Pod: ['status.phase'],
  Event: [
    'involvedObject.apiVersion',
    'involvedObject.kind',
    'involvedObject.name',
    'involvedObject.namespace',
    'involvedObject.uid',
    'reason',
    'type',
  ],
};

export interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

function selectableFields(kind: KindInfo): string[] {
  return [
    'metadata.name',
    'metadata.namespace',
    ...((kind.group === '' && CORE_FIELDS[kind.kind]) || []),
  ];
}

/** `a=b,c!=d` (`==` too), as kube-apiserver parses a fieldSelector. */
export function parseFieldSelector(
  text: string,
  kind: KindInfo,
): FieldRequirement[] {
  const selectable = selectableFields(kind);
  return text
    .split(',')
    .filter(term => term.trim() !== '')
    .map(term => {
      const match = /^\s*([^=!\s]+)\s*(==|!=|=)\s*([^,]*?)\s*$/.exec(term);
      if (!match) {
        throw badRequest(`invalid fieldSelector term "${term}"`);
      }
      const [, field, operator, value] = match;
      if (!selectable.includes(field)) {
        throw badRequest(
          `"${field}" is not a known field selector: only "${selectable.join(
            '", "',
          )}"`,
        );
      }
      return { field, value, equal: operator !== '!=' };
    });
}

function fieldValue(object: KubeObject, field: string): string {
  let value: unknown = object;
  for (const part of field.split('.')) {
    value =
      value && typeof value === 'object'
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

export function matchesFields(
  object: KubeObject,
  requirements: FieldRequirement[],
): boolean {
  return requirements.every(
    r => (fieldValue(object, r.field) === r.value) === r.equal,
  );
}
