/**
 * Output lines gathered into batches: a verb that prints many lines (`ls --recursive`)
 * hands `out` one string of up to BATCH_CHARS characters at a time instead of one per
 * line (one write system call each), with the same bytes on stdout. Holds at most one
 * batch; `flush` prints what is held.
 */

const BATCH_CHARS = 64 * 1024;

export class LineBatch {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly out: (text: string) => void) {}

  add(line: string): void {
    this.lines.push(line);
    this.chars += line.length + 1;
    if (this.chars >= BATCH_CHARS) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n');
    this.lines = [];
    this.chars = 0;
    this.out(text);
  }
}
