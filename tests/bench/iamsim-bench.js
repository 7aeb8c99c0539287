'use strict';
// Decisions per second of @cloud-copilot/iam-simulate (installed at test time into
// $BUILD/iamsim by tests/diff/install-iamsim.sh) on a benchmark corpus, for comparison
// with tests/bench/bench_policy.
//   BUILD=build node tests/bench/iamsim-bench.js CORPUS.json [SECONDS]
// Prints "decisions_per_s=N" (plus an informational line before it).
// The policies are validated once up front (iam-policy's createValidatedPolicy), as the
// C engine compiles them once; each decision then goes through runSimulation, its public
// entry point, one request at a time on one core.
process.env.TZ = 'UTC';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const { loadIamSimulate, toSimulation } = require('../diff/iamsim');

const file = process.argv[2];
const seconds = Number(process.argv[3] || process.env.BENCH_SECONDS || 2.5);
if (!file) {
  console.error('usage: node iamsim-bench.js CORPUS.json [SECONDS]');
  process.exit(2);
}
const BUILD = path.resolve(process.env.BUILD || 'build');

(async () => {
  const { sim, version } = loadIamSimulate(BUILD);
  const iamPolicy = createRequire(path.join(BUILD, 'iamsim', 'node_modules') + path.sep)('@cloud-copilot/iam-policy');
  const corpus = JSON.parse(fs.readFileSync(file, 'utf8'));
  const identity = corpus.policies.map((p) => ({
    name: p.name,
    policy: iamPolicy.createValidatedPolicy(p.document, iamPolicy.validateIdentityPolicy),
  }));
  for (const p of identity) {
    if (p.policy.errors.length) {
      console.error(`iamsim-bench: ${p.name}: ${JSON.stringify(p.policy.errors)}`);
      process.exit(1);
    }
  }
  const sims = corpus.requests.map((r) => {
    const s = toSimulation({ identity: [], principal: r.principal, action: r.action, resource: r.resource, context: r.context || {} });
    s.identityPolicies = identity;
    return s;
  });
  let allowed = 0;
  let errors = 0;
  for (const s of sims) {
    const res = await sim.runSimulation(s, { simulationMode: 'Strict' });
    if (res.resultType === 'error') errors++;
    else if (res.overallResult === 'Allowed') allowed++;
  }
  if (errors) {
    console.error(`iamsim-bench: ${errors} request(s) rejected by iam-simulate`);
    process.exit(1);
  }
  let total = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const s of sims) await sim.runSimulation(s, { simulationMode: 'Strict' });
    total += sims.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < seconds && sims.length);
  console.log(`iam-simulate ${version}: policies=${corpus.policies.length} requests=${sims.length} allowed=${allowed} denied=${sims.length - allowed}`);
  console.log(`decisions_per_s=${Math.round(elapsed > 0 ? total / elapsed : 0)}`);
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
