import { parseRepoCheckLine } from '../facts/repo-check.js';
import type { RepoFact } from '../facts/types.js';
import type { PlannedChange } from '../plan/ops.js';
import type { Transport } from '../remote/transport.js';
import { redact } from '../secret.js';
import { renderApply } from './script.js';

export interface HostApplyResult {
  applied: string[]; // change ids confirmed by the host
  /** Another run changed the host after this run probed it: nothing was applied. */
  stale?: boolean;
  failure?: string; // first failure, redacted
  repo?: RepoFact; // repository state after init/verify
}

/** Applies one host's ops in a single round trip and reads back what happened. */
export async function applyHost(t: Transport, ops: PlannedChange[], timeoutSeconds?: number): Promise<HostApplyResult> {
  if (!ops.length) return { applied: [] };
  const { command, stdin } = renderApply(ops);
  const res = await t.exec(command, { stdin, timeoutSeconds });
  const applied: string[] = [];
  let failure: string | undefined;
  let repo: RepoFact | undefined;
  let resticVersion: string | undefined;
  for (const line of res.stdout.split('\n')) {
    const m = /^@@rf (ok|fail|repo|stale|restic-version) (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'stale') return { applied: [], stale: true };
    if (m[1] === 'ok') applied.push(m[2]!.trim());
    else if (m[1] === 'restic-version') resticVersion = m[2]!.trim() === '-' ? undefined : m[2]!.trim();
    else if (m[1] === 'repo') repo = parseRepoCheckLine(m[2]!, resticVersion);
    else {
      const [id, b64 = ''] = m[2]!.split(' ');
      failure = `${id}: ${Buffer.from(b64, 'base64').toString('utf8').trim() || 'failed'}`;
    }
  }
  if (!failure && res.code !== 0) {
    failure = res.code === null ? 'the connection dropped or the remote command was killed' : `apply script exited ${res.code}: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  if (!failure && repo && repo.status !== 'initialised') {
    failure = `repository is ${repo.status}${repo.detail ? `: ${repo.detail}` : ''}`;
  }
  return { applied, failure: failure && redact(failure), repo };
}
