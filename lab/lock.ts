import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './config.js';
import { log, sleep } from './run.js';

let depth = 0; // re-entrant within this process (up calls down on a stale lab)

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One lab command at a time on this machine (a test run and a manual `up` would otherwise
 * create the same containers). A lock left by a process that died is taken over.
 */
export async function withLabLock<T>(fn: () => Promise<T>, waitSeconds = 600): Promise<T> {
  if (depth > 0) {
    depth++;
    try {
      return await fn();
    } finally {
      depth--;
    }
  }
  const dir = join(cacheDir(), 'lab.lock');
  mkdirSync(cacheDir(), { recursive: true });
  const deadline = Date.now() + waitSeconds * 1000;
  let said = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      } catch {
        // being written right now, or left half-made by a crash: judged on the next turn
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another lab command (pid ${owner}) still holds ${dir} after ${waitSeconds}s`);
      if (!said) log(`waiting for another lab command (pid ${owner}) to finish`);
      said = true;
      await sleep(1000);
    }
  }
  depth = 1;
  try {
    return await fn();
  } finally {
    depth = 0;
    rmSync(dir, { recursive: true, force: true });
  }
}
