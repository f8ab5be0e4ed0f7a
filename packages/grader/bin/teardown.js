#!/usr/bin/env node
import { loadCli } from './cli-module.js';

loadCli(new URL('../dist/', import.meta.url))
  .then((cli) => cli.main(process.argv))
  .catch((e) => {
    console.error(e?.stack ?? String(e));
    process.exit(2);
  });
