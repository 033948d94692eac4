/**
 * Citation-key completion (thin): the core ranks (core/citations/completion.ts), this turns the result into
 * CompletionItems. The list is marked incomplete so VS Code asks again as the user types (our own filter matches
 * title words and family names, which VS Code's fuzzy filter over the key could not).
 */
import * as vscode from 'vscode';
import { entryDetail } from '../../core/citations/catalog';
import { completeCitation } from '../../core/citations/completion';
import { escapeMarkdown, abstractLead } from '../../core/citations/hover';
import { pandocKeyText, typstKeyText } from '../../core/citations/grammar';
import { readSettings } from '../settings';
import { CatalogView, citingLanguage, tokenSignal, type CiteHost } from './context';

export const CITE_TRIGGERS = ['{', ',', '@', '<'];

interface KeyItem extends vscode.CompletionItem {
  citationKey: string;
}

export class CitationCompletionProvider implements vscode.CompletionItemProvider<KeyItem> {
  constructor(private readonly host: CiteHost, private readonly view: CatalogView) {}

  async provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionList<KeyItem> | undefined> {
    const lang = citingLanguage(doc);
    if (!lang) return undefined;
    this.host.start();
    const s = readSettings(doc.uri);
    let result;
    try {
      result = await completeCitation(doc.getText(), doc.offsetAt(pos), lang, this.view.catalog(), { search: this.view.search() }, {
        context: { sentencesBefore: s.contextBefore, sentencesAfter: s.contextAfter, maxChars: 2000 },
        signal: tokenSignal(token),
      });
    } catch (e) {
      if (!token.isCancellationRequested) this.host.log.warn(`citation completion: ${(e as Error).message}`);
      return undefined;
    }
    if (!result) return undefined;
    const { site } = result;
    const range = new vscode.Range(doc.positionAt(site.start), doc.positionAt(site.end));
    // `@{odd key}` is being typed: the key goes inside the braces as it is
    const braced = site.syntax !== 'latex' && site.start > 0 && doc.getText().charAt(site.start - 1) === '{';
    const items = result.items.map((c, i) => {
      const key = c.entry.key;
      const item = new vscode.CompletionItem({ label: key, description: c.entry.title }, vscode.CompletionItemKind.Reference) as KeyItem;
      item.citationKey = key;
      item.detail = entryDetail(c.entry);
      item.documentation = new vscode.MarkdownString(`**${escapeMarkdown(c.entry.title || key)}**`);
      // our order is the ranking: VS Code sorts by sortText among equally good filter matches
      item.sortText = String(i).padStart(5, '0');
      // the typed text (possibly "vaswani att") must match: our filter already decided this item matches it
      item.filterText = site.typed ? `${site.typed} ${key}` : key;
      item.range = range;
      item.insertText = (braced ? key : site.syntax === 'typst-ref' ? typstKeyText(key).replace(/^@/, '') : site.syntax.startsWith('pandoc') ? pandocKeyText(key).replace(/^@/, '') : key) + site.closer;
      if (i === 0 && c.hit) item.preselect = true;
      return item;
    });
    return new vscode.CompletionList(items, true);
  }

  /** Title + abstract for the focused item, read from the store on demand (the host keeps no abstracts). */
  async resolveCompletionItem(item: KeyItem): Promise<KeyItem> {
    try {
      const [e] = (await this.host.services().entriesOf?.(item.citationKey)) ?? [];
      if (e) {
        const lead = abstractLead(e.abstract, 4, 900);
        item.documentation = new vscode.MarkdownString(`**${escapeMarkdown(e.title || e.key)}**${lead ? `\n\n${escapeMarkdown(lead)}` : ''}`);
      }
    } catch (err) {
      this.host.log.warn(`citation completion: reading ${item.citationKey}: ${(err as Error).message}`);
    }
    return item;
  }
}
