#!/usr/bin/env node
import('../dist/cli.js').then((m) => m.main(process.argv)).catch((e) => {
  console.error(e?.stack ?? String(e));
  process.exit(2);
});
