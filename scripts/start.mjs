#!/usr/bin/env node
// `npm start`: build, install code-server when missing, and serve a real VS Code (1.100.3, web workbench) on
// 127.0.0.1 with this extension loaded from the repo and examples/ open. Ctrl-C stops it.
// Options: --port N (or PORT=N), --link (install the repo as a symlinked extension instead of the
// extension-development payload), --no-build, --folder DIR. Logic: scripts/lib/start.ts (TypeScript via tsx).
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { main } = require('./lib/start.ts');
main(process.argv.slice(2)).catch((e) => { console.error(`start: ${e && e.message ? e.message : e}`); process.exit(1); });
