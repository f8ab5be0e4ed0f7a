#!/usr/bin/env node
import { cliModuleUrl } from './cli-module.js';

import(cliModuleUrl(new URL('../dist/', import.meta.url)).href)
  .then((m) => m.main(process.argv))
  .catch((e) => {
    console.error(e?.stack ?? String(e));
    process.exit(2);
  });
