import * as github from '@actions/github';
import { upsertStickyComment, resolveCommentAuthor } from './sticky-comment.js';
import { PLAN_COMMENT_MARKER, renderPlanComment } from '../report/pr-comment.js';
import type { Plan } from '../plan/types.js';
import type { Secret } from '../secret.js';

export interface PullRequestInfo {
  number: number;
  baseSha?: string;
  baseRef?: string;
}

export function pullRequest(): PullRequestInfo | undefined {
  const pr = github.context.payload.pull_request as { number: number; base?: { sha?: string; ref?: string } } | undefined;
  return pr ? { number: pr.number, baseSha: pr.base?.sha, baseRef: pr.base?.ref } : undefined;
}

/**
 * A pull request from another repository (a fork): GitHub gives its runs no secrets, so
 * every `${{ secrets.X }}` is "" there.
 */
export function isForkPullRequest(): boolean {
  const p = github.context.payload as { pull_request?: { head?: { repo?: { full_name?: string } | null } }; repository?: { full_name?: string } };
  const head = p.pull_request?.head?.repo?.full_name;
  return p.pull_request !== undefined && head !== p.repository?.full_name;
}

export function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

export async function commentPlan(token: Secret, pr: PullRequestInfo, plan: Plan, offlineNote?: string): Promise<string> {
  const octokit = github.getOctokit(token.reveal());
  const { owner, repo } = github.context.repo;
  const body = renderPlanComment(plan, { runUrl: runUrl(), offlineNote });
  const authorLogin = await resolveCommentAuthor(octokit);
  const r = await upsertStickyComment(octokit, { owner, repo, issueNumber: pr.number, body, marker: PLAN_COMMENT_MARKER, authorLogin });
  return `${r.action} plan comment ${r.url ?? `#${r.id}`}`;
}
