/**
 * The ONE typed protocol between the extension host and the "Related Papers" webview.
 *
 * Shared by both sides (the webview bundle imports this file too, so it must stay free of `vscode` and
 * Node imports). Every message is validated on receipt with `parseHostMessage` / `parseWebviewMessage`:
 * the webview is a browser context that renders hostile bibliography strings, and the host must never act
 * on a message it did not expect (a compromised webview could otherwise ask it to open arbitrary URLs —
 * which is why link/open requests carry only a citation key, never a URL or a path).
 *
 * Handshake: the webview posts `ready` once its listener is installed; the host queues everything before
 * that (see `extension/host/messageQueue.ts`), because `postMessage` to a webview that is not listening yet
 * silently drops the message.
 *
 * Hand-written validators (no schema library is installed; zod/valibot would be one more runtime dependency
 * for ~15 message shapes whose checks are simple and need hard size limits anyway).
 */

export const PROTOCOL_VERSION = 1;

/** Upper bounds so a hostile or runaway bibliography cannot make the webview choke. */
export const LIMITS = {
  key: 512,
  shortText: 4_000,
  abstract: 100_000,
  query: 20_000,
  authors: 500,
  hits: 500,
  message: 10_000,
  /** Shared query terms per hit (for highlighting) and the length of one. */
  terms: 64,
  term: 100,
  /** Bibliography files offered by the file filter. */
  files: 1_000,
} as const;

/**
 * The panel's sections, in display order. Data-driven: adding a section is one line here; the validators,
 * the panel state, the layout and the host all iterate this list.
 */
export const SECTIONS = [
  { id: 'suggestions', title: 'Citation suggestions', idle: 'Move the cursor into a sentence or search.' },
  { id: 'similar', title: 'Similar papers', idle: 'Move the cursor into a .bib entry.' },
  {
    id: 'outside',
    title: 'Not in your library',
    idle: 'Off. "Related Papers: Not in your library…" turns it on after asking: only the DOIs/arXiv ids of the papers this document cites are sent to Semantic Scholar.',
  },
] as const satisfies readonly { id: string; title: string; idle: string }[];

export type Section = (typeof SECTIONS)[number]['id'];
export const SECTION_IDS: readonly Section[] = SECTIONS.map((s) => s.id);

/** How relevant a hit is, in words (thresholds on `relevance`: core/index/search.ts owns them). */
export type Band = 'strong' | 'related' | 'weak';
export const BANDS: readonly Band[] = ['strong', 'related', 'weak'];
/** Which retriever found a hit: the vector half ("meaning") and/or the full-text half ("words"). */
export type Why = 'meaning' | 'words';
export const WHYS: readonly Why[] = ['meaning', 'words'];
export type QuerySource = 'cursor' | 'search' | 'selection' | 'entry' | 'top-suggestion';

/** One paper as displayed. Every string came from a bibliography: render with textContent only. */
export interface PaperView {
  key: string;
  title: string;
  authors: string[];
  year?: number;
  venue?: string;
  abstract: string;
  /** Calibrated relevance in [0, 1] (not a rank): shown as a percentage in the band's tooltip. */
  relevance: number;
  band: Band;
  /** Which retriever(s) found it. */
  why: Why[];
  /** Query terms it shares, lower case (highlighted in the title and the abstract). */
  terms: string[];
  /** The retrievers' raw numbers, for the tooltip. */
  evidence?: { cosine?: number; bm25?: number };
  /** Label of the bibliography file it came from ("refs.bib", "lab/refs.bib"): the file filter's id. Never a full path. */
  file: string;
  /** Where it came from: the personal index, the lab-shared one, or a recommendation outside the library. Absent = personal. */
  origin?: 'personal' | 'shared' | 'outside';
  /** Cited elsewhere in the current document ("cited" badge). */
  cited: boolean;
  /** Whether the host holds a valid http(s)/DOI link for this key (enables "Open DOI/URL"). */
  hasLink: boolean;
  /** "refs.bib:12", for the tooltip of "Open entry". */
  source: string;
  /** The best-matching abstract sentence (UTF-16 offsets into `abstract`), computed on the host. */
  highlight?: { start: number; end: number };
  /** The key was generated (the entry has no citation key): offer no "Insert citation". Absent = false. */
  syntheticKey?: boolean;
}

export type ModelView =
  | { kind: 'ready'; modelId: string; precision: 'fp32' | 'int8' }
  | { kind: 'loading' }
  | { kind: 'missing'; message: string }
  | { kind: 'error'; message: string };

export interface StatusView {
  entries: number;
  files: number;
  model: ModelView;
  lexicalOnly: boolean;
  indexing?: { done: number; total: number; message?: string };
  /** Precision "auto": the decision and its measurement, for the status tooltip (not sent to the webview). */
  precisionNote?: string;
  /** How far embedding has got ("3,120 of 10,569 papers embedded"); meaning covers `embedded` entries. */
  embedding?: { embedded: number; embeddable: number };
  storageError?: string;
  /** False until the workspace has been searched for bibliographies once. */
  scanned?: boolean;
  /** The model in use is the random-weight test fixture: the panel says rankings are not meaningful. */
  testModel?: boolean;
}

/** One bibliography file the results can be restricted to. */
export interface FileOption {
  /** = PaperView.file */
  id: string;
  entries: number;
}

/** The panel's result filters (remembered per workspace by the host). */
export interface FilterView {
  /** Only hits from these files (FileOption ids); empty = every file. */
  files: string[];
  /** Only entries not yet cited in the current document. */
  uncitedOnly: boolean;
}

export interface QueryView {
  source: QuerySource;
  /** The text the results are for (cursor context, search text, or an entry's title). */
  text: string;
  /** The .bib key for `entry` / `top-suggestion` queries. */
  key?: string;
}

/** Commands the webview may ask the host to run (an allow-list, not free command ids). */
export const WEBVIEW_COMMANDS = ['downloadModel', 'useLocalModelFolder', 'reindex', 'showLog', 'openSettings'] as const;
export type WebviewCommand = (typeof WEBVIEW_COMMANDS)[number];

// ---------------------------------------------------------------- host → webview
export type HostMessage =
  | { type: 'status'; status: StatusView }
  | { type: 'results'; section: Section; query: QueryView; hits: PaperView[]; lexicalOnly: boolean; replyTo?: number }
  | { type: 'busy'; section: Section; busy: boolean }
  | { type: 'clear'; section: Section }
  /** Fill the search box (the "Find related papers" command with a selection). */
  | { type: 'setQuery'; text: string }
  /** The indexed files and the filters in force (sent when either changes, replayed on reload). */
  | { type: 'filters'; files: FileOption[]; filter: FilterView }
  | { type: 'reply'; id: number; ok: boolean; error?: string }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------- webview → host
export type WebviewMessage =
  | { type: 'ready'; version: number }
  | { type: 'search'; id: number; text: string }
  | { type: 'insert'; id: number; key: string }
  | { type: 'copy'; id: number; key: string }
  | { type: 'open'; id: number; key: string }
  | { type: 'link'; id: number; key: string }
  /** "Not in your library": add the recommended paper (its S2 id) to a .bib / dismiss it (a negative seed next time). */
  | { type: 'add'; id: number; key: string }
  | { type: 'dismiss'; id: number; key: string }
  | { type: 'command'; id: number; command: WebviewCommand }
  /** The user changed the filters; the host re-runs the queries with them. */
  | { type: 'filter'; id: number; files: string[]; uncitedOnly: boolean }
  /** The webview rejected a message or hit an error; the host logs it. */
  | { type: 'log'; level: 'warn' | 'error'; message: string };

/** Webview requests that get a `reply` with the same id. */
export type WebviewRequest = Extract<WebviewMessage, { id: number }>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

// ---------------------------------------------------------------- validation helpers
type Obj = Record<string, unknown>;

class Invalid extends Error {}

function fail(path: string, what: string): never {
  throw new Invalid(`${path}: ${what}`);
}
function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  // structured clones are plain objects; anything else (inherited fields, class instances) is not ours
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) fail(path, 'expected a plain object');
  return v as Obj;
}
function str(v: unknown, path: string, max: number, allowEmpty = true): string {
  if (typeof v !== 'string') fail(path, 'expected a string');
  if (v.length > max) fail(path, `string longer than ${max}`);
  if (!allowEmpty && v.length === 0) fail(path, 'empty string');
  return v;
}
function optStr(v: unknown, path: string, max: number): string | undefined {
  return v === undefined ? undefined : str(v, path, max);
}
function num(v: unknown, path: string, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a finite number');
  if (v < min || v > max) fail(path, `number outside [${min}, ${max}]`);
  return v;
}
function int(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = num(v, path, min, max);
  if (!Number.isInteger(n)) fail(path, 'expected an integer');
  return n;
}
function optNum(v: unknown, path: string, min?: number, max?: number): number | undefined {
  return v === undefined ? undefined : num(v, path, min, max);
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'expected a boolean');
  return v;
}
function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(path, `expected one of ${allowed.join('|')}`);
  }
  return v as T;
}
function arr(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  if (v.length > max) fail(path, `array longer than ${max}`);
  return v;
}
/** Reject unknown fields: a message with extra fields is not one we sent. */
function only(o: Obj, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(path, `unexpected field "${k}"`);
}
function key(v: unknown, path: string): string {
  const s = str(v, path, LIMITS.key, false);
  // Keys are inserted into documents and used to look entries up: no control characters.
  if (/[\u0000-\u001f\u007f]/.test(s)) fail(path, 'control character in key');
  return s;
}

const SOURCES: readonly QuerySource[] = ['cursor', 'search', 'selection', 'entry', 'top-suggestion'];

/** A list of distinct values from `allowed` (order kept). */
function setOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T[] {
  const out = arr(v, path, allowed.length).map((x, i) => oneOf(x, `${path}[${i}]`, allowed));
  if (new Set(out).size !== out.length) fail(path, 'duplicate value');
  return out;
}

function paperView(v: unknown, path: string): PaperView {
  const o = obj(v, path);
  only(o, path, [
    'key', 'title', 'authors', 'year', 'venue', 'abstract', 'relevance', 'band', 'why', 'terms', 'evidence', 'file', 'origin',
    'cited', 'hasLink', 'source', 'highlight', 'syntheticKey',
  ]);
  const abstract = str(o.abstract, `${path}.abstract`, LIMITS.abstract);
  const p: PaperView = {
    key: key(o.key, `${path}.key`),
    title: str(o.title, `${path}.title`, LIMITS.shortText),
    authors: arr(o.authors, `${path}.authors`, LIMITS.authors).map((a, i) => str(a, `${path}.authors[${i}]`, LIMITS.shortText)),
    abstract,
    relevance: num(o.relevance, `${path}.relevance`, 0, 1),
    band: oneOf(o.band, `${path}.band`, BANDS),
    why: setOf(o.why, `${path}.why`, WHYS),
    terms: arr(o.terms, `${path}.terms`, LIMITS.terms).map((t, i) => str(t, `${path}.terms[${i}]`, LIMITS.term, false)),
    file: str(o.file, `${path}.file`, LIMITS.shortText),
    cited: bool(o.cited, `${path}.cited`),
    hasLink: bool(o.hasLink, `${path}.hasLink`),
    source: str(o.source, `${path}.source`, LIMITS.shortText),
  };
  const year = o.year === undefined ? undefined : int(o.year, `${path}.year`, 0, 9999);
  if (year !== undefined) p.year = year;
  const venue = optStr(o.venue, `${path}.venue`, LIMITS.shortText);
  if (venue !== undefined) p.venue = venue;
  if (o.evidence !== undefined) {
    const e = obj(o.evidence, `${path}.evidence`);
    only(e, `${path}.evidence`, ['cosine', 'bm25']);
    const evidence: { cosine?: number; bm25?: number } = {};
    const cosine = optNum(e.cosine, `${path}.evidence.cosine`, -1, 1);
    if (cosine !== undefined) evidence.cosine = cosine;
    const bm25 = optNum(e.bm25, `${path}.evidence.bm25`, 0);
    if (bm25 !== undefined) evidence.bm25 = bm25;
    p.evidence = evidence;
  }
  if (o.origin !== undefined) p.origin = oneOf(o.origin, `${path}.origin`, ['personal', 'shared', 'outside'] as const);
  if (o.syntheticKey !== undefined) p.syntheticKey = bool(o.syntheticKey, `${path}.syntheticKey`);
  if (o.highlight !== undefined) {
    const h = obj(o.highlight, `${path}.highlight`);
    only(h, `${path}.highlight`, ['start', 'end']);
    const start = int(h.start, `${path}.highlight.start`, 0, abstract.length);
    const end = int(h.end, `${path}.highlight.end`, start, abstract.length);
    p.highlight = { start, end };
  }
  return p;
}

function modelView(v: unknown, path: string): ModelView {
  const o = obj(v, path);
  const kind = oneOf(o.kind, `${path}.kind`, ['ready', 'loading', 'missing', 'error'] as const);
  switch (kind) {
    case 'ready':
      only(o, path, ['kind', 'modelId', 'precision']);
      return {
        kind,
        modelId: str(o.modelId, `${path}.modelId`, LIMITS.shortText),
        precision: oneOf(o.precision, `${path}.precision`, ['fp32', 'int8'] as const),
      };
    case 'loading':
      only(o, path, ['kind']);
      return { kind };
    case 'missing':
    case 'error':
      only(o, path, ['kind', 'message']);
      return { kind, message: str(o.message, `${path}.message`, LIMITS.message) };
  }
}

function statusView(v: unknown, path: string): StatusView {
  const o = obj(v, path);
  only(o, path, ['entries', 'files', 'model', 'lexicalOnly', 'indexing', 'embedding', 'storageError', 'scanned', 'testModel']);
  const s: StatusView = {
    entries: int(o.entries, `${path}.entries`),
    files: int(o.files, `${path}.files`),
    model: modelView(o.model, `${path}.model`),
    lexicalOnly: bool(o.lexicalOnly, `${path}.lexicalOnly`),
  };
  if (o.indexing !== undefined) {
    const ix = obj(o.indexing, `${path}.indexing`);
    only(ix, `${path}.indexing`, ['done', 'total', 'message']);
    s.indexing = { done: int(ix.done, `${path}.indexing.done`), total: int(ix.total, `${path}.indexing.total`) };
    const m = optStr(ix.message, `${path}.indexing.message`, LIMITS.message);
    if (m !== undefined) s.indexing.message = m;
  }
  if (o.embedding !== undefined) {
    const em = obj(o.embedding, `${path}.embedding`);
    only(em, `${path}.embedding`, ['embedded', 'embeddable']);
    s.embedding = { embedded: int(em.embedded, `${path}.embedding.embedded`), embeddable: int(em.embeddable, `${path}.embedding.embeddable`) };
  }
  const se = optStr(o.storageError, `${path}.storageError`, LIMITS.message);
  if (se !== undefined) s.storageError = se;
  if (o.scanned !== undefined) s.scanned = bool(o.scanned, `${path}.scanned`);
  if (o.testModel !== undefined) s.testModel = bool(o.testModel, `${path}.testModel`);
  return s;
}

/** File ids as sent by either side: distinct non-empty labels. */
function fileIds(v: unknown, path: string): string[] {
  const ids = arr(v, path, LIMITS.files).map((f, i) => str(f, `${path}[${i}]`, LIMITS.shortText, false));
  if (new Set(ids).size !== ids.length) fail(path, 'duplicate file');
  return ids;
}

function filterView(v: unknown, path: string): FilterView {
  const o = obj(v, path);
  only(o, path, ['files', 'uncitedOnly']);
  return { files: fileIds(o.files, `${path}.files`), uncitedOnly: bool(o.uncitedOnly, `${path}.uncitedOnly`) };
}

function fileOptions(v: unknown, path: string): FileOption[] {
  const out = arr(v, path, LIMITS.files).map((f, i) => {
    const o = obj(f, `${path}[${i}]`);
    only(o, `${path}[${i}]`, ['id', 'entries']);
    return { id: str(o.id, `${path}[${i}].id`, LIMITS.shortText, false), entries: int(o.entries, `${path}[${i}].entries`) };
  });
  if (new Set(out.map((f) => f.id)).size !== out.length) fail(path, 'duplicate file');
  return out;
}

function queryView(v: unknown, path: string): QueryView {
  const o = obj(v, path);
  only(o, path, ['source', 'text', 'key']);
  const q: QueryView = { source: oneOf(o.source, `${path}.source`, SOURCES), text: str(o.text, `${path}.text`, LIMITS.query) };
  if (o.key !== undefined) q.key = key(o.key, `${path}.key`);
  return q;
}

function run<T>(fn: () => T): Parsed<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

/** Validate a message received by the webview. */
export function parseHostMessage(data: unknown): Parsed<HostMessage> {
  return run((): HostMessage => {
    const o = obj(data, 'message');
    const type = oneOf(o.type, 'message.type', ['status', 'results', 'busy', 'clear', 'setQuery', 'filters', 'reply', 'error'] as const);
    switch (type) {
      case 'status':
        only(o, 'status', ['type', 'status']);
        return { type, status: statusView(o.status, 'status.status') };
      case 'results': {
        only(o, 'results', ['type', 'section', 'query', 'hits', 'lexicalOnly', 'replyTo']);
        const m: HostMessage = {
          type,
          section: oneOf(o.section, 'results.section', SECTION_IDS),
          query: queryView(o.query, 'results.query'),
          hits: arr(o.hits, 'results.hits', LIMITS.hits).map((h, i) => paperView(h, `results.hits[${i}]`)),
          lexicalOnly: bool(o.lexicalOnly, 'results.lexicalOnly'),
        };
        if (o.replyTo !== undefined) m.replyTo = int(o.replyTo, 'results.replyTo');
        return m;
      }
      case 'busy':
        only(o, 'busy', ['type', 'section', 'busy']);
        return { type, section: oneOf(o.section, 'busy.section', SECTION_IDS), busy: bool(o.busy, 'busy.busy') };
      case 'clear':
        only(o, 'clear', ['type', 'section']);
        return { type, section: oneOf(o.section, 'clear.section', SECTION_IDS) };
      case 'setQuery':
        only(o, 'setQuery', ['type', 'text']);
        return { type, text: str(o.text, 'setQuery.text', LIMITS.query) };
      case 'filters':
        only(o, 'filters', ['type', 'files', 'filter']);
        return { type, files: fileOptions(o.files, 'filters.files'), filter: filterView(o.filter, 'filters.filter') };
      case 'reply': {
        only(o, 'reply', ['type', 'id', 'ok', 'error']);
        const m: HostMessage = { type, id: int(o.id, 'reply.id'), ok: bool(o.ok, 'reply.ok') };
        const err = optStr(o.error, 'reply.error', LIMITS.message);
        if (err !== undefined) m.error = err;
        return m;
      }
      case 'error':
        only(o, 'error', ['type', 'message']);
        return { type, message: str(o.message, 'error.message', LIMITS.message) };
    }
  });
}

/** Validate a message received by the host. */
export function parseWebviewMessage(data: unknown): Parsed<WebviewMessage> {
  return run((): WebviewMessage => {
    const o = obj(data, 'message');
    const type = oneOf(o.type, 'message.type', ['ready', 'search', 'insert', 'copy', 'open', 'link', 'add', 'dismiss', 'command', 'filter', 'log'] as const);
    switch (type) {
      case 'ready':
        only(o, 'ready', ['type', 'version']);
        return { type, version: int(o.version, 'ready.version') };
      case 'search':
        only(o, 'search', ['type', 'id', 'text']);
        return { type, id: int(o.id, 'search.id'), text: str(o.text, 'search.text', LIMITS.query) };
      case 'insert':
      case 'copy':
      case 'open':
      case 'link':
      case 'add':
      case 'dismiss':
        only(o, type, ['type', 'id', 'key']);
        return { type, id: int(o.id, `${type}.id`), key: key(o.key, `${type}.key`) };
      case 'command':
        only(o, 'command', ['type', 'id', 'command']);
        return { type, id: int(o.id, 'command.id'), command: oneOf(o.command, 'command.command', WEBVIEW_COMMANDS) };
      case 'filter':
        only(o, 'filter', ['type', 'id', 'files', 'uncitedOnly']);
        return { type, id: int(o.id, 'filter.id'), files: fileIds(o.files, 'filter.files'), uncitedOnly: bool(o.uncitedOnly, 'filter.uncitedOnly') };
      case 'log':
        only(o, 'log', ['type', 'level', 'message']);
        return { type, level: oneOf(o.level, 'log.level', ['warn', 'error'] as const), message: str(o.message, 'log.message', LIMITS.message) };
    }
  });
}

/**
 * The context of a paper row's right-click menu (`data-vscode-context` on `.paper`, set by webview/render.ts).
 * VS Code merges it into the `when` context of `contributes.menus["webview/context"]` and passes it (plus
 * `webview`, the view id) to the command — so it comes from the webview and is validated like a message.
 */
export interface PaperMenuContext {
  webviewSection: 'paper';
  paperKey: string;
  /** `when` conditions: Insert only for real keys, Open DOI/URL only with a link. */
  paperCitable: boolean;
  paperHasLink: boolean;
  preventDefaultContextMenuItems: true;
}

/** The menu's commands; each equals its entry in package.json `contributes.commands` / `menus["webview/context"]` (unit-tested). */
export const PAPER_MENU_COMMANDS = {
  insert: 'relatedPapers.paper.insert',
  copy: 'relatedPapers.paper.copyKey',
  open: 'relatedPapers.paper.openEntry',
  link: 'relatedPapers.paper.openLink',
} as const;

/** The key a context-menu command was invoked on (extra fields VS Code adds are ignored). */
export function parsePaperMenuContext(arg: unknown): Parsed<string> {
  return run(() => {
    const o = obj(arg, 'context');
    if (o.webviewSection !== 'paper') fail('context.webviewSection', 'expected "paper"');
    return key(o.paperKey, 'context.paperKey');
  });
}
