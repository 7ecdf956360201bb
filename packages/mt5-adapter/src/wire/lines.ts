/**
 * NDJSON framing: splits a byte stream into lines (UTF-8 safe across chunk boundaries) with a cap on
 * line length, so a peer cannot make us buffer without bound.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineReader {
  private buf = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.buf += this.decoder.write(chunk);
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.buf.length > this.maxBytes) {
      this.buf = '';
      this.onOverflow();
    }
  }
}
