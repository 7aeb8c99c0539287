'use strict';
// Recognisers for iam-simulate's known deviations from AWS (see known-deviations.json).
//
// Each rule names a function here.  The function gets a case and returns
//   null                         the rule does not apply to this case, or
//   {case: c2}                   a rewritten case that means the same thing under the AWS
//                                rule but steps around iam-simulate's deviation, or
//   {adjust: (decision) => d2}   a correction of iam-simulate's answer where no rewrite
//                                is possible.
// A disagreement counts as explained only when iam-simulate, run again on the rewritten
// case (and/or with the correction applied), gives exactly stsctl's answer.  So a rule
// never explains a disagreement just by being present in the case.

const NEVER_STRING = '\u0001never-matches\u0001';
const NEVER_ARN = 'arn:aws:iam::000000000000:role/never-matches-0000';

const NEGATED_STRING_OPS = new Set(['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike']);
const NO_WILDCARD_OPS = new Set(['stringequals', 'stringnotequals', 'stringequalsignorecase', 'stringnotequalsignorecase', 'bool']);

function clone(x) {
  return JSON.parse(JSON.stringify(x));
}

function parseOp(op) {
  let rest = op;
  let qual = null;
  const m = /^(ForAnyValue|ForAllValues):(.*)$/i.exec(rest);
  if (m) {
    qual = m[1];
    rest = m[2];
  }
  let ifExists = false;
  if (/IfExists$/i.test(rest) && !/^Null$/i.test(rest)) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  return { qual, base: rest, baseLower: rest.toLowerCase(), ifExists };
}

function docsOf(c) {
  const out = [];
  c.identity.forEach((d) => out.push(d));
  (c.session || []).forEach((d) => out.push(d));
  if (c.boundary) out.push(c.boundary);
  return out;
}
function statementsOf(doc) {
  return [].concat(doc.Statement);
}
function is2012(doc) {
  return doc.Version === '2012-10-17';
}
function listOf(v) {
  return Array.isArray(v) ? v : [v];
}

// calls fn(op, parsedOp, key, values[], setValues(newValues), doc, stmt, condBlock)
function forEachCondition(c, fn) {
  for (const doc of docsOf(c)) {
    for (const st of statementsOf(doc)) {
      if (!st.Condition) continue;
      for (const op of Object.keys(st.Condition)) {
        const block = st.Condition[op];
        for (const key of Object.keys(block)) {
          const set = (vals) => {
            block[key] = vals;
          };
          fn(op, parseOp(op), key, listOf(block[key]), set, doc, st, st.Condition);
        }
      }
    }
  }
}

function ctxLookup(c, key) {
  const lk = key.toLowerCase();
  for (const k of Object.keys(c.context || {})) if (k.toLowerCase() === lk) return { found: true, value: c.context[k] };
  return { found: false };
}

// ${...} tokens of a policy string (AWS syntax: ${key} or ${key, 'default'})
function varTokens(s) {
  const out = [];
  if (typeof s !== 'string') return out;
  const re = /\$\{([^}]*)\}/g;
  let m;
  while ((m = re.exec(s))) {
    const inner = m[1];
    if (inner === '*' || inner === '?' || inner === '$') {
      out.push({ text: m[0], escape: inner, index: m.index });
      continue;
    }
    let name = inner;
    let def;
    const dm = /^(.*?), '(.*)'$/.exec(inner);
    if (dm) {
      name = dm[1];
      def = dm[2];
    }
    out.push({ text: m[0], name: name.trim(), def, index: m.index });
  }
  return out;
}

// 'resolved' | 'unresolved' | 'empty'
function varState(c, tok) {
  const v = ctxLookup(c, tok.name);
  if (v.found && typeof v.value === 'string') return v.value === '' ? 'empty' : 'resolved';
  if (tok.def !== undefined && tok.def !== '') return 'resolved';
  return 'unresolved';
}
function hasUnresolved(c, s) {
  return varTokens(s).some((t) => !t.escape && varState(c, t) === 'unresolved');
}

// ---- strict AWS-rule ARN glob, used only to resolve entries that trigger a deviation
function globToRegex(p) {
  let re = '^';
  for (const ch of p) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 's');
}
function splitArn(a) {
  const p = a.split(':');
  if (p.length < 6 || p[0] !== 'arn') return null;
  return [...p.slice(0, 5), p.slice(5).join(':')];
}
function strictArnMatch(pattern, arn) {
  if (pattern === '*') return true;
  const pp = splitArn(pattern);
  const aa = splitArn(arn);
  if (!pp || !aa) return null;
  for (let i = 0; i < 6; i++) if (!globToRegex(pp[i]).test(aa[i])) return false;
  return true;
}

function rewriteResources(c, pred, rewrite) {
  const c2 = clone(c);
  let changed = false;
  let impossible = false;
  for (const doc of docsOf(c2)) {
    for (const st of statementsOf(doc)) {
      for (const el of ['Resource', 'NotResource']) {
        if (st[el] === undefined) continue;
        const vals = listOf(st[el]);
        const out = [];
        for (const v of vals) {
          if (pred(v, doc, el)) {
            const nv = rewrite(v, doc, el);
            if (nv === undefined) impossible = true;
            else if (nv !== null) out.push(nv);
            changed = true;
          } else out.push(v);
        }
        st[el] = out.length ? out : [NEVER_ARN];
      }
    }
  }
  if (!changed || impossible) return null;
  return { case: c2 };
}

// ---------------------------------------------------------------- the rules

// iam-simulate takes an integer date as milliseconds since the epoch; AWS reads epoch
// dates as seconds.  Rewrite every epoch value read by a Date operator into milliseconds,
// which iam-simulate then reads correctly.  Not applicable when a key read by a Date
// operator is also read by another operator or used as a variable.
function epochMilliseconds(c) {
  const c2 = clone(c);
  const dateKeys = new Set();
  const otherKeys = new Set();
  let changed = false;
  const isEpoch = (v) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?[1-9]\d*$|^0$/.test(v));
  forEachCondition(c2, (op, p, key, vals, set) => {
    if (p.baseLower.startsWith('date')) {
      dateKeys.add(key.toLowerCase());
      if (vals.some(isEpoch)) {
        set(vals.map((v) => (isEpoch(v) ? String(BigInt(String(v)) * 1000n) : v)));
        changed = true;
      }
    } else if (p.baseLower !== 'null') otherKeys.add(key.toLowerCase());
  });
  for (const doc of docsOf(c2)) {
    const text = JSON.stringify(doc).toLowerCase();
    for (const k of dateKeys) if (text.includes('${' + k)) return null;
  }
  for (const k of dateKeys) {
    if (otherKeys.has(k)) return null;
    for (const ck of Object.keys(c2.context)) {
      if (ck.toLowerCase() !== k) continue;
      const v = c2.context[ck];
      if (Array.isArray(v)) {
        if (v.some(isEpoch)) {
          c2.context[ck] = v.map((x) => (isEpoch(x) ? String(BigInt(x) * 1000n) : x));
          changed = true;
        }
      } else if (isEpoch(v)) {
        c2.context[ck] = String(BigInt(v) * 1000n);
        changed = true;
      }
    }
  }
  return changed ? { case: c2 } : null;
}

// iam-simulate makes a value holding an unresolvable variable fail to match even under a
// negated operator; AWS: "Inverted condition operators ... do match against a null value".
// Rewrite such values into a value that cannot equal anything.
function unresolvedVariableNegated(c) {
  const c2 = clone(c);
  let changed = false;
  forEachCondition(c2, (op, p, key, vals, set, doc) => {
    if (!is2012(doc) || !NEGATED_STRING_OPS.has(p.baseLower)) return;
    const nv = vals.map((v) => {
      if (hasUnresolved(c2, v)) {
        changed = true;
        return p.baseLower.startsWith('arn') ? NEVER_ARN : NEVER_STRING;
      }
      return v;
    });
    set(nv);
  });
  return changed ? { case: c2 } : null;
}

// escape a 2008 literal string for a Like operator / Resource entry under 2012-10-17
function escapeLiteral2008(s, keepWildcards) {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (!keepWildcards && ch === '*') out += '${*}';
    else if (!keepWildcards && ch === '?') out += '${?}';
    else if (ch === '$' && s[i + 1] === '{') out += '${$}';
    else out += ch;
  }
  return out;
}

// iam-simulate substitutes variables in documents of Version 2008-10-17 (or without a
// Version); AWS treats them as literal text there.  Rewrite such a document to 2012-10-17
// with every "${" made literal: escaped as ${$} where iam-simulate honours the escape
// (Resource, StringLike/StringNotLike, Arn*); elsewhere (StringEquals, IgnoreCase, ...) a
// value holding the literal text "${" cannot equal any request value (none holds "${"), so
// it is replaced by a value that equals nothing.
function variables2008(c) {
  const c2 = clone(c);
  let changed = false;
  let impossible = false;
  const ctxHasDollarBrace = JSON.stringify(c2.context).includes('${');
  for (const doc of docsOf(c2)) {
    if (is2012(doc)) continue;
    if (!JSON.stringify(doc).includes('${')) continue;
    doc.Version = '2012-10-17';
    changed = true;
    for (const st of statementsOf(doc)) {
      for (const el of ['Resource', 'NotResource']) {
        if (st[el] === undefined) continue;
        st[el] = listOf(st[el]).map((v) => (typeof v === 'string' ? escapeLiteral2008(v, true) : v));
      }
      if (!st.Condition) continue;
      for (const op of Object.keys(st.Condition)) {
        const p = parseOp(op);
        const block = st.Condition[op];
        for (const key of Object.keys(block)) {
          const vals = listOf(block[key]);
          if (!vals.some((v) => typeof v === 'string' && v.includes('${'))) continue;
          if (p.baseLower === 'stringlike' || p.baseLower === 'stringnotlike' || p.baseLower.startsWith('arn')) {
            block[key] = vals.map((v) => (typeof v === 'string' ? escapeLiteral2008(v, true) : v));
          } else if (p.baseLower.startsWith('string') && !ctxHasDollarBrace) {
            block[key] = vals.map((v) => (typeof v === 'string' && v.includes('${') ? NEVER_STRING : v));
          } else {
            impossible = true;
          }
        }
      }
    }
  }
  if (!changed || impossible) return null;
  return { case: c2 };
}

// iam-simulate reads ${*} ${?} ${$} as literal text in operators without wildcards
// (StringEquals, StringNotEquals, the IgnoreCase pair, Bool); AWS replaces them by the
// character everywhere a variable may appear.  In those operators * and ? are literal
// anyway, so the rewrite puts the plain character in.
function escapesOutsideLike(c) {
  const c2 = clone(c);
  let changed = false;
  let impossible = false;
  forEachCondition(c2, (op, p, key, vals, set, doc) => {
    if (!is2012(doc) || !NO_WILDCARD_OPS.has(p.baseLower)) return;
    set(vals.map((v) => {
      if (typeof v !== 'string' || !/\$\{[*?$]\}/.test(v)) return v;
      const before = varTokens(v).filter((t) => !t.escape).length;
      const nv = v.replace(/\$\{([*?$])\}/g, '$1');
      if (varTokens(nv).filter((t) => !t.escape).length !== before || /\$\{[*?$]\}/.test(nv)) impossible = true;
      changed = true;
      return nv;
    }));
  });
  if (!changed || impossible) return null;
  return { case: c2 };
}

// A federated-user session without a session policy has no permissions (GetFederationToken
// requires a session policy); iam-simulate evaluates the identity policies alone.
function federatedWithoutSessionPolicy(c) {
  if (!c.cliPrincipal || !/^arn:[^:]*:sts::\d{12}:federated-user\//.test(c.principal)) return null;
  if (c.session && c.session.length) return null;
  return { adjust: (d) => (d === 'allowed' ? 'implicitDeny' : d) };
}

// iam-simulate makes a NotResource entry with an unresolvable variable "not a match"
// that is not inverted, so the statement does not apply; AWS: such an entry matches no
// resource, so the NotResource statement applies.  Drop the entry.
function unresolvedVariableNotResource(c) {
  const c2 = clone(c);
  let changed = false;
  for (const doc of docsOf(c2)) {
    if (!is2012(doc)) continue;
    for (const st of statementsOf(doc)) {
      if (st.NotResource === undefined) continue;
      const vals = listOf(st.NotResource);
      const keep = vals.filter((v) => !hasUnresolved(c2, v));
      if (keep.length !== vals.length) {
        changed = true;
        st.NotResource = keep.length ? keep : [NEVER_ARN];
      }
    }
  }
  return changed ? { case: c2 } : null;
}

function resolveEntryStrictly(c) {
  return (v) => {
    if (v.includes('${')) return undefined;
    const m = strictArnMatch(v, c.resource);
    if (m === null) return undefined;
    return m ? c.resource : NEVER_ARN;
  };
}

// iam-simulate compares partition, service, region and account of a Resource ARN
// case-insensitively; ARNs are case-sensitive for AWS.
function arnPrefixCase(c) {
  if (!c.resource.startsWith('arn:')) return null;
  return rewriteResources(c, (v) => {
    const p = splitArn(String(v));
    return !!p && p.slice(0, 5).some((f) => /[A-Z]/.test(f));
  }, resolveEntryStrictly(c));
}

// iam-simulate requires the resource-type part of a Resource ARN (up to the first "/" or
// ":" of the resource field) to match literally, so a wildcard there never matches; AWS
// allows * and ? anywhere in a segment.
function wildcardInResourceType(c) {
  if (!c.resource.startsWith('arn:')) return null;
  return rewriteResources(c, (v) => {
    const p = splitArn(String(v));
    if (!p) return false;
    if (p[2] === 's3' && p[3] === '' && p[4] === '') return false;
    const m = /^[^/:]*/.exec(p[5])[0];
    return /[*?]/.test(m) && /[/:]/.test(p[5]);
  }, resolveEntryStrictly(c));
}

// iam-simulate builds an IPv4 mask with a 32-bit shift, so "/0" matches only the exact
// address.  Rewrite x.x.x.x/0 as the two /1 halves (same set of addresses).
function ipv4SlashZero(c) {
  const c2 = clone(c);
  let changed = false;
  forEachCondition(c2, (op, p, key, vals, set) => {
    if (p.baseLower !== 'ipaddress' && p.baseLower !== 'notipaddress') return;
    if (!vals.some((v) => /^\d+\.\d+\.\d+\.\d+\/0$/.test(String(v)))) return;
    const out = [];
    for (const v of vals) {
      if (/^\d+\.\d+\.\d+\.\d+\/0$/.test(String(v))) out.push('0.0.0.0/1', '128.0.0.0/1');
      else out.push(v);
    }
    set(out);
    changed = true;
  });
  return changed ? { case: c2 } : null;
}

// iam-simulate compares a bare address in the policy (no /prefix) with the request value
// as text and only within its own family: "2001:db8::1" does not match
// "2001:0db8:0:0:0:0:0:1", and NotIpAddress "10.1.2.3" is false for an IPv6 request.  A
// bare address is the /32 (IPv4) or /128 (IPv6) network; rewrite it so.
function ipBareAddress(c) {
  const c2 = clone(c);
  let changed = false;
  forEachCondition(c2, (op, p, key, vals, set) => {
    if (p.baseLower !== 'ipaddress' && p.baseLower !== 'notipaddress') return;
    set(vals.map((v) => {
      if (typeof v !== 'string' || v.includes('/')) return v;
      if (v.includes(':')) {
        changed = true;
        return v + '/128';
      }
      if (/^\d+\.\d+\.\d+\.\d+$/.test(v)) {
        changed = true;
        return v + '/32';
      }
      return v;
    }));
  });
  return changed ? { case: c2 } : null;
}

// iam-simulate treats a variable whose context value is the empty string as missing, but
// reports no error, so the raw "${...}" text is matched; AWS substitutes the value (the
// empty string).  Substitute it.
function emptyStringVariable(c) {
  const c2 = clone(c);
  let changed = false;
  const subst = (s) => {
    if (typeof s !== 'string') return s;
    let out = s;
    for (const t of varTokens(s).reverse()) {
      if (t.escape) continue;
      if (varState(c2, t) === 'empty') {
        out = out.slice(0, t.index) + out.slice(t.index + t.text.length);
        changed = true;
      }
    }
    return out;
  };
  for (const doc of docsOf(c2)) {
    if (!is2012(doc)) continue;
    for (const st of statementsOf(doc)) {
      for (const el of ['Resource', 'NotResource']) if (st[el] !== undefined) st[el] = Array.isArray(st[el]) ? st[el].map(subst) : subst(st[el]);
      if (!st.Condition) continue;
      for (const op of Object.keys(st.Condition)) {
        const b = st.Condition[op];
        for (const k of Object.keys(b)) b[k] = Array.isArray(b[k]) ? b[k].map(subst) : subst(b[k]);
      }
    }
  }
  return changed ? { case: c2 } : null;
}

// iam-simulate ignores ...IfExists under ForAnyValue: with the key absent the condition
// is false; AWS evaluates an ...IfExists condition on an absent key as true.  Rewrite:
// drop such key conditions when the key is absent (true), drop the IfExists suffix when it
// is present (no effect then).
function ifExistsWithForAnyValue(c) {
  const c2 = clone(c);
  let changed = false;
  let impossible = false;
  for (const doc of docsOf(c2)) {
    for (const st of statementsOf(doc)) {
      if (!st.Condition) continue;
      for (const op of Object.keys(st.Condition)) {
        const p = parseOp(op);
        if (!p.ifExists || !p.qual || p.qual.toLowerCase() !== 'foranyvalue') continue;
        const block = st.Condition[op];
        const plain = op.slice(0, -'IfExists'.length);
        for (const key of Object.keys(block)) {
          changed = true;
          if (ctxLookup(c2, key).found) {
            if (!st.Condition[plain]) st.Condition[plain] = {};
            if (Object.keys(st.Condition[plain]).some((k) => k.toLowerCase() === key.toLowerCase())) impossible = true;
            st.Condition[plain][key] = block[key];
          }
        }
        delete st.Condition[op];
      }
    }
  }
  if (!changed || impossible) return null;
  return { case: c2 };
}

module.exports = {
  ifExistsWithForAnyValue,
  epochMilliseconds,
  unresolvedVariableNegated,
  variables2008,
  escapesOutsideLike,
  federatedWithoutSessionPolicy,
  unresolvedVariableNotResource,
  arnPrefixCase,
  wildcardInResourceType,
  ipv4SlashZero,
  ipBareAddress,
  emptyStringVariable,
  // helpers shared with the runner
  _internal: { parseOp, forEachCondition, varTokens, strictArnMatch },
};
