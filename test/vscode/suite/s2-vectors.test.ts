/**
 * The opt-in relatedPapers.semanticScholar.vectors in a real extension host, against the local
 * Semantic Scholar stand-in (test/helpers/s2Server.ts) on 127.0.0.1: a reindex asks the batch
 * endpoint for the library's DOIs / arXiv ids — identifiers only — and a second reindex asks nothing
 * (cached). Switching the opt-in off again sends nothing more.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { addPaper, startS2StandIn, type S2StandIn } from '../../helpers/s2Server';
import { extension, within, workspaceFile } from './util';

suite('semantic scholar vectors (opt-in)', () => {
  let s2: S2StandIn;
  let dois: string[];
  let arxiv: string[];
  const cfg = () => vscode.workspace.getConfiguration('relatedPapers');
  // Workspace settings: with the user (Global) target here, later suites read relatedPapers.modelFolder
  // as "" (observed in code-server's remote window; the runner puts modelFolder in user settings).

  suiteSetup(async function () {
    this.timeout(60_000);
    await extension().activate();
    s2 = await startS2StandIn();
    const text = fs.readFileSync(workspaceFile('library.bib'), 'utf8');
    dois = [...text.matchAll(/doi\s*=\s*\{([^}]+)\}/g)].map((m) => m[1]!.trim());
    arxiv = [...text.matchAll(/eprint\s*=\s*\{([^}]+)\}/g)].map((m) => m[1]!.trim());
    assert.ok(dois.length >= 3, 'the example library has DOIs');
    for (const d of dois.slice(1)) addPaper(s2, { doi: d, title: 'stand-in' }); // the first DOI is unknown to "S2"
    for (const a of arxiv) addPaper(s2, { arxiv: a, title: 'stand-in' });
  });

  suiteTeardown(async function () {
    this.timeout(200_000);
    await cfg().update('semanticScholar.vectors', undefined, vscode.ConfigurationTarget.Workspace);
    await cfg().update('semanticScholar.endpoint', undefined, vscode.ConfigurationTarget.Workspace);
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 180_000, 'reindex after the opt-in is off');
    await s2?.close();
  });

  test('reindex with the opt-in on asks the batch endpoint for identifiers only; a second reindex is served from the cache', async function () {
    this.timeout(400_000);
    assert.equal(s2.requests.length, 0, 'nothing is sent while the opt-in is off');
    await cfg().update('semanticScholar.endpoint', s2.baseUrl, vscode.ConfigurationTarget.Workspace);
    await cfg().update('semanticScholar.vectors', true, vscode.ConfigurationTarget.Workspace);
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 180_000, 'relatedPapers.reindex');
    const batches = s2.requests.filter((r) => r.url.startsWith('/graph/v1/paper/batch'));
    assert.ok(batches.length >= 1, `batch requests: ${s2.requests.map((r) => r.url).join(', ')}`);
    const sent = batches.flatMap((r) => (r.body as { ids: string[] }).ids);
    for (const d of dois) assert.ok(sent.includes(`DOI:${d}`), `DOI:${d} asked`);
    for (const a of arxiv) assert.ok(sent.includes(`ARXIV:${a}`), `ARXIV:${a} asked`);
    assert.ok(sent.every((id) => /^(DOI|ARXIV):/.test(id)), 'identifiers only');
    for (const r of batches) assert.deepEqual(Object.keys(r.body as object), ['ids']);
    assert.equal(new Set(sent).size, sent.length, 'no identifier asked twice');

    const before = s2.requests.length;
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 180_000, 'second reindex');
    assert.equal(s2.requests.length, before, 'the unknown DOI and the known ones are cached');
  });

  test('"Not in your library" (opt-in): the recommendations endpoint gets the cited papers\' ids only; a dismissed paper is a negative seed', async function () {
    this.timeout(120_000);
    const services = ((await extension().activate()) as { services(): import('../../../extension/host/serviceApi').Services }).services();
    const outside = services.outside!;
    const bib = fs.readFileSync(workspaceFile('library.bib'), 'utf8');
    const keysWithDoi = [...bib.matchAll(/@\w+\{([^,]+),[^@]*?doi\s*=\s*\{/g)].map((m) => m[1]!.trim()).slice(0, 3);
    assert.ok(keysWithDoi.length >= 2, 'cited keys with DOIs');
    await cfg().update('semanticScholar.endpoint', s2.baseUrl, vscode.ConfigurationTarget.Global);
    assert.equal(await outside.feed(keysWithDoi), undefined, 'off by default: nothing asked');
    assert.equal(s2.requests.filter((r) => r.url.startsWith('/recommendations')).length, 0);
    await cfg().update('semanticScholar.recommendations', true, vscode.ConfigurationTarget.Global);
    try {
      const rec = [addPaper(s2, { doi: '10.9999/outside.1', title: 'An outside paper <b>bold</b>' }), addPaper(s2, { doi: '10.9999/outside.2', title: 'Another outside paper' })];
      s2.recommended = rec;
      const papers = await outside.feed(keysWithDoi);
      assert.deepEqual(papers?.map((p) => p.paperId), rec.map((p) => p.paperId));
      const asked = s2.requests.filter((r) => r.url.startsWith('/recommendations'));
      assert.equal(asked.length, 1);
      const body = asked[0]!.body as { positivePaperIds: string[]; negativePaperIds?: string[] };
      assert.ok(body.positivePaperIds.length >= 2 && body.positivePaperIds.every((id) => id.startsWith('DOI:')), JSON.stringify(body));
      assert.deepEqual(Object.keys(body).sort(), ['negativePaperIds', 'positivePaperIds'].filter((k) => k in body).sort());
      await outside.dismiss(rec[0]!.paperId);
      const again = await outside.feed(keysWithDoi);
      const second = s2.requests.filter((r) => r.url.startsWith('/recommendations'))[1]!.body as { negativePaperIds?: string[] };
      assert.ok(second.negativePaperIds?.includes(rec[0]!.paperId), 'the dismissed paper is sent as a negative example');
      assert.deepEqual(again?.map((p) => p.paperId), [rec[1]!.paperId]);
    } finally {
      await cfg().update('semanticScholar.recommendations', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
