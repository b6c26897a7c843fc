import { InputError } from '@backstage/errors';

/** Where a page ended: the next page starts after this key. */
export interface ContinueKey {
  namespace: string;
  name: string;
}

/*
 * A key, not an offset: a continued list neither skips nor repeats an item
 * that stayed, whatever was created or deleted between the pages.
 */
export function encodeContinue(key: ContinueKey): string {
  return Buffer.from(JSON.stringify([key.namespace, key.name])).toString(
    'base64url',
  );
}

export function decodeContinue(token: string): ContinueKey {
  try {
    const [namespace, name] = JSON.parse(
      Buffer.from(token, 'base64url').toString('utf8'),
    );
    if (typeof namespace === 'string' && typeof name === 'string') {
      return { namespace, name };
    }
  } catch {
    // reported below
  }
  throw new InputError(`invalid continue token "${token}"`);
}

/** In the order lists are sorted in (namespace, then name). */
export function isAfter(
  row: { namespace: string; name: string },
  key: ContinueKey,
): boolean {
  if (row.namespace !== key.namespace) return row.namespace > key.namespace;
  return row.name > key.name;
}
