import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { DesiredHost } from '../../src/desired/types.js';
import type { TransportFactory } from '../../src/engine/sessions.js';
import { ConnectError, type ExecOptions, type ExecResult, type Transport } from '../../src/remote/transport.js';
import { reveal } from '../../src/secret.js';

/**
 * A fake connector for unit tests (pyinfra's `fake` connector idea): hosts answer from
 * recorded outputs instead of SSH. Each host is a function (script text, stdin) → result;
 * the fleet records every connect and every exec, and how many execs ran at once.
 */
export type HostAnswer = (script: string, stdin: string | undefined, host: string) => ExecResult | Promise<ExecResult>;

export interface FakeHost {
  answer?: HostAnswer;
  /** The factory rejects with a ConnectError carrying this message (unknown key, refused, ...). */
  connectError?: string;
}

export interface ExecRecord {
  host: string;
  kind: ScriptKind;
  script: string;
  stdin?: string;
  timeoutSeconds?: number;
}

export type ScriptKind = 'probe' | 'apply' | 'snapshots' | 'preflight' | 'launch' | 'poll' | 'recover' | 'log-tail' | 'other';

/** Which of restic-fleet's remote scripts this is, by a line only that script has. */
export function scriptKind(script: string): ScriptKind {
  // By the call lines: every script also carries whole src/sh files of function definitions.
  if (/^probe_start$/m.test(script)) return 'probe';
  if (/^apply_lock$/m.test(script)) return 'apply';
  if (/^snapshots_of /m.test(script)) return 'snapshots';
  if (/^restore_env; preflight_host$/m.test(script)) return 'preflight';
  if (/^echo launched$/m.test(script)) return 'launch';
  if (/^poll_job /m.test(script)) return 'poll';
  if (/^setsid -w sh \S+ recover \S/m.test(script)) return 'recover';
  if (script.startsWith('tail -n')) return 'log-tail';
  return 'other';
}

const stdinText = (s: ExecOptions['stdin']): string | undefined =>
  s === undefined ? undefined : typeof s === 'string' ? s : s instanceof Uint8Array ? Buffer.from(s).toString('utf8') : '<stream>';

export class FakeFleet {
  readonly execs: ExecRecord[] = [];
  /** Connects per host (Sessions promises one per host per run). */
  readonly connects = new Map<string, number>();
  readonly closed: string[] = [];
  #inFlight = new Set<string>();
  /** The most hosts that had an exec running at the same moment. */
  maxHostsInFlight = 0;

  constructor(
    private readonly hosts: Record<string, FakeHost | HostAnswer>,
    /** Each exec yields this long, so a pool's workers overlap and the bound is observable. */
    private readonly execDelayMs = 2,
  ) {}

  private host(name: string): FakeHost {
    const h = this.hosts[name];
    if (!h) throw new Error(`fake fleet: no host ${name}`);
    return typeof h === 'function' ? { answer: h } : h;
  }

  readonly factory: TransportFactory = async (d: DesiredHost): Promise<Transport> => {
    this.connects.set(d.name, (this.connects.get(d.name) ?? 0) + 1);
    const h = this.host(d.name);
    if (h.connectError !== undefined) throw new ConnectError(d.name, h.connectError);
    const stats = { roundTrips: 0, bytesSent: 0, bytesReceived: 0 };
    return {
      hostName: d.name,
      stats,
      exec: async (cmd, opts) => {
        const stdin = stdinText(opts?.stdin);
        this.execs.push({ host: d.name, kind: scriptKind(cmd.text), script: cmd.text, stdin, timeoutSeconds: opts?.timeoutSeconds });
        this.#inFlight.add(d.name);
        this.maxHostsInFlight = Math.max(this.maxHostsInFlight, this.#inFlight.size);
        try {
          await new Promise((r) => setTimeout(r, this.execDelayMs));
          const res = await (h.answer ?? (() => ({ code: 0, stdout: '', stderr: '' })))(cmd.text, stdin, d.name);
          stats.roundTrips++;
          stats.bytesSent += cmd.text.length + (stdin?.length ?? 0);
          stats.bytesReceived += res.stdout.length + res.stderr.length;
          return res;
        } finally {
          this.#inFlight.delete(d.name);
        }
      },
      close: async () => {
        this.closed.push(d.name);
      },
    };
  };

  /** Hosts in the order they received a script of this kind. */
  order(kind: ScriptKind): string[] {
    return this.execs.filter((e) => e.kind === kind).map((e) => e.host);
  }
}

export const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '' });

/** Answers by script kind; a kind without an answer fails loudly (exit 97). */
export function byKind(answers: Partial<Record<ScriptKind, (script: string, stdin: string | undefined) => ExecResult>>): HostAnswer {
  return (script, stdin, host) => {
    const kind = scriptKind(script);
    const a = answers[kind];
    return a ? a(script, stdin) : { code: 97, stdout: '', stderr: `fake ${host}: no answer for a ${kind} script` };
  };
}

/** An apply that succeeded: "@@rf ok <id>" for every change the script reports, and an initialised repository. */
export const applyAllOk = (script: string): ExecResult =>
  ok(
    [...script.matchAll(/^ok (\S+)$/gm)]
      .map((m) => `@@rf ok ${m[1]}`)
      .concat(/^repo_(init|verify)$/m.test(script) ? ['@@rf repo 0 '] : [])
      .join('\n'),
  );

// ---- probe outputs in the current probe format (src/facts/probe.ts, parse.ts) ----

const b64 = (s: string) => Buffer.from(s).toString('base64');
const sec = (kind: string, name: string, value: string) => `@@rf ${kind} ${name}\n${value}`;
const modeText = (m: number) => m.toString(8);

export type HostState = 'fresh' | 'converged';

export interface ProbeOptions {
  /** "@@rf generation" value (default 0 fresh, 3 converged). */
  generation?: number;
  /** The repository check's "<code> <base64 stderr>" line (default: absent when fresh, initialised when converged). */
  repoLine?: string;
  resticVersion?: string; // default 0.14.0
  /** The runner's status records the probe reads, by job name (set slug). */
  statusRecords?: Record<string, object>;
}

export const REPO_ABSENT = `1 ${b64('Fatal: unable to open config file: Stat: <config/> does not exist\n')}`;
export const REPO_INITIALISED = '0 ';

/** `docker inspect` of a running container built from the desired spec (its spec-hash label matches). */
export function containerInspect(d: DesiredHost): string {
  const s = d.server!.container;
  return JSON.stringify({
    Id: 'f'.repeat(64),
    Config: { Image: s.image, Labels: s.labels, Env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`) },
    State: { Running: true, Status: 'running' },
    Mounts: s.binds.map((b) => ({ Source: b.source, Destination: b.target })),
    NetworkSettings: {
      Ports: Object.fromEntries(s.ports.map((p) => [`${p.containerPort}/tcp`, [{ HostIp: '0.0.0.0', HostPort: String(p.hostPort) }]])),
      Networks: Object.fromEntries(s.networks.map((n) => [n, {}])),
    },
    HostConfig: { LogConfig: { Type: s.logDriver ?? 'json-file', Config: s.logOptions }, RestartPolicy: { Name: s.restartPolicy } },
  });
}

/** What the probe prints on a host, fresh (Docker and restic only) or converged to `d`. */
export function probeOutput(d: DesiredHost, state: HostState, o: ProbeOptions = {}): string {
  const conv = state === 'converged';
  const out = [sec('uid', 'x', '0'), sec('generation', 'x', String(o.generation ?? (conv ? 3 : 0))), sec('docker', 'x', '20.10.24')];
  if (d.server) {
    const s = d.server;
    out.push(sec('dir', s.dataDir, conv ? '700 root' : '-'));
    // Cost 4: a converged htpasswd only has to match (bcrypt.compare), not be slow.
    const ht = s.users.map((u) => `${u.user}:${bcrypt.hashSync(u.password.reveal(), 4)}\n`).join('');
    out.push(sec('htpasswd', s.htpasswdPath, conv ? b64(ht) : '-'));
    out.push(sec('container', s.container.name, conv ? b64(containerInspect(d)) : ''));
    if (s.network) out.push(sec('network', s.network, conv ? 'yes' : 'no'));
  }
  if (d.client) {
    const c = d.client;
    const v = o.resticVersion ?? '0.14.0';
    out.push(sec('restic', 'x', `restic ${v} compiled with go1.19.8 on linux/amd64`), sec('restic-package', 'x', `${v}-1`));
    for (const dir of c.dirs) out.push(sec('dir', dir.path, conv ? `${modeText(dir.mode)} root` : '-'));
    for (const f of c.files) {
      const sha = createHash('sha256').update(reveal(f.content)).digest('hex');
      out.push(sec('file', f.path, conv ? `${modeText(f.mode)} root root ${sha}` : '-'));
      if (typeof f.content === 'string' && f.path.startsWith('/etc/cron.d/')) out.push(sec('content', f.path, conv ? b64(f.content) : '-'));
    }
    for (const v of new Set(c.sets.flatMap((s) => (s.volume ? [s.volume] : [])))) out.push(sec('volume', v, `/var/lib/docker/volumes/${v}/_data`));
    const repoLine = o.repoLine ?? (conv ? REPO_INITIALISED : REPO_ABSENT);
    // The probe asks "repo" with the desired credentials, or "repo-installed" while its server changes first.
    out.push(sec('repo', 'x', repoLine), sec('repo-installed', 'x', conv ? REPO_INITIALISED : '-'));
    for (const [name, rec] of Object.entries(o.statusRecords ?? {})) out.push(sec('status-record', name, b64(JSON.stringify(rec))));
  }
  return `${out.join('\n')}\n`;
}

/** A host that answers probes as `state` and applies every change successfully. */
export const fakeHost = (d: DesiredHost, state: HostState, o: ProbeOptions = {}): HostAnswer =>
  byKind({
    probe: (script) => ok(onlyAsked(script, probeOutput(d, state, o))),
    apply: applyAllOk,
  });

/** Keeps the repository section the probe asked for (repo or repo-installed), as the real probe does. */
function onlyAsked(script: string, stdout: string): string {
  const drop = script.includes('sec repo x;') ? 'repo-installed' : 'repo';
  return stdout.replace(new RegExp(`^@@rf ${drop} x\\n.*\\n`, 'm'), '');
}
