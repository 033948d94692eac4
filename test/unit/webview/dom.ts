/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A real DOM implementation for the webview's render tests (happy-dom). Not a mock: the render code runs
 * against a spec-following DOM and its HTML serialisation. Loaded lazily so the suite can say clearly
 * why it skips when happy-dom is not installed.
 */
import { createRequire } from 'node:module';

export interface DomWindow {
  document: Document;
  MessageEvent: typeof MessageEvent;
  KeyboardEvent: typeof KeyboardEvent;
  MouseEvent: typeof MouseEvent;
  Event: typeof Event;
  close(): void;
  dispatchEvent(event: Event): boolean;
}

const req = createRequire(__filename);

function load(): { Window: new () => DomWindow } | undefined {
  try {
    return req('happy-dom') as { Window: new () => DomWindow };
  } catch {
    return undefined;
  }
}

const mod = load();

/** For node:test's `{ skip }`. */
export const skipWithoutDom: false | string = mod
  ? false
  : 'needs the happy-dom devDependency (package.json devDependencies; run npm ci)';

export function newWindow(): DomWindow {
  if (!mod) throw new Error(String(skipWithoutDom));
  return new mod.Window();
}
