// The VS Code client: starts `scendsl lsp` over stdio for .scn files.
// Plain JavaScript, no build step; `npm install` in this folder brings vscode-languageclient.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client = null;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("scendsl");
  // Run from the workspace folder, so that a relative command (.venv/bin/scendsl) and the
  // server's relative paths mean what they mean on the command line.
  const folders = vscode.workspace.workspaceFolders;
  const cwd = folders && folders.length ? folders[0].uri.fsPath : undefined;
  const expand = (text) => (cwd ? text.split("${workspaceFolder}").join(cwd) : text);
  const command = expand(config.get("server.command", "scendsl"));
  const args = config.get("server.args", ["lsp"]).map(expand);
  return { command, args, transport: TransportKind.stdio, options: { cwd } };
}

async function start(context) {
  if (!vscode.workspace.getConfiguration("scendsl").get("server.enabled", true)) {
    return;
  }
  client = new LanguageClient(
    "scendsl",
    "scendsl language server",
    serverOptions(),
    {
      documentSelector: [{ scheme: "file", language: "scendsl" }],
      synchronize: {
        // Imported files and catalog edits change the diagnostics of the files that use them.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/*.scn"),
      },
    }
  );
  try {
    await client.start();
  } catch (error) {
    client = null;
    vscode.window.showErrorMessage(
      `scendsl: could not start the language server (${error.message || error}). ` +
        "Install scendsl with its language-server extra, or set scendsl.server.command."
    );
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = null;
    await running.stop();
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("scendsl.restartServer", async () => {
      await stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("scendsl.server")) {
        await stop();
        await start(context);
      }
    })
  );
  await start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
