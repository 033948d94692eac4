/**
 * Inside the real extension host: p99 event-loop lag of the extension host while a 10k-entry library
 * is indexed (parse and embedding run in the worker thread; the host only passes messages, writes to
 * LanceDB from its native threads and updates the UI), and activation time to the first status-bar
 * update. Prints one line `BENCH_HOST {json}` that bench/host.ts collects.
 */
import * as assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';

suite('extension host under indexing', () => {
  test('event-loop lag while a 10k-entry library is indexed; activation to first status', async () => {
    const ext = vscode.extensions.getExtension('related-papers.related-papers');
    assert.ok(ext);
    const api = (await ext.activate()) as {
      services(): { reindex(): Promise<void>; status(): { entries: number; embedding?: { embedded: number; embeddable: number } } };
      timings(): { activateMs: number; firstStatusMs: number | undefined };
    };
    const services = api.services();
    // Idle reference, same host, same resolution.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 3000));
    idle.disable();
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const t0 = performance.now();
    await services.reindex();
    const indexMs = performance.now() - t0;
    h.disable();
    const st = services.status();
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const out = {
      entries: st.entries,
      embedded: st.embedding?.embedded ?? null,
      index_ms: Math.round(indexMs),
      lag_p50_ms: ms(h.percentile(50)), lag_p99_ms: ms(h.percentile(99)), lag_max_ms: ms(h.max),
      idle_lag_p99_ms: ms(idle.percentile(99)),
      activate_ms: Math.round(api.timings().activateMs * 10) / 10,
      first_status_ms: api.timings().firstStatusMs === undefined ? null : Math.round(api.timings().firstStatusMs! * 10) / 10,
    };
    console.log(`BENCH_HOST ${JSON.stringify(out)}`);
    assert.ok(st.entries > 10_000, `indexed ${st.entries}`);
  });
});
