// Runs restic-fleet's engine in-process against the lab, on a private copy of the lab's
// inventory that a test may edit.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { RemoteOptions } from '../../../src/engine/options.js';
import type { Logger } from '../../../src/engine/logger.js';
import { Secret } from '../../../src/secret.js';
import { labState } from './lab.js';

export interface InventoryCopy {
  repoRoot: string; // contains inventories/lab
  inventory: string; // inventories/lab (relative to repoRoot)
  dir: string; // absolute inventory dir
  /** The copy is a git repository; this commit is the pull requests' base branch (see commitBase). */
  baseSha: string;
}

/** A git repository holding the lab's inventory, committed as the base branch of pull requests. */
export function copyLabInventory(): InventoryCopy {
  const lab = labState();
  const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'rf-e2e-inv-'));
  cpSync(lab.repoRoot, repoRoot, { recursive: true });
  execFileSync('git', ['init', '-q', repoRoot]);
  const copy = { repoRoot, inventory: 'inventories/lab', dir: path.join(repoRoot, 'inventories/lab'), baseSha: '' };
  commitBase(copy);
  return copy;
}

/** Commits the copy as it is now: later edits are what a pull request changes against this base. */
export function commitBase(copy: InventoryCopy): string {
  const git = (...args: string[]) => execFileSync('git', ['-C', copy.repoRoot, '-c', 'user.name=e2e', '-c', 'user.email=e2e@localhost', ...args], { encoding: 'utf8' });
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', 'base');
  copy.baseSha = git('rev-parse', 'HEAD').trim();
  return copy.baseSha;
}

/** A pull_request payload patch that makes `copy.baseSha` the PR's base commit. */
export const onBase =
  (copy: InventoryCopy, more?: (p: { pull_request: { number: number; base: { sha: string } } }) => void) =>
  (p: { pull_request?: { number: number; base: { sha: string } } }): void => {
    if (p.pull_request) {
      p.pull_request.base.sha = copy.baseSha;
      more?.(p as { pull_request: { number: number; base: { sha: string } } });
    }
  };

/** Edits a YAML file of the copy in place (keeps comments and layout). */
export function editYaml(copy: InventoryCopy, rel: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = path.join(copy.dir, rel);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

export const quietLogger = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    warn: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    group: (t, l) => lines.push(t, ...l),
  };
};

export function labOptions(copy: InventoryCopy, over: Partial<RemoteOptions> = {}): RemoteOptions {
  const lab = labState();
  return {
    repoRoot: copy.repoRoot,
    inventory: copy.inventory,
    env: { ...lab.secretsEnv },
    log: quietLogger(),
    concurrency: 10,
    ssh: {
      privateKey: new Secret(readFileSync(lab.keyPath, 'utf8'), 'lab key'),
      knownHosts: readFileSync(lab.knownHostsPath, 'utf8'),
      insecureSkipHostKeyCheck: false,
    },
    ...over,
  };
}
