/** Flag parsing, shared with the controller's commands (shared/src/cli-args.ts). */
export * from '@coffer/shared/cli-args.js';
