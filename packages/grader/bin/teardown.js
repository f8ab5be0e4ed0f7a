#!/usr/bin/env -S node --v8-pool-size=1
// Node's options: src/node-options.ts (CLI_NODE_OPTIONS), which says why.
import { loadCli } from './cli-module.js';

loadCli(new URL('../dist/', import.meta.url))
  .then((cli) => cli.main(process.argv).then(cli.exitWhenFlushed))
  .catch((e) => {
    console.error(e?.stack ?? String(e));
    process.exit(2);
  });
