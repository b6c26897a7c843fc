import type { Entity } from '@backstage/catalog-model';
import type {
  PromiseObject,
  PromiseApi,
} from '@kratix-backstage/plugin-kratix-common';

export type JsonSchema = { [key: string]: any };

/** The served version a request should use: the storage one, else the first served. */
export function requestVersionOf(
  api: PromiseApi | undefined,
): PromiseApi['spec']['versions'][number] | undefined {
  const served = (api?.spec?.versions ?? []).filter(v => v.served !== false);
  return served.find(v => v.storage) ?? served[0];
}

/** `enableDataCollection` → `Enable data collection`. */
export function titleOf(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * One property of the Promise's schema as a form field: Kubernetes'
 * structural-schema extensions dropped (JSON Schema validators reject
 * them), a title from the key, the description as help text under the
 * field, and booleans shown as a checkbox.
 */
function formField(key: string, schema: JsonSchema): JsonSchema {
  const field: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-')) {
      if (k === 'x-kubernetes-preserve-unknown-fields' && v === true) {
        field.additionalProperties = true;
      }
    } else if (k === 'properties' && v && typeof v === 'object') {
      field.properties = Object.fromEntries(
        Object.entries(v as Record<string, JsonSchema>).map(([p, s]) => [
          p,
          formField(p, s),
        ]),
      );
    } else if (k === 'items' && v && typeof v === 'object') {
      field.items = formField(key, v as JsonSchema);
    } else if (k === 'description') {
      // Help text sits under the field; as `description` rjsf would print it twice for checkboxes.
      field['ui:help'] = v;
    } else {
      field[k] = v;
    }
  }
  field.title ??= titleOf(key);
  if (field.type === 'boolean') field['ui:widget'] = 'checkbox';
  return field;
}

export const TEMPLATE_NAME_PREFIX = 'kratix-request-';
export const PROMISE_NAME_ANNOTATION = 'kratix.io/promise-name';

export interface PromiseTemplateOptions {
  /** `spec.owner` of every generated template. */
  owner: string;
  /** Namespace offered by default in the form. */
  defaultNamespace?: string;
}

/** DNS-1123 subdomain, as Kubernetes requires of object names. */
const NAME_PATTERN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const NAMESPACE_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/**
 * A scaffolder Template requesting a resource of the Promise: a page for
 * the object's name and namespace, a page with the Promise's `spec`
 * schema, and one `kratix:resource:request` step. Undefined when the
 * Promise offers no API (nothing to request).
 */
export function promiseTemplate(
  promise: PromiseObject,
  options: PromiseTemplateOptions,
): Entity | undefined {
  const api = promise.spec?.api;
  const version = requestVersionOf(api);
  if (!api || !version) return undefined;
  const promiseName = promise.metadata.name;
  const kind = api.spec.names.kind;
  const root = (version.schema?.openAPIV3Schema ?? {}) as JsonSchema;
  const specSchema = ((root.properties as Record<string, JsonSchema>)?.spec ?? {
    type: 'object',
  }) as JsonSchema;
  const specField = formField('spec', specSchema);
  // The page's title already names it; a second heading above the fields is noise.
  specField.title = '';
  const description =
    promise.metadata.annotations?.['kratix.io/description'] ??
    `Request a resource of kind ${kind} (${api.spec.group}/${version.name}) from the ${promiseName} Promise.`;
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: `${TEMPLATE_NAME_PREFIX}${promiseName}`
        .slice(0, 63)
        .replace(/[-.]+$/, ''),
      title: `Request ${promiseName}`,
      description,
      tags: ['kratix', 'kratix-promise'],
      annotations: {
        [PROMISE_NAME_ANNOTATION]: promiseName,
        'kratix.io/api-group': api.spec.group,
        'kratix.io/kind': kind,
      },
    },
    spec: {
      owner: options.owner,
      type: 'kratix-resource',
      parameters: [
        {
          title: `New ${kind}`,
          required: ['name', 'namespace'],
          properties: {
            name: {
              type: 'string',
              title: 'Name',
              pattern: NAME_PATTERN,
              maxLength: 253,
              'ui:help': 'Lower-case letters, digits, "-" and ".".',
              'ui:autofocus': true,
            },
            namespace: {
              type: 'string',
              title: 'Namespace',
              pattern: NAMESPACE_PATTERN,
              maxLength: 63,
              default: options.defaultNamespace ?? 'default',
            },
          },
        },
        {
          title: `${kind} settings`,
          properties: { spec: specField },
        },
      ],
      steps: [
        {
          id: 'request',
          name: `Request ${kind}`,
          action: 'kratix:resource:request',
          input: {
            promise: promiseName,
            namespace: '${{ parameters.namespace }}',
            name: '${{ parameters.name }}',
            spec: '${{ parameters.spec }}',
          },
        },
      ],
      output: {
        links: [
          {
            title: 'Where it runs, or why not yet',
            url: '${{ steps.request.output.pagePath }}',
          },
        ],
        text: [
          {
            title: 'Requested',
            content:
              '${{ steps.request.output.kind }} `${{ steps.request.output.namespace }}/${{ steps.request.output.name }}` requested from the ${{ steps.request.output.promise }} Promise.',
          },
        ],
      },
    },
  };
}
