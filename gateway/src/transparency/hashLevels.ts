/**
 * Append-only arrays of 32-byte hashes, one per tree level, in one growing Buffer each: a million hashes cost
 * 32 MB here instead of ~100 MB as separate Buffer objects.
 */
export class HashLevels {
  private readonly data: Buffer[] = [];
  private readonly counts: number[] = [];

  /** Appends the hash of the next perfect subtree at `level`. */
  push(level: number, hash: Uint8Array): void {
    while (this.data.length <= level) {
      this.data.push(Buffer.alloc(32 * 64));
      this.counts.push(0);
    }
    let buf = this.data[level]!;
    const count = this.counts[level]!;
    if ((count + 1) * 32 > buf.length) {
      const grown = Buffer.alloc(buf.length * 2);
      buf.copy(grown);
      this.data[level] = buf = grown;
    }
    buf.set(hash, count * 32);
    this.counts[level] = count + 1;
  }

  /** The hash of the `index`th perfect subtree at `level`, or undefined when it is not complete yet. */
  get(level: number, index: number): Uint8Array | undefined {
    if (level >= this.data.length || index >= this.counts[level]!) return undefined;
    return new Uint8Array(this.data[level]!.subarray(index * 32, index * 32 + 32));
  }

  /** Bytes held (allocated) across all levels. */
  bytes(): number {
    return this.data.reduce((sum, b) => sum + b.length, 0);
  }
}
