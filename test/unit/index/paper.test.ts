import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entryToPaper } from '../../../extension/core/index/paper';
import { recordToRow } from '../../../extension/core/index/schema';
import { rec } from './fixtures';

test('a stored entry maps to the PaperHit display shape', () => {
  const row = recordToRow(rec('k', 'T', '', { authors: ['Doe, Jane', 'Roe, R.'], year: 2001, venue: 'J', doi: '10.1/x', file: '/a.bib', line: 7 }));
  const p = entryToPaper({ ...row }, 0.5, 0.25);
  assert.deepEqual(p, { key: 'k', title: 'T', authors: ['Doe, Jane', 'Roe, R.'], abstract: '', hasAbstract: false, file: '/a.bib', line: 7, score: 0.5, year: 2001, venue: 'J', doi: '10.1/x', cosine: 0.25 });
  const bare = entryToPaper({ ...recordToRow(rec('k2', 'U', 'abs', { authors: [] })) });
  assert.deepEqual(bare.authors, []);
  assert.equal(bare.hasAbstract, true);
  assert.ok(!('year' in bare) && !('cosine' in bare));
});
