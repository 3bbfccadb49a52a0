/** Reads a line from the terminal without echoing it (shared with `coffer ctl user`). */
export { prompt } from '@coffer/shared/tty-prompt.js';
