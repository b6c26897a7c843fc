import { LoggerService } from '@backstage/backend-plugin-api';
import { LogTail } from './logTail';

/**
 * A logger for in-process pipelines that also records what they log, so
 * their output shows up in the pipeline's logs like a container's would.
 */
export function capturingLogger(
  target: LoggerService,
  tail: LogTail,
): LoggerService {
  const record =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (message: string, meta?: Parameters<LoggerService['info']>[1]) => {
      if (level !== 'debug') {
        const detail = meta instanceof Error ? `: ${meta.message}` : '';
        tail.write(`${level}: ${message}${detail}\n`);
      }
      target[level](message, meta);
    };
  return {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    child: meta => capturingLogger(target.child(meta), tail),
  };
}
