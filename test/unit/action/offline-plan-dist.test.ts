// `command: plan` without an SSH key (a fork's pull request gets no secrets), through the
// committed bundle: the PR's inventory is diffed against the base branch's, read from git
// at `pull_request.base.sha`; the comment says live state was not read, and no host is
// contacted (every host's ansible_port is a listener here that counts connections).
// Also: two plans racing on one pull request leave exactly one comment.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../../src/report/pr-comment.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import { REPO_ROOT, runAction, withoutMaskLines, workflowCommands, type ActionRun } from '../../e2e/support/action.js';

const SEED = path.join(REPO_ROOT, 'test/fixtures/inventories/seed/inventories/backup');
const INVENTORY = 'inventories/backup';
const NEW_CLIENT = 'client2.example.com';
// The new client shares the seed's repository: client.example.com, its first client, now prunes
// it once for both instead of its own forget --prune (its cron file changes too).
const CHANGED_HOSTS = ['client.example.com', NEW_CLIENT];

let fake: FakeGitHub;
let listener: net.Server;
let connections = 0;
let port = 0;
const temp: string[] = [];

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Octo Cat', '-c', 'user.email=octocat@example.com', '-c', 'init.defaultBranch=main', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

interface Repo {
  dir: string;
  base: string;
  head: string;
}

/**
 * A repository whose main has the seed inventory (one client), and a PR head that adds a
 * client. `verbatim: false` makes the server's password use the client's vault variable
 * (the seed gives the one htpasswd user two variables with equal values, which an offline
 * run without secrets cannot know are equal).
 */
function makeRepo({ verbatim = false, brokenBase = false } = {}): Repo {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-offline-repo-'));
  temp.push(dir);
  git(dir, 'init', '-q');
  const inv = path.join(dir, INVENTORY);
  cpSync(SEED, inv, { recursive: true });
  if (!verbatim) {
    const f = path.join(inv, 'group_vars/server/vars.yml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('{{ vault_restic_server_password }}', '{{ vault_restic_client_password }}'));
  }
  // Reachable-looking addresses: a host that is contacted shows up as a connection on the listener.
  for (const h of ['client.example.com', 'server.example.com']) {
    const f = path.join(inv, `host_vars/${h}.yml`);
    writeFileSync(f, `ansible_host: 127.0.0.1\nansible_port: ${port}\n${readFileSync(f, 'utf8')}`);
  }
  const clientVars = path.join(inv, 'group_vars/client/vars.yml');
  const goodClientVars = readFileSync(clientVars, 'utf8');
  if (brokenBase) writeFileSync(clientVars, goodClientVars.replace('restic_client_user:', 'restic_clinet_user:'));
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Seed inventory');
  const base = git(dir, 'rev-parse', 'HEAD');

  git(dir, 'checkout', '-q', '-b', 'add-client2');
  writeFileSync(clientVars, goodClientVars); // the PR also fixes a broken base
  writeFileSync(path.join(inv, 'hosts.yml'), readFileSync(path.join(inv, 'hosts.yml'), 'utf8').replace('        client.example.com:\n', `        client.example.com:\n        ${NEW_CLIENT}:\n`));
  writeFileSync(
    path.join(inv, `host_vars/${NEW_CLIENT}.yml`),
    [
      'ansible_host: 127.0.0.1',
      `ansible_port: ${port}`,
      'restic_backup_sets:',
      ' - id: "wiki volume"',
      '   type: docker-volume',
      '   volume: wiki_data',
      '   tags: [wiki]',
      '   hour: "2"',
      '   minute: "30"',
      '',
    ].join('\n'),
  );
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Back up the wiki on client2');
  return { dir, base, head: git(dir, 'rev-parse', 'HEAD') };
}

const patchPr = (repo: Repo, number = 42) => (p: { pull_request: { number: number; base: { sha: string }; head: { sha: string } }; number: number }) => {
  p.number = number;
  p.pull_request.number = number;
  p.pull_request.base.sha = repo.base;
  p.pull_request.head.sha = repo.head;
};

const offlinePlan = (workspace: string, repo: Repo, number = 42, inputs: Record<string, string> = {}, apiUrl = fake.url): Promise<ActionRun> =>
  runAction({
    inputs: { command: 'plan', inventory: INVENTORY, ...inputs }, // no ssh-private-key: a fork's PR gets no secrets
    workspace,
    event: 'pull_request.opened',
    patchEvent: patchPr(repo, number),
    apiUrl,
    env: {}, // and no VAULT_* secrets either
    timeoutSeconds: 60,
  });

beforeAll(async () => {
  fake = await startFakeGitHub();
  listener = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await fake.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

describe('offline plan on a pull request that adds a client (no SSH key)', () => {
  it('comments the new client\'s changes against the base branch, says live state was not read, contacts no host', async () => {
    const repo = makeRepo();
    const r = await offlinePlan(repo.dir, repo);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(connections).toBe(0);
    expect(withoutMaskLines(r.stdout + r.stderr)).not.toMatch(/ECONNREFUSED|connect|handshake|timed out/i);

    expect(JSON.parse(r.outputs['changed-hosts']!)).toEqual(CHANGED_HOSTS);
    expect(JSON.parse(r.outputs['failed-hosts']!)).toEqual([]);
    expect(r.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);

    const comments = fake.comments('acme', 'infra', 42);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(body).toContain('Offline plan: live state was not read');
    expect(body).toContain(`against the base branch main (${repo.base.slice(0, 7)})`);
    expect(body).toContain('**hosts: 2 changed / 1 unchanged / 0 failed / 0 skipped**');
    // The new client's section: its cron file with the new set, its credential files.
    const section = body.slice(body.indexOf(`<code>${NEW_CLIENT}</code>`));
    expect(section).toContain('/etc/cron.d/restic-fleet');
    expect(section).toContain('30 2 * * *');
    expect(section).toContain('wiki_data');
    expect(section).toContain('/etc/restic-fleet/repository');
    // The others are unchanged; the plan hash is the output's.
    expect(body).toMatch(/No changes\*\* on 1 host: `server\.example\.com`/);
    // Its hash describes a desired-state diff: the comment does not offer it for apply's plan-hash.
    expect(body).toContain(`Plan hash: \`${r.outputs['plan-hash']}\` · offline plan: this hash cannot be passed as \`plan-hash\``);
    expect(body).not.toContain('to apply exactly this plan');
    // Placeholders, not values, where secrets go (the fork had none).
    expect(body).not.toMatch(/rest:http:\/\/admin:[^*<\s]/);

    // The job summary has the same plan; the log has a warning that says so.
    expect(r.summary).toContain('Offline plan: live state was not read');
    expect(r.summary).toContain(NEW_CLIENT);
    expect(workflowCommands(r.stdout, 'warning').map((w) => w.message).join('\n')).toContain('live hosts were not read');
  });

  it('the seed verbatim (two vault variables for one htpasswd user, no secrets available): still plans', async () => {
    const repo = makeRepo({ verbatim: true });
    const r = await offlinePlan(repo.dir, repo, 45);
    expect(workflowCommands(r.stdout, 'error').map((e) => e.message)).toEqual([]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.outputs['changed-hosts']!)).toEqual(CHANGED_HOSTS);
    expect(connections).toBe(0);
  });

  it('works from a shallow checkout (actions/checkout fetch-depth 1): fetches the base commit', async () => {
    const repo = makeRepo();
    const shallow = mkdtempSync(path.join(os.tmpdir(), 'rf-offline-shallow-'));
    temp.push(shallow);
    execFileSync('git', ['clone', '-q', '--depth=1', '--branch=add-client2', `file://${repo.dir}`, shallow], { stdio: 'ignore' });
    expect(() => git(shallow, 'cat-file', '-e', `${repo.base}^{commit}`)).toThrow();
    const r = await offlinePlan(shallow, repo, 44);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs['changed-hosts']!)).toEqual(CHANGED_HOSTS);
    expect(fake.comments('acme', 'infra', 44)[0]!.body).toContain(`against the base branch main (${repo.base.slice(0, 7)})`);
    expect(connections).toBe(0);
  });

  it('--limit naming the host the PR adds: plans that host only', async () => {
    const repo = makeRepo();
    const r = await offlinePlan(repo.dir, repo, 46, { limit: NEW_CLIENT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs['changed-hosts']!)).toEqual([NEW_CLIENT]);
    const body = fake.comments('acme', 'infra', 46)[0]!.body;
    expect(body).toContain('**hosts: 1 changed / 0 unchanged / 0 failed / 0 skipped**');
    expect(body).not.toContain('Hosts removed');
  });

  it('a PR that fixes a broken base inventory: no annotations about the base, a diff against nothing, said so', async () => {
    const repo = makeRepo({ brokenBase: true });
    const r = await offlinePlan(repo.dir, repo, 47);
    expect(workflowCommands(r.stdout, 'error')).toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs['changed-hosts']!).sort()).toEqual(['client.example.com', NEW_CLIENT, 'server.example.com']);
    expect(fake.comments('acme', 'infra', 47)[0]!.body).toContain(
      `against an empty inventory: the inventory of the base branch main (${repo.base.slice(0, 7)}) does not load (2 errors)`, // the typo, and so a password without its user
    );
  });

  it('a workspace that is not a git checkout: plans against nothing and says why', async () => {
    const repo = makeRepo();
    const plain = mkdtempSync(path.join(os.tmpdir(), 'rf-offline-plain-'));
    temp.push(plain);
    cpSync(path.join(repo.dir, 'inventories'), path.join(plain, 'inventories'), { recursive: true });
    const r = await offlinePlan(plain, repo, 48);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.outputs['changed-hosts']!)).toHaveLength(3);
    expect(fake.comments('acme', 'infra', 48)[0]!.body).toMatch(/against an empty inventory: the base branch main \([0-9a-f]{7}\) could not be read from git \(/);
    expect(connections).toBe(0);
  });

  it('comment: false posts nothing; an unreachable API fails the run (an older plan comment may be up), the plan is in the log and summary', async () => {
    const repo = makeRepo();
    const before = fake.requests.length;
    const quiet = await offlinePlan(repo.dir, repo, 49, { comment: 'false' });
    expect(quiet.code, quiet.stdout).toBe(0);
    expect(fake.requests.length).toBe(before);
    expect(quiet.summary).toContain(NEW_CLIENT);

    const down = await offlinePlan(repo.dir, repo, 49, {}, 'http://127.0.0.1:9');
    expect(down.code, down.stdout + down.stderr).toBe(1);
    expect(workflowCommands(down.stdout, 'error').map((w) => w.message).join('\n')).toMatch(/could not update the plan comment on pull request #49 .*it may show an older plan/);
    expect(down.summary).toContain(NEW_CLIENT);
    expect(JSON.parse(down.outputs['changed-hosts']!)).toEqual(CHANGED_HOSTS);
  });

  it('updating the plan comment: a 500 is retried once; a 500 twice fails the run (the old plan must not sit under a green check)', async () => {
    const repo = makeRepo();
    const PATCH = /\/issues\/comments\/\d+$/;
    expect((await offlinePlan(repo.dir, repo, 50)).code).toBe(0);
    const posted = fake.comments('acme', 'infra', 50)[0]!.body;

    fake.failNext('PATCH', PATCH, 500);
    const patches = fake.requestsMatching('PATCH', PATCH).length;
    const once = await offlinePlan(repo.dir, repo, 50);
    expect(once.code, once.stdout).toBe(0);
    expect(fake.requestsMatching('PATCH', PATCH).length - patches).toBe(2);
    const updated = fake.comments('acme', 'infra', 50)[0]!.body;
    expect(updated).not.toBe(posted); // the new run's link

    fake.failNext('PATCH', PATCH, 500, 2);
    const twice = await offlinePlan(repo.dir, repo, 50);
    expect(twice.code, twice.stdout).toBe(1);
    const errors = workflowCommands(twice.stdout, 'error').map((w) => w.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^could not update the plan comment on pull request #50 \(updating comment \d+ failed twice: HTTP 500 .*\): it may show an older plan/);
    expect(fake.comments('acme', 'infra', 50).map((c) => c.body)).toEqual([updated]); // unchanged, and the run says so
    expect(twice.summary).toContain(NEW_CLIENT);
    expect(JSON.parse(twice.outputs['changed-hosts']!)).toEqual(CHANGED_HOSTS);
  });

  it('creating the plan comment fails twice, with no older comment: a warning only (nothing outdated is shown)', async () => {
    const repo = makeRepo();
    fake.failNext('POST', /\/issues\/51\/comments$/, 503, 2);
    const r = await offlinePlan(repo.dir, repo, 51);
    expect(r.code, r.stdout).toBe(0);
    expect(workflowCommands(r.stdout, 'warning').map((w) => w.message).join('\n')).toMatch(/could not post the plan comment: creating the comment failed twice: HTTP 503/);
    expect(fake.comments('acme', 'infra', 51)).toHaveLength(0);
    expect(fake.requestsMatching('POST', /\/issues\/51\/comments$/)).toHaveLength(2);
  });

  it('remote commands without a key, or without pinned host keys, fail before connecting', async () => {
    const repo = makeRepo();
    const noKey = await runAction({ inputs: { command: 'apply', inventory: INVENTORY }, workspace: repo.dir, event: 'push.main', env: {}, timeoutSeconds: 60 });
    expect(noKey.code).toBe(1);
    expect(workflowCommands(noKey.stdout, 'error').map((e) => e.message)).toEqual(['command apply needs the ssh-private-key input']);
    const noPins = await runAction({
      inputs: { command: 'snapshots', inventory: INVENTORY, 'ssh-private-key': 'not really a key, never used' },
      workspace: repo.dir,
      event: 'push.main',
      env: {},
      timeoutSeconds: 60,
    });
    expect(noPins.code).toBe(1);
    expect(workflowCommands(noPins.stdout, 'error').map((e) => e.message).join('\n')).toContain('the known-hosts input is empty');
    expect(connections).toBe(0);
  });

  it('two plans racing on one pull request leave one comment', async () => {
    const repo = makeRepo();
    // Hold the first listing of each run until both have listed: both see no comment and create one.
    const held: Array<() => void> = [];
    let listings = 0;
    fake.beforeHandle = async (req) => {
      if (req.method !== 'GET' || !req.path.endsWith('/issues/43/comments') || ++listings > 2) return;
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === 2) held.forEach((release) => release());
        setTimeout(resolve, 15_000); // bounded: never hang the suite
      });
    };
    try {
      const [a, b] = await Promise.all([offlinePlan(repo.dir, repo, 43), offlinePlan(repo.dir, repo, 43)]);
      expect([a.code, b.code], a.stdout + b.stdout).toEqual([0, 0]);
    } finally {
      fake.beforeHandle = undefined;
    }
    const posts = fake.requestsMatching('POST', /\/issues\/43\/comments$/);
    expect(posts).toHaveLength(2); // the race really happened
    expect(fake.comments('acme', 'infra', 43)).toHaveLength(1);
  });
});
