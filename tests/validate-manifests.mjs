// Validates Kubernetes manifests (YAML files, or "-" for standard input) against the Kubernetes API's own schemas and
// those of the CRDs the chart and its examples use, offline: every object is built as its kubernetes-models class
// and checked with that class's JSON schema. Exits 1 on the first file with any error, after reporting all of them.
//
//   node tests/validate-manifests.mjs rendered.yaml helm/examples/bot-pool/bot.yaml …
//
// An object of an API group no package here covers is an error, not a skip: a manifest nobody checked must not pass.
// Like the API server's OpenAPI schemas these do not reject unknown fields; the chart tests check the fields the chart
// renders.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// API group → the package whose models cover it ("" is the core group, apiVersion "v1").
const packagesByGroup = {
  "": "kubernetes-models",
  apps: "kubernetes-models",
  autoscaling: "kubernetes-models",
  batch: "kubernetes-models",
  policy: "kubernetes-models",
  "networking.k8s.io": "kubernetes-models",
  "rbac.authorization.k8s.io": "kubernetes-models",
  "discovery.k8s.io": "kubernetes-models",
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

async function modelOf(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const [group, version] = slash < 0 ? ["", apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  const pkg = packagesByGroup[group];
  if (!pkg) {
    throw new Error(`no schema for API group "${group}" (${apiVersion}); add its package to tests/package.json`);
  }

  const path = group === "" ? `${pkg}/${version}/${kind}` : `${pkg}/${group}/${version}/${kind}`;
  try {
    return (await import(path))[kind];
  } catch (error) {
    if (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      throw new Error(`no schema for ${apiVersion} ${kind} in ${pkg}`);
    }
    throw error;
  }
}

async function validateFile(file) {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  const errors = [];
  let count = 0;
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const where = `${file} document ${index + 1}`;
    if (document.errors.length > 0) {
      errors.push(`${where}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }

    const object = document.toJS();
    if (object === null || object === undefined) {
      continue; // an empty document (a template that rendered nothing)
    }

    const name = `${object.kind ?? "?"} ${object.metadata?.namespace ? object.metadata.namespace + "/" : ""}${object.metadata?.name ?? "?"}`;
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string" || typeof object.metadata?.name !== "string") {
      errors.push(`${where}: ${name}: apiVersion, kind and metadata.name are required`);
      continue;
    }

    try {
      const Model = await modelOf(object.apiVersion, object.kind);
      new Model(object).validate();
      count++;
    } catch (error) {
      errors.push(`${where}: ${object.apiVersion} ${name}: ${error.message}`);
    }
  }

  return { count, errors };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node tests/validate-manifests.mjs FILE... (- for standard input)");
  process.exit(2);
}

let failed = false;
for (const file of files) {
  const { count, errors } = await validateFile(file);
  for (const error of errors) {
    console.error(error);
  }
  failed ||= errors.length > 0;
  console.log(`${errors.length === 0 ? "valid" : "INVALID"}: ${file} (${count} objects valid, ${errors.length} errors)`);
}

process.exit(failed ? 1 : 0);
