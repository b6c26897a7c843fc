import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { validateRelativePath } from './paths';

export type Change = Parameters<StateStoreWriter['update']>[0];

/**
 * A change with every path checked and normalised. Two paths of one change
 * may not overlap (one a directory of the other, or the same file twice):
 * no store kind could apply both, and a bucket would silently keep one.
 */
export function checkChange(change: Change): {
  writes: { path: string; content: string }[];
  removes: string[];
} {
  const writes = change.write.map(w => {
    const path = validateRelativePath(w.path);
    if (typeof w.content !== 'string') {
      throw new Error(`Content of "${path}" must be a string`);
    }
    return { path, content: w.content };
  });
  const removes = [...new Set(change.remove.map(validateRelativePath))];
  const all = new Set<string>();
  for (const { path } of writes) {
    if (all.has(path)) {
      throw new Error(`"${path}" is written more than once in one change`);
    }
    all.add(path);
  }
  for (const path of removes) {
    if (all.has(path)) {
      throw new Error(`"${path}" is both written and removed in one change`);
    }
    all.add(path);
  }
  for (const path of all) {
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      if (all.has(parent)) {
        throw new Error(
          `"${parent}" and "${path}" cannot both be files in one change`,
        );
      }
    }
  }
  return { writes, removes };
}
