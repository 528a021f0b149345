// The action's entry point: only calls run(), like actions/typescript-action.
import { run } from './main.js';

void run();
