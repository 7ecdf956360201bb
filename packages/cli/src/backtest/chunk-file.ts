/**
 * A file written in chunks: text is collected up to a chunk size and written with one system call,
 * so a report file is never one whole string in memory. Written under a temporary name and renamed
 * at `commit`, so a folder never holds half a file; `discard` removes the temporary file.
 */
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { cliError } from '../errors.js';

const CHUNK_CHARS = 1 << 16;

export class ChunkFile {
  private fd: number | undefined;
  private buf = '';
  /** Reused for every chunk: at most 3 UTF-8 bytes per UTF-16 unit. */
  private bytes = Buffer.allocUnsafe(3 * CHUNK_CHARS + 1024);
  private readonly tmp: string;

  constructor(readonly file: string) {
    this.tmp = `${file}.tmp-${process.pid}`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw this.failed(e);
    }
  }

  write(text: string): void {
    this.buf += text;
    if (this.buf.length >= CHUNK_CHARS) this.flush();
  }

  /** Writes what is left, closes and renames the file into place. */
  commit(): void {
    this.flush();
    try {
      closeSync(this.fd!);
      this.fd = undefined;
      renameSync(this.tmp, this.file);
    } catch (e) {
      throw this.failed(e);
    }
  }

  /** Closes and removes the temporary file (after a failure); never throws. */
  discard(): void {
    try {
      if (this.fd !== undefined) closeSync(this.fd);
    } catch {
      /* already failing */
    }
    this.fd = undefined;
    try {
      unlinkSync(this.tmp);
    } catch {
      /* never created, or already gone */
    }
  }

  private flush(): void {
    if (!this.buf) return;
    const text = this.buf;
    this.buf = '';
    if (3 * text.length > this.bytes.length) this.bytes = Buffer.allocUnsafe(3 * text.length);
    const bytes = this.bytes;
    const len = bytes.write(text, 0, 'utf8');
    try {
      for (let off = 0; off < len; ) off += writeSync(this.fd!, bytes, off, len - off);
    } catch (e) {
      throw this.failed(e);
    }
  }

  private failed(e: unknown): Error {
    return cliError('TK_ERR_REPORT_WRITE', `cannot write ${this.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: this.file,
      cause: e,
    });
  }
}
