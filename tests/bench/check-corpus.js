'use strict';
// Sanity check of a benchmark corpus: every request through iam-simulate (and, when
// STSCTL or $BUILD/stsctl exists, through `stsctl simulate` too), printing the
// allowed/denied split and any request where the two disagree.
//   BUILD=build node tests/bench/check-corpus.js tests/bench/corpus-seed.json [-v]
// Exit 0 when all is consistent, 1 on a disagreement, 2 on usage/setup errors.
process.env.TZ = 'UTC';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { loadIamSimulate, evaluate } = require('../diff/iamsim');

const file = process.argv[2];
const verbose = process.argv.includes('-v');
if (!file) {
  console.error('usage: node check-corpus.js CORPUS.json [-v]');
  process.exit(2);
}
const BUILD = path.resolve(process.env.BUILD || 'build');
const STSCTL = path.resolve(process.env.STSCTL || path.join(BUILD, 'stsctl'));
const corpus = JSON.parse(fs.readFileSync(file, 'utf8'));

(async () => {
  const { sim, version } = loadIamSimulate(BUILD);
  const haveStsctl = fs.existsSync(STSCTL);
  let dir;
  const policyArgs = [];
  if (haveStsctl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    corpus.policies.forEach((p, i) => {
      const f = path.join(dir, `${String(i).padStart(4, '0')}-${path.basename(p.name)}`);
      fs.writeFileSync(f, JSON.stringify(p.document));
      policyArgs.push('--policy', f);
    });
  }
  const counts = { allowed: 0, explicitDeny: 0, implicitDeny: 0 };
  let disagree = 0;
  let errors = 0;
  for (const [i, r] of corpus.requests.entries()) {
    const c = { identity: corpus.policies.map((p) => p.document), principal: r.principal, action: r.action, resource: r.resource, context: r.context || {} };
    const res = await evaluate(sim, c);
    if (res.error) {
      errors++;
      console.log(`request ${i}: iam-simulate error ${res.error} ${JSON.stringify(res.details || '')}`);
      continue;
    }
    if (res.ignoredContextKeys) console.log(`request ${i}: iam-simulate ignores context keys ${res.ignoredContextKeys}`);
    counts[res.decision]++;
    let ours = '';
    if (haveStsctl) {
      const args = ['simulate', ...policyArgs, '--action', r.action, '--resource', r.resource];
      for (const [k, v] of Object.entries(c.context)) {
        if (Array.isArray(v)) {
          if (!v.length) args.push('--context', `${k}[]`);
          for (const x of v) args.push('--context', `${k}[]=${x}`);
        } else args.push('--context', `${k}=${v}`);
      }
      try {
        ours = execFileSync(STSCTL, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        ours = e.status === 2 ? 'invalid: ' + String(e.stderr).trim() : String(e.stdout);
      }
      ours = ours.split('\n')[0];
      if (ours !== res.decision) {
        disagree++;
        console.log(`request ${i}: ${r.action} ${r.resource}: iam-simulate=${res.decision} stsctl=${ours}`);
      }
    }
    if (verbose) console.log(`${String(i).padStart(3)} ${res.decision.padEnd(13)} ${r.action} ${r.resource}`);
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const stmts = corpus.policies.reduce((n, p) => n + [].concat(p.document.Statement).length, 0);
  console.log(`corpus ${file}: ${corpus.policies.length} policies, ${stmts} statements, ${corpus.requests.length} requests`);
  console.log(`iam-simulate ${version}: allowed ${counts.allowed}, explicitDeny ${counts.explicitDeny}, implicitDeny ${counts.implicitDeny}${errors ? `, errors ${errors}` : ''}`);
  if (haveStsctl) console.log(`stsctl: ${disagree} disagreement(s)`);
  process.exit(disagree || errors ? 1 : 0);
})();
