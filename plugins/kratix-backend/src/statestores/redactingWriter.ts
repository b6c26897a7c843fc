import { StateStoreWriter } from '@kratix-backstage/plugin-kratix-node';
import { redact } from './secrets';

/**
 * A writer whose errors say which store failed and never carry a secret:
 * they end up in conditions (returned by the API) and in logs.
 */
export function redactingWriter(
  writer: StateStoreWriter,
  secretValues: string[],
  describe: (message: string) => string,
): StateStoreWriter {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (e) {
        const error = e as Error;
        const message = error.message || error.name || String(e);
        throw new Error(redact(describe(message), secretValues));
      }
    };
  return {
    update: wrap(change => writer.update(change)),
    read: wrap(path => writer.read(path)),
    list: wrap(dir => writer.list(dir)),
  };
}
