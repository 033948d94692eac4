/**
 * The two large real libraries (10k and 16k entries): counts within MANIFEST bounds, a few decoded values, and the
 * EntryCache contract on a real 10k-entry file (edit one entry → exactly one decode). Slow-ish (~10–30 s).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { sharedPath, skipUnlessShared } from '../../helpers/shared';
import { EntryCache, parseBibliography } from '../../../extension/core/bib/index';

const ACM = sharedPath('corpora', 'bib-real', 'large', 'acm-chi-1982-2020.bib');
const JGREY = sharedPath('corpora', 'bib-real', 'large', 'jgrey-personal-library.bib');

test('acm-chi: 10,569 entries, DOI keys with "/", EntryCache re-parse decodes one entry', { skip: skipUnlessShared('corpora', 'bib-real', 'large') }, () => {
  const bytes = fs.readFileSync(ACM);
  const cache = new EntryCache();
  const first = parseBibliography(ACM, bytes, { cache });
  assert.ok(Math.abs(first.records.length - 10569) <= 211, `${first.records.length}`);
  const r0 = first.records[0];
  assert.equal(r0.key, '10.1145/800276.810953');
  assert.equal(r0.line, 1);
  assert.equal(r0.title, 'Recent Advances in User Assistance');
  assert.deepEqual(r0.authors, ['Relles, N.', 'Sondheimer, N. K.', 'Ingargiola, G. P.']);
  assert.equal(r0.doi, '10.1145/800276.810953');
  assert.ok(r0.abstract.startsWith('As interactive users find conventional methods'));
  assert.ok(first.records.filter((r) => r.abstract).length > 7000);
  const decodedFirst = cache.decodes;
  assert.equal(decodedFirst, first.records.length);

  const text = bytes.toString('utf8');
  const edited = text.replace('title = {Recent Advances in User Assistance}', 'title = {Recent Advances in User Assistance, Revised}');
  assert.notEqual(edited, text);
  const decoded: string[] = [];
  const second = parseBibliography(ACM, Buffer.from(edited), { cache, onDecode: (k) => decoded.push(k) });
  assert.deepEqual(decoded, ['10.1145/800276.810953']);
  assert.equal(second.records[0].title, 'Recent Advances in User Assistance, Revised');
  assert.equal(second.records.length, first.records.length);
  // Unchanged entries keep their hashes; the edited one changes.
  assert.notEqual(second.entryHashes[0], first.entryHashes[0]);
  assert.deepEqual(second.entryHashes.slice(1), first.entryHashes.slice(1));
});

test('jgrey library: ~16.6k entries incl. keys starting with "@", duplicates reported', { skip: skipUnlessShared('corpora', 'bib-real', 'large') }, () => {
  const r = parseBibliography(JGREY, fs.readFileSync(JGREY));
  assert.ok(Math.abs(r.records.length - 16579) <= 332, `${r.records.length}`);
  assert.ok(r.records.some((x) => x.key.startsWith('@')), 'keys starting with @ are kept');
  assert.ok(r.diagnostics.some((d) => /duplicate key/.test(d.message)));
  for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.file === JGREY);
  assert.ok(r.records.filter((x) => x.year !== undefined).length > r.records.length * 0.9);
});
