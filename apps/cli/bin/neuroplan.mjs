#!/usr/bin/env node
// The workspace is TypeScript source: tsx compiles it on the fly (cached), so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
