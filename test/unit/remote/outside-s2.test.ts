/** "Not in your library": recommendations from the stand-in, library filtering, safe BibTeX from hostile API answers. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { S2Client } from '../../../extension/core/remote/semanticScholar';
import { NoSeedsError, notInLibrary, recommendedToBibtex, seedIds } from '../../../extension/core/remote/outside';
import { identityIndex } from '../../../extension/core/index/federated';
import { parseBibliography } from '../../../extension/core/bib';
import type { StoredEntry } from '../../../extension/core/index/store';
import { startS2StandIn, type S2StandIn } from '../../helpers/s2Server';

let s2: S2StandIn;
before(async () => { s2 = await startS2StandIn(); });
after(async () => { await s2.close(); });

const entry = (key: string, title: string, doi: string | null, arxiv: string | null = null): StoredEntry => ({
  uid: key, key, type: 'article', title, abstract: '', authors: '', year: 2020, venue: null, doi, url: null, arxiv_id: arxiv, file: '/lib.bib', line: 1, has_abstract: false, synthetic_key: false,
});

test('seeds: cited papers with DOI/arXiv id positive, dismissed negative; none → a clear error, nothing sent', async () => {
  const cited = [{ doi: '10.1000/a', arxiv_id: null }, { doi: null, arxiv_id: '1706.03762v5' }, { doi: null, arxiv_id: null }, { doi: '10.1000/a', arxiv_id: null }];
  assert.deepEqual(seedIds({ cited, dismissed: ['p9', 'bad id with spaces'] }), { positive: ['DOI:10.1000/a', 'ARXIV:1706.03762'], negative: ['p9'] });
  const client = new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 0 });
  await assert.rejects(notInLibrary(client, { cited: [{ doi: null, arxiv_id: null }], inLibrary: () => undefined }), NoSeedsError);
  assert.equal(s2.requests.length, 0);
});

test('recommendations without the papers already in the library; dismissed ones excluded by the API', async () => {
  s2.recommended = [
    { paperId: 'r1', title: 'Graph attention networks', externalIds: { DOI: '10.1000/gat' }, year: 2018, venue: 'ICLR', authors: [{ name: 'Petar Veličković' }] },
    { paperId: 'r2', title: 'Attention is all you need', externalIds: { ArXiv: '1706.03762' } },
    { paperId: 'r3', title: 'Deep Residual Learning for Image Recognition', externalIds: {} },
    { paperId: 'r4', title: 'Dismissed paper', externalIds: {} },
    { paperId: 'r5', title: 'Semi-supervised classification with graph convolutional networks', externalIds: { DOI: '10.1000/gcn' } },
  ];
  const library = identityIndex([
    entry('vaswani', 'Attention is all you need', null, '1706.03762'),
    entry('he', 'Deep residual learning for image recognition', null),
  ]);
  const client = new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 0 });
  const papers = await notInLibrary(client, { cited: [{ doi: '10.1000/seed', arxiv_id: null }], dismissed: ['r4'], inLibrary: library, limit: 5 });
  assert.deepEqual(papers.map((p) => p.paperId), ['r1', 'r5']);
  assert.deepEqual(s2.requests.at(-1)!.body, { positivePaperIds: ['DOI:10.1000/seed'], negativePaperIds: ['r4'] });
});

test('Add to bibliography: the API BibTeX is re-serialised — injection attempts stay text, key unique, round-trips', () => {
  const hostile = {
    paperId: 'abcdef1234', title: 'Robust {learning} } @misc{pwn, title={x}} \\write18{rm -rf}', abstract: null, year: 2021, venue: 'NeurIPS',
    authors: ['Ada Lovelace'], doi: '10.1000/robust', arxivId: null, url: 'https://www.semanticscholar.org/paper/abcdef',
    bibtex: '@inproceedings{Lovelace2021Robust,\n title={Robust learning},\n author={Ada Lovelace},\n booktitle={NeurIPS},\n year={2021}\n}\n@comment{injected}',
  };
  const { key, bibtex } = recommendedToBibtex(hostile, ['Lovelace2021Robust']);
  assert.equal(key, 'Lovelace2021Robust-2');
  const { records } = parseBibliography('/x.bib', new TextEncoder().encode(bibtex));
  assert.equal(records.length, 1, bibtex);
  assert.equal(records[0].type, 'inproceedings');
  assert.equal(records[0].title, hostile.title);
  assert.equal(records[0].venue, 'NeurIPS');
  assert.equal(records[0].doi, '10.1000/robust');
  assert.doesNotMatch(bibtex, /@comment|^@misc/m);

  const noBib = recommendedToBibtex({ ...hostile, bibtex: null, title: 'Plain title here', authors: ['Grace Hopper'] }, []);
  assert.equal(noBib.key, 'hopper2021plain');
  assert.equal(parseBibliography('/y.bib', new TextEncoder().encode(noBib.bibtex)).records[0].title, 'Plain title here');
});
