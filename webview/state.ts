/**
 * What the panel keeps across hide/show and reloads (`acquireVsCodeApi().getState/setState`): the search
 * text, expanded items, the filters and the last results. Restored state is re-validated with the protocol
 * validator — it is data we stored, but it round-trips through VS Code and an older version of the panel.
 */
import { parseHostMessage, SECTION_IDS, type HostMessage, type Section } from '../extension/protocol/webview';

type Results = Extract<HostMessage, { type: 'results' }>;
export type Filters = Extract<HostMessage, { type: 'filters' }>;

export interface PanelState {
  version: 1;
  query: string;
  expanded: Record<Section, string[]>;
  results: Partial<Record<Section, Results>>;
  /** The indexed files and the filter in force (the host's last `filters`, or the user's choice since). */
  filters: Filters;
}

export function emptyFilters(): Filters {
  return { type: 'filters', files: [], filter: { files: [], uncitedOnly: false } };
}

export function emptyState(): PanelState {
  const expanded = Object.fromEntries(SECTION_IDS.map((s) => [s, [] as string[]])) as Record<Section, string[]>;
  return { version: 1, query: '', expanded, results: {}, filters: emptyFilters() };
}

const MAX_EXPANDED = 200;

function keys(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string' && k.length <= 512).slice(0, MAX_EXPANDED) : [];
}

/** Parse a stored state; anything malformed is dropped field by field, never thrown. */
export function restoreState(raw: unknown): PanelState {
  const s = emptyState();
  if (typeof raw !== 'object' || raw === null) return s;
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) return s;
  if (typeof o.query === 'string' && o.query.length <= 20_000) s.query = o.query;
  const ex = (o.expanded ?? {}) as Record<string, unknown>;
  for (const section of SECTION_IDS) s.expanded[section] = keys(ex[section]);
  const res = (o.results ?? {}) as Record<string, unknown>;
  for (const section of SECTION_IDS) {
    const parsed = parseHostMessage(res[section]);
    if (parsed.ok && parsed.value.type === 'results' && parsed.value.section === section) s.results[section] = parsed.value;
  }
  const filters = parseHostMessage(o.filters);
  if (filters.ok && filters.value.type === 'filters') s.filters = filters.value;
  return s;
}
