/**
 * Keeps the last `maxBytes` bytes written to it. A failing pipeline usually
 * explains itself at the end of its output, so the tail is what we keep when
 * a container is chatty.
 */
export class LogTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  write(data: Buffer | string): void {
    let chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (chunk.length > this.maxBytes) {
      this.dropped += chunk.length - this.maxBytes;
      chunk = chunk.subarray(chunk.length - this.maxBytes);
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const head = this.chunks[0];
      const excess = this.size - this.maxBytes;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
        this.dropped += head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  toString(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0
      ? `[... ${this.dropped} bytes of earlier output dropped ...]\n${text}`
      : text;
  }
}

/** The last `lines` lines of `text`, for error messages. */
export function lastLines(text: string, lines: number): string {
  const all = text.replace(/\n+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}
