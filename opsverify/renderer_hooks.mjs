// Loaded into the renderer (node --import) by `opsverify report`.
//
// Allure marks a failed result "flaky" when an earlier run of it passed (its "classic" guess from history). A
// verifier's outcomes change with the target between deploys, not by chance: a column dropped after a green
// deploy is a failure, and "Flaky" beside it invites an auditor to discount it. Only a result that says so
// itself (none of opsverify's do) is flaky here.
//
// Node 22.15+ takes the hook in this thread (registerHooks); Node 20.6+ in a loader thread (register), which
// loads this same file as its hooks module (marked `?hooks`, so that it registers nothing there).
import * as nodeModule from "node:module";

const GUESS = "/@allurereport/core/dist/utils/flaky.js";
const WITHOUT_GUESS = "export const isFlaky = (tr) => tr.flaky === true;\n";

export function load(url, context, nextLoad) {
  if (url.endsWith(GUESS)) {
    return { format: "module", source: WITHOUT_GUESS, shortCircuit: true };
  }
  return nextLoad(url, context);
}

if (!import.meta.url.endsWith("?hooks")) {
  if (typeof nodeModule.registerHooks === "function") {
    nodeModule.registerHooks({ load });
  } else if (typeof nodeModule.register === "function") {
    nodeModule.register(`${import.meta.url}?hooks`);
  }
}
