/**
 * The workflows users copy: every ```yaml block of README.md and docs/*.md that is a
 * workflow (has `jobs:`) or a list of steps (a snippet), and every file in
 * .github/workflows/. Snippets are wrapped into a one-job workflow so they lint and run
 * like the rest.
 *
 * Also: the script-injection check (no `${{ }}` of inputs/outputs/event text inside a
 * `run:` script) and a small evaluator for the `${{ }}` of a step's `with:` and `env:`,
 * which throws on anything it does not know (a test must not skip what it cannot read).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: unknown;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}

export interface Workflow {
  name?: string;
  on?: unknown;
  jobs: Record<string, { steps?: Step[]; env?: Record<string, unknown>; strategy?: { matrix?: Record<string, unknown> } }>;
  env?: Record<string, unknown>;
}

export interface WorkflowBlock {
  /** e.g. `README.md:208` or `.github/workflows/ci.yml`. */
  where: string;
  /** The YAML that is linted (a snippet wrapped into a workflow). */
  text: string;
  workflow: Workflow;
  snippet: boolean;
}

/** The events a workflow runs on (a snippet: none declared). */
export function triggers(wf: Workflow): string[] {
  const on = wf.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (on && typeof on === 'object') return Object.keys(on);
  return [];
}

/** `workflow_dispatch` inputs as declared. */
export function dispatchInputs(wf: Workflow): Record<string, { default?: unknown; type?: string; required?: boolean }> {
  const on = wf.on as { workflow_dispatch?: { inputs?: Record<string, { default?: unknown; type?: string; required?: boolean }> } } | undefined;
  return (on && typeof on === 'object' && !Array.isArray(on) && on.workflow_dispatch?.inputs) || {};
}

function markdownBlocks(file: string, rel: string): WorkflowBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: WorkflowBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    const text = lines.slice(start, end).join('\n');
    i = end;
    const doc: unknown = parse(text);
    const where = `${rel}:${start}`;
    if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'jobs' in doc) {
      out.push({ where, text, workflow: doc as Workflow, snippet: false });
    } else if (Array.isArray(doc) && doc.some((s) => s && typeof s === 'object' && ('uses' in s || 'run' in s))) {
      // A list of steps: into a job after a checkout, as a user would put it.
      const workflow: Workflow = {
        name: `snippet ${where}`,
        on: { pull_request: {}, workflow_dispatch: {} },
        jobs: { snippet: { 'runs-on': 'ubuntu-latest', steps: [{ uses: 'actions/checkout@v5' }, ...(doc as Step[])] } as Workflow['jobs'][string] },
      };
      out.push({ where, text: stringify(workflow), workflow, snippet: true });
    }
  }
  return out;
}

export function workflowBlocks(root: string): WorkflowBlock[] {
  const docs = path.join(root, 'docs');
  const markdown = ['README.md', ...(existsSync(docs) ? readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])];
  const blocks = markdown.flatMap((rel) => markdownBlocks(path.join(root, rel), rel));
  const wfDir = path.join(root, '.github/workflows');
  for (const f of existsSync(wfDir) ? readdirSync(wfDir).filter((f) => /\.ya?ml$/.test(f)).sort() : []) {
    const text = readFileSync(path.join(wfDir, f), 'utf8');
    blocks.push({ where: `.github/workflows/${f}`, text, workflow: parse(text) as Workflow, snippet: false });
  }
  return blocks;
}

export const allSteps = (wf: Workflow): Array<{ job: string; index: number; step: Step }> =>
  Object.entries(wf.jobs).flatMap(([job, j]) => (j.steps ?? []).map((step, index) => ({ job, index, step })));

/**
 * `${{ }}` in a run: script is pasted into the script before the shell sees it: text from an
 * input, an output or the event (titles, branch names) can then run commands. Only env: may
 * carry them (the script reads "$VAR").
 */
const UNTRUSTED = /\b(?:inputs\.|github\.event\.|github\.head_ref\b|steps\.[\w-]+\.outputs\b|needs\.[\w-]+\.outputs\b)/;

export function runInterpolations(wf: Workflow): string[] {
  const bad: string[] = [];
  for (const { job, index, step } of allSteps(wf)) {
    if (typeof step.run !== 'string') continue;
    for (const m of step.run.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
      if (UNTRUSTED.test(m[1]!)) bad.push(`jobs.${job}.steps[${index}] run: \${{${m[1]}}}`);
    }
  }
  return bad;
}

export interface ExprContext {
  secrets: (name: string) => string;
  vars: (name: string) => string;
  /** workflow_dispatch: the declared inputs' values; other events (undefined): every input is "". */
  inputs?: Record<string, string>;
  prNumber?: number;
  /** A matrix job: the values of its first combination, and that job's index (0). */
  matrix?: Record<string, string>;
}

/** Evaluates the `${{ }}` a step's `with:`/`env:` use in these workflows; throws on anything else. */
export function evaluate(value: unknown, ctx: ExprContext, where: string): string {
  if (typeof value !== 'string') return String(value);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_all, raw: string) => {
    const expr = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^secrets\.([A-Za-z_][\w]*)$/.exec(expr))) return ctx.secrets(m[1]!);
    if ((m = /^vars\.([A-Za-z_][\w]*)$/.exec(expr))) return ctx.vars(m[1]!);
    if ((m = /^(?:inputs|github\.event\.inputs)\.([\w-]+)$/.exec(expr))) {
      if (!ctx.inputs) return '';
      const v = ctx.inputs[m[1]!];
      if (v === undefined) throw new Error(`${where}: \${{ ${expr} }} names an input the workflow does not declare`);
      return v;
    }
    if (expr === 'github.event.pull_request.number' && ctx.prNumber !== undefined) return String(ctx.prNumber);
    if ((m = /^matrix\.([\w-]+)$/.exec(expr)) && ctx.matrix?.[m[1]!] !== undefined) return ctx.matrix[m[1]!]!;
    if (expr === 'strategy.job-index' && ctx.matrix) return '0';
    throw new Error(`${where}: the workflow test cannot evaluate \${{ ${expr} }}: teach test/support/workflows.ts, do not skip it`);
  });
}
