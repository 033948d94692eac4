/**
 * The priority lane in front of ONNX Runtime: every `session.run` of the engine goes through it, so a
 * cursor query never waits behind the indexing queue.
 *
 * Why it is needed: onnxruntime-node runs a session synchronously on the calling thread (its `run`
 * is a setImmediate around a blocking call), so a thread cannot start a query's run while an index
 * run is in flight. What can be chosen is (1) which run goes NEXT and (2) how long index runs are:
 *
 *  - queries first: between two runs, pending 'query' runs go before pending 'index' runs; the lane
 *    yields to the event loop (setImmediate) before picking, so a query message that arrived during
 *    a run is already queued when the pick happens;
 *  - short index runs while the writer is active: while a query was seen in the last
 *    `queryWindowMs`, an index batch is run in slices of at most `sliceTokens` (rows × seq), so a
 *    query waits for at most one slice instead of a full 8192-token batch (seconds in fp32);
 *  - a query thread (the measured choice, see bench/query-under-load.ts and extension/worker/client.ts):
 *    `shared` is an Int32Array over a SharedArrayBuffer common to the index thread and a second,
 *    query-only thread. The query thread counts the queries it is running; the index thread waits
 *    (Atomics.wait, bounded) before each slice while that count is > 0, so the query gets both cores.
 */

export type EmbedPriority = 'query' | 'index';

/** Layout of the shared counters. */
const BUSY = 0; // queries running right now (in any thread sharing the array)
const SEEN = 1; // queries started so far (a change tells the index side "the writer is active")
export const LANE_SHARED_INTS = 2;

export interface RunLaneOptions {
  /** false: plain FIFO in submission order (the baseline the bench compares against). */
  prioritise?: boolean;
  /** How long after a query index batches stay sliced (ms). */
  queryWindowMs?: number;
  /** Max rows × seq of one index run while the writer is active. */
  sliceTokens?: number;
  /** Counters shared with another thread's lane (see the header); a private array when absent. */
  shared?: Int32Array;
  /** Longest an index run waits for other threads' queries (ms): indexing never starves. */
  maxWaitMs?: number;
}

interface Job {
  priority: EmbedPriority;
  start: () => void;
}

export const DEFAULT_QUERY_WINDOW_MS = 3000;
/**
 * 1024 tokens: bench/query-under-load.ts measured the full-size model's throughput at this run size
 * within a few % of the 8192-token default, and one slice takes ~0.5-1 s in fp32 on 2 cores.
 */
export const DEFAULT_SLICE_TOKENS = 1024;

export class RunLane {
  private readonly queue: Job[] = [];
  private running = false;
  private readonly shared: Int32Array;
  private lastSeen = 0;
  private lastSeenAt = -Infinity;
  readonly prioritise: boolean;
  readonly queryWindowMs: number;
  readonly sliceTokens: number;
  private readonly maxWaitMs: number;

  constructor(opts: RunLaneOptions = {}) {
    this.prioritise = opts.prioritise ?? true;
    this.queryWindowMs = opts.queryWindowMs ?? DEFAULT_QUERY_WINDOW_MS;
    this.sliceTokens = opts.sliceTokens ?? DEFAULT_SLICE_TOKENS;
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.shared = opts.shared ?? new Int32Array(new SharedArrayBuffer(4 * LANE_SHARED_INTS));
  }

  /** True while a query is running or was started within the window (in this or a sharing thread). */
  writerActive(now = performance.now()): boolean {
    const seen = Atomics.load(this.shared, SEEN);
    if (seen !== this.lastSeen) {
      this.lastSeen = seen;
      this.lastSeenAt = now;
    }
    return Atomics.load(this.shared, BUSY) > 0 || now - this.lastSeenAt < this.queryWindowMs;
  }

  /** Rows per run for a batch of `rows` × `seq`: all of them, or a slice while the writer is active. */
  rowsPerRun(priority: EmbedPriority, rows: number, seq: number): number {
    if (!this.prioritise || priority === 'query' || !this.writerActive()) return rows;
    return Math.max(1, Math.min(rows, Math.floor(this.sliceTokens / seq)));
  }

  /** Runs `fn` when it is its turn: queries before index work, one run at a time. */
  submit<T>(priority: EmbedPriority, fn: () => Promise<T>): Promise<T> {
    if (priority === 'query') Atomics.add(this.shared, SEEN, 1);
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        const isQuery = priority === 'query';
        if (isQuery) Atomics.add(this.shared, BUSY, 1);
        else if (this.prioritise) this.waitForOtherThreadsQueries();
        fn().then(resolve, reject).finally(() => {
          if (isQuery && Atomics.sub(this.shared, BUSY, 1) === 1) Atomics.notify(this.shared, BUSY);
          this.running = false;
          // Yield a full event-loop turn (the poll phase delivers worker messages) before the next pick.
          setImmediate(() => this.pump());
        });
      };
      this.queue.push({ priority, start });
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    let i = 0;
    if (this.prioritise) {
      const q = this.queue.findIndex((j) => j.priority === 'query');
      if (q >= 0) i = q;
    }
    const [job] = this.queue.splice(i, 1);
    this.running = true;
    job.start();
  }

  /**
   * Another thread's query holds the cores: wait (blocking this thread, which has nothing else to run
   * anyway — its queue holds only index work) until it is done, at most maxWaitMs in total.
   */
  private waitForOtherThreadsQueries(): void {
    const deadline = performance.now() + this.maxWaitMs;
    for (;;) {
      const busy = Atomics.load(this.shared, BUSY);
      const left = deadline - performance.now();
      if (busy <= 0 || left <= 0) return;
      Atomics.wait(this.shared, BUSY, busy, Math.min(left, 100));
    }
  }
}
