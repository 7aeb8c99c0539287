'use strict';
// Loads @cloud-copilot/iam-simulate (AGPL, test-time only) from $BUILD/iamsim and
// evaluates one case through its public JS API (runSimulation).  Nothing of the
// package is copied into the project; it is installed by install-iamsim.sh.
const path = require('path');
const { createRequire } = require('module');

function loadIamSimulate(buildDir) {
  const base = path.resolve(buildDir, 'iamsim', 'node_modules') + path.sep;
  const req = createRequire(base);
  const sim = req('@cloud-copilot/iam-simulate');
  const fs = require('fs');
  const version = JSON.parse(
    fs.readFileSync(path.join(base, '@cloud-copilot', 'iam-simulate', 'package.json'), 'utf8')).version;
  return { sim, version };
}

const WORDS = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

function accountOf(arn) {
  const p = String(arn).split(':');
  return p.length > 4 && /^\d{12}$/.test(p[4]) ? p[4] : '123456789012';
}

// A case: {identity:[doc], session:[doc]|null, boundary:doc|null, principal,
//          action, resource, context:{key: string|string[]}}
// Several session documents act as one session policy (the union of their
// statements), so they are merged into one document for iam-simulate.
function mergeSession(docs) {
  if (!docs || docs.length === 0) return undefined;
  if (docs.length === 1) return docs[0];
  const st = [];
  for (const d of docs) st.push(...[].concat(d.Statement));
  const merged = { Statement: st };
  if (docs[0].Version !== undefined) merged.Version = docs[0].Version;
  return merged;
}

function toSimulation(c) {
  const simulation = {
    identityPolicies: c.identity.map((doc, i) => ({ name: `identity${i + 1}.json`, policy: doc })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: c.principal,
      action: c.action,
      // Same-account request: the resource is owned by the caller's account, so
      // identity policies alone decide (no resource/trust policy in our model).
      resource: { resource: c.resource, accountId: accountOf(c.principal) },
      contextVariables: c.context || {},
    },
  };
  const session = mergeSession(c.session);
  if (session) simulation.sessionPolicy = session;
  if (c.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary.json', policy: c.boundary }];
  return simulation;
}

// Returns {decision: 'allowed'|'implicitDeny'|'explicitDeny'} or {error: string}
async function evaluate(sim, c) {
  let res;
  try {
    res = await sim.runSimulation(toSimulation(c), { simulationMode: 'Strict' });
  } catch (e) {
    return { error: 'exception: ' + (e && e.message) };
  }
  if (res.resultType === 'error') {
    return { error: res.errors.message, details: res.errors };
  }
  const out = { decision: WORDS[res.overallResult] || String(res.overallResult) };
  if (res.resultType === 'single' && res.result.ignoredContextKeys && res.result.ignoredContextKeys.length) {
    out.ignoredContextKeys = res.result.ignoredContextKeys;
  }
  return out;
}

module.exports = { loadIamSimulate, evaluate, toSimulation, mergeSession, WORDS };
