/**
 * A stand-in for the GitHub REST API's issue comments, on 127.0.0.1 (random port), for
 * unit tests (getOctokit(token, { baseUrl: fake.url })) and black-box runs of dist/index.js
 * (GITHUB_API_URL=fake.url). Behaves like GitHub where our code can tell:
 *  - GET /repos/:o/:r/issues/:n/comments: oldest first, `per_page` (default 30, max 100)
 *    and `page`, `Link` header with prev/next/last/first pointing at
 *    /repositories/:id/issues/:n/comments (served too), as GitHub does;
 *  - POST creates (201), PATCH /repos/:o/:r/issues/comments/:id updates (200), DELETE (204),
 *    404 for unknown ids, 401 without a token;
 *  - comments are authored by the token's login (default `github-actions[bot]`);
 *  - GET /user answers 403 like it does for GITHUB_TOKEN unless `userLogin` is set.
 * Every request is recorded (method, path, query, body) for assertions (e.g. leak tests).
 * `failNext(method, path, status, times)` answers the next matching requests with an error
 * (e.g. a 500 on PATCH) before handling them.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: { login: string; id: number; type: 'Bot' | 'User' };
  created_at: string;
  updated_at: string;
  author_association: string;
  performed_via_github_app: null;
}

export interface RecordedRequest {
  method: string;
  path: string; // without the query
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: unknown; // parsed JSON, or undefined
}

export interface FakeGitHubOptions {
  /** Login for comments created with a token not in `tokenLogins` (default github-actions[bot]). */
  defaultLogin?: string;
  tokenLogins?: Record<string, string>;
  /** Answer GET /user with this login (a personal token); absent: 403 as for GITHUB_TOKEN. */
  userLogin?: string;
}

/** Runs before a request is handled; may await (e.g. a barrier to force a race). */
export type RequestHook = (req: RecordedRequest) => void | Promise<void>;

const BOT_LOGIN = 'github-actions[bot]';

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Set by tests: called before each request is handled. */
  beforeHandle?: RequestHook;
  private readonly failures: Array<{ method: string; path: RegExp; status: number; left: number }> = [];
  private readonly threads = new Map<string, FakeComment[]>(); // "owner/repo#n"
  private readonly repoIds = new Map<string, number>(); // "owner/repo" → id, for Link URLs
  private nextId = 1_000_001;
  private clock = Date.parse('2026-11-01T00:00:00Z');

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly opts: FakeGitHubOptions,
  ) {}

  static async start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    let fake: FakeGitHub | undefined;
    const server = http.createServer((req, res) => {
      void fake!.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(e) }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    fake = new FakeGitHub(server, `http://127.0.0.1:${port}`, opts);
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The comments of a PR/issue, oldest first (a live array: do not mutate). */
  comments(owner: string, repo: string, issueNumber: number): readonly FakeComment[] {
    return this.thread(owner, repo, issueNumber);
  }

  /** Adds a comment as if `login` had written it (seeding, or simulating another run). */
  addComment(owner: string, repo: string, issueNumber: number, body: string, login = BOT_LOGIN): FakeComment {
    const thread = this.thread(owner, repo, issueNumber);
    const id = this.nextId++;
    const now = new Date((this.clock += 1000)).toISOString().replace(/\.\d+Z$/, 'Z');
    const comment: FakeComment = {
      id,
      node_id: `IC_kwDO${id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${issueNumber}#issuecomment-${id}`,
      issue_url: `${this.url}/repos/${owner}/${repo}/issues/${issueNumber}`,
      body,
      user: { login, id: login === BOT_LOGIN ? 41898282 : 1000 + login.length, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: now,
      updated_at: now,
      author_association: login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
      performed_via_github_app: null,
    };
    thread.push(comment);
    return comment;
  }

  /** Seeds `count` unrelated comments (to push ours onto later pages). */
  seed(owner: string, repo: string, issueNumber: number, count: number, login = 'octocat'): void {
    for (let i = 1; i <= count; i++) this.addComment(owner, repo, issueNumber, `Unrelated comment ${i} by @${login}`, login);
  }

  /** The next `times` requests of `method` whose path matches get `status` (nothing is changed). */
  failNext(method: string, path: RegExp, status: number, times = 1): void {
    this.failures.push({ method, path, status, left: times });
  }

  requestsMatching(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path));
  }

  private thread(owner: string, repo: string, n: number): FakeComment[] {
    const key = `${owner}/${repo}#${n}`;
    if (!this.repoIds.has(`${owner}/${repo}`)) this.repoIds.set(`${owner}/${repo}`, 700_000 + this.repoIds.size);
    let t = this.threads.get(key);
    if (!t) this.threads.set(key, (t = []));
    return t;
  }

  private findComment(owner: string, repo: string, id: number): { thread: FakeComment[]; index: number } | undefined {
    for (const [key, thread] of this.threads) {
      if (!key.startsWith(`${owner}/${repo}#`)) continue;
      const index = thread.findIndex((c) => c.id === id);
      if (index >= 0) return { thread, index };
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body,
    };
    this.requests.push(rec);
    if (this.beforeHandle) await this.beforeHandle(rec);

    const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
      const payload = data === undefined ? '' : JSON.stringify(data);
      res.writeHead(status, {
        ...(payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-github-api-version-selected': '2022-11-28',
        ...headers,
      });
      res.end(payload);
    };
    const failure = this.failures.find((f) => f.left > 0 && f.method === rec.method && f.path.test(rec.path));
    if (failure) {
      failure.left--;
      return send(failure.status, { message: failure.status >= 500 ? 'Server Error' : 'Injected failure', status: String(failure.status) });
    }
    const notFound = () => send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });

    const auth = req.headers.authorization ?? '';
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    if (!token) return send(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' });
    const login = this.opts.tokenLogins?.[token] ?? this.opts.defaultLogin ?? BOT_LOGIN;

    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (rec.method === 'GET' && p === '/user') {
      if (!this.opts.userLogin) {
        return send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' });
      }
      return send(200, { login: this.opts.userLogin, id: 4242, type: 'User' });
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(p))) {
      const [, owner, repo, n] = m as unknown as [string, string, string, string];
      if (rec.method === 'GET') return this.list(owner, repo, Number(n), url, send);
      if (rec.method === 'POST') {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string') return send(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
        if (text.length > 65_536) return send(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], status: '422' });
        return send(201, this.addComment(owner, repo, Number(n), text, login));
      }
    }
    if ((m = /^\/repositories\/(\d+)\/issues\/(\d+)\/comments$/.exec(p)) && rec.method === 'GET') {
      const repoKey = [...this.repoIds].find(([, id]) => id === Number(m![1]))?.[0];
      if (!repoKey) return notFound();
      const [owner, repo] = repoKey.split('/') as [string, string];
      return this.list(owner, repo, Number(m[2]), url, send);
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(p))) {
      const [, owner, repo, id] = m as unknown as [string, string, string, string];
      const found = this.findComment(owner, repo, Number(id));
      if (!found) return notFound();
      const comment = found.thread[found.index]!;
      if (rec.method === 'GET') return send(200, comment);
      if (rec.method === 'PATCH') {
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string') return send(422, { message: 'Invalid request.', status: '422' });
        if (text.length > 65_536) return send(422, { message: 'Validation Failed', status: '422' });
        comment.body = text;
        comment.updated_at = new Date((this.clock += 1000)).toISOString().replace(/\.\d+Z$/, 'Z');
        return send(200, comment);
      }
      if (rec.method === 'DELETE') {
        found.thread.splice(found.index, 1);
        return send(204);
      }
    }
    return notFound();
  }

  private list(owner: string, repo: string, n: number, url: URL, send: (s: number, d?: unknown, h?: Record<string, string>) => void): void {
    const thread = this.thread(owner, repo, n);
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(thread.length / perPage));
    const items = thread.slice((page - 1) * perPage, page * perPage);
    // GitHub's Link: rel order prev, next, last, first; URLs use /repositories/:id/...
    const linkTo = (pg: number) => {
      const q = new URLSearchParams(url.searchParams);
      q.set('page', String(pg));
      return `<${this.url}/repositories/${this.repoIds.get(`${owner}/${repo}`)}/issues/${n}/comments?${q.toString()}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${linkTo(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${linkTo(page + 1)}; rel="next"`, `${linkTo(last)}; rel="last"`);
    if (page > 1) links.push(`${linkTo(1)}; rel="first"`);
    send(200, items, links.length ? { link: links.join(', ') } : {});
  }
}

export const startFakeGitHub = (opts?: FakeGitHubOptions): Promise<FakeGitHub> => FakeGitHub.start(opts);
