/**
 * Annotations of Kratix entities in the catalog, as Syntasso's Backstage
 * integration writes them: the catalog module writes them, the frontend
 * reads them.
 */
export const KRATIX_ANNOTATIONS = {
  type: 'kratix.io/type',
  promiseName: 'kratix.io/promise-name',
  apiGroup: 'kratix.io/api-group',
  kind: 'kratix.io/kind',
  name: 'kratix.io/name',
  namespace: 'kratix.io/namespace',
  /** Every Kratix label of the object, verbatim (JSON). */
  labels: 'kratix.io/labels',
} as const;
