/** The simulation's future events: a binary min-heap ordered by (time, seq), seq breaking ties in insertion order. */

export interface QueuedEvent {
  time: number;
  seq: number;
}

/** An event before it is queued (its seq is assigned on push); distributes over unions. */
export type Unqueued<E> = E extends QueuedEvent ? Omit<E, 'seq'> : never;

export class EventQueue<E extends QueuedEvent> {
  private readonly heap: E[] = [];
  private counter = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Adds an event; its `seq` is assigned here. */
  push(event: Unqueued<E>): void {
    const item = event as unknown as E;
    item.seq = this.counter++;
    const heap = this.heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  pop(): E | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

const before = (a: QueuedEvent, b: QueuedEvent): boolean =>
  a.time < b.time || (a.time === b.time && a.seq < b.seq);
