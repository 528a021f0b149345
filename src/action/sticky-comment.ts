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
 *
 * A failed request that may be passing (5xx, 429, no answer) is retried once.
 * If it still fails, `CommentWriteError.outdated` says whether a comment of ours is left
 * showing another body (the caller fails the run: an outdated plan must not sit under a
 * green check) or none was there (nothing misleading is shown).
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
  /** Wait before the one retry of a failed write (default 1000 ms). */
  retryDelayMs?: number;
}

/** Writing the comment failed twice (or for good). */
export class CommentWriteError extends Error {
  constructor(
    message: string,
    /** A comment of ours still shows an older body (e.g. the previous plan). */
    readonly outdated: boolean,
    readonly url?: string,
  ) {
    super(message);
    this.name = 'CommentWriteError';
  }
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

  const retryDelayMs = opts.retryDelayMs ?? 1000;
  const ours = async (who: string): Promise<CommentLike[]> => {
    const list = (): Promise<CommentLike[]> => octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
    let all: CommentLike[];
    try {
      all = await list();
    } catch (e) {
      if (!transient(e)) throw e;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs)); // reads get the same one retry
      all = await list();
    }
    return all.filter((c) => c.user?.login === who && (c.body ?? '').includes(marker)).sort((a, b) => a.id - b.id);
  };
  /** One retry of a write whose failure may pass; then CommentWriteError. */
  const write = async <T>(what: string, outdated: (e: unknown) => boolean, url: string | undefined, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (first) {
      if (!transient(first)) {
        if (status(first) === 404) throw first;
        throw new CommentWriteError(`${what} failed: ${describe(first)}`, outdated(first), url);
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      try {
        return await call();
      } catch (second) {
        if (status(second) === 404) throw second;
        throw new CommentWriteError(`${what} failed twice: ${describe(first)}; then ${describe(second)}`, outdated(second), url);
      }
    }
  };
  const update = async (c: CommentLike): Promise<boolean> => {
    try {
      await write(`updating comment ${c.id}`, () => true, c.html_url, () => octokit.rest.issues.updateComment({ owner, repo, comment_id: c.id, body }));
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
    if (same || (await update(keep))) {
      return { action: same ? 'unchanged' : 'updated', id: keep.id, url: keep.html_url, authorLogin: login, deleted: await removeAll(extra) };
    }
  }

  const { data: created } = await write('creating the comment', () => false, undefined, () =>
    octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body }),
  );
  login = created.user?.login ?? login;
  const after = await ours(login);
  const keep = after[0];
  if (!keep || keep.id === created.id) {
    return { action: 'created', id: created.id, url: created.html_url, authorLogin: login, deleted: await removeAll(after.slice(1)) };
  }
  // An older one exists (a concurrent run, or our login guess was wrong): keep the oldest.
  // (If that fails, the older one shows another body: CommentWriteError, outdated, before any clean-up.)
  if (keep.body !== body) await update(keep);
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

/** Worth one retry: the server failed (5xx), asked to slow down (429), or did not answer. */
const transient = (e: unknown): boolean => {
  const st = status(e);
  return st === undefined || st >= 500 || st === 429;
};

const describe = (e: unknown): string => {
  const st = status(e);
  const msg = redact(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
  return st === undefined ? msg : `HTTP ${st} (${msg})`;
};
