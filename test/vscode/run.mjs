#!/usr/bin/env node
// Entry point of the extension-host layer (`npm run test:vscode`; test/run-all.mjs runs it as layer "vscode").
// The runner is TypeScript (test/vscode/runTests.ts), loaded through tsx's CommonJS hook.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { main } = require('./runTests.ts');
process.exitCode = await main(process.argv.slice(2));
