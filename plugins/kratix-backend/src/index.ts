/**
 * The Kratix backend plugin for Backstage.
 *
 * @packageDocumentation
 */
export { kratixPlugin as default } from './plugin';
