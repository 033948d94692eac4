#!/usr/bin/env node
// Stand-in "VS Code executable" for @vscode/test-electron (`runTests({ vscodeExecutablePath: <this file> })`):
// desktop VS Code cannot be downloaded here, so the extension-host suite runs in code-server's Node extension host.
// The logic lives in scripts/lib/codeShim.ts (TypeScript, loaded through tsx).
require('tsx/cjs');
require('./lib/codeShim.ts')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code), (err) => { console.error('code-shim:', err && err.message ? err.message : err); process.exit(1); });
