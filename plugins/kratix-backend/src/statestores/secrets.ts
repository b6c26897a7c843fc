import { Config } from '@backstage/config';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';

export const SECRETS_CONFIG_KEY = 'kratix.secrets';
const DEFAULT_NAMESPACE = 'default';

/** What a state store's `spec.secretRef` points at: Kubernetes' Secret, minus the cluster. */
export interface SecretSource {
  /** The secret's data, or undefined when there is no such secret. */
  get(namespace: string, name: string): Record<string, string> | undefined;
  /** Every value, so logs and error messages can be scrubbed of them. */
  values(): string[];
}

/**
 * Secrets of the embedded engine, from `kratix.secrets` in app-config. They
 * never enter the object store, so the API has no way to return them.
 */
export class ConfigSecrets implements SecretSource {
  private readonly secrets = new Map<string, Record<string, string>>();

  static fromConfig(config: Config): ConfigSecrets {
    const entries = config.getOptionalConfigArray(SECRETS_CONFIG_KEY) ?? [];
    return new ConfigSecrets(
      entries.map(entry => {
        const dataConfig = entry.getOptionalConfig('data');
        const data: Record<string, string> = {};
        for (const key of dataConfig?.keys() ?? []) {
          data[key] = String(dataConfig!.get(key));
        }
        return {
          name: entry.getString('name'),
          namespace: entry.getOptionalString('namespace'),
          data,
        };
      }),
    );
  }

  constructor(
    entries: {
      name: string;
      namespace?: string;
      data: Record<string, string>;
    }[],
  ) {
    for (const e of entries) {
      const key = `${e.namespace || DEFAULT_NAMESPACE}/${e.name}`;
      if (this.secrets.has(key)) {
        throw new Error(
          `${SECRETS_CONFIG_KEY}: secret ${key} is defined twice`,
        );
      }
      this.secrets.set(key, { ...e.data });
    }
  }

  get(namespace: string, name: string) {
    return this.secrets.get(`${namespace}/${name}`);
  }

  values() {
    return [...this.secrets.values()].flatMap(d => Object.values(d));
  }
}

/**
 * The keys a state store needs from the secret its `spec.secretRef` names,
 * or an error naming what is missing (the secret, or which key), as Kratix
 * reports it on the state store's and its Destinations' conditions.
 */
export function secretDataFor(
  stateStore: KubeObject,
  secrets: SecretSource,
  keys: { required: string[]; optional?: string[] },
): Record<string, string> {
  const label = `${stateStore.kind} "${stateStore.metadata?.name ?? ''}"`;
  const ref = stateStore.spec?.secretRef;
  if (!ref?.name) {
    throw new Error(`${label}: spec.secretRef.name is required`);
  }
  const namespace = ref.namespace || DEFAULT_NAMESPACE;
  const data = secrets.get(namespace, ref.name);
  if (!data) {
    throw new Error(
      `${label}: secret "${namespace}/${ref.name}" not found (define it under ${SECRETS_CONFIG_KEY})`,
    );
  }
  const result: Record<string, string> = {};
  for (const key of keys.required) {
    if (data[key] === undefined || data[key] === '') {
      throw new Error(
        `${label}: secret "${namespace}/${ref.name}" is missing key: ${key}`,
      );
    }
    result[key] = data[key];
  }
  for (const key of keys.optional ?? []) {
    if (data[key] !== undefined) result[key] = data[key];
  }
  return result;
}

/** `text` with every secret value replaced, for errors that reach conditions and logs. */
export function redact(text: string, values: string[]): string {
  let result = text;
  // Longest first, so a value containing another is replaced whole.
  for (const v of [...values].sort((a, b) => b.length - a.length)) {
    if (v.length >= 4) result = result.split(v).join('<redacted>');
  }
  return result;
}
