/** How many names a sentence lists before "and N more". */
const SHOWN = 10;

/**
 * `worker-1, worker-2 and 3332 more`: dependencies go to every matching
 * destination, which can be thousands.
 */
export function nameList(names: string[], shown = SHOWN): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
