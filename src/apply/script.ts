import { hostScript } from '../facts/host-script.js';
import type { PlannedChange } from '../plan/ops.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import { reveal } from '../secret.js';

/**
 * Turns a host's planned ops into one shell script (one round trip) plus its stdin: the
 * functions of src/sh/apply.sh called with quoted values.
 * File contents travel on stdin, one base64 line per file, so secrets never appear in
 * the command. Every write is atomic (temp file in the same directory, then rename)
 * with exact owner and mode, and the whole run holds the host's restic-fleet lock.
 * The script stops at the first failure and reports per change:
 *   @@rf ok <change-id> | @@rf fail <change-id> <base64 message> | @@rf repo <code> <base64 stderr>
 *   | @@rf restic-version <x.y.z or -> (before the first repo line)
 */
export interface ApplyScript {
  command: ShellText;
  stdin: string;
}

const octal = (m: number) => m.toString(8).padStart(4, '0');

export function renderApply(ops: PlannedChange[]): ApplyScript {
  const parts: ShellText[] = [hostScript(['apply', 'repo-check']), script('apply_lock')];
  const stdin: string[] = [];
  const done = new Set<string>();
  const okLine = (id: string) => (id ? sh`ok ${id}` : script(':'));
  let versionRead = false;

  for (const { changeId: id, op, covers = [] } of ops) {
    switch (op.op) {
      case 'apt-install':
        parts.push(
          sh`run_step ${id} env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q ${op.pkg}`,
          sh`run_step ${id} restic version`,
        );
        break;
      case 'mkdir':
        parts.push(sh`run_step ${id} mkdir -p ${op.path}`, sh`run_step ${id} chown root:root ${op.path}`, sh`run_step ${id} chmod ${octal(op.mode)} ${op.path}`);
        break;
      case 'write-file':
        parts.push(sh`write_file ${id} ${op.path} ${octal(op.mode)}`);
        stdin.push(Buffer.from(reveal(op.content)).toString('base64'));
        break;
      case 'network-create':
        parts.push(sh`docker network inspect ${op.name} >/dev/null 2>&1 || run_step ${id} docker network create ${op.name}`);
        break;
      case 'container-run': {
        const s = op.spec;
        const args = [
          '--name', s.name, '--detach', '--restart', s.restartPolicy,
          ...s.ports.flatMap((p) => ['--publish', `${p.hostPort}:${p.containerPort}`]),
          ...s.binds.flatMap((b) => ['--volume', `${b.source}:${b.target}`]),
          ...(s.networks[0] ? ['--network', s.networks[0]] : []),
          ...(s.logDriver ? ['--log-driver', s.logDriver] : []),
          ...Object.entries(s.logOptions).flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
          ...Object.entries(s.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
          ...Object.entries(s.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ];
        if (op.replace) parts.push(sh`run_step ${id} docker rm --force ${s.name}`);
        parts.push(sh`run_step ${id} docker run ${args} ${s.image}`);
        for (const net of s.networks.slice(1)) parts.push(sh`run_step ${id} docker network connect ${net} ${s.name}`);
        break;
      }
      case 'container-start':
        parts.push(sh`run_step ${id} docker start ${op.name}`);
        break;
      case 'await-http':
        parts.push(sh`await_http ${id} ${op.container} ${String(op.port)} ${String(op.timeoutSeconds)}`);
        break;
      case 'guard-generation':
        // Exit 0 with a marker: the engine reports the host as planned on stale facts, not as failed.
        parts.push(sh`guard_generation ${op.generation}`);
        break;
      case 'bump-generation':
        parts.push(script('bump_generation'));
        break;
      case 'container-reload':
        parts.push(sh`run_step ${`reload:${op.name}`} docker kill --signal HUP ${op.name}`);
        break;
      case 'repo-init':
      case 'repo-verify':
        if (!versionRead) parts.push(script('restic_version'));
        versionRead = true;
        parts.push(script(op.op === 'repo-init' ? 'repo_init' : 'repo_verify'));
        break;
    }
    // Report each change once, after its last op.
    const last = ops.filter((o) => o.changeId === id).at(-1)?.op === op;
    for (const cid of last ? [...covers, id] : []) {
      if (done.has(cid)) continue;
      parts.push(okLine(cid));
      done.add(cid);
    }
  }
  return { command: joinShell(parts), stdin: stdin.length ? `${stdin.join('\n')}\n` : '' };
}
