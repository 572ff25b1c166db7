#!/usr/bin/env node
// package.json's engines field already says Node >= 20: skip oclif's check (it loads semver on every start).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
const {execute} = await import('@oclif/core');

await execute({dir: import.meta.url});
