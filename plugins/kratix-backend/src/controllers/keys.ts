import { KindInfo } from '../admission/types';

/**
 * Queue keys name one object to reconcile. They are strings so the durable
 * queue can de-duplicate them.
 */
export type ReconcileKey =
  | { type: 'promise'; name: string }
  | { type: 'destination'; name: string }
  | { type: 'work'; namespace: string; name: string }
  | { type: 'placement'; namespace: string; name: string }
  | {
      type: 'resource';
      group: string;
      kind: string;
      namespace: string;
      name: string;
    };

export function encodeKey(key: ReconcileKey): string {
  switch (key.type) {
    case 'promise':
    case 'destination':
      return `${key.type}/${key.name}`;
    case 'work':
    case 'placement':
      return `${key.type}/${key.namespace}/${key.name}`;
    case 'resource':
      return `resource/${key.group}/${key.kind}/${key.namespace}/${key.name}`;
    default:
      throw new Error(`unknown key ${JSON.stringify(key)}`);
  }
}

export function decodeKey(text: string): ReconcileKey {
  const [type, ...rest] = text.split('/');
  switch (type) {
    case 'promise':
    case 'destination':
      return { type, name: rest[0] };
    case 'work':
    case 'placement':
      return { type, namespace: rest[0], name: rest[1] };
    case 'resource':
      return {
        type,
        group: rest[0],
        kind: rest[1],
        namespace: rest[2],
        name: rest[3],
      };
    default:
      throw new Error(`unknown queue key "${text}"`);
  }
}

export function resourceKey(
  kind: KindInfo,
  namespace: string,
  name: string,
): ReconcileKey {
  return {
    type: 'resource',
    group: kind.group,
    kind: kind.kind,
    namespace,
    name,
  };
}
