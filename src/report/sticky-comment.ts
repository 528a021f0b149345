/**
 * One plan comment per pull request, updated in place.
 *
 * Whose comment is ours: the one carrying the marker and written by `authorLogin`. The
 * token cannot tell us its own login (`GET /user` answers 403 for GITHUB_TOKEN and app
 * installation tokens), so the caller passes it — default `github-actions[bot]`, which is
 * right for the default token; `resolveCommentAuthor()` helps with a personal token. When
 * the login is wrong (e.g. an app token, `my-app[bot]`), nothing is found, a comment is
 * created, and the create response tells us who we really are: the clean-up pass below
 * then finds the older comment by that login, keeps it and deletes the new one. So even a
 * wrong guess leaves exactly one comment. `performed_via_github_app` is not used: what it
 * holds for GITHUB_TOKEN comments is not documented, and the login check is enough.
 *
 * Concurrent runs: after creating, list again; if more than one marker comment by our
 * login exists, every run keeps the same one (lowest id = oldest), writes its body there
 * and deletes the others (a 404 means another run deleted it first).
 */
import type { getOctokit } from '@actions/github';
import { redact } from '../secret.js';

export type Octokit = ReturnType<typeof getOctokit>;

export const DEFAULT_COMMENT_AUTHOR = 'github-actions[bot]';
/** GitHub rejects longer comment bodies. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  /** Hidden marker, e.g. `<!-- restic-fleet:plan -->`; put at the start of the body if missing. */
  marker: string;
  /** Login the token comments as (default `github-actions[bot]`). */
  authorLogin?: string;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url?: string;
  /** The login the comment was matched or created under (learned from the create response). */
  authorLogin: string;
  /** Duplicate marker comments removed (left by earlier concurrent runs). */
  deleted: number[];
}

interface CommentLike {
  id: number;
  body?: string | null;
  html_url?: string;
  user?: { login: string } | null;
}

export async function upsertStickyComment(octokit: Octokit, opts: StickyCommentOptions): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber, marker } = opts;
  const redacted = redact(opts.body);
  const body = redacted.includes(marker) ? redacted : `${marker}\n${redacted}`;
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new Error(`comment body has ${body.length} characters; GitHub accepts at most ${GITHUB_COMMENT_LIMIT}`);
  }
  let login = opts.authorLogin ?? DEFAULT_COMMENT_AUTHOR;

  const ours = async (who: string): Promise<CommentLike[]> => {
    const all: CommentLike[] = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 100,
    });
    return all.filter((c) => c.user?.login === who && (c.body ?? '').includes(marker)).sort((a, b) => a.id - b.id);
  };
  const update = async (id: number): Promise<boolean> => {
    try {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return true;
    } catch (e) {
      if (status(e) === 404) return false; // deleted meanwhile by a concurrent run: create instead
      throw e;
    }
  };
  const removeAll = async (comments: CommentLike[]): Promise<number[]> => {
    const deleted: number[] = [];
    for (const c of comments) {
      try {
        await octokit.rest.issues.deleteComment({ owner, repo, comment_id: c.id });
        deleted.push(c.id);
      } catch (e) {
        if (status(e) !== 404) throw e; // 404: a concurrent run deleted it already
      }
    }
    return deleted;
  };

  const existing = await ours(login);
  if (existing.length) {
    const [keep, ...extra] = existing as [CommentLike, ...CommentLike[]];
    const same = keep.body === body;
    if (same || (await update(keep.id))) {
      return { action: same ? 'unchanged' : 'updated', id: keep.id, url: keep.html_url, authorLogin: login, deleted: await removeAll(extra) };
    }
  }

  const { data: created } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  login = created.user?.login ?? login;
  const after = await ours(login);
  const keep = after[0];
  if (!keep || keep.id === created.id) {
    return { action: 'created', id: created.id, url: created.html_url, authorLogin: login, deleted: await removeAll(after.slice(1)) };
  }
  // An older one exists (a concurrent run, or our login guess was wrong): keep the oldest.
  if (keep.body !== body) await update(keep.id);
  return { action: 'updated', id: keep.id, url: keep.html_url, authorLogin: login, deleted: await removeAll(after.slice(1)) };
}

/**
 * The login a personal access token comments as (`GET /user`); `github-actions[bot]` for
 * tokens that cannot read /user (GITHUB_TOKEN, app installation tokens).
 */
export async function resolveCommentAuthor(octokit: Octokit): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch {
    return DEFAULT_COMMENT_AUTHOR;
  }
}

const status = (e: unknown): number | undefined =>
  typeof e === 'object' && e !== null && 'status' in e && typeof (e as { status: unknown }).status === 'number' ? (e as { status: number }).status : undefined;
