/** Node entry: initialise the parser from the installed wasm files. */
import { createRequire } from 'node:module';
import { initParser } from './lang/parser.js';

const require = createRequire(import.meta.url);

/** Load tree-sitter and the C grammar from node_modules (once per process). */
export async function initNodeParser(): Promise<void> {
  await initParser({
    treeSitterWasm: require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
    cGrammarWasm: require.resolve('tree-sitter-c/tree-sitter-c.wasm'),
  });
}

export * from './index.js';
