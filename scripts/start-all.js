#!/usr/bin/env node
// `npm start`: the production entry. Runs the API and one worker as child processes, passes
// SIGINT/SIGTERM on so both shut down gracefully, and exits when either dies.
const { spawn } = require('child_process');
const { join } = require('path');

const dist = join(__dirname, '..', 'dist', 'apps');
// Young generations enlarged (why: libs/domain/src/config/node-flags.ts, which the demo and the
// benchmarks use; package.json's start:api / start:worker say the same).
const { API_NODE_FLAGS, WORKER_NODE_FLAGS } = require(join(__dirname, '..', 'dist', 'libs', 'domain', 'src', 'config', 'node-flags.js'));
const children = [
  spawn(process.execPath, [...API_NODE_FLAGS, join(dist, 'api', 'src', 'main.js')], { stdio: 'inherit' }),
  spawn(process.execPath, [...WORKER_NODE_FLAGS, join(dist, 'worker', 'src', 'main.js')], { stdio: 'inherit' }),
];
let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
let alive = children.length;
for (const c of children) {
  c.on('exit', (code, signal) => {
    alive -= 1;
    if (!stopping) {
      console.error(`[start] a process exited (${signal ?? code}); stopping the other`);
      process.exitCode = code || 1;
      stop('SIGTERM');
    }
    if (alive === 0) process.exit(process.exitCode ?? 0);
  });
}
