/** Human formatting, shared with the controller's commands (shared/src/format.ts). */
export * from '@coffer/shared/format.js';
