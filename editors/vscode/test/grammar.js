// Tokenise .scn files with VS Code's own TextMate engine (vscode-textmate on vscode-oniguruma)
// and report every non-blank character no rule of the grammar matched.
// Usage (after `npm install`): node test/grammar.js FILE.scn...   (or: npm test)
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const ROOT_SCOPE = "source.scendsl";
const grammarPath = path.join(__dirname, "..", "syntaxes", "scendsl.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === ROOT_SCOPE
        ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  return registry.loadGrammar(ROOT_SCOPE);
}

function unmatched(grammar, text) {
  const gaps = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((line, number) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      if (token.scopes.length > 1) continue;
      const piece = line.slice(token.startIndex, token.endIndex);
      for (let i = 0; i < piece.length; i++) {
        if (piece[i].trim()) gaps.push(`${number + 1}:${token.startIndex + i + 1}: '${piece[i]}'`);
      }
    }
    state = result.ruleStack;
  });
  return gaps;
}

async function main(files) {
  const grammar = await loadGrammar();
  let failed = 0;
  for (const file of files) {
    const gaps = unmatched(grammar, fs.readFileSync(file, "utf8"));
    if (gaps.length) {
      failed += 1;
      console.log(`${file}: ${gaps.length} unmatched: ${gaps.slice(0, 5).join(", ")}`);
    }
  }
  console.log(`${files.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2));
