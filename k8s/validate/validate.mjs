// Validates Kubernetes manifests offline against the Kubernetes API schemas shipped in kubernetes-models.
// Usage: node validate.mjs DIR [--json]   (every *.yaml in DIR; --json prints the parsed documents on success)
// Exits 1 naming the file, document and field of the first problem of each document.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const [dir, flag] = process.argv.slice(2);
if (!dir) {
  console.error("usage: node validate.mjs DIR [--json]");
  process.exit(2);
}

const documents = [];
const problems = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
  const parsed = parseAllDocuments(readFileSync(join(dir, file), "utf8"));
  for (const [index, doc] of parsed.entries()) {
    const where = `${file} (document ${index + 1})`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: YAML error: ${doc.errors[0].message}`);
      continue;
    }
    const object = doc.toJS();
    if (object === null) continue;
    const { apiVersion, kind } = object;
    if (!apiVersion || !kind) {
      problems.push(`${where}: apiVersion and kind are required`);
      continue;
    }
    const group = apiVersion.includes("/") ? apiVersion : `v1`;
    let Model;
    try {
      Model = (await import(`kubernetes-models/${group}/${kind}`))[kind];
    } catch {
      problems.push(`${where}: unknown resource ${apiVersion} ${kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      documents.push({ file, ...object });
    } catch (error) {
      problems.push(`${where}: ${kind} ${object.metadata?.name ?? ""}: ${error.message}`);
    }
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
if (flag === "--json") {
  console.log(JSON.stringify(documents));
} else {
  console.log(`${documents.length} manifests valid`);
}
