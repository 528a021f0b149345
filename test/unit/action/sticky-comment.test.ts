import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../../src/report/pr-comment.js';
import { CommentWriteError, resolveCommentAuthor, upsertStickyComment } from '../../../src/action/sticky-comment.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { FakeGitHub, startFakeGitHub } from '../../support/fake-github.js';

const owner = 'acme';
const repo = 'infra';
const issueNumber = 17;
const marker = PLAN_COMMENT_MARKER;
const BOT = 'github-actions[bot]';

let fake: FakeGitHub;
const octokit = (token = 'ghs_defaulttoken') => getOctokit(token, { baseUrl: fake.url });
const upsert = (body: string, extra: { token?: string; authorLogin?: string } = {}) =>
  upsertStickyComment(octokit(extra.token), { owner, repo, issueNumber, body, marker, authorLogin: extra.authorLogin, retryDelayMs: 10 });
const markerComments = (login = BOT) => fake.comments(owner, repo, issueNumber).filter((c) => c.body.includes(marker) && c.user.login === login);

beforeEach(async () => {
  fake = await startFakeGitHub({ tokenLogins: { ghs_apptoken: 'restic-fleet-app[bot]' } });
});
afterEach(async () => {
  await fake.close();
  clearSecretRegistryForTests();
});

describe('upsertStickyComment', () => {
  it('creates the comment once, then updates it in place', async () => {
    const first = await upsert(`${marker}\nplan v1`);
    expect(first.action).toBe('created');
    expect(markerComments()).toHaveLength(1);
    expect(markerComments()[0]!.body).toBe(`${marker}\nplan v1`);

    const second = await upsert(`${marker}\nplan v2`);
    expect(second).toMatchObject({ action: 'updated', id: first.id, deleted: [] });
    expect(fake.comments(owner, repo, issueNumber)).toHaveLength(1);
    expect(markerComments()[0]!.body).toBe(`${marker}\nplan v2`);
    expect(fake.requestsMatching('PATCH', /\/issues\/comments\/\d+$/).map((r) => r.path)).toEqual([`/repos/${owner}/${repo}/issues/comments/${first.id}`]);

    // Same body again: nothing to send.
    const third = await upsert(`${marker}\nplan v2`);
    expect(third.action).toBe('unchanged');
    expect(fake.requestsMatching('PATCH', /./)).toHaveLength(1);
    expect(fake.requestsMatching('POST', /./)).toHaveLength(1);
  });

  it('puts the marker first when the body lacks it', async () => {
    await upsert('no marker here');
    expect(markerComments()[0]!.body).toBe(`${marker}\nno marker here`);
  });

  it('pages through 250 other comments, finds ours on page 3, leaves another login’s marker comment alone', async () => {
    fake.seed(owner, repo, issueNumber, 120, 'octocat');
    const impostor = fake.addComment(owner, repo, issueNumber, `${marker}\nquoted by a human`, 'mallory');
    fake.seed(owner, repo, issueNumber, 129, 'hubot');
    const ours = fake.addComment(owner, repo, issueNumber, `${marker}\nold plan`, BOT);
    expect(fake.comments(owner, repo, issueNumber).indexOf(ours)).toBe(250); // page 3 at 100 per page

    const result = await upsert(`${marker}\nnew plan`);
    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    const lists = fake.requestsMatching('GET', /\/issues\/17\/comments$/);
    expect(lists.map((r) => [r.path.split('/')[1], r.query.page ?? '1', r.query.per_page])).toEqual([
      ['repos', '1', '100'],
      ['repositories', '2', '100'], // followed the Link header, as GitHub gives it
      ['repositories', '3', '100'],
    ]);
    expect(ours.body).toBe(`${marker}\nnew plan`);
    expect(impostor.body).toBe(`${marker}\nquoted by a human`);
    const touched = fake.requests.filter((r) => r.method !== 'GET').map((r) => r.path);
    expect(touched).toEqual([`/repos/${owner}/${repo}/issues/comments/${ours.id}`]);
    expect(fake.comments(owner, repo, issueNumber)).toHaveLength(251);
  });

  it('leaves one comment when another run created one at the same time', async () => {
    // The other run's comment appears between our list and our create.
    let injected: number | undefined;
    fake.beforeHandle = (req) => {
      if (req.method === 'POST' && injected === undefined) injected = fake.addComment(owner, repo, issueNumber, `${marker}\nother run`, BOT).id;
    };
    const result = await upsert(`${marker}\nthis run`);
    expect(markerComments()).toHaveLength(1);
    expect(markerComments()[0]!.id).toBe(injected); // the oldest is kept...
    expect(markerComments()[0]!.body).toBe(`${marker}\nthis run`); // ...with the newest body
    expect(result.action).toBe('updated');
    expect(result.deleted).toHaveLength(1);
  });

  it('two concurrent runs that both create end with one comment', async () => {
    // Hold both creates until both have arrived: each run listed an empty thread.
    let arrived = 0;
    let release!: () => void;
    const bothCreating = new Promise<void>((r) => (release = r));
    fake.beforeHandle = async (req) => {
      if (req.method !== 'POST') return;
      if (++arrived === 2) release();
      await Promise.race([bothCreating, new Promise((r) => setTimeout(r, 5_000).unref())]);
    };
    const [a, b] = await Promise.all([upsert(`${marker}\nrun A`), upsert(`${marker}\nrun B`)]);
    expect(arrived).toBe(2);
    expect(markerComments()).toHaveLength(1);
    expect(a.id).toBe(b.id);
    expect([`${marker}\nrun A`, `${marker}\nrun B`]).toContain(markerComments()[0]!.body);
  });

  it('learns its login from the create response when the guess was wrong (app token)', async () => {
    const old = fake.addComment(owner, repo, issueNumber, `${marker}\nfrom last week`, 'restic-fleet-app[bot]');
    const result = await upsert(`${marker}\nfresh`, { token: 'ghs_apptoken' });
    expect(result).toMatchObject({ action: 'updated', id: old.id, authorLogin: 'restic-fleet-app[bot]' });
    expect(fake.comments(owner, repo, issueNumber)).toHaveLength(1);
    expect(old.body).toBe(`${marker}\nfresh`);
    // Given the right login, the next run updates directly.
    await upsert(`${marker}\nfresher`, { token: 'ghs_apptoken', authorLogin: result.authorLogin });
    expect(fake.requestsMatching('POST', /./)).toHaveLength(1);
    expect(old.body).toBe(`${marker}\nfresher`);
  });

  it('removes duplicates left by earlier runs', async () => {
    const keep = fake.addComment(owner, repo, issueNumber, `${marker}\na`, BOT);
    const dup = fake.addComment(owner, repo, issueNumber, `${marker}\nb`, BOT);
    const result = await upsert(`${marker}\nc`);
    expect(result).toMatchObject({ action: 'updated', id: keep.id, deleted: [dup.id] });
    expect(fake.comments(owner, repo, issueNumber).map((c) => c.body)).toEqual([`${marker}\nc`]);
  });

  it('redacts the body before sending it', async () => {
    const raw = 'correct-horse-battery-staple';
    new Secret(raw, 'env VAULT_RESTIC_REPO_PASSWORD');
    await upsert(`${marker}\npassword ${raw}, base64 ${Buffer.from(raw).toString('base64')}`);
    await upsert(`${marker}\nagain ${encodeURIComponent(raw)}`);
    const sent = fake.requests.map((r) => r.rawBody).join('\n');
    expect(sent).toContain('password ***');
    expect(sent).not.toContain(raw);
    expect(sent).not.toContain(Buffer.from(raw).toString('base64').replace(/=+$/, ''));
  });

  it('refuses a body GitHub would reject', async () => {
    await expect(upsert('x'.repeat(70_000))).rejects.toThrow(/at most 65536/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('upsertStickyComment when GitHub fails a write', () => {
  const PATCH = /\/issues\/comments\/\d+$/;
  const POST = /\/issues\/17\/comments$/;

  it('a 500 on the update, then success: retried once, updated', async () => {
    const first = await upsert(`${marker}\nplan v1`);
    fake.failNext('PATCH', PATCH, 500);
    const second = await upsert(`${marker}\nplan v2`);
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    expect(fake.requestsMatching('PATCH', PATCH)).toHaveLength(2);
    expect(markerComments().map((c) => c.body)).toEqual([`${marker}\nplan v2`]);
  });

  it('a 500 on the update twice: CommentWriteError, outdated (the old plan is still shown), no third try', async () => {
    const first = await upsert(`${marker}\nplan v1`);
    fake.failNext('PATCH', PATCH, 500, 2);
    const err = (await upsert(`${marker}\nplan v2`).catch((e: unknown) => e)) as CommentWriteError;
    expect(err).toBeInstanceOf(CommentWriteError);
    expect(err.outdated).toBe(true);
    expect(err.url).toBe(first.url);
    expect(err.message).toMatch(/failed twice: HTTP 500 .*then HTTP 500/);
    expect(fake.requestsMatching('PATCH', PATCH)).toHaveLength(2);
    expect(markerComments().map((c) => c.body)).toEqual([`${marker}\nplan v1`]);
  });

  it('listing the comments: a 500 once is retried', async () => {
    const first = await upsert(`${marker}\nplan v1`);
    fake.failNext('GET', POST, 500);
    expect(await upsert(`${marker}\nplan v2`)).toMatchObject({ action: 'updated', id: first.id });
    expect(markerComments().map((c) => c.body)).toEqual([`${marker}\nplan v2`]);
  });

  it('a 403 on the update (a read-only token) is not retried; still outdated', async () => {
    await upsert(`${marker}\nplan v1`);
    fake.failNext('PATCH', PATCH, 403);
    const err = (await upsert(`${marker}\nplan v2`).catch((e: unknown) => e)) as CommentWriteError;
    expect(err).toBeInstanceOf(CommentWriteError);
    expect(err.outdated).toBe(true);
    expect(fake.requestsMatching('PATCH', PATCH)).toHaveLength(1);
  });

  it('creating: a 500 once is retried; twice is an error that is not "outdated" (no comment of ours was there)', async () => {
    fake.failNext('POST', POST, 502);
    expect((await upsert(`${marker}\nplan v1`)).action).toBe('created');
    expect(fake.requestsMatching('POST', POST)).toHaveLength(2);
    expect(markerComments()).toHaveLength(1);

    await fake.close();
    fake = await startFakeGitHub();
    fake.failNext('POST', POST, 500, 2);
    const err = (await upsert(`${marker}\nplan v1`).catch((e: unknown) => e)) as CommentWriteError;
    expect(err).toBeInstanceOf(CommentWriteError);
    expect(err.outdated).toBe(false);
    expect(fake.requestsMatching('POST', POST)).toHaveLength(2);
    expect(markerComments()).toHaveLength(0);
  });
});

describe('resolveCommentAuthor', () => {
  it('falls back to github-actions[bot] when /user is forbidden (GITHUB_TOKEN)', async () => {
    expect(await resolveCommentAuthor(octokit())).toBe(BOT);
  });

  it('uses /user for a personal token', async () => {
    await fake.close();
    fake = await startFakeGitHub({ userLogin: 'release-bot' });
    expect(await resolveCommentAuthor(octokit())).toBe('release-bot');
  });
});
