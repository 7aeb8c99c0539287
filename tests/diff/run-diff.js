'use strict';
// Differential test: random policy/request pairs through `stsctl simulate` and through
// @cloud-copilot/iam-simulate (installed at test time into $BUILD/iamsim).
//
// env: BUILD (default build), DIFF_CASES (3000), DIFF_SEED (20240101), DIFF_JOBS (2),
//      STSCTL (default $BUILD/stsctl), DIFF_SHOW (disagreements printed, 5),
//      DIFF_ORACLE_ONLY=1 (only run iam-simulate and print its decision counts).
process.env.TZ = 'UTC'; // iam-simulate parses dates with Date.parse

const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const { loadIamSimulate, evaluate } = require('./iamsim');
const { generate } = require('./gen');
const deviationFns = require('./deviations');

const BUILD = path.resolve(process.env.BUILD || 'build');
const N = Number(process.env.DIFF_CASES || 3000);
const SEED = Number(process.env.DIFF_SEED || 20240101);
const JOBS = Math.max(1, Number(process.env.DIFF_JOBS || 2));
const STSCTL = path.resolve(process.env.STSCTL || path.join(BUILD, 'stsctl'));
const SHOW = Number(process.env.DIFF_SHOW || 5);
const ORACLE_ONLY = process.env.DIFF_ORACLE_ONLY === '1';
const OUT = path.join(BUILD, 'diff');
const KNOWN = JSON.parse(fs.readFileSync(path.join(__dirname, 'known-deviations.json'), 'utf8')).rules;
const WORDS = new Set(['allowed', 'explicitDeny', 'implicitDeny']);

for (const r of KNOWN) {
  if (typeof deviationFns[r.function] !== 'function') {
    console.error(`diff: known-deviations.json rule ${r.id} names unknown function ${r.function}`);
    process.exit(1);
  }
}

function rmrf(p) {
  fs.rmSync(p, { recursive: true, force: true });
}

// ---------------------------------------------------------------- stsctl side
function writeCaseFiles(dir, c) {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.unlinkSync(path.join(dir, f));
  const args = ['simulate'];
  c.identity.forEach((d, i) => {
    const f = path.join(dir, `identity${i + 1}.json`);
    fs.writeFileSync(f, JSON.stringify(d, null, 1));
    args.push('--policy', f);
  });
  (c.session || []).forEach((d, i) => {
    const f = path.join(dir, `session${i + 1}.json`);
    fs.writeFileSync(f, JSON.stringify(d, null, 1));
    args.push('--session-policy', f);
  });
  if (c.boundary) {
    const f = path.join(dir, 'boundary.json');
    fs.writeFileSync(f, JSON.stringify(c.boundary, null, 1));
    args.push('--boundary', f);
  }
  args.push('--action', c.action, '--resource', c.resource);
  if (c.cliPrincipal) args.push('--principal', c.principal);
  for (const [k, v] of Object.entries(c.context)) {
    if (Array.isArray(v)) {
      if (v.length === 0) args.push('--context', `${k}[]`);
      for (const x of v) args.push('--context', `${k}[]=${x}`);
    } else args.push('--context', `${k}=${v}`);
  }
  return args;
}

function shellQuote(a) {
  return /^[A-Za-z0-9_\-./:=@,+]+$/.test(a) ? a : "'" + a.replace(/'/g, "'\\''") + "'";
}

function runStsctl(args) {
  return new Promise((resolve) => {
    execFile(STSCTL, args, { timeout: 20000, maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      let code = 0;
      let spawnError = '';
      if (err) {
        code = typeof err.code === 'number' ? err.code : -1;
        if (typeof err.code === 'string') spawnError = `, ${err.code}`;
      }
      const first = String(stdout).split('\n')[0].trim();
      let word;
      if (code === 2) word = 'invalid';
      else if (WORDS.has(first) && (code === 0) === (first === 'allowed') && (code === 0 || code === 1)) word = first;
      else word = `contract-violation(exit=${code}, first line=${JSON.stringify(first)}${spawnError}${err && err.killed ? ', timeout' : ''})`;
      resolve({ word, code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

// ---------------------------------------------------------------- classification
async function oracle(sim, c) {
  const r = await evaluate(sim, c);
  return r.error ? 'error:' + r.error : r.decision;
}

async function explain(sim, c, ours, simDecision) {
  const applicable = [];
  for (const rule of KNOWN) {
    const res = deviationFns[rule.function](c);
    if (res) applicable.push({ rule, res });
  }
  if (!applicable.length) return null;
  for (const { rule, res } of applicable) {
    let d = res.case ? await oracle(sim, res.case) : simDecision;
    if (res.adjust) d = res.adjust(d);
    if (d === ours) return [rule.id];
  }
  if (applicable.length > 1) {
    let cur = c;
    const adjusts = [];
    const used = [];
    for (const rule of KNOWN) {
      const res = deviationFns[rule.function](cur);
      if (!res) continue;
      used.push(rule.id);
      if (res.case) cur = res.case;
      if (res.adjust) adjusts.push(res.adjust);
    }
    let d = await oracle(sim, cur);
    for (const a of adjusts) d = a(d);
    if (d === ours) return used;
  }
  return null;
}

// ---------------------------------------------------------------- main
async function main() {
  let sim, version;
  try {
    ({ sim, version } = loadIamSimulate(BUILD));
  } catch (e) {
    console.log(`diff: 0 passed, 0 failed, 1 skipped (iam-simulate could not be loaded: ${e.message})`);
    return 0;
  }
  if (!ORACLE_ONLY && !fs.existsSync(STSCTL)) {
    console.log(`diff: stsctl not found at ${STSCTL} (build it first: make tools)`);
    console.log('diff: 0 passed, 1 failed');
    return 1;
  }
  fs.mkdirSync(OUT, { recursive: true });
  console.log(`diff: iam-simulate ${version}, ${N} cases, seed ${SEED}, stsctl ${ORACLE_ONLY ? '(not run)' : STSCTL}`);

  const t0 = Date.now();
  const cases = generate(N, SEED);
  // 1. the oracle.  Context keys iam-simulate does not know for the action are dropped
  //    by it (treated as absent); drop them for both sides so that they agree on the input.
  for (const c of cases) {
    let r = await evaluate(sim, c);
    if (r.ignoredContextKeys) {
      for (const k of r.ignoredContextKeys) delete c.context[k];
      r = await evaluate(sim, c);
    }
    c.sim = r.error ? 'error:' + r.error : r.decision;
    if (r.error) c.simError = r.details || r.error;
  }
  const tOracle = Date.now() - t0;
  if (ORACLE_ONLY) {
    const counts = {};
    for (const c of cases) counts[c.sim] = (counts[c.sim] || 0) + 1;
    console.log(`diff: iam-simulate decisions ${JSON.stringify(counts)} in ${tOracle} ms`);
    return 0;
  }

  // 2. stsctl, with a small pool of concurrent processes
  let next = 0;
  async function worker(w) {
    const dir = path.join(OUT, `w${w}`);
    while (next < cases.length) {
      const c = cases[next++];
      const args = writeCaseFiles(dir, c);
      c.args = args;
      c.ours = await runStsctl(args);
    }
    rmrf(dir);
  }
  await Promise.all(Array.from({ length: JOBS }, (_, i) => worker(i)));
  const tOurs = Date.now() - t0 - tOracle;

  // 3. compare
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let explainedTotal = 0;
  const explainedBy = {};
  const failures = [];
  const skips = {};
  const explainedLog = [];
  for (const c of cases) {
    const ours = c.ours.word;
    if (c.sim.startsWith('error:')) {
      if (c.sim === 'error:policy.errors' && ours === 'invalid') passed++;
      else {
        skipped++;
        skips[c.sim] = (skips[c.sim] || 0) + 1;
      }
      continue;
    }
    if (ours === c.sim) {
      passed++;
      continue;
    }
    const why = WORDS.has(ours) ? await explain(sim, c, ours, c.sim) : null;
    if (why) {
      passed++;
      explainedTotal++;
      for (const id of why) explainedBy[id] = (explainedBy[id] || 0) + 1;
      explainedLog.push({ id: c.id, rules: why, stsctl: ours, iamSimulate: c.sim });
      continue;
    }
    failed++;
    failures.push(c);
  }

  // 4. report
  const logFile = path.join(OUT, 'diff.log');
  const failDir = path.join(OUT, 'failures');
  rmrf(failDir);
  const lines = [];
  lines.push(`# differential test: iam-simulate ${version}, ${N} cases, seed ${SEED}`);
  lines.push(`# ${failures.length} unexplained disagreement(s); each case's files are under ${failDir}/case-ID/ with cmd.sh`);
  for (const c of failures) {
    const dir = path.join(failDir, `case-${c.id}`);
    const args = writeCaseFiles(dir, c);
    fs.writeFileSync(path.join(dir, 'case.json'), JSON.stringify(c, null, 1));
    fs.writeFileSync(path.join(dir, 'cmd.sh'), '#!/bin/sh\n' + [STSCTL, ...args].map(shellQuote).join(' ') + '\n', { mode: 0o755 });
    const record = {
      id: c.id, stsctl: c.ours.word, iamSimulate: c.sim,
      request: { principal: c.principal, cliPrincipal: c.cliPrincipal, action: c.action, resource: c.resource, context: c.context },
      identity: c.identity, session: c.session, boundary: c.boundary,
      stsctlStdout: c.ours.stdout, stsctlStderr: c.ours.stderr,
    };
    lines.push(`\n## case ${c.id}: stsctl=${c.ours.word} iam-simulate=${c.sim}`);
    lines.push([STSCTL, ...args].map(shellQuote).join(' '));
    lines.push(JSON.stringify(record, null, 1));
  }
  fs.writeFileSync(logFile, lines.join('\n') + '\n');
  fs.writeFileSync(path.join(OUT, 'explained.log'), explainedLog.map((e) => JSON.stringify(e)).join('\n') + '\n');

  for (const c of failures.slice(0, SHOW)) {
    const ctx = Object.entries(c.context).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    console.log(`diff: DISAGREE case ${c.id}: stsctl=${c.ours.word} iam-simulate=${c.sim}`);
    console.log(`        ${c.action} on ${c.resource} by ${c.principal}${c.cliPrincipal ? '' : ' (no --principal)'}`);
    console.log(`        policies: ${c.identity.length} identity${c.session ? `, ${c.session.length} session` : ''}${c.boundary ? ', boundary' : ''}; context: ${ctx}`);
    if (c.ours.stderr.trim()) console.log(`        stsctl stderr: ${c.ours.stderr.trim().split('\n')[0]}`);
    console.log(`        reproduce: sh ${path.join(failDir, `case-${c.id}`, 'cmd.sh')}`);
  }
  if (failures.length > SHOW) console.log(`diff: ... ${failures.length - SHOW} more; all in ${logFile}`);
  else if (failures.length) console.log(`diff: details in ${logFile}`);
  for (const [k, v] of Object.entries(skips)) console.log(`diff: skipped ${v} case(s): iam-simulate ${k}`);
  for (const rule of KNOWN) if (explainedBy[rule.id]) console.log(`diff:   ${rule.id}: ${explainedBy[rule.id]}`);
  console.log(`diff: timing: iam-simulate ${tOracle} ms, stsctl ${tOurs} ms (${JOBS} jobs)`);
  console.log(`explained by known deviations: ${explainedTotal}`);
  console.log(`diff: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e && e.stack ? e.stack : e);
  console.log('diff: 0 passed, 1 failed');
  process.exit(1);
});
