/**
 * Entry of the "Related Papers" panel (bundled by scripts/build.mjs to dist/webview/main.js, browser iife).
 *
 * STABLE DOM HOOKS (the e2e suite in test/e2e drives these; change them only together with it):
 *   body[data-state]            "empty" | "no-bibliography" | "model-missing" | "indexing" | "results" |
 *                               "lexical" | "error" (storage error). Precedence when several apply:
 *                               error > indexing > no-bibliography > model-missing > results/lexical > empty.
 *   #search                     <vscode-text-field>; type into `#search input` (open shadow root), Enter runs
 *                               the query; an empty query goes back to following the cursor.
 *   #search-go                  button that runs the query in #search.
 *   #status                     status line text ("1,234 papers in 3 files · SPECTER2 int8",
 *                               "Indexed 12 of 300", "… · lexical results only (no embedding model)").
 *   #banner                     state explanation; its buttons carry [data-command="downloadModel" |
 *                               "useLocalModelFolder" | "reindex" | "showLog" | "openSettings"].
 *   #notice                     role=alert line for failed actions (e.g. insert with no editor).
 *   #files-button / #files-menu   the file filter (a multi-select of the indexed files: #files-menu
 *                               input[data-file="<label>"], #files-all); #uncited-only   "Not cited yet".
 *   #suggestions .paper[data-key]   citation suggestions: one compact row (li[role=treeitem], the focus target,
 *                               aria-expanded, aria-label "title, band match, year, …") per paper;
 *                               .cited when cited elsewhere; [data-band="strong"|"related"|"weak"]; [data-file].
 *   #similar .paper[data-key]       similar papers (the sections are protocol SECTIONS, in that order)
 *   .paper .paper-head          click toggles the abstract (.paper-body); Enter/Space/ArrowRight/ArrowLeft on
 *                               the row too; ArrowUp/ArrowDown/Home/End move between rows.
 *   .paper .band[title]         the relevance band; its tooltip has relevance %, cosine, BM25.
 *   .paper mark.best            best-matching abstract sentence (computed on the host by term overlap).
 *   .paper mark.term            shared query terms in the title and abstract.
 *   .paper .actions [data-action="insert"|"copy"|"open"|"link"]   codicon buttons, visible on hover/focus;
 *                               the same actions are in VS Code's context menu (data-vscode-context).
 *   .paper.synthetic            an entry whose key was generated (no citation key in its source): it has no
 *                               [data-action="insert"]; its .synthetic-hint says why.
 *   section[aria-busy="true"]   while a query for that section runs.
 */
import { buildLayout } from './layout';
import { Panel, type VsCodeApi } from './panel';
import { registerToolkit } from './toolkit';

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
buildLayout(document);
void registerToolkit().catch((e: unknown) =>
  api.postMessage({ type: 'log', level: 'error', message: `toolkit failed to load: ${String(e)}` }),
);
new Panel(document, api).start(window);
