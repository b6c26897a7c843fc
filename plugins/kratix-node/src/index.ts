/**
 * Extension points of the Kratix backend plugin.
 *
 * @packageDocumentation
 */
export * from './extensions';
