/**
 * The bibliography index: LanceDB storage, incremental indexing, hybrid retrieval.
 * Nothing here loads a native module at import time (see nativeLoader.ts).
 */
export type { Embedder, PaperText } from './embedder';
export { IndexStore, type OpenStoreOptions, type RebuiltInfo, type StoredEntry, type StoredRowState } from './store';
export { indexFiles, removeFiles, type IndexFilesOptions, type IndexSummary } from './indexer';
export { search, similarTo, UnknownKeyError, RRF_K, DEFAULT_VECTOR_WEIGHT, type Hit, type SearchMode, type SearchQuery, type Evidence, type Why } from './search';
export { bandOf, calibrationFor, STRONG, RELATED, type Band, type Calibration } from './calibration';
export { hitToPaper, entryToPaper, type PaperHit } from './paper';
export { findBibliographyFiles } from './discover';
export { loadLanceDb, loadOnnxRuntime, loadNative, detectCpu, NativeUnavailableError, type NativeLoadError, type NativeLoadResult } from './nativeLoader';
export { SCHEMA_VERSION, tableNameFor, type VectorSpace } from './schema';
