/**
 * precision "auto" through THE application layer and the real worker: a fixed sample of the user's own
 * entries is embedded in fp32 and int8 by the tiny model in the worker thread; the decision follows the
 * threshold (forced to both outcomes), is recorded, and is reused on the next load without embedding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { autoPrecision, precisionRecordFile } from '../../extension/core/app/autoPrecision';
import { parseBibliography } from '../../extension/core/bib';
import { contentHash } from '../../extension/core/index/schema';
import { WorkerClient, workerScript } from '../../extension/worker/client';
import { resolveModelDir } from '../../models/acquire/resolve';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';

const skip = skipUnlessShared('fixtures', 'specter2-tiny');

test('auto precision: int8 when the threshold is met, fp32 when not; the decision is recorded and reused', { skip }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-autoprec-'));
  const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
  const client = new WorkerClient(scriptPath, execArgv, { queryThread: false });
  try {
    const resolved = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity'] });
    assert.ok(resolved.ok);
    const bib = path.join(REPO_ROOT, 'examples', 'library.bib');
    const entries = parseBibliography(bib, fs.readFileSync(bib)).records.map((r) => ({ content_hash: contentHash(r.title, r.abstract), title: r.title, abstract: r.abstract || null }));
    let compared = 0;
    const embedBoth = async (inputs: { title: string; abstract: string | null }[]) => {
      compared += inputs.length;
      return client.call('comparePrecisions', { modelDir: resolved.dir, cacheDir: path.join(tmp, 'onnx'), inputs, adapter: 'proximity' });
    };
    const base = { dir: tmp, workspace: 'file:///ws', modelKey: 'tiny#proximity@x', entries: async () => entries, embedBoth };

    const lenient = await autoPrecision({ ...base, threshold: 0.5 });
    assert.equal(lenient.fresh, true);
    assert.equal(lenient.record.precision, 'int8', `min cosine ${lenient.record.minCosine} ≥ 0.5`);
    assert.equal(lenient.record.sampleSize, Math.min(64, new Set(entries.filter((e) => e.title.trim()).map((e) => e.content_hash)).size));
    assert.ok(lenient.record.minCosine! > 0.9 && lenient.record.minCosine! <= 1);
    assert.equal(compared, lenient.record.sampleSize);

    const strict = await autoPrecision({ ...base, threshold: 1 });
    // A cosine of exactly 1.0 between int8 and fp32 does not happen: the strict threshold keeps fp32.
    assert.equal(strict.record.precision, 'fp32', `min cosine ${strict.record.minCosine} < 1`);
    assert.equal(strict.record.minCosine, lenient.record.minCosine, 'the same fixed sample both times');

    const before = compared;
    const again = await autoPrecision({ ...base, threshold: 0.5 });
    assert.equal(again.fresh, false, 'recorded: not checked again');
    assert.equal(again.record.precision, 'int8');
    assert.equal(compared, before, 'no embedding on the next load');
    assert.ok(fs.existsSync(precisionRecordFile(tmp, 'file:///ws', 'tiny#proximity@x', 0.5)));

    const otherModel = await autoPrecision({ ...base, modelKey: 'tiny#proximity@y', threshold: 0.5 });
    assert.equal(otherModel.fresh, true, 'another model identity is checked again');
  } finally {
    await client.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
