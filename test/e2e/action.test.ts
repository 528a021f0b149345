// Issue 5 end to end: the committed bundle (`node dist/index.js`) run the way the GitHub
// runner runs it, against the lab's real hosts, with the fake REST API standing in for
// GitHub. Sticky plan comment on pull requests, apply on push with the snapshot table in
// the job summary, no-op apply, reviewed plan-hash, and a leak test with canary secrets.
// Rebuild dist/ first (`npm run build`).
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../src/report/pr-comment.js';
import { startFakeGitHub, type FakeComment, type FakeGitHub } from '../support/fake-github.js';
import { DIST, loadEvent, markdownInsideHtmlBlocks, newRunId, withoutMaskLines, workflowCommands, type ActionRun, type EventFixture } from './support/action.js';
import { actionStep, type StepOptions } from './support/doors.js';
import { commitBase, copyLabInventory, editYaml, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';
import { canary, findLeaks } from './support/leaks.js';

const SERVER = 'server.example.com';
const BOT = 'github-actions[bot]';
const RESTIC_ENV = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password';
const PR = loadEvent('pull_request.opened').pull_request.number as number;

const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();
const allHosts = () => labState().hosts.map((h) => h.name).sort();

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

let fake: FakeGitHub;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build`);
  fake = await startFakeGitHub();
});
afterAll(async () => {
  await fake?.close();
});

/** One step of a workflow that uses restic-fleet on the lab, against the fake GitHub API. */
const step = (copy: InventoryCopy, command: string, event: EventFixture, o: StepOptions = {}): Promise<ActionRun> =>
  actionStep(copy, command, event, { apiUrl: fake.url, ...o });

const ours = (): readonly FakeComment[] => fake.comments('acme', 'infra', PR).filter((c) => c.user.login === BOT && c.body.includes(PLAN_COMMENT_MARKER));
const json = (r: ActionRun, name: string): unknown => {
  expect(r.outputs[name], `output ${name} of:\n${r.stdout}`).toBeDefined();
  return JSON.parse(r.outputs[name]!);
};
const show = (r: ActionRun): string => `exit ${r.code}\n${withoutMaskLines(r.stdout)}\n${r.stderr}`;

/** mtime and content hash of the files restic-fleet manages on a host, and the server container's id. */
const fingerprint = (host: string): Promise<string> =>
  sh(
    host,
    'for f in /etc/restic-fleet/* /etc/cron.d/restic-fleet /usr/local/lib/restic-fleet/run /srv/restic/.htpasswd; do [ -e "$f" ] && stat -c "%n %Y" "$f" && sha256sum "$f"; done; ' +
      'docker ps -q --no-trunc --filter name=restic01 2>/dev/null; true',
  );

describe('pull request plan comment, apply on push, snapshot summary', () => {
  let copy: InventoryCopy;
  let commentId = 0;
  let lastBody = '';
  let firstHash = '';
  let quote: FakeComment;

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
    // Our comment will be on page 2 of the listing; another user quoting the marker is not ours.
    fake.seed('acme', 'infra', PR, 105);
    quote = fake.addComment('acme', 'infra', PR, `> ${PLAN_COMMENT_MARKER}\n> quoting the old plan: LGTM`, 'octocat');
  });

  it('a plan on a pull request creates one sticky comment and changes nothing on the hosts', async () => {
    const before = await Promise.all(allHosts().map(fingerprint));
    const r = await step(copy, 'plan', 'pull_request.opened');
    expect(r.code, show(r)).toBe(0);
    expect((json(r, 'changed-hosts') as string[]).sort()).toEqual(allHosts());
    expect(json(r, 'failed-hosts')).toEqual([]);
    firstHash = r.outputs['plan-hash']!;
    expect(firstHash).toMatch(/^[0-9a-f]{64}$/);

    expect(ours()).toHaveLength(1);
    const c = ours()[0]!;
    commentId = c.id;
    lastBody = c.body;
    expect(c.body.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(c.body).toContain(`**hosts: ${allHosts().length} changed / 0 unchanged / 0 failed / 0 skipped**`);
    for (const h of allHosts()) expect(c.body).toContain(`<code>${h}</code>`);
    expect(c.body).toContain(`Plan hash: \`${firstHash}\``);
    expect(c.body).toContain(`https://github.com/acme/infra/actions/runs/${r.env.GITHUB_RUN_ID}`);
    expect(c.body).not.toContain('(offline)');
    expect(fake.requestsMatching('POST', /\/issues\/\d+\/comments$/)).toHaveLength(1);
    // The quote by another user was left alone; all 105 unrelated comments too.
    expect(fake.comments('acme', 'infra', PR).find((x) => x.id === quote.id)!.body).toBe(quote.body);
    expect(fake.comments('acme', 'infra', PR)).toHaveLength(107);
    // The job summary holds the plan and the host table; the log the result table.
    expect(r.summary).toContain('### restic-fleet plan');
    expect(r.summary).toContain('<h2>Hosts (plan)</h2>');
    expect(r.summary).not.toContain(PLAN_COMMENT_MARKER);
    // Markdown is never swallowed by an open HTML block (GitHub would show it as raw text).
    expect(markdownInsideHtmlBlocks(r.summary)).toEqual([]);
    expect(markdownInsideHtmlBlocks(c.body)).toEqual([]);
    expect(r.stdout).toMatch(/created plan comment https:\/\/github\.com\/acme\/infra\/pull\/42#issuecomment-\d+/);
    // A plan reads; it does not write.
    expect(await Promise.all(allHosts().map(fingerprint))).toEqual(before);
  });

  it('a second plan (new push to the PR) updates the same comment in place', async () => {
    const postsBefore = fake.requestsMatching('POST', /\/comments$/).length;
    const runId = newRunId();
    const r = await step(copy, 'plan', 'pull_request.synchronize', { runId });
    expect(r.code, show(r)).toBe(0);
    expect(r.outputs['plan-hash']).toBe(firstHash);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.id).toBe(commentId);
    expect(fake.requestsMatching('POST', /\/comments$/).length).toBe(postsBefore);
    expect(fake.requestsMatching('PATCH', new RegExp(`/issues/comments/${commentId}$`))).toHaveLength(1);
    expect(ours()[0]!.body).toContain(`/actions/runs/${runId}`);
    expect(r.stdout).toContain('updated plan comment');
    lastBody = ours()[0]!.body;
  });

  it('a changed inventory changes the comment body (still one comment)', async () => {
    const c1 = clients()[0]!;
    editYaml(copy, `host_vars/${c1}.yml`, (doc) => doc.setIn(['restic_backup_sets', 0, 'tags', 1], 'retagged'));
    const runId = newRunId();
    const r = await step(copy, 'plan', 'pull_request.synchronize', { runId });
    expect(r.code, show(r)).toBe(0);
    expect(r.outputs['plan-hash']).not.toBe(firstHash);
    expect(ours()).toHaveLength(1);
    const body = ours()[0]!.body;
    expect(ours()[0]!.id).toBe(commentId);
    expect(body).not.toBe(lastBody);
    // The new tag is in c1's cron line, and only there.
    expect(body).toContain('--tag app --tag retagged');
    expect(body.match(/--tag retagged/g)).toHaveLength(1);
    expect(body).toContain(`Plan hash: \`${r.outputs['plan-hash']}\``);
  });

  it('apply on push converges every host and writes the snapshot table to the job summary; no comment', async () => {
    const requestsBefore = fake.requests.length;
    const r = await step(copy, 'apply', 'push.main');
    expect(r.code, show(r)).toBe(0);
    expect((json(r, 'changed-hosts') as string[]).sort()).toEqual(allHosts());
    expect(json(r, 'failed-hosts')).toEqual([]);
    expect(fake.requests.length).toBe(requestsBefore); // push: nothing sent to the API

    const c1 = clients()[0]!;
    expect(await sh(c1, 'cat /etc/cron.d/restic-fleet')).toContain('--tag app --tag retagged');
    expect((await sh(SERVER, 'docker inspect -f {{.State.Running}} restic01')).trim()).toBe('true');

    // Snapshot table: per client, each set, none backed up yet (so stale), in an HTML table.
    expect(r.summary).toContain('<h2>Hosts (apply)</h2>');
    expect(r.summary).toContain('<h2>Backups</h2>');
    expect(r.summary).toContain('### restic-fleet plan');
    expect(markdownInsideHtmlBlocks(r.summary)).toEqual([]);
    for (const c of clients()) {
      const table = r.summary.slice(r.summary.indexOf(`<h3><code>${c}</code></h3>`));
      expect(table.startsWith(`<h3><code>${c}</code></h3>\n<table>`)).toBe(true);
      expect(table).toMatch(/<tr><td>app volume<\/td><td>—<\/td>.*⚠️ stale/);
      expect(table).toMatch(/<tr><td>media volume<\/td>/);
    }
    const report = json(r, 'snapshots') as { hosts: Array<{ host: string; sets: Array<{ setId: string; stale: boolean; latest?: unknown }> }> };
    expect(report.hosts.map((h) => h.host).sort()).toEqual(clients());
    for (const h of report.hosts) expect(h.sets.map((s) => [s.setId, s.stale, s.latest])).toEqual([['app volume', true, undefined], ['media volume', true, undefined]]);
    // Stale sets end in warning annotations (not failures: fail-on-stale is false by default).
    const warnings = workflowCommands(r.stdout, 'warning').map((w) => w.props.title);
    expect(warnings).toContain(`Backup stale: app volume on ${c1}`);
  });

  it('a backup run by cron shows up; a second apply changes nothing and reports changed-hosts=[]', async () => {
    const c1 = clients()[0]!;
    const cron = await sh(c1, 'cat /etc/cron.d/restic-fleet');
    const job = /^0 1 \* \* \* root (.*--set app-volume .*?) >>/m.exec(cron)![1]!;
    expect((await hostExec(c1, job, { timeoutSeconds: 180 })).code).toBe(0);
    const snaps = JSON.parse(await sh(c1, `${RESTIC_ENV} restic snapshots --json --no-lock --host ${c1}`)) as Array<{ short_id: string; id: string }>;
    expect(snaps).toHaveLength(1);

    const before = await Promise.all(allHosts().map(fingerprint));
    const r = await step(copy, 'apply', 'push.main');
    expect(r.code, show(r)).toBe(0);
    expect(json(r, 'changed-hosts')).toEqual([]);
    expect(json(r, 'failed-hosts')).toEqual([]);
    expect(await Promise.all(allHosts().map(fingerprint))).toEqual(before);

    // The table has the snapshot restic reports, with its last run ok; the other set stays stale.
    const table = r.summary.slice(r.summary.indexOf(`<h3><code>${c1}</code></h3>`));
    const row = /<tr><td>app volume<\/td>.*?<\/tr>/.exec(table)![0];
    expect(row).toContain(`<code>${snaps[0]!.short_id}</code>`);
    expect(row).toContain('<code>/var/lib/docker/volumes/app_data/_data</code>');
    expect(row).toContain('<td>app, retagged</td>'); // the set's tags (restic-fleet's own set tag is not shown)
    // Since issue 13 the runner also records what the run added: "ok <time>, +<bytes> in <n> s".
    expect(row).toMatch(/<td>ok \d{4}-\d\d-\d\d \d\d:\d\d UTC, \+[0-9.]+ (?:B|KiB|MiB) in \d+ s<\/td><td>✅ ok<\/td>/);
    const report = json(r, 'snapshots') as { hosts: Array<{ host: string; sets: Array<{ setId: string; stale: boolean; latest?: { shortId: string }; lastRun?: { status: string } }> }> };
    const set = report.hosts.find((h) => h.host === c1)!.sets.find((s) => s.setId === 'app volume')!;
    expect(set).toMatchObject({ stale: false, latest: { shortId: snaps[0]!.short_id }, lastRun: { status: 'ok' } });
  });

  it('command snapshots with fail-on-stale: warns about every stale set and fails the run', async () => {
    const r = await step(copy, 'snapshots', 'push.main', { inputs: { 'fail-on-stale': 'true' } });
    expect(r.code, show(r)).toBe(1);
    const stale = workflowCommands(r.stdout, 'warning').map((w) => w.props.title).filter((t) => t?.startsWith('Backup stale'));
    const c1 = clients()[0]!;
    const expected = clients().flatMap((c) => (c === c1 ? [`Backup stale: media volume on ${c}`] : [`Backup stale: app volume on ${c}`, `Backup stale: media volume on ${c}`]));
    expect(stale.sort()).toEqual(expected.sort());
    expect(workflowCommands(r.stdout, 'error').map((e) => e.message).join('\n')).toMatch(/stale or failing backup sets: .*media volume/);
    expect(r.summary).toContain('<h2>Backups</h2>');
  });

  it('apply with a plan-hash that is not the live plan\'s refuses and changes nothing; the reviewed one applies', async () => {
    const c2 = clients().at(-1)!;
    editYaml(copy, `host_vars/${c2}.yml`, (doc) => doc.setIn(['restic_backup_sets', 0, 'tags', 1], 'reviewed'));
    const planned = await step(copy, 'plan', 'push.main');
    expect(planned.code, show(planned)).toBe(0);
    expect(json(planned, 'changed-hosts')).toEqual([c2]);
    const reviewed = planned.outputs['plan-hash']!;

    const before = await Promise.all(allHosts().map(fingerprint));
    const wrong = await step(copy, 'apply', 'push.main', { inputs: { 'plan-hash': firstHash } });
    expect(wrong.code, show(wrong)).toBe(1);
    expect(workflowCommands(wrong.stdout, 'error').map((e) => e.message).join('\n')).toContain(`differs from the reviewed plan-hash ${firstHash}: nothing was applied`);
    expect(wrong.outputs['changed-hosts']).toBeUndefined();
    expect(await Promise.all(allHosts().map(fingerprint))).toEqual(before);
    expect(await sh(c2, 'cat /etc/cron.d/restic-fleet')).not.toContain('reviewed');

    const right = await step(copy, 'apply', 'push.main', { inputs: { 'plan-hash': reviewed } });
    expect(right.code, show(right)).toBe(0);
    expect(json(right, 'changed-hosts')).toEqual([c2]);
    expect(right.outputs['plan-hash']).toBe(reviewed);
    expect(await sh(c2, 'cat /etc/cron.d/restic-fleet')).toContain('--tag app --tag reviewed');
  });
});

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('leak test: canary secrets never leave masked', () => {
  // Characters that URL-encoding, JSON and base64 all change, so each form is distinct.
  const pw = canary('+/:@%&"é');
  const repoPw = canary("+/=?#'");
  const pw2 = canary('/@');
  const repoPw2 = canary('%2F');
  const runs: Array<{ name: string; run: ActionRun }> = [];
  let copy: InventoryCopy;
  let bad = '';
  const envWith = (client: string, repo: string) => ({ VAULT_RESTIC_CLIENT_PASSWORD: client, VAULT_RESTIC_SERVER_PASSWORD: client, VAULT_RESTIC_REPO_PASSWORD: repo });
  const record = async (name: string, p: Promise<ActionRun>): Promise<ActionRun> => {
    const run = await p;
    runs.push({ name, run });
    return run;
  };

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
    bad = clients().at(-1)!;
    const port = await closedPort();
    editYaml(copy, `host_vars/${bad}.yml`, (doc) => doc.set('ansible_port', port));
    commitBase(copy); // a host that is down, not one the pull request moves (that one is not contacted at all)
  });
  afterAll(async () => {
    await resetLab(); // the hosts must not keep the canary passwords for later tests
  });

  it('plan, apply, snapshots, failing plans and a restore dry run with canary secrets', async () => {
    const good = clients().filter((c) => c !== bad);
    const env = envWith(pw, repoPw);
    // A PR plan on fresh hosts; one host unreachable.
    const plan = await record('plan', step(copy, 'plan', 'pull_request.opened', { env, patchEvent: (p) => (p.pull_request.number = 77) }));
    expect(plan.code, show(plan)).toBe(1);
    expect(json(plan, 'failed-hosts')).toEqual([bad]);
    expect(fake.comments('acme', 'infra', 77)).toHaveLength(1);
    expect(fake.comments('acme', 'infra', 77)[0]!.body).toMatch(new RegExp(`❌ \`${bad.replace(/\./g, '\\.')}\` \\(client\\) \\*\\*failed\\*\\*`));

    // Apply with the canaries: the reachable hosts converge; the unreachable one fails.
    const apply = await record('apply', step(copy, 'apply', 'push.main', { env }));
    expect(apply.code, show(apply)).toBe(1);
    expect((json(apply, 'changed-hosts') as string[]).sort()).toEqual([SERVER, ...good].sort());
    expect(json(apply, 'failed-hosts')).toEqual([bad]);
    const c1 = good[0]!;
    const job = /^0 1 \* \* \* root (.*--set app-volume .*?) >>/m.exec(await sh(c1, 'cat /etc/cron.d/restic-fleet'))![1]!;
    expect((await hostExec(c1, job, { timeoutSeconds: 180 })).code).toBe(0);

    const snapshots = await record('snapshots', step(copy, 'snapshots', 'push.main', { env }));
    const report = json(snapshots, 'snapshots') as { hosts: Array<{ host: string; status?: string; sets: Array<{ setId: string; latest?: unknown }> }> };
    expect(report.hosts.find((h) => h.host === c1)!.sets.find((s) => s.setId === 'app volume')!.latest).toBeDefined();
    expect(report.hosts.find((h) => h.host === bad)!.status).toBe('failed');

    // Error paths on reachable hosts: new passwords the server does not have yet (401) and a wrong repository password.
    const wrong = await record('plan-wrong-passwords', step(copy, 'plan', 'pull_request.synchronize', { env: envWith(pw2, repoPw2), patchEvent: (p) => (p.pull_request.number = 77) }));
    expect(wrong.code, show(wrong)).toBe(1);
    const wrongHash = await record('apply-wrong-hash', step(copy, 'apply', 'push.main', { env, inputs: { 'plan-hash': 'f'.repeat(64) } }));
    expect(wrongHash.code).toBe(1);

    // A restore dry run (workflow_dispatch; the workflow maps its inputs to the step's `with:`).
    const dispatch = loadEvent('workflow_dispatch').inputs as Record<string, string>;
    const restore = await record(
      'restore-dry-run',
      step(copy, 'restore', 'workflow_dispatch', { env, inputs: { host: c1, set: dispatch.set!, snapshot: dispatch.snapshot!, target: dispatch.target!, 'dry-run': dispatch['dry-run']! } }),
    );
    expect(restore.outputs.restore, show(restore)).toBeDefined();

    // An apply whose repository password is not the repository's: restic's own error text reaches the report.
    const wrongRepo = await record('apply-wrong-repo-password', step(copy, 'apply', 'push.main', { env: envWith(pw, repoPw2) }));
    expect(wrongRepo.code, show(wrongRepo)).toBe(1);
    expect(json(wrongRepo, 'failed-hosts')).toContain(c1);
    expect(workflowCommands(wrongRepo.stdout, 'error').map((e) => e.message).join('\n')).toMatch(/wrong password/);

    // Every secret was registered with the runner before use …
    const key = readFileSync(labState().keyPath, 'utf8');
    const secrets = { 'client/server password': pw, 'repo password': repoPw, 'second password': pw2, 'second repo password': repoPw2, 'ssh key': key, 'http credentials': `admin:${encodeURIComponent(pw)}` };
    const masks = runs.flatMap(({ run }) => workflowCommands(run.stdout, 'add-mask').map((c) => c.message));
    for (const v of [pw, repoPw, pw2, repoPw2]) expect(masks).toContain(v);
    expect(masks).toContain(key.trim()); // getInput trims
    // … and is nowhere but in ::add-mask:: lines: not in logs, summaries, outputs, nor anything sent to the API.
    const texts: Record<string, string> = {};
    for (const { name, run } of runs) {
      texts[`${name} stdout`] = withoutMaskLines(run.stdout);
      texts[`${name} stderr`] = run.stderr;
      texts[`${name} summary`] = run.summary;
      texts[`${name} outputs`] = run.outputsFile;
    }
    fake.requests.forEach((q, i) => (texts[`API request ${i} ${q.method} ${q.path}`] = `${q.path}?${new URLSearchParams(q.query)}\n${q.rawBody}`));
    for (const c of fake.comments('acme', 'infra', 77)) texts[`comment ${c.id}`] = c.body;
    expect(findLeaks(texts, secrets)).toEqual([]);
    // The texts checked are not empty: the runs did report (failures included).
    expect(texts['plan-wrong-passwords stdout']).toMatch(/FAILED|failed/);
    expect(texts['apply summary']).toContain('<h2>Backups</h2>');
  }, 900_000); // seven runs; with the suite's 10 clients each apply takes longer
});
