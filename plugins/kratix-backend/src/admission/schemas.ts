/**
 * Structural schemas of the built-in kinds, as their CRDs would define them,
 * so wrong shapes are refused with the failing field before any controller
 * sees them. Semantic rules (label syntax, immutability, conflicts) stay in
 * admission.ts.
 */

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

const selectors = {
  type: 'array',
  items: {
    type: 'object',
    required: ['matchLabels'],
    properties: { matchLabels: stringMap },
  },
};

const pipeline = {
  type: 'object',
  required: ['metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string', enum: ['Pipeline'] },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' } },
    },
    spec: {
      type: 'object',
      required: ['containers'],
      properties: {
        containers: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['name', 'image'],
            properties: {
              name: { type: 'string', minLength: 1 },
              image: { type: 'string', minLength: 1 },
              command: { type: 'array', items: { type: 'string' } },
              args: { type: 'array', items: { type: 'string' } },
              env: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: { type: 'string' },
                    value: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const workflowSet = {
  type: 'object',
  properties: {
    configure: { type: 'array', items: pipeline },
    delete: { type: 'array', items: pipeline },
  },
};

export const promiseSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        destinationSelectors: selectors,
        requiredPromises: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', minLength: 1 },
              version: { type: 'string' },
            },
          },
        },
        dependencies: {
          type: 'array',
          items: {
            type: 'object',
            required: ['apiVersion', 'kind', 'metadata'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: {
                type: 'object',
                required: ['name'],
                properties: { name: { type: 'string' } },
              },
            },
          },
        },
        workflows: {
          type: 'object',
          properties: { promise: workflowSet, resource: workflowSet },
        },
        api: {
          type: 'object',
          required: ['spec'],
          properties: {
            spec: {
              type: 'object',
              required: ['group', 'names', 'versions'],
              properties: {
                group: { type: 'string', minLength: 1 },
                scope: { type: 'string', enum: ['Namespaced'] },
                names: {
                  type: 'object',
                  required: ['kind', 'plural'],
                  properties: {
                    kind: { type: 'string', minLength: 1 },
                    plural: {
                      type: 'string',
                      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
                    },
                    singular: { type: 'string' },
                  },
                },
                versions: {
                  type: 'array',
                  minItems: 1,
                  items: {
                    type: 'object',
                    required: ['name'],
                    properties: {
                      name: { type: 'string', minLength: 1 },
                      served: { type: 'boolean' },
                      storage: { type: 'boolean' },
                      schema: {
                        type: 'object',
                        properties: { openAPIV3Schema: { type: 'object' } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

export const destinationSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        strictMatchLabels: { type: 'boolean' },
        stateStoreRef: {
          type: 'object',
          required: ['kind', 'name'],
          properties: { kind: { type: 'string' }, name: { type: 'string' } },
        },
        filepath: {
          type: 'object',
          properties: {
            mode: {
              type: 'string',
              enum: ['nestedByMetadata', 'aggregatedYAML', 'none'],
            },
            filename: { type: 'string' },
          },
        },
        cleanup: { type: 'string', enum: ['none', 'all'] },
        initWorkloads: {
          type: 'object',
          properties: { enabled: { type: 'boolean' } },
        },
      },
    },
  },
};

export const stateStoreSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: { path: { type: 'string' } },
    },
  },
};
