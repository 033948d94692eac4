/**
 * Entry point VS Code loads from --extensionTestsPath: runs every `*.test.js` beside it with mocha (TDD UI) in
 * the extension host, then prints the closing count line `vscode: N passed, N failed, N skipped` that
 * test/vscode/runTests.ts and test/run-all.mjs read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // The extension host's console is forwarded line by line; colours and cursor tricks would garble it.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, slow: 10_000, reporter: 'spec' });
  const grep = process.env.RELATED_PAPERS_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const s = runner.stats ?? { passes: 0, failures, pending: 0 };
      console.log(`vscode: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
