'use strict';
// Deterministic generator of random policy/request pairs for the differential test.
// Plain JS, no dependencies.  A case is:
//   {id, identity:[doc], session:[doc]|null, boundary:doc|null,
//    principal, cliPrincipal:bool, action, resource, context:{key: string|string[]}}
// Everything is drawn from small, overlapping pools so that conditions, wildcards and
// variables match about half of the time, which is where evaluators disagree.

function rng(seed) {
  // mulberry32
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    // weighted pick: [[weight, value], ...]
    wpick: (pairs) => {
      let total = 0;
      for (const [w] of pairs) total += w;
      let x = next() * total;
      for (const [w, v] of pairs) {
        if ((x -= w) < 0) return v;
      }
      return pairs[pairs.length - 1][1];
    },
    subset: (arr, min = 0, max = arr.length) => {
      const n = r.int(min, Math.min(max, arr.length));
      const copy = arr.slice();
      const out = [];
      for (let i = 0; i < n; i++) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
  return r;
}

const ACCT = '123456789012';
const ACCT2 = '123123123123';

// ---------------------------------------------------------------- principals
const PRINCIPALS = [
  { w: 5, kind: 'user', arn: `arn:aws:iam::${ACCT}:user/alice`, name: 'alice', userid: 'AIDAEXAMPLEALICE0001' },
  { w: 3, kind: 'user', arn: `arn:aws:iam::${ACCT}:user/Manager-Bob`, name: 'Manager-Bob', userid: 'AIDAEXAMPLEBOB000002' },
  { w: 2, kind: 'user', arn: `arn:aws:iam::${ACCT2}:user/dev/carol`, name: 'carol', userid: 'AIDAEXAMPLECAROL0003' },
  { w: 3, kind: 'role', arn: `arn:aws:sts::${ACCT}:assumed-role/Deployer/alice-session`, roleArn: `arn:aws:iam::${ACCT}:role/Deployer`, userid: 'AROAEXAMPLEDEPLOYER1:alice-session' },
  { w: 2, kind: 'federated', arn: `arn:aws:sts::${ACCT}:federated-user/Manager-Bob`, name: 'Manager-Bob', userid: `${ACCT}:Manager-Bob` },
];

// ---------------------------------------------------------------- actions/resources
const ROLE_NAMES = ['UpdateAPP', 'UpdateApp', 'updateapp', 'UpdateAPP-Prod', 'Deploy-Prod', 'Deploy-Dev', 'ReadOnly',
  'Admin', 'app/UpdateAPP', 'service-role/Ops.Team+1', 'Ops@Night', 'a=b,c'];
const FED_NAMES = ['Manager-Bob', 'Manager', 'ManagerX', 'Bob', 'manager-bob', 'Manager.Ann', 'Manager_Z', 'Dev-Bob', 'alice'];
const BUCKETS = ['app-data', 'app-data-prod', 'logs'];
const OBJ_KEYS = ['alice/report.txt', 'bob/x', 'shared/a/b.csv', 'Manager-Bob/notes', 'alice', 'UpdateAPP/cfg.json', 'a:b/c'];
const USER_NAMES = ['alice', 'bob', 'Manager-Bob', 'carol'];

const FAMILIES = {
  role: {
    actions: ['sts:AssumeRole', 'sts:TagSession'],
    resource: (r) => `arn:aws:iam::${r.pick([ACCT, ACCT, ACCT2])}:role/${r.pick(ROLE_NAMES)}`,
  },
  fed: {
    actions: ['sts:GetFederationToken'],
    resource: (r) => `arn:aws:sts::${r.pick([ACCT, ACCT, ACCT2])}:federated-user/${r.pick(FED_NAMES)}`,
  },
  object: {
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    resource: (r) => `arn:aws:s3:::${r.pick(BUCKETS)}/${r.pick(OBJ_KEYS)}`,
  },
  bucket: {
    actions: ['s3:ListBucket'],
    resource: (r) => `arn:aws:s3:::${r.pick(BUCKETS)}`,
  },
  user: {
    actions: ['iam:GetUser', 'iam:CreateAccessKey', 'iam:ChangePassword'],
    resource: (r) => `arn:aws:iam::${r.pick([ACCT, ACCT2])}:user/${r.pick(USER_NAMES)}`,
  },
  star: {
    // wildcard-only action: the request resource is "*" (a literal for stsctl)
    actions: ['sts:GetSessionToken'],
    resource: () => '*',
  },
};
const FAMILY_WEIGHTS = [[34, 'role'], [24, 'fed'], [20, 'object'], [6, 'bucket'], [12, 'user'], [4, 'star']];

// ---------------------------------------------------------------- context keys
// type: the iam-simulate catalogue type (decides string vs list); pools overlap with
// the policy value pools below.
const KEYS = {
  'aws:username': { t: 'S', pool: ['alice', 'bob', 'Manager-Bob', 'UpdateAPP', 'carol', 'Bob*'] },
  'aws:PrincipalTag/team': { t: 'S', pool: ['dev', 'ops', 'Manager', 'DEV', 'Dev Ops', 'UpdateAPP', 'a*b', 'cost$', ''] },
  'aws:RequestTag/env': { t: 'S', pool: ['prod', 'dev', 'Prod', 'x?'] },
  'sts:RoleSessionName': { t: 'S', pool: ['alice', 'bob', 'alice-session'], only: ['sts:AssumeRole'] },
  'aws:userid': { t: 'S', pool: ['AIDAEXAMPLEALICE0001', 'AROAEXAMPLEDEPLOYER1:alice-session', `${ACCT}:Manager-Bob`] },
  'aws:PrincipalType': { t: 'S', pool: ['User', 'AssumedRole', 'FederatedUser'] },
  'aws:SourceVpc': { t: 'S', pool: ['vpc-1111', 'vpc-2222'] },
  'aws:RequestedRegion': { t: 'S', pool: ['us-east-1', 'eu-west-1'] },
  'aws:PrincipalAccount': { t: 'S', pool: [ACCT, ACCT2] },
  'aws:TagKeys': { t: 'L', pool: ['env', 'team', 'owner', 'Env', 'cost-center'] },
  'aws:CalledVia': { t: 'L', pool: ['cloudformation.amazonaws.com', 'athena.amazonaws.com'] },
  'sts:TransitiveTagKeys': { t: 'L', pool: ['env', 'team', 'project'], only: ['sts:AssumeRole'] },
  'aws:PrincipalOrgPaths': { t: 'L', pool: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/', 'o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/'] },
  'aws:MultiFactorAuthAge': { t: 'N', pool: ['0', '30', '3600', '3601', '86400', '12.5', '-1', 'abc'] },
  'aws:TokenIssueTime': { t: 'D', pool: null },
  'aws:MultiFactorAuthPresent': { t: 'B', pool: ['true', 'false', 'true', 'false', 'True', 'maybe'] },
  'aws:SecureTransport': { t: 'B', pool: ['true', 'false'] },
  'aws:ViaAWSService': { t: 'B', pool: ['true', 'false'] },
  'aws:SourceIp': { t: 'I', pool: ['10.1.2.3', '10.200.0.1', '192.168.1.10', '203.0.113.5', '8.8.8.8', '2001:db8::1', '2001:db8:1::abcd', '2001:0db8:0000:0000:0000:0000:0000:0001', 'fe80::1', '::1', '999.1.1.1', 'not-an-ip'] },
  'aws:VpcSourceIp': { t: 'I', pool: ['10.1.2.3', '172.16.5.4', '2001:db8::1'] },
  'aws:PrincipalArn': { t: 'A', pool: [`arn:aws:iam::${ACCT}:user/alice`, `arn:aws:iam::${ACCT}:role/Deployer`, `arn:aws:sts::${ACCT}:federated-user/Manager-Bob`, `arn:aws:iam::${ACCT2}:user/dev/carol`, 'notanarn'] },
  'aws:SourceArn': { t: 'A', pool: ['arn:aws:s3:::app-data', `arn:aws:sns:us-east-1:${ACCT}:alerts`, 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt', 'arn:aws:someservice:us-east-2:111122223333:finance/document.txt'] },
};
// keys that conditions mention but requests never carry (always absent)
const ABSENT_ONLY_KEYS = ['sts:DurationSeconds', 'aws:PrincipalTag/missing', 'aws:SourceIdentity'];

const NOW_EPOCH = 1704067200; // 2024-01-01T00:00:00Z, the "clock" of every generated request
const DATE_POINTS = [1672531200, 1700000000, 1704067200, 1704067199, 1704067201, 1735689600, 1893456000];

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}
function isoFrom(r, epoch, style) {
  const d = new Date(epoch * 1000);
  const Y = d.getUTCFullYear(), M = pad(d.getUTCMonth() + 1), D = pad(d.getUTCDate());
  const h = pad(d.getUTCHours()), m = pad(d.getUTCMinutes()), s = pad(d.getUTCSeconds());
  switch (style) {
    case 'date':
      return `${Y}-${M}-${D}`;
    case 'min':
      return `${Y}-${M}-${D}T${h}:${m}Z`;
    case 'frac':
      return `${Y}-${M}-${D}T${h}:${m}:${s}.000Z`;
    case 'offset': {
      // same instant written with a +02:00 offset
      const e = new Date((epoch + 7200) * 1000);
      return `${e.getUTCFullYear()}-${pad(e.getUTCMonth() + 1)}-${pad(e.getUTCDate())}T${pad(e.getUTCHours())}:${pad(e.getUTCMinutes())}:${pad(e.getUTCSeconds())}+02:00`;
    }
    default:
      return `${Y}-${M}-${D}T${h}:${m}:${s}Z`;
  }
}
function dateValue(r, epochShare) {
  const e = r.pick(DATE_POINTS);
  if (r.chance(epochShare)) return String(e);
  return isoFrom(r, e, r.wpick([[6, 'sec'], [2, 'date'], [1, 'min'], [1, 'frac'], [2, 'offset']]));
}

// ---------------------------------------------------------------- policy values
const VARS = ['${aws:username}', '${aws:PrincipalTag/team}', "${aws:username, 'alice'}",
  "${aws:PrincipalTag/team, 'Manager'}", '${aws:PrincipalTag/missing}', '${AWS:UserName}', '${aws:TagKeys}',
  '${sts:RoleSessionName}', '${aws:userid}'];

function caseVariant(r, s) {
  switch (r.int(0, 2)) {
    case 0:
      return s.toUpperCase();
    case 1:
      return s.toLowerCase();
    default:
      return s.replace(/[a-z]/, (c) => c.toUpperCase());
  }
}

function stringValue(r, key, like) {
  const meta = KEYS[key];
  const pool = meta && meta.pool ? meta.pool : ['x', 'alice', 'dev'];
  return r.wpick([
    [10, () => r.pick(pool)],
    [2, () => caseVariant(r, r.pick(pool))],
    [like ? 4 : 1, () => { const v = r.pick(pool); return v.slice(0, r.int(0, v.length)) + '*'; }],
    [like ? 2 : 0.5, () => { const v = r.pick(pool); const i = r.int(0, Math.max(0, v.length - 1)); return v.slice(0, i) + '?' + v.slice(i + 1); }],
    [like ? 1 : 0.3, () => '*'],
    [3, () => r.pick(VARS)],
    [1, () => r.pick(['team-', 'x-', '']) + r.pick(VARS)],
    [1.2, () => r.pick(['a${*}b', 'Bob${*}', 'x${?}', 'cost${$}'])],
  ])();
}

function arnPatternValue(r) {
  return r.pick([
    'arn:aws:iam::*:user/*', `arn:aws:iam::${ACCT}:user/alice`, 'arn:aws:iam::*:role/Deploy*', `arn:aws:sts::${ACCT}:federated-user/Manager*`,
    `arn:aws:*:*:${ACCT}:*`, 'arn:aws:someservice:*:111122223333:finance/*', 'arn:aws:iam::*:user/${aws:username}',
    'arn:aws:iam::*:user/*/carol', 'arn:aws:s3:::app-*', `arn:aws:sns:*:${ACCT}:*`, 'arn:aws:iam::12345678901?:user/alice',
    'arn:aws:iam::*:USER/*', `arn:aws:iam::${ACCT}:role/\${aws:PrincipalTag/team, 'Deployer'}`,
  ]);
}

const IP_VALUES = ['10.0.0.0/8', '10.1.2.0/24', '10.1.2.3/32', '192.168.0.0/16', '203.0.113.5/32', '203.0.113.5',
  '2001:db8::/32', '2001:db8:1::/48', 'fe80::/10', '::1/128', '2001:db8::1/128', '0.0.0.0/0', '::/0', '2001:db8::1', '10.1.2.3'];

// ---------------------------------------------------------------- conditions
const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];
const NUM_OPS = ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'];
const DATE_OPS = ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'];
const ARN_OPS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'];
const IP_OPS = ['IpAddress', 'NotIpAddress'];

function baseOpFor(r, type) {
  // mostly the natural family, sometimes a string operator on any key
  const natural = {
    S: () => r.pick(STRING_OPS), L: () => r.pick(STRING_OPS), N: () => r.pick(NUM_OPS), D: () => r.pick(DATE_OPS),
    B: () => 'Bool', I: () => r.pick(IP_OPS), A: () => r.chance(0.8) ? r.pick(ARN_OPS) : r.pick(['StringLike', 'StringEquals', 'StringNotLike']),
  }[type];
  if (r.chance(0.06)) return 'Null';
  // (never on date keys: the epoch-milliseconds rewrite needs them read by Date operators only)
  if (r.chance(0.05) && type !== 'S' && type !== 'L' && type !== 'D') return r.pick(STRING_OPS);
  if (r.chance(0.01)) return 'BinaryEquals';
  return natural();
}

function valuesFor(r, base, key) {
  const n = r.wpick([[6, 1], [3, 2], [1, 3]]);
  const out = [];
  for (let i = 0; i < n; i++) {
    if (base === 'Null') out.push(r.wpick([[4, 'true'], [4, 'false'], [1, true], [1, false]]));
    else if (base === 'Bool') {
      out.push(r.wpick([[5, 'true'], [5, 'false'], [1, true], [1, false], [0.4, 'True'], [0.4, '${aws:SecureTransport}'], [0.2, "${aws:SecureTransport, 'true'}"]]));
    } else if (base.startsWith('Numeric')) {
      out.push(r.wpick([[8, () => r.pick(['0', '30', '3600', '3600.0', '-1', '86400', '12.5'])], [1, () => r.pick([3600, 0, 12.5])]])());
    } else if (base.startsWith('Date')) {
      const epochShare = /epochtime/i.test(key) ? 0.7 : 0.25;
      out.push(dateValue(r, epochShare));
    } else if (base.includes('IpAddress')) out.push(r.pick(IP_VALUES));
    else if (base.startsWith('Arn')) out.push(arnPatternValue(r));
    else if (base === 'BinaryEquals') out.push(r.pick(['YWxpY2U=', 'Ym9i']));
    else out.push(stringValue(r, key, base.includes('Like')));
  }
  if (n === 1 && r.chance(0.6)) return out[0];
  return out;
}

function randomKey(r) {
  if (r.chance(0.05)) return r.pick(ABSENT_ONLY_KEYS);
  return r.pick(Object.keys(KEYS));
}
function keySpelling(r, key) {
  if (!r.chance(0.12)) return key;
  return r.pick([key.toLowerCase(), key.toUpperCase(), key.replace(/^aws:/, 'AWS:')]);
}
function typeOfKey(key) {
  const k = Object.keys(KEYS).find((x) => x.toLowerCase() === key.toLowerCase());
  if (k) return KEYS[k].t;
  if (/durationseconds/i.test(key)) return 'N';
  return 'S';
}

function genCondition(r) {
  const cond = {};
  const nOps = r.wpick([[6, 1], [3, 2], [1, 3]]);
  for (let i = 0; i < nOps; i++) {
    const key = randomKey(r);
    const t = typeOfKey(key);
    const base = baseOpFor(r, t);
    let op = base;
    if (base !== 'Null') {
      let qualP = t === 'L' ? 0.85 : 0.1;
      if (r.chance(qualP)) op = r.pick(['ForAnyValue:', 'ForAllValues:']) + op;
      if (r.chance(0.18)) op += 'IfExists';
    }
    if (!cond[op]) cond[op] = {};
    // several keys under one operator sometimes
    const nKeys = r.chance(0.15) ? 2 : 1;
    for (let k = 0; k < nKeys; k++) {
      const kk = k === 0 ? key : randomKey(r);
      const tt = typeOfKey(kk);
      // keep the second key within the operator's family when possible
      if (k > 0 && tt !== t && !(base.startsWith('String') || base === 'Null')) continue;
      const spelled = keySpelling(r, kk);
      if (Object.keys(cond[op]).some((x) => x.toLowerCase() === spelled.toLowerCase())) continue;
      cond[op][spelled] = valuesFor(r, base, kk);
    }
  }
  return cond;
}

// ---------------------------------------------------------------- Action / Resource patterns
function actionPattern(r, reqAction) {
  const [svc, name] = reqAction.split(':');
  return r.wpick([
    [10, () => reqAction],
    [2, () => `${caseVariant(r, svc)}:${caseVariant(r, name)}`],
    [3, () => `${svc}:${name.slice(0, r.int(1, name.length - 1))}*`],
    [2, () => `${svc}:*`],
    [1, () => '*'],
    [1, () => `${svc}:${name.slice(0, -1)}?`],
    [1, () => `${svc}:*${name.slice(-3)}`],
    [4, () => r.pick(['sts:AssumeRole', 'sts:GetFederationToken', 's3:GetObject', 's3:Get*', 's3:*Object', 'iam:*AccessKey*', 'iam:Get*', 'sts:Get*', 'sts:TagSession', 'sts:GetSessionToken', 's3:ListBucket'])],
  ])();
}

function resourcePattern(r, reqResource) {
  if (reqResource === '*' || r.chance(0.08)) return r.chance(0.8) ? '*' : randomResourcePattern(r);
  const parts = reqResource.split(':');
  const head = parts.slice(0, 5).join(':');
  const rest = parts.slice(5).join(':');
  // IAM/STS resources are TYPE/NAME; IAM rejects documents whose resource type is not one
  // of its own (role/, user/, federated-user/, ...), so mutations stay after the type.
  const slash = rest.indexOf('/');
  const type = slash >= 0 && parts[2] !== 's3' ? rest.slice(0, slash + 1) : '';
  const name = rest.slice(type.length);
  const acct = parts[4];
  return r.wpick([
    [10, () => reqResource],
    [5, () => `${head}:${type}${name.slice(0, r.int(0, name.length))}*`],
    [2, () => { const i = r.int(0, name.length - 1); return `${head}:${type}${name.slice(0, i)}?${name.slice(i + 1)}`; }],
    [2, () => acct ? `${parts.slice(0, 4).join(':')}:${r.pick(['*', acct.slice(0, 4) + '*', acct.slice(0, 11) + '?'])}:${rest}` : `${head}:${type}*`],
    [2, () => `${head}:${type}${caseVariant(r, name)}`],
    [3, () => `${head}:${type}${name.replace(/[^/:]*$/, r.pick(VARS.slice(0, 5)))}`],
    [1, () => `${head}:${type}${name.replace(/[^/:]*$/, 'Manager*')}`],
    [1, () => type ? `${head}:${type}*/${name.split('/').pop()}` : `${head}:*/${name.split('/').pop()}`],
    [1, () => `${head}:${type || ''}*`],
  ])();
}

function randomResourcePattern(r) {
  return r.pick([
    `arn:aws:iam::${ACCT2}:role/UpdateAPP`, `arn:aws:iam::${ACCT}:role/UpdateAPP`, `arn:aws:sts::${ACCT}:federated-user/Manager*`,
    'arn:aws:s3:::app-data/*', 'arn:aws:s3:::app-data/${aws:username}/*', `arn:aws:iam::${ACCT}:user/\${aws:username}`,
    'arn:aws:iam::*:role/Deploy-*', `arn:aws:sts::*:federated-user/\${aws:username}`, 'arn:aws:s3:::*', `arn:aws:iam::${ACCT}:*`,
    'arn:aws:s3:::logs', `arn:aws:iam::*:role/*/UpdateAPP`,
  ]);
}

// ---------------------------------------------------------------- statements / docs
function genStatement(r, req, sidSet) {
  const st = {};
  if (r.chance(0.35)) {
    let sid;
    do sid = 'S' + r.int(1, 999); while (sidSet.has(sid));
    sidSet.add(sid);
    st.Sid = sid;
  }
  const deny = r.chance(0.27);
  st.Effect = deny ? 'Deny' : 'Allow';
  const aimed = r.chance(0.7);
  const nA = r.wpick([[7, 1], [2, 2], [1, 3]]);
  const actions = [];
  for (let i = 0; i < nA; i++) actions.push(actionPattern(r, aimed || i === 0 ? req.action : r.pick(FAMILIES[r.pick(Object.keys(FAMILIES))].actions)));
  const notAction = r.chance(0.12);
  const aval = actions.length === 1 && r.chance(0.6) ? actions[0] : actions;
  if (notAction) {
    // NotAction lists something else most of the time
    st.NotAction = r.chance(0.6) ? r.pick(['s3:*', 'iam:*', 'sts:GetFederationToken', ['s3:*', 'iam:*'], 'sts:Tag*']) : aval;
  } else st.Action = aval;
  const nR = r.wpick([[7, 1], [2, 2], [1, 3]]);
  const resources = [];
  for (let i = 0; i < nR; i++) resources.push(aimed || i === 0 ? resourcePattern(r, req.resource) : randomResourcePattern(r));
  const rval = resources.length === 1 && r.chance(0.6) ? resources[0] : resources;
  if (r.chance(0.1)) {
    st.NotResource = r.chance(0.5) ? randomResourcePattern(r) : rval;
    if (st.NotResource === '*' || (Array.isArray(st.NotResource) && st.NotResource.includes('*'))) st.NotResource = randomResourcePattern(r);
  } else st.Resource = rval;
  const condP = deny ? 0.7 : 0.5;
  if (r.chance(condP)) st.Condition = genCondition(r);
  return st;
}

function genDoc(r, req, opts = {}) {
  const n = opts.n || r.wpick([[4, 1], [4, 2], [2, 3], [1, 4]]);
  const sids = new Set();
  const statements = [];
  for (let i = 0; i < n; i++) statements.push(genStatement(r, req, sids));
  const doc = {};
  const version = opts.version !== undefined ? opts.version : r.wpick([[92, '2012-10-17'], [4, '2008-10-17'], [4, null]]);
  if (version) doc.Version = version;
  if (version !== '2012-10-17') {
    // without variables (2008-10-17), "${...}" in a Bool value is just an invalid boolean,
    // which IAM rejects: keep such documents valid
    for (const st of statements) {
      for (const op of Object.keys(st.Condition || {})) {
        if (!/Bool/.test(op)) continue;
        for (const k of Object.keys(st.Condition[op])) {
          const v = st.Condition[op][k];
          st.Condition[op][k] = Array.isArray(v) ? v.map((x) => (String(x).includes('${') ? 'true' : x)) : String(v).includes('${') ? 'true' : v;
        }
      }
    }
  }
  doc.Statement = statements.length === 1 && r.chance(0.3) ? statements[0] : statements;
  return doc;
}

function boundaryDoc(r, req) {
  // boundaries are usually broad allows, sometimes narrow, sometimes with a deny
  const sts = [];
  sts.push({ Effect: 'Allow', Action: r.pick(['*', 'sts:*', 's3:*', ['sts:*', 's3:*'], req.action, 'iam:*']), Resource: r.chance(0.8) ? '*' : resourcePattern(r, req.resource) });
  if (r.chance(0.3)) sts.push(genStatement(r, req, new Set()));
  return { Version: '2012-10-17', Statement: sts };
}

// ---------------------------------------------------------------- request
function genContext(r, req, principal) {
  const ctx = {};
  // aws:CurrentTime / aws:EpochTime are always present (stsctl fills them from the
  // clock otherwise); same instant, various spellings.
  const now = r.chance(0.85) ? NOW_EPOCH : r.pick(DATE_POINTS);
  ctx['aws:CurrentTime'] = r.chance(0.85) ? isoFrom(r, now, 'sec') : isoFrom(r, now, r.pick(['frac', 'offset', 'min']));
  ctx['aws:EpochTime'] = String(now);
  if (r.chance(0.5)) ctx['aws:TokenIssueTime'] = dateValue(r, 0.2);
  for (const [key, meta] of Object.entries(KEYS)) {
    if (key in ctx || !meta.pool) continue;
    if (meta.only && !meta.only.includes(req.action)) continue;
    if (!r.chance(0.45)) continue;
    if (meta.t === 'L') {
      ctx[key] = r.chance(0.12) ? [] : r.subset(meta.pool, 1, 3);
    } else {
      ctx[key] = r.pick(meta.pool);
    }
  }
  if (r.chance(0.03)) ctx['aws:username'] = '';
  // the principal-derived keys, as AWS would fill them
  if (principal.kind === 'user') {
    if (r.chance(0.8)) ctx['aws:username'] = principal.name;
    ctx['aws:PrincipalArn'] = principal.arn;
  } else if (principal.kind === 'role') {
    delete ctx['aws:username'];
    ctx['aws:PrincipalArn'] = principal.roleArn;
  } else {
    delete ctx['aws:username'];
    ctx['aws:PrincipalArn'] = principal.arn;
  }
  ctx['aws:PrincipalAccount'] = principal.arn.split(':')[4];
  ctx['aws:userid'] = principal.userid;
  return ctx;
}

function genCase(r, id) {
  const fam = r.wpick(FAMILY_WEIGHTS);
  const action = r.pick(FAMILIES[fam].actions);
  const resource = FAMILIES[fam].resource(r);
  const req = { action, resource };
  const wantSession = r.chance(0.2);
  let principal = r.wpick(PRINCIPALS.map((p) => [p.w, p]));
  if (wantSession && principal.kind === 'user') principal = r.chance(0.7) ? PRINCIPALS[3] : PRINCIPALS[4];
  if (!wantSession && principal.kind === 'federated' && r.chance(0.6)) principal = PRINCIPALS[0];
  const c = {
    id,
    identity: [],
    session: null,
    boundary: null,
    principal: principal.arn,
    principalKind: principal.kind,
    cliPrincipal: r.chance(0.7),
    action: r.chance(0.05) ? caseVariant(r, action.split(':')[0]) + ':' + caseVariant(r, action.split(':')[1]) : action,
    resource,
    context: genContext(r, req, principal),
  };
  if (c.cliPrincipal && principal.kind === 'user' && !('aws:username' in c.context)) c.context['aws:username'] = principal.name;
  // stsctl derives aws:PrincipalType from --principal as AWS does; give it explicitly
  if (c.cliPrincipal) c.context['aws:PrincipalType'] = { user: 'User', role: 'AssumedRole', federated: 'FederatedUser' }[principal.kind];
  const nId = r.wpick([[5, 1], [3, 2], [2, 3]]);
  for (let i = 0; i < nId; i++) c.identity.push(genDoc(r, req));
  if (wantSession) {
    const nS = r.chance(0.8) ? 1 : 2;
    const v = r.chance(0.95) ? '2012-10-17' : null;
    c.session = [];
    for (let i = 0; i < nS; i++) c.session.push(genDoc(r, req, { version: v }));
  }
  if (r.chance(0.15)) c.boundary = boundaryDoc(r, req);
  if (!c.cliPrincipal && r.chance(0.5)) {
    // without --principal, stsctl derives nothing: let principal keys be absent too
    for (const k of ['aws:username', 'aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:userid']) if (r.chance(0.5)) delete c.context[k];
  }
  return c;
}

function generate(n, seed) {
  const r = rng(seed);
  const out = [];
  for (let i = 0; i < n; i++) out.push(genCase(r, i + 1));
  return out;
}

module.exports = { generate, rng, NOW_EPOCH };

if (require.main === module) {
  const n = Number(process.argv[2] || 5);
  const seed = Number(process.argv[3] || 1);
  console.log(JSON.stringify(generate(n, seed), null, 1));
}
