import type { PromiseObject } from '@kratix-backstage/plugin-kratix-common';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  items?: JsonSchema;
  [key: string]: unknown;
};

/** The `spec` schema of the Promise's served (storage first) version. */
export function requestSchemaOf(promise: PromiseObject): JsonSchema | undefined {
  const versions = (promise.spec?.api?.spec?.versions ?? []).filter(v => v.served !== false);
  const version = versions.find(v => v.storage) ?? versions[0];
  const root = version?.schema?.openAPIV3Schema as JsonSchema | undefined;
  return root?.properties?.spec;
}

export interface SchemaField {
  path: string;
  type: string;
  required: boolean;
  description?: string;
  default?: unknown;
}

/** The schema's fields, flattened to dotted paths, for reading at a glance. */
export function schemaFields(schema: JsonSchema | undefined, prefix = 'spec'): SchemaField[] {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).flatMap(([key, s]) => {
    const path = `${prefix}.${key}`;
    const own: SchemaField = {
      path,
      type: Array.isArray(s.type) ? s.type.join(' | ') : s.type ?? 'any',
      required: (schema.required ?? []).includes(key),
      description: s.description,
      default: s.default,
    };
    return [own, ...schemaFields(s, path)];
  });
}

/**
 * Turns Kubernetes structural-schema extensions, which JSON Schema
 * validators do not know, into plain JSON Schema for the form.
 */
export function toFormSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-kubernetes-')) {
      if (k === 'x-kubernetes-preserve-unknown-fields' && v === true) out.additionalProperties = true;
      continue;
    }
    if (k === 'properties' && v && typeof v === 'object')
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, JsonSchema>).map(([p, s]) => [p, toFormSchema(s)]),
      );
    else if (k === 'items' && v && typeof v === 'object' && !Array.isArray(v)) out.items = toFormSchema(v as JsonSchema);
    else out[k] = v;
  }
  return out;
}
