// Loaded into the renderer (node --import) by `opsverify report`.
//
// Allure marks a failed result "flaky" when an earlier run of it passed (its "classic" guess from history). A
// verifier's outcomes change with the target between deploys, not by chance: a column dropped after a green
// deploy is a failure, and "Flaky" beside it invites an auditor to discount it. Only a result that says so
// itself (none of opsverify's do) is flaky here.
import { registerHooks } from "node:module";

const GUESS = "/@allurereport/core/dist/utils/flaky.js";

registerHooks({
  load(url, context, nextLoad) {
    if (url.endsWith(GUESS)) {
      return { format: "module", source: "export const isFlaky = (tr) => tr.flaky === true;\n", shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
