/**
 * SPECTER2 as the index's `Embedder`: papers through the proximity adapter, queries through the
 * adhoc_query adapter, both against the same vector space. The backend is either the worker proxy
 * (extension host) or the in-process engine (CLI, tests) — the same code path below it.
 */
import type { AdapterName, EmbedInput, Precision } from '../types';
import type { EmbedPriority, EmbedResult } from './types';

/**
 * `priority` says which lane the embed runs in (models/engine/runLane.ts): papers default to 'index',
 * queries to 'query'. A backend passes it on to the worker (`embed` params) or the engine (EmbedControl).
 */
export type EmbedBackend = (
  inputs: EmbedInput[],
  adapter: AdapterName | null,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; priority: EmbedPriority },
) => Promise<EmbedResult>;

export const DOCUMENT_ADAPTER: AdapterName = 'proximity';
export const QUERY_ADAPTER: AdapterName = 'adhoc_query';

/** Base revision + document-adapter revision + precision: the identity of the stored vectors. */
export function specterEmbedderId(modelId: string, documentAdapterId: string | undefined, precision: Precision): string {
  return `${modelId}#${DOCUMENT_ADAPTER}${documentAdapterId ? `@${documentAdapterId}` : ''}#${precision}`;
}

export class SpecterEmbedder {
  /** Model id + document adapter + precision: vectors from different ids never share a table. */
  readonly id: string;

  constructor(
    private readonly backend: EmbedBackend,
    readonly modelId: string,
    readonly dim: number,
    readonly precision: Precision,
    /** False when the model folder has no adhoc_query adapter: queries then use the proximity adapter. */
    private readonly hasQueryAdapter = true,
    /** Revision/fingerprint of the document adapter (ModelDir.adapterIds.proximity). */
    readonly documentAdapterId?: string,
  ) {
    this.id = specterEmbedderId(modelId, documentAdapterId, precision);
  }

  async embedPapers(
    items: { title: string; abstract?: string | null }[],
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; priority?: EmbedPriority } = {},
  ): Promise<Float32Array[]> {
    const inputs = items.map((i) => ({ title: i.title, abstract: i.abstract ?? null }));
    return (await this.backend(inputs, DOCUMENT_ADAPTER, { ...opts, priority: opts.priority ?? 'index' })).vectors;
  }

  /** Cursor/search queries: 'query' priority by default, so they never wait behind indexing. */
  async embedQueries(texts: string[], opts: { signal?: AbortSignal; priority?: EmbedPriority } = {}): Promise<Float32Array[]> {
    const adapter = this.hasQueryAdapter ? QUERY_ADAPTER : DOCUMENT_ADAPTER;
    return (await this.backend(texts.map((text) => ({ text })), adapter, { ...opts, priority: opts.priority ?? 'query' })).vectors;
  }
}
