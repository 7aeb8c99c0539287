'use strict';
// Triage one disagreement: node tests/diff/triage.js $BUILD/diff/failures/case-N
// Prints stsctl's answer and iam-simulate's statement-level analysis for the case.
process.env.TZ = 'UTC';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { loadIamSimulate, toSimulation } = require('./iamsim');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node triage.js FAILURE-DIR');
  process.exit(2);
}
const BUILD = path.resolve(process.env.BUILD || 'build');
const c = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
const { sim } = loadIamSimulate(BUILD);

console.log(`case ${c.id}: ${c.action} on ${c.resource} by ${c.principal}${c.cliPrincipal ? '' : ' (no --principal)'}`);
console.log('context:', JSON.stringify(c.context));
try {
  const out = execFileSync('sh', [path.join(dir, 'cmd.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  console.log('stsctl:', out.trim().replace(/\n/g, ' | '));
} catch (e) {
  console.log(`stsctl (exit ${e.status}):`, String(e.stdout).trim().replace(/\n/g, ' | '), String(e.stderr).trim());
}

function showAnalysis(label, a) {
  if (!a) return;
  console.log(`  ${label}: ${a.result}`);
  for (const kind of ['allowStatements', 'denyStatements']) {
    for (const s of a[kind] || []) {
      const e = s.explain || {};
      const stmt = s.statement;
      const where = stmt && stmt.path ? stmt.path() : e.identifier;
      const pol = s.policyId || (stmt && stmt.policy && stmt.policy.name ? stmt.policy.name() : '');
      console.log(`    ${kind === 'allowStatements' ? 'ALLOW' : 'DENY '} ${pol} ${where}`);
      for (const cnd of e.conditions || []) console.log('      cond', JSON.stringify(cnd));
    }
  }
}

(async () => {
  const res = await sim.runSimulation(toSimulation(c), { simulationMode: 'Strict' });
  if (res.resultType === 'error') {
    console.log('iam-simulate error:', JSON.stringify(res.errors));
    return;
  }
  console.log('iam-simulate:', res.overallResult);
  const an = res.result ? res.result.analysis : res.results[0] && res.results[0].analysis;
  if (!an) return;
  showAnalysis('identity', an.identityAnalysis);
  showAnalysis('session', an.sessionAnalysis);
  showAnalysis('boundary', an.permissionBoundaryAnalysis);
  if (process.argv.includes('--json')) console.log(JSON.stringify(an, null, 1));
})();
