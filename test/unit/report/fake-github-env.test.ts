// The way the action meets the fake API in black-box runs: GITHUB_API_URL set before
// @actions/github is first imported (it reads the base URL at import), no baseUrl option.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../../src/report/pr-comment.js';
import { upsertStickyComment } from '../../../src/action/sticky-comment.js';
import { FakeGitHub, startFakeGitHub } from '../../support/fake-github.js';

let fake: FakeGitHub;
const saved = process.env.GITHUB_API_URL;

beforeAll(async () => {
  fake = await startFakeGitHub();
  process.env.GITHUB_API_URL = fake.url;
});
afterAll(async () => {
  await fake.close();
  if (saved === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = saved;
});

describe('fake GitHub through GITHUB_API_URL', () => {
  it('serves getOctokit(token) with no other options, pagination included', async () => {
    const { getOctokit } = await import('@actions/github');
    fake.seed('acme', 'infra', 3, 150);
    const octokit = getOctokit('ghs_token');
    const r = await upsertStickyComment(octokit, { owner: 'acme', repo: 'infra', issueNumber: 3, body: 'plan', marker: PLAN_COMMENT_MARKER });
    expect(r.action).toBe('created');
    expect(fake.requests.map((q) => `${q.method} ${q.path}${q.query.page ? `?page=${q.query.page}` : ''}`)).toEqual([
      'GET /repos/acme/infra/issues/3/comments',
      'GET /repositories/700000/issues/3/comments?page=2',
      'POST /repos/acme/infra/issues/3/comments',
      'GET /repos/acme/infra/issues/3/comments',
      'GET /repositories/700000/issues/3/comments?page=2',
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe('token ghs_token');
    const link = await fetch(`${fake.url}/repos/acme/infra/issues/3/comments?per_page=100&page=2`, { headers: { authorization: 'token x' } });
    expect(link.headers.get('link')).toBe(
      `<${fake.url}/repositories/700000/issues/3/comments?per_page=100&page=1>; rel="prev", <${fake.url}/repositories/700000/issues/3/comments?per_page=100&page=1>; rel="first"`,
    );
    expect(((await link.json()) as unknown[]).length).toBe(51);
  });

  it('answers like GitHub on errors', async () => {
    expect((await fetch(`${fake.url}/repos/acme/infra/issues/3/comments`)).status).toBe(401);
    const h = { authorization: 'token x', 'content-type': 'application/json' };
    expect((await fetch(`${fake.url}/repos/acme/infra/issues/comments/1`, { method: 'PATCH', headers: h, body: '{"body":"x"}' })).status).toBe(404);
    expect((await fetch(`${fake.url}/repos/acme/infra/issues/comments/1`, { method: 'DELETE', headers: h })).status).toBe(404);
    expect((await fetch(`${fake.url}/user`, { headers: h })).status).toBe(403);
  });
});
