#!/usr/bin/env node
'use strict';
// Writes a deterministic benchmark corpus with 10,000 seed-style statements, in the format
// of corpus-seed.json:
//   {"policies": [{"name", "document"}], "requests": [{"principal", "action", "resource", "context"}]}
// The statements are spread over managed-policy-sized documents (at most ~6,000
// non-whitespace characters each, IAM's limit being 6,144), all attached to one principal.
// usage: node gen-corpus-10k.js OUT.json [STATEMENTS]
const fs = require('fs');

const out = process.argv[2];
if (!out) {
  console.error('usage: node gen-corpus-10k.js OUT.json [STATEMENTS]');
  process.exit(2);
}
const TOTAL = Number(process.argv[3] || 10000);
const MAX_CHARS = 6000;

let seed = 0x5eed10c0;
function rnd() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;

const ACCTS = ['123456789012', '123123123123', '210987654321'];
const TEAMS = ['payments', 'search', 'identity', 'billing', 'catalog', 'checkout', 'ml', 'data', 'infra', 'network',
  'storage', 'mobile', 'web', 'api', 'auth', 'ledger', 'fraud', 'growth', 'ads', 'media', 'support', 'crm', 'erp',
  'hr', 'finance', 'legal', 'security', 'sre', 'qa', 'release', 'docs', 'edge', 'cdn', 'email', 'sms', 'push',
  'maps', 'geo', 'iot', 'video'];
const APPS = ['UpdateAPP', 'Deploy', 'Rollback', 'ReadOnly', 'Migrate', 'Backup', 'Restore', 'Audit', 'Scale', 'Debug'];
const ENVS = ['dev', 'staging', 'prod'];
const FED_PREFIXES = ['Manager', 'Lead', 'Oncall', 'Contractor', 'Auditor', 'Intern', 'Vendor', 'Partner'];

const roles = []; // every role ARN named by an Allow statement
let roleSeq = 0;
function newRole() {
  const team = pick(TEAMS);
  const arn = `arn:aws:iam::${pick(ACCTS)}:role/${team}/${pick(APPS)}-${pick(ENVS)}-${String(roleSeq++).padStart(5, '0')}`;
  roles.push(arn);
  return arn;
}

const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
function condition() {
  return pick([
    () => MFA,
    () => ({ IpAddress: { 'aws:SourceIp': [pick(['10.0.0.0/8', '10.20.0.0/16', '192.168.0.0/16']), '2001:db8::/32'] } }),
    () => ({ StringEquals: { 'aws:PrincipalTag/team': pick(TEAMS) } }),
    () => ({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'cost-center'] } }),
    () => ({ NumericLessThan: { 'aws:MultiFactorAuthAge': String(pick([900, 3600, 43200])) } }),
    () => ({ StringLike: { 'sts:RoleSessionName': '${aws:username}*' } }),
    () => ({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }),
  ])();
}

function statement() {
  const x = rnd();
  if (x < 0.58) {
    const n = chance(0.6) ? 1 : chance(0.6) ? 2 : 3;
    const res = [];
    for (let i = 0; i < n; i++) res.push(newRole());
    return { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: n === 1 ? res[0] : res };
  }
  if (x < 0.72) {
    return { Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${pick(ACCTS)}:federated-user/${pick(FED_PREFIXES)}-${pick(TEAMS)}-*` };
  }
  if (x < 0.81) {
    return { Effect: 'Allow', Action: chance(0.8) ? 'sts:AssumeRole' : ['sts:AssumeRole', 'sts:TagSession'], Resource: newRole(), Condition: condition() };
  }
  if (x < 0.88) {
    const target = roles.length && chance(0.7) ? pick(roles) : `arn:aws:iam::${pick(ACCTS)}:role/${pick(TEAMS)}/*-prod-*`;
    return {
      Effect: 'Deny', Action: 'sts:AssumeRole', Resource: target,
      Condition: pick([{ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } }]),
    };
  }
  if (x < 0.94) {
    return { Effect: 'Allow', Action: pick(['sts:Assume*', 'sts:AssumeRole']), Resource: `arn:aws:iam::${pick(ACCTS)}:role/${pick(TEAMS)}/${pick(APPS)}-*-ro-*` };
  }
  return pick([
    () => ({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${pick(TEAMS)}-data/home/\${aws:username}/*` }),
    () => ({ Effect: 'Allow', Action: ['iam:ChangePassword', 'iam:GetUser'], Resource: `arn:aws:iam::${ACCTS[0]}:user/\${aws:username}` }),
    () => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${pick(TEAMS)}-data`, Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] } } }),
  ])();
}

// ---- policies
const policies = [];
let current = null;
let sidInPolicy = 0;
function flush() {
  if (current && current.document.Statement.length) policies.push(current);
  current = { name: `group-policy-${String(policies.length + 1).padStart(4, '0')}.json`, document: { Version: '2012-10-17', Statement: [] } };
  sidInPolicy = 0;
}
flush();
for (let i = 0; i < TOTAL; i++) {
  const st = { Sid: `S${sidInPolicy + 1}`, ...statement() };
  current.document.Statement.push(st);
  if (JSON.stringify(current.document).length > MAX_CHARS) {
    current.document.Statement.pop();
    flush();
    st.Sid = 'S1';
    current.document.Statement.push(st);
  }
  sidInPolicy = current.document.Statement.length;
}
flush();

// ---- requests
const P = `arn:aws:iam::${ACCTS[0]}:user/alice`;
const base = () => ({
  'aws:username': 'alice', 'aws:PrincipalArn': P, 'aws:PrincipalAccount': ACCTS[0], 'aws:PrincipalType': 'User',
  'aws:userid': 'AIDAEXAMPLEALICE0001', 'aws:CurrentTime': '2024-06-01T12:00:00Z', 'aws:EpochTime': '1717243200',
  'aws:SourceIp': pick(['10.1.2.3', '10.20.3.4', '203.0.113.9', '2001:db8::7']), 'aws:SecureTransport': 'true',
  ...(chance(0.6) ? { 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': String(pick([60, 1200, 7200])) } : chance(0.5) ? { 'aws:MultiFactorAuthPresent': 'false' } : {}),
  ...(chance(0.4) ? { 'aws:PrincipalTag/team': pick(TEAMS) } : {}),
});
const requests = [];
for (let i = 0; i < 200; i++) {
  const x = rnd();
  let action = 'sts:AssumeRole';
  let resource;
  const ctx = base();
  if (x < 0.5) resource = pick(roles);
  else if (x < 0.7) resource = pick(roles).replace(/-(\d{5})$/, (m, d) => `-${String(Number(d) + 50000)}`); // near miss
  else if (x < 0.85) {
    action = 'sts:GetFederationToken';
    resource = `arn:aws:sts::${pick(ACCTS)}:federated-user/${pick(FED_PREFIXES)}-${pick(TEAMS)}-${pick(['bob', 'ann', 'x1'])}`;
  } else if (x < 0.92) resource = `arn:aws:iam::${pick(ACCTS)}:role/${pick(TEAMS)}/${pick(APPS)}-dev-ro-${i}`;
  else {
    action = pick(['s3:GetObject', 'iam:ChangePassword']);
    resource = action === 's3:GetObject' ? `arn:aws:s3:::${pick(TEAMS)}-data/home/${pick(['alice', 'bob'])}/f.txt` : `arn:aws:iam::${ACCTS[0]}:user/${pick(['alice', 'bob'])}`;
  }
  if (action === 'sts:AssumeRole') ctx['sts:RoleSessionName'] = pick(['alice', 'alice-ci', 'bob']);
  requests.push({ principal: P, action, resource, context: ctx });
}

const corpus = {
  comment: `Generated by tests/bench/gen-corpus-10k.js: ${TOTAL} seed-style statements in ${policies.length} policies of at most ${MAX_CHARS} characters, all attached to one principal.`,
  policies,
  requests,
};
fs.writeFileSync(out, JSON.stringify(corpus));
const stmts = policies.reduce((n, p) => n + p.document.Statement.length, 0);
const maxLen = Math.max(...policies.map((p) => JSON.stringify(p.document).length));
console.error(`gen-corpus-10k: ${out}: ${policies.length} policies, ${stmts} statements (largest ${maxLen} chars), ${requests.length} requests`);
