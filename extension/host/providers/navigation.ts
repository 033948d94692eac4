/** Hover, go to definition and find references on a citation key (thin: the core finds keys and builds the text). */
import * as vscode from 'vscode';
import { keyAt, referencesTo, type DocText } from '../../core/citations/document';
import { bibliographyDirectives } from '../../core/citations/grammar';
import { hoverMarkdown } from '../../core/citations/hover';
import { bibEntryAt } from '../../core/editor/bibEntry';
import { followedLanguage } from '../../core/editor/language';
import { entryLink } from '../links';
import { CITE_COMMANDS, citingLanguage, docText, type CiteHost } from './context';

const WRITING_GLOB = '**/*.{tex,latex,ltx,md,markdown,qmd,rmd,Rmd,typ}';

function keyUnder(doc: vscode.TextDocument, pos: vscode.Position) {
  const lang = citingLanguage(doc);
  if (!lang) return undefined;
  const found = keyAt(doc.getText(), doc.offsetAt(pos), lang);
  return found && { ...found, lang, range: new vscode.Range(doc.positionAt(found.start), doc.positionAt(found.end)) };
}

export class CitationHoverProvider implements vscode.HoverProvider {
  constructor(private readonly host: CiteHost) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const k = keyUnder(doc, pos);
    if (!k) return undefined;
    this.host.start();
    const entries = (await this.host.services().entriesOf?.(k.key)) ?? [];
    if (entries.length === 0) return undefined;
    const e = entries[0]!;
    const md = hoverMarkdown(
      entries.map((x) => ({ key: x.key, title: x.title, authors: x.authors ? x.authors.split('; ') : [], year: x.year, venue: x.venue, abstract: x.abstract, file: x.file, line: x.line })),
      { link: entryLink({ doi: e.doi ?? undefined, url: e.url ?? undefined }), similarCommand: CITE_COMMANDS.similarPapers, openCommand: CITE_COMMANDS.openEntry },
    );
    const ms = new vscode.MarkdownString(md);
    // only our own two commands run from the hover; no HTML from a bibliography
    ms.isTrusted = { enabledCommands: [CITE_COMMANDS.similarPapers, CITE_COMMANDS.openEntry] };
    ms.supportHtml = false;
    return new vscode.Hover(ms, k.range);
  }
}

export class CitationDefinitionProvider implements vscode.DefinitionProvider {
  constructor(private readonly host: CiteHost) {}

  async provideDefinition(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Location[] | undefined> {
    const k = keyUnder(doc, pos);
    if (!k) return undefined;
    // a \bibitem in the document itself defines the key
    const item = bibliographyDirectives(doc.getText(), k.lang).bibitems.find((b) => b.key === k.key);
    if (item) return [new vscode.Location(doc.uri, doc.positionAt(item.start))];
    const entries = (await this.host.services().entriesOf?.(k.key)) ?? [];
    return entries.map((e) => new vscode.Location(vscode.Uri.file(e.file), new vscode.Position(Math.max(0, e.line - 1), 0)));
  }
}

export class CitationReferenceProvider implements vscode.ReferenceProvider {
  async provideReferences(doc: vscode.TextDocument, pos: vscode.Position, _ctx: vscode.ReferenceContext, token: vscode.CancellationToken): Promise<vscode.Location[] | undefined> {
    // on a citation key, or on the key line of a .bib entry
    let key = keyUnder(doc, pos)?.key;
    if (!key && followedLanguage(doc.languageId, doc.fileName) === 'bibtex') key = bibEntryAt(doc.getText(), doc.offsetAt(pos))?.key;
    if (!key) return undefined;
    const docs = await workspaceDocuments(token);
    const byFile = new Map(docs.map((d) => [d.file, d]));
    return referencesTo(docs, key).map((r) => {
      const d = byFile.get(r.file)!;
      return new vscode.Location(d.uri, new vscode.Range(positionAt(d.text, r.start), positionAt(d.text, r.end)));
    });
  }
}

function positionAt(text: string, offset: number): vscode.Position {
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g) ?? []).length;
  return new vscode.Position(line, offset - (before.lastIndexOf('\n') + 1));
}

/** The writing documents of the workspace (open ones with their unsaved text). */
async function workspaceDocuments(token: vscode.CancellationToken): Promise<(DocText & { uri: vscode.Uri })[]> {
  const exclude = vscode.workspace.getConfiguration('relatedPapers').get<string[]>('exclude', []);
  const uris = await vscode.workspace.findFiles(WRITING_GLOB, exclude.length ? `{${exclude.join(',')}}` : undefined, 5000, token);
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const out: (DocText & { uri: vscode.Uri })[] = [];
  for (const uri of uris) {
    const lang = followedLanguage('', uri.fsPath);
    if (!lang || lang === 'bibtex' || lang === 'plaintext') continue;
    const d = open.get(uri.toString());
    const text = d ? d.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    out.push({ ...docText({ uri, getText: () => text } as vscode.TextDocument, lang), uri });
  }
  for (const d of open.values()) {
    const lang = citingLanguage(d);
    if (lang && !out.some((o) => o.uri.toString() === d.uri.toString())) out.push({ ...docText(d, lang), uri: d.uri });
  }
  return out;
}
