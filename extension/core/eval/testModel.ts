/**
 * Recognises the random-weight models that exist only for tests and benchmarks, so the UI and the CLI
 * can say "test model: rankings are not meaningful" instead of presenting noise as rankings.
 *
 * Two such models exist: the tiny fixture (../shared/fixtures/specter2-tiny: `_name_or_path`
 * "specter2-tiny/base", 64 hidden units) and the full-size random checkpoint the embedding benchmark
 * writes (models/checkpoint/randomCheckpoint.ts: `_name_or_path` "random-specter2"). SPECTER2 itself is
 * a 768-wide, 12-layer BERT. Independently of names, the search calibration measures whether a model
 * separates matches from chance on the library (calibration.ts `modelSeparates`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TEST_MODEL_NOTE = 'test model: rankings are not meaningful';

/** `root` = a model folder (root with base/, or the base folder itself). False when unreadable. */
export function isTestModelDir(root: string): boolean {
  for (const file of [path.join(root, 'base', 'config.json'), path.join(root, 'config.json')]) {
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    return isTestModelConfig(cfg);
  }
  return false;
}

export function isTestModelConfig(cfg: Record<string, unknown>): boolean {
  const name = typeof cfg._name_or_path === 'string' ? cfg._name_or_path : '';
  if (/(^|[/_-])(tiny|random)([/_-]|$)|specter2-tiny|random-specter2/i.test(name)) return true;
  // Smaller than SPECTER2 (BERT-base): no released SPECTER2 checkpoint is.
  const hidden = Number(cfg.hidden_size);
  const layers = Number(cfg.num_hidden_layers);
  return (Number.isFinite(hidden) && hidden < 768) || (Number.isFinite(layers) && layers < 12);
}
