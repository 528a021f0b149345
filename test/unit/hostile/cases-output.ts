// Placeholder: the output-escaping, secret-forms and host-name cases (issue 12 items 1, 4, 6)
// are written on another branch, in this same format; its file replaces this one at merge.
import type { HostileCase } from './case.js';

export const outputCases: HostileCase[] = [];
