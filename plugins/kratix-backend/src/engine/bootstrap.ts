import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import { ObjectStore } from '../store/types';
import { Admission, KindRegistry } from './types';

/**
 * Creates the objects of the `kratix.bootstrap` files that do not exist yet.
 * Existing objects are left alone, so what an operator changed through the
 * API (a Destination's labels, say) survives a restart.
 */
export async function bootstrapObjects(options: {
  files: string[];
  store: ObjectStore;
  kinds: KindRegistry;
  admission: Admission;
  logger: LoggerService;
}) {
  const { store, kinds, admission, logger } = options;
  for (const file of options.files) {
    const text = await fs.readFile(path.resolve(file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        throw new Error(`kratix.bootstrap: ${file}: ${doc.errors[0].message}`);
      }
      const object = doc.toJS() as KubeObject | null;
      if (!object) continue;
      const kind = kinds.byKind(object.apiVersion, object.kind);
      if (!kind) {
        throw new Error(
          `kratix.bootstrap: ${file}: no matches for kind "${object.kind}" in version "${object.apiVersion}"`,
        );
      }
      const namespace = kind.namespaced
        ? object.metadata?.namespace ?? 'default'
        : undefined;
      const key = {
        group: kind.group,
        kind: kind.kind,
        namespace,
        name: object.metadata?.name,
      };
      if (await store.get(key)) continue;
      const admitted = await admission.admit(
        {
          ...object,
          metadata: { ...object.metadata, ...(namespace ? { namespace } : {}) },
        },
        undefined,
        kind,
      );
      await store.create(admitted);
      logger.info(
        `bootstrapped ${kind.kind} ${object.metadata.name} from ${file}`,
      );
    }
  }
}
