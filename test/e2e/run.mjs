#!/usr/bin/env node
// Entry point of the end-to-end layer (`npm run test:e2e [-- --grep REGEX]`; test/run-all.mjs runs it as layer
// "e2e"). The runner is TypeScript (test/e2e/runE2E.ts), loaded through tsx's CommonJS hook.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { main } = require('./runE2E.ts');
process.exitCode = await main(process.argv.slice(2));
