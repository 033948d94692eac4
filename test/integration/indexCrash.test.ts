/**
 * Crash safety of the indexer: a child process is SIGKILLed in the middle of indexing a few hundred
 * entries (slow test embedder), then the index is completed in this process. There must be no
 * duplicate (file, key) row, no missing entry, and rows committed before the kill are not re-embedded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexStore } from '../../extension/core/index/store';
import { indexFiles } from '../../extension/core/index/indexer';
import { HashEmbedder } from '../unit/index/hashEmbedder';
import { bibEntry, tempDir } from '../unit/index/fixtures';
import { REPO_ROOT } from '../helpers/shared';

const N = 300;

function runUntilKilled(args: string[], killAfterCommitted: number): Promise<{ lastCommitted: number; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/unit/index/crashChild.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastCommitted = 0;
    let killed = false;
    let stderr = '';
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^committed (\d+)\//.exec(line);
        if (m) lastCommitted = Number(m[1]);
        if (m && lastCommitted >= killAfterCommitted && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('exit', () => resolve({ lastCommitted, killed, stderr }));
  });
}

test('SIGKILL mid-run, then rerun: no duplicates, nothing missing, written rows reused', { timeout: 120_000 }, async () => {
  const dir = tempDir('rp-crash-');
  const bib = path.join(dir, 'big.bib');
  const parts: string[] = [];
  for (let i = 0; i < N; i++) parts.push(bibEntry(`paper${i}`, `Crash test paper ${i} about ${['graphs', 'vision', 'language', 'speech'][i % 4]}`, `Abstract ${i}.`));
  fs.writeFileSync(bib, parts.join('\n'));
  const db = path.join(dir, 'db');

  // 16 entries per batch at 2 ms each ≈ 32 ms per batch: kill after ~5 batches, well before the end.
  const run = await runUntilKilled([db, bib, dir, '2'], 80);
  assert.ok(run.killed, `child was not killed (stderr: ${run.stderr})`);
  assert.ok(run.lastCommitted < N, 'killed before finishing');

  const emb = new HashEmbedder(48);
  const store = await IndexStore.open({ dir: db, workspace: dir, space: { embedderId: emb.id, dim: emb.dim } });
  assert.equal(store.rebuilt, undefined, 'the table survived the kill');
  const afterKill = await store.state();
  // Lexical first: every entry was stored before the first model call, so all N rows are there.
  assert.equal(afterKill.length, N, 'every entry stored (lexically) before embedding started');
  const withVector = afterKill.filter((s) => s.has_vector).length;
  // Every batch reported as committed has its vectors; at most the in-flight batch beyond it.
  assert.ok(withVector >= run.lastCommitted, `${withVector} vectors < ${run.lastCommitted} reported committed`);
  assert.ok(withVector <= run.lastCommitted + 16 * 2, `${withVector} vectors: more than the in-flight batch beyond ${run.lastCommitted}`);
  assert.equal(withVector % 16, 0, 'batches are all-or-nothing');

  const r = await indexFiles([bib], { store, embedder: emb, batchSize: 16 });
  assert.equal(r.entries, N);
  assert.equal(r.unchanged, withVector, 'rows embedded before the kill are kept as they are');
  assert.equal(r.embedded, N - withVector, 'only the missing entries are embedded');
  assert.equal(emb.papersEmbedded, N - withVector);

  const final = await store.state();
  assert.equal(final.length, N, 'no missing and no extra rows');
  assert.equal(new Set(final.map((s) => `${s.file}\u0000${s.key}`)).size, N, 'no duplicate (file, key)');
  assert.ok(final.every((s) => s.has_vector));
  const keys = new Set(final.map((s) => s.key));
  for (let i = 0; i < N; i++) assert.ok(keys.has(`paper${i}`), `paper${i} present`);
  store.close();
});
