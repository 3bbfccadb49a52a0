/**
 * Splits a child's output stream into lines (UTF-8, `\n` or `\r\n`), holding at most
 * `maxLine` characters of an unfinished line: a longer line is delivered cut at that
 * length with `…` appended, and the rest of it is dropped. The last line need not end
 * with a newline.
 */
import { StringDecoder } from 'node:string_decoder';

/** Lines out of chunks. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private dropping = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 1024 * 1024,
  ) {}

  /** Feeds a chunk; calls onLine for every line it completes. */
  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** Ends the stream: delivers an unfinished last line. */
  end(): void {
    this.feed(this.decoder.end());
    if (this.buf !== '' && !this.dropping) this.emit(this.buf);
    this.buf = '';
    this.dropping = false;
  }

  private feed(s: string): void {
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      if (!this.dropping) this.emit(this.buf + s.slice(start, nl));
      this.buf = '';
      this.dropping = false;
      start = nl + 1;
    }
    if (this.dropping) return;
    this.buf += s.slice(start);
    if (this.buf.length > this.maxLine) {
      this.emit(this.buf);
      this.buf = '';
      this.dropping = true;
    }
  }

  private emit(line: string): void {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    this.onLine(l.length > this.maxLine ? `${l.slice(0, this.maxLine)}…` : l);
  }
}
