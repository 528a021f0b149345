/**
 * Test helper: splits markdown into what GitHub renders as prose and what it renders as
 * code, the way CommonMark closes fences (a backtick line at least as long as the opener).
 * Lets tests assert "no raw HTML / @mention outside code" and "this text stayed inside".
 */
export interface MarkdownParts {
  /** Prose, with inline code spans removed. */
  prose: string;
  /** Contents of fenced blocks. */
  blocks: string[];
  /** Contents of inline code spans. */
  spans: string[];
  /** True when a fence was still open at the end. */
  unclosed: boolean;
}

export function splitMarkdown(md: string): MarkdownParts {
  const prose: string[] = [];
  const blocks: string[] = [];
  let open: { len: number; lines: string[] } | undefined;
  for (const line of md.split('\n')) {
    if (open) {
      const close = /^(`{3,})\s*$/.exec(line);
      if (close && close[1]!.length >= open.len) {
        blocks.push(open.lines.join('\n'));
        open = undefined;
      } else open.lines.push(line);
      continue;
    }
    const start = /^(`{3,})[^`]*$/.exec(line);
    if (start) open = { len: start[1]!.length, lines: [] };
    else prose.push(line);
  }
  const spans: string[] = [];
  const text = prose.join('\n').replace(/(`+)(.+?)\1(?!`)/g, (_m, _t: string, inner: string) => {
    spans.push(inner);
    return ' ';
  });
  return { prose: text, blocks, spans, unclosed: open !== undefined };
}
