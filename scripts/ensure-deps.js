#!/usr/bin/env node
// Installs dependencies when they are missing or older than package-lock.json, so `npm test`
// and `npm run demo` work on a fresh clone with only Node installed.
const { existsSync, statSync } = require('fs');
const { execSync } = require('child_process');
const { join } = require('path');

const root = join(__dirname, '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  // `npm install`, not `npm ci`: npm 11 writes lock files without the other platforms' optional
  // packages (@swc/core-*, msgpackr-extract-*) and then `npm ci` refuses its own lock file.
  // With the lock file present, `npm install` still installs the locked versions.
  console.error('[deps] installing dependencies (npm install)');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
