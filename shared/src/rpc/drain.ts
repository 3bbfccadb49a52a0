/**
 * Writing a stream to an HTTP response at the pace of the client: a write that fills the
 * socket's buffer waits for 'drain' (or for the response to close, when the client left),
 * so a producer never holds more than one chunk beyond what the socket buffers.
 */
import type { ServerResponse } from 'node:http';

/** Writes `chunk`; resolves once the socket took it (or the client went away). */
export function writeDrained(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
