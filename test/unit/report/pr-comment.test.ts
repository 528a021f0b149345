import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/plan/types.js';
import { MAX_COMMENT_CHARS, PLAN_COMMENT_MARKER, renderPlanComment } from '../../../src/report/pr-comment.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { bigPlan, destructiveChange, firstConverge, noChanges, offlineAddClient, serverDown } from '../../fixtures/report/plans.js';
import { splitMarkdown } from './markdown-code.js';

const runUrl = 'https://github.com/acme/infra/actions/runs/123456789';

afterEach(() => clearSecretRegistryForTests());

describe('renderPlanComment: content', () => {
  it('starts with the hidden marker and ends with the plan hash', () => {
    const body = renderPlanComment(firstConverge, { runUrl });
    expect(body.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    expect(body).toContain(`Plan hash: \`${firstConverge.hash}\``);
    expect(body.trimEnd().endsWith('pass `plan-hash` with this value.')).toBe(true);
    expect(body).toContain(`[workflow run](${runUrl})`);
  });

  it('summarises host states', () => {
    expect(renderPlanComment(destructiveChange)).toContain('**hosts: 2 changed / 1 unchanged / 0 failed / 0 skipped** · 4 changes (3 destructive)');
    expect(renderPlanComment(serverDown)).toContain('**hosts: 0 changed / 1 unchanged / 1 failed / 2 skipped** · 0 changes');
    expect(renderPlanComment(noChanges)).toContain('**hosts: 0 changed / 2 unchanged / 0 failed / 0 skipped**');
  });

  it('warns loudly about destructive changes, and only then', () => {
    const body = renderPlanComment(destructiveChange);
    const caution = body.slice(body.indexOf('> [!CAUTION]'));
    expect(body).toContain('> **3 destructive changes**: review before merging.');
    const block = caution.split('\n\n')[0]!;
    expect(block).toContain('recreates container restic01');
    expect(block).toContain('removes backup set "postgres volume"');
    expect(block).toContain('removes htpasswd user bob');
    expect(block).toContain('`server.example.com`');
    // The caution block comes before the per-host details.
    expect(body.indexOf('[!CAUTION]')).toBeLessThan(body.indexOf('<details>'));
    expect(renderPlanComment(firstConverge)).not.toContain('[!CAUTION]');
  });

  it('shows one collapsible section per changed host with before → after', () => {
    const body = renderPlanComment(destructiveChange);
    expect(body.match(/<details>/g)).toHaveLength(2);
    expect(body).toContain('<details><summary>🟡 <code>server.example.com</code> (server) — 3 changes, <b>2 destructive</b></summary>');
    const { blocks } = splitMarkdown(body);
    const cron = blocks.find((b) => b.includes('odoo-volume'))!;
    expect(cron).toContain('- 0 1 * * * root /usr/local/lib/restic-fleet/run backup postgres-volume');
    expect(cron).toContain('+ 30 2 * * * root /usr/local/lib/restic-fleet/run backup odoo-volume');
    expect(body).toContain('```diff');
    // Short single-line values inline: `before` → `after`.
    expect(body).toContain('`bridge` → `bridge (internal)`');
    // Unchanged hosts are named, not expanded.
    expect(body).toContain('✅ **No changes** on 1 host: `client02.example.com`');
    // Host warnings are shown.
    expect(body).toContain('⚠️ restic\\_server\\_image restic/rest-server:0.12.1 is newer');
  });

  it('lists failed and skipped hosts first, with their reasons', () => {
    const body = renderPlanComment(serverDown);
    expect(body).toContain('- ❌ `server.example.com` (server) **failed**: connect ETIMEDOUT 10.0.0.5:22 after 15s');
    expect(body).toContain('- ⏭️ `client01.example.com` (client) **skipped**: its repository server server.example.com failed');
    expect(body.indexOf('❌')).toBeLessThan(body.indexOf('✅ **No changes**'));
  });

  it('says clearly when live state was not read, and what the diff is against', () => {
    const note = "No SSH key was available, so live hosts were not read: this diff is the pull request's desired state against the base branch main (4f2c1a9).";
    const body = renderPlanComment(offlineAddClient, { offlineNote: note });
    expect(body).toContain('### restic-fleet plan (offline)');
    expect(body).toContain('> [!WARNING]\n> **Offline plan: live state was not read.**\n> No SSH key was available, so live hosts were not read: this diff');
    expect(body).toContain('against the base branch main (4f2c1a9).');
    expect(body.indexOf('live state was not read')).toBeLessThan(body.indexOf('<details>'));
    expect(renderPlanComment(offlineAddClient)).toContain("with the desired state rendered from the base branch's inventory");
    expect(renderPlanComment(firstConverge)).not.toContain('live state was not read');
  });

  it('leaves the marker out for the job summary', () => {
    expect(renderPlanComment(firstConverge, { marker: false })).not.toContain(PLAN_COMMENT_MARKER);
  });
});

const hostile: Plan = {
  version: 1,
  offline: false,
  hash: 'sha256:abc',
  hosts: [
    {
      host: 'web01.example.com',
      roles: ['client'],
      status: 'ok',
      warnings: ['see [this](https://evil.example/x) and ping @org/admins about GH-7'],
      changes: [
        {
          id: 'file:/etc/x',
          kind: 'file',
          action: 'update',
          summary: 'update <script>alert(1)</script> for @octocat, fixes #42 & more | *bold* $x$',
          before: 'line one\n````\n</details>\n<img src=x onerror=alert(1)>\n@octocat #42\n',
          after: 'line one\n`````` six\n</details>\n@octocat #43\n',
          destructive: 'drops <b>everything</b> @here',
        },
      ],
    },
    { host: 'db01.example.com', roles: [], status: 'failed', reason: 'sshd said: <h1>nope</h1>\n\n## not a heading @root #1', changes: [], warnings: [] },
  ],
};

describe('renderPlanComment: escaping', () => {
  const body = renderPlanComment(hostile, { runUrl });
  const md = splitMarkdown(body);

  it('has no raw HTML from remote text outside code', () => {
    expect(md.unclosed).toBe(false);
    expect(md.prose).not.toMatch(/<script|<img|<b>everything|<h1>/);
    expect(md.prose).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md.prose).toContain('drops &lt;b&gt;everything&lt;/b&gt;');
    // Our own tags only: details/summary/code/b, balanced.
    const tags = [...md.prose.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]);
    expect(new Set(tags)).toEqual(new Set(['details', 'summary', 'code', 'b']));
    expect(md.prose.match(/<details>/g)!.length).toBe(md.prose.match(/<\/details>/g)!.length);
  });

  it('keeps code inside fences longer than any backtick run', () => {
    const block = md.blocks.find((b) => b.includes('</details>'))!;
    expect(block).toContain('- ````');
    expect(block).toContain('+ `````` six');
    expect(block).toContain('- <img src=x onerror=alert(1)>');
    expect(body).toContain('```````diff\n'); // seven: longer than the six inside
  });

  it('pings nobody and references no issue', () => {
    const visible = md.prose; // code blocks and spans do not link mentions
    expect(visible).not.toMatch(/@[A-Za-z0-9]/);
    expect(visible).not.toMatch(/#\d/);
    expect(visible).not.toMatch(/GH-\d/);
    expect(visible).not.toMatch(/https?:\/\/evil/);
    expect(visible).toContain('@\u200docto');
    expect(visible).toContain('#\u200d42');
  });

  it('neutralises markdown syntax in remote text', () => {
    expect(md.prose).toContain('\\[this\\]');
    expect(md.prose).toContain('\\*bold\\*');
    expect(md.prose).toContain('\\$x\\$');
    expect(md.prose).toContain('\\|');
    // A blank line in a reason cannot start new markdown blocks.
    expect(md.prose).not.toMatch(/^## not a heading/m);
  });
});

describe('renderPlanComment: size', () => {
  it('truncates visibly at the limit, naming every host it cut', () => {
    const plan = bigPlan(300, 40);
    const body = renderPlanComment(plan, { runUrl });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain("**Truncated to stay under GitHub's comment size limit.** The full plan is in the [job summary of this run](" + runUrl + ')');
    const detailed = [...body.matchAll(/<summary>🟡 <code>([^<]+)<\/code>/g)].map((m) => m[1]!);
    const cutLine = body.split('\n').find((l) => l.startsWith('> - Left out entirely'))!;
    const count = Number(/\((\d+)\)/.exec(cutLine)![1]);
    expect(detailed.length).toBeGreaterThan(10);
    expect(detailed.length + count).toBe(300);
    // The first cut hosts are named; the rest counted.
    expect(cutLine).toContain(`\`${plan.hosts[detailed.length]!.host}\``);
    expect(cutLine).toContain(`… and ${count - 50} more`);
    // Counts and hash are complete even when details are cut.
    expect(body).toContain('**hosts: 300 changed / 0 unchanged');
    expect(body).toContain(plan.hash);
    expect(splitMarkdown(body).unclosed).toBe(false);
  });

  it('shows a host too large for the comment without before → after, and says so', () => {
    const plan = bigPlan(2, 2500);
    const body = renderPlanComment(plan, { runUrl });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body).toContain('> - Shown without before → after (2): `client001.example.com`, `client002.example.com`');
    expect(body).toContain('*(before → after left out to fit the comment)*');
  });

  it('does not truncate what fits', () => {
    const body = renderPlanComment(bigPlan(5, 10));
    expect(body).not.toContain('Truncated');
    expect(body.match(/<details>/g)).toHaveLength(5);
  });
});

describe('renderPlanComment: redaction', () => {
  it('redacts registered secrets and their base64 and URL-encoded forms everywhere', () => {
    const raw = 'Tr0ub4dor&3/horse+battery@staple';
    new Secret(raw, 'env VAULT_RESTIC_REPO_PASSWORD');
    const b64 = Buffer.from(raw).toString('base64').replace(/=+$/, '');
    const url = encodeURIComponent(raw);
    const plan: Plan = {
      ...firstConverge,
      offline: true,
      hosts: [
        {
          host: 'client.example.com',
          roles: ['client'],
          status: 'ok',
          warnings: [`password ${raw} is weak`],
          changes: [
            {
              id: 'x',
              kind: 'file',
              action: 'update',
              summary: `update repo rest:http://admin:${url}@server.example.com:8080/backup`,
              before: `RESTIC_PASSWORD=${raw}\nAuthorization: Basic ${b64}\n`,
              after: `RESTIC_PASSWORD=***\n`,
              destructive: `rotates ${raw}`,
            },
          ],
        },
        { host: 'server.example.com', roles: ['server'], status: 'failed', reason: `login failed for ${raw}`, changes: [], warnings: [] },
      ],
    };
    const body = renderPlanComment(plan, { offlineNote: `base with ${raw}` });
    for (const form of [raw, b64, url, 'Tr0ub4dor&amp;3', 'horse+battery@\u200dstaple', 'Tr0ub4dor']) expect(body).not.toContain(form);
    // The rest of the text survives.
    expect(body).toContain('\n  RESTIC_PASSWORD=***\n- Authorization: Basic ***\n');
    expect(body).toContain('**failed**: login failed for \\*\\*\\*');
  });

  it('redacts a multi-line secret before diffing splits it', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1\n-----END OPENSSH PRIVATE KEY-----';
    new Secret(key, 'input ssh-private-key');
    const plan: Plan = {
      ...firstConverge,
      hosts: [{ host: 'h', roles: [], status: 'ok', warnings: [], changes: [{ id: 'k', kind: 'file', action: 'update', summary: 'update key', before: `x\n${key}\ny`, after: 'x\ny' }] }],
    };
    const body = renderPlanComment(plan);
    expect(body).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmU');
    expect(body).toContain('- ***');
  });
});
