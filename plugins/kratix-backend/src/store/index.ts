export * from './types';
export { DatabaseObjectStore } from './DatabaseObjectStore';
export { DatabaseWorkQueue } from './DatabaseWorkQueue';
