/** Small helpers shared by the index tests: temp dirs and BibRecords built in code. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BibRecord } from '../../../extension/core/types';

// Each test process (node --test runs one per file) gets its own shared vector cache, so no test sees
// vectors another file or an earlier run embedded (the CLI and the Library default to this variable).
if (!process.env.RELATED_PAPERS_VECTOR_CACHE_KEEP) {
  process.env.RELATED_PAPERS_VECTOR_CACHE = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'rp-test-vcache-'));
  process.env.RELATED_PAPERS_VECTOR_CACHE_KEEP = '1';
}


export function tempDir(prefix = 'rp-index-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rec(key: string, title: string, abstract = '', extra: Partial<BibRecord> = {}): BibRecord {
  return { key, type: 'article', title, abstract, authors: ['Doe, Jane'], file: '/ws/refs.bib', line: 1, ...extra };
}

/** A BibTeX entry as text (fields are simple: no braces inside values). */
export function bibEntry(key: string, title: string, abstract?: string, year = 2020): string {
  return `@article{${key},\n  title = {${title}},\n  author = {Doe, Jane},\n  year = {${year}},\n${abstract ? `  abstract = {${abstract}},\n` : ''}  journal = {Journal of Tests}\n}\n`;
}

export const TOPICS = [
  ['attention', 'Attention is all you need', 'We propose the Transformer, a network architecture based solely on attention mechanisms, dispensing with recurrence and convolutions.'],
  ['resnet', 'Deep residual learning for image recognition', 'We present a residual learning framework to ease the training of very deep convolutional networks for image recognition.'],
  ['gcn', 'Semi-supervised classification with graph convolutional networks', 'We present a scalable approach for semi-supervised learning on graph-structured data using convolutional neural networks on graphs.'],
  ['bert', 'BERT: pre-training of deep bidirectional transformers for language understanding', 'We introduce BERT, a language representation model pre-trained with masked language modelling using transformers and attention.'],
  ['word2vec', 'Efficient estimation of word representations in vector space', 'We propose two novel model architectures for computing continuous vector representations of words from very large data sets.'],
  ['dropout', 'Dropout: a simple way to prevent neural networks from overfitting', ''],
] as const;
