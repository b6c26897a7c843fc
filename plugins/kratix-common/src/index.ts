/**
 * Kratix's platform model: object types and the pure scheduling core.
 * Isomorphic and free of I/O.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './permissions';
