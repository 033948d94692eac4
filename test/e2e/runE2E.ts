/**
 * Runs every test/e2e/*.e2e.ts against a real VS Code (code-server 4.100.3) in headless Debian chromium.
 * Needs `npm run build` first (the extension is loaded from dist/); installs code-server when missing.
 * Screenshots, console logs and the server log go to test-results/e2e/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, ensureCodeServer } from '../../scripts/lib/codeServer';
import { ARTIFACTS, runAll } from './harness';

export async function main(argv: string[]): Promise<number> {
  const t0 = Date.now();
  const gi = argv.indexOf('--grep');
  const grep = gi >= 0 && argv[gi + 1] ? new RegExp(argv[gi + 1]!, 'i') : undefined;
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    console.log('not ok - e2e setup: dist/extension.js missing: run `npm run build` first');
    console.log('e2e: 0 passed, 1 failed, 0 skipped');
    return 1;
  }
  try { ensureCodeServer(); } catch (e) {
    console.log(`not ok - e2e setup: ${(e as Error).message}`);
    console.log('e2e: 0 passed, 1 failed, 0 skipped');
    return 1;
  }
  const dir = __dirname;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.e2e.ts')).sort().map((f) => path.join(dir, f));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-e2e-'));
  let counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    counts = await runAll(files, scratch, grep);
  } catch (e) {
    console.log(`not ok - e2e harness: ${(e as Error).stack ?? e}`);
    counts.failed++;
  } finally {
    if (!process.env.KEEP_SCRATCH) fs.rmSync(scratch, { recursive: true, force: true });
  }
  console.log(`e2e: artifacts in ${path.relative(REPO_ROOT, ARTIFACTS)}/; layer took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`e2e: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed === 0 ? 0 : 1;
}
