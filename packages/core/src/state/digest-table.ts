/**
 * Sets of state digests (./hash.ts) in typed arrays: open addressing with
 * linear probing over the two 32-bit lanes, each digest numbered densely in
 * the order it was added, so that what a caller keeps per digest lives in
 * arrays of its own indexed by that number. A digest costs its slot (12
 * bytes, the table at most three quarters full: 16 to 32 bytes a digest)
 * and nothing on the JavaScript heap:
 * the stateful explorations keep one per distinct state, hundreds of
 * thousands on four threads, where a Map of numbers kept a heap number per
 * lane that does not fit a small integer and an entry object besides.
 */

/** A digest's two lanes (./hash.ts Digest). */
export interface DigestLanes {
  readonly h1: number;
  readonly h2: number;
}

/** Digests to dense indexes 0, 1, 2, ... in the order they were added. */
export class DigestTable {
  private mask: number;
  private h1: Int32Array;
  private h2: Int32Array;
  /** Per slot: its digest's index + 1; 0 for an empty slot. */
  private at: Int32Array;
  /** Digests in the table. */
  size = 0;

  /** A table with room for `capacity` digests before it grows (its slots a power of two). */
  constructor(capacity = 512) {
    let slots = 16;
    while (4 * capacity > 3 * slots) slots *= 2;
    this.mask = slots - 1;
    this.h1 = new Int32Array(slots);
    this.h2 = new Int32Array(slots);
    this.at = new Int32Array(slots);
  }

  /** The index of digest `d`, or -1 when it is not in the table. */
  get(d: DigestLanes): number {
    const a = d.h1 | 0;
    const b = d.h2 | 0;
    const mask = this.mask;
    // the lanes are murmur3-mixed: their low bits are as good as any
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = this.at[i]!;
      if (x === 0) return -1;
      if (this.h1[i] === a && this.h2[i] === b) return x - 1;
    }
  }

  /** The index of digest `d`, added with the next index when absent ({@link size} tells which). */
  add(d: DigestLanes): number {
    const a = d.h1 | 0;
    const b = d.h2 | 0;
    let mask = this.mask;
    let i = a & mask;
    for (; ; i = (i + 1) & mask) {
      const x = this.at[i]!;
      if (x === 0) break;
      if (this.h1[i] === a && this.h2[i] === b) return x - 1;
    }
    // at most three quarters full: a miss probes about 8 slots on average (linear probing), a hit 2.5
    if (4 * (this.size + 1) > 3 * (mask + 1)) {
      this.grow();
      mask = this.mask;
      for (i = a & mask; this.at[i] !== 0; i = (i + 1) & mask);
    }
    this.h1[i] = a;
    this.h2[i] = b;
    this.at[i] = ++this.size;
    return this.size - 1;
  }

  /** Twice the slots, every digest placed again (indexes kept). */
  private grow(): void {
    const { h1, h2, at } = this;
    const slots = 2 * (this.mask + 1);
    const mask = slots - 1;
    this.mask = mask;
    this.h1 = new Int32Array(slots);
    this.h2 = new Int32Array(slots);
    this.at = new Int32Array(slots);
    for (let j = 0; j < at.length; j++) {
      if (at[j] === 0) continue;
      let i = h1[j]! & mask;
      while (this.at[i] !== 0) i = (i + 1) & mask;
      this.h1[i] = h1[j]!;
      this.h2[i] = h2[j]!;
      this.at[i] = at[j]!;
    }
  }
}

/** A set of digests. */
export class DigestSet {
  private readonly table = new DigestTable();

  /** Digests in the set. */
  get size(): number {
    return this.table.size;
  }

  has(d: DigestLanes): boolean {
    return this.table.get(d) >= 0;
  }

  add(d: DigestLanes): void {
    this.table.add(d);
  }
}
