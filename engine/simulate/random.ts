/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman & Vigna) seeded through splitmix32 from a hash of
 * the seed's text. Same seed, same sequence, on every platform (32-bit integer arithmetic only, no Math.random).
 */

/** cyrb53-style 32-bit string hash, used only to turn any seed (number or text) into generator state. */
function hash32(text: string, salt: number): number {
  let h = 0x9e3779b9 ^ salt;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** A generator for `seed`; `stream` names an independent sequence from the same seed (e.g. 'ids'). */
  constructor(seed: number | string, stream = '') {
    const mix = splitmix32(hash32(`${seed}\u0000${stream}`, 0x2545f491));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in the open interval (0, 1): never 0, so logarithms are safe. */
  next(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  /** Standard normal (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const r = Math.sqrt(-2 * Math.log(this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** A version-4-shaped UUID drawn from this generator (deterministic ids for simulated cases). */
  uuid(): string {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const w0 = hex(this.nextUint32());
    const w1 = hex(this.nextUint32());
    const w2 = hex(((this.nextUint32() & 0x3fffffff) | 0x80000000) >>> 0);
    const w3 = hex(this.nextUint32());
    return `${w0}-${w1.slice(0, 4)}-4${w1.slice(5, 8)}-${w2.slice(0, 4)}-${w2.slice(4)}${w3}`;
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** The simulation's independent streams: a change in one kind of draw leaves the others' sequences alone. */
export interface Streams {
  arrivals: Random;
  work: Random;
  variables: Random;
  messages: Random;
  ratings: Random;
  ratingSteps: Random;
  /** Named by the id namespace: two scenarios written into one database get different ids. */
  ids: Random;
}

export const streams = (seed: number | string, namespace: string): Streams => ({
  arrivals: new Random(seed, 'arrivals'),
  work: new Random(seed, 'work'),
  variables: new Random(seed, 'variables'),
  messages: new Random(seed, 'messages'),
  ratings: new Random(seed, 'ratings'),
  ratingSteps: new Random(seed, 'rating-steps'),
  ids: new Random(seed, `ids:${namespace}`),
});
