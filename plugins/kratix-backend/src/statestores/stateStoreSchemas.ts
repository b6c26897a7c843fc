/* Schema parts every state store kind shares, as in Kratix's CRDs. */

/** Relative, never leaving the store: the same rule admission applies to every kind. */
export const stateStorePathSchema = {
  type: 'string',
  not: { pattern: '(^/)|(^|/)\\.\\.(/|$)' },
};

export const secretRefSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string' },
  },
};
