/**
 * Host → webview delivery with the ready handshake: messages posted before the webview has said `ready`
 * are queued and flushed in order once it does (a webview drops messages that arrive before its
 * listener exists). Status messages are coalesced (only the latest matters). Pure: no `vscode` import.
 */
import type { HostMessage } from '../protocol/webview';

export type Post = (message: HostMessage) => Thenable<boolean> | Promise<boolean> | boolean | void;

export class ReadyQueue {
  private post: Post | undefined;
  private ready = false;
  private queue: HostMessage[] = [];

  constructor(private readonly maxQueued = 200) {}

  /** A (new) webview to deliver to; it is not ready until `markReady`. */
  attach(post: Post): void {
    this.post = post;
    this.ready = false;
  }

  /** The webview went away (disposed or reloaded): keep queueing for the next one. */
  detach(): void {
    this.post = undefined;
    this.ready = false;
  }

  /** The webview said `ready`: flush everything queued, in order. */
  markReady(): void {
    if (!this.post) return;
    this.ready = true;
    const pending = this.queue;
    this.queue = [];
    for (const m of pending) void this.post(m);
  }

  get isReady(): boolean {
    return this.ready;
  }

  get queued(): readonly HostMessage[] {
    return this.queue;
  }

  send(message: HostMessage): void {
    if (this.ready && this.post) {
      void this.post(message);
      return;
    }
    // Only the newest status/results per section is worth replaying to a webview that was not listening.
    this.queue = this.queue.filter((m) => !supersedes(message, m));
    this.queue.push(message);
    if (this.queue.length > this.maxQueued) this.queue.splice(0, this.queue.length - this.maxQueued);
  }
}

function supersedes(newer: HostMessage, older: HostMessage): boolean {
  if (newer.type === 'status' && older.type === 'status') return true;
  if (newer.type === 'setQuery' && older.type === 'setQuery') return true;
  if ((newer.type === 'results' || newer.type === 'clear') && (older.type === 'results' || older.type === 'clear' || older.type === 'busy')) {
    return newer.section === older.section;
  }
  if (newer.type === 'busy' && older.type === 'busy') return newer.section === older.section;
  return false;
}
