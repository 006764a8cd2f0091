// Validates every document of the multi-document YAML files given as arguments against its
// kind's schema: Kubernetes' own (kubernetes-models), Strimzi's, KEDA's and the Prometheus
// Operator's CRDs. A document whose apiVersion and kind no schema here describes is an error too,
// so nothing goes unchecked. Prints one line per problem and a count; exits 1 on any problem.
//   node validate.mjs rendered.yaml [more.yaml...]
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const PACKAGES = [
  "kubernetes-models",
  "@kubernetes-models/strimzi-kafka-operator",
  "@kubernetes-models/keda",
  "@kubernetes-models/prometheus-operator",
];

async function modelOf(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const paths = group === null
    ? [`kubernetes-models/${version}/${kind}`]
    : PACKAGES.map((p) => `${p}/${group}/${version}/${kind}`);
  for (const path of paths) {
    try {
      const module = await import(path);
      if (module[kind]) {
        return module[kind];
      }
    } catch (e) {
      if (e.code !== "ERR_MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") {
        throw e;
      }
    }
  }
  return null;
}

let checked = 0;
const problems = [];
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const manifest = doc.toJS();
    if (manifest === null) {
      continue;
    }
    const name = `${file}: ${manifest.kind} ${manifest.metadata?.name}`;
    if (!manifest.apiVersion || !manifest.kind) {
      problems.push(`${name}: no apiVersion or kind`);
      continue;
    }
    const Model = await modelOf(manifest.apiVersion, manifest.kind);
    if (Model === null) {
      problems.push(`${name}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
      continue;
    }
    try {
      new Model(manifest).validate();
      checked++;
    } catch (e) {
      problems.push(`${name}: ${e.message}`);
    }
  }
}
for (const p of problems) {
  console.log(p);
}
console.log(`${checked} valid, ${problems.length} invalid`);
process.exit(problems.length === 0 ? 0 : 1);
