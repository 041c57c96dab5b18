#!/usr/bin/env node
"use strict";
// The CLI runs from its TypeScript source through ts-node, transpile-only: the type check is `npm run typecheck`.
const path = require("node:path");

require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.json") });
require("../src/cli/main");
