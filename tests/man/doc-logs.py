#!/usr/bin/env python3
"""The log lines of docs/bastion.md section 6 are the ones the code writes.

    doc-logs.py ROOT                 each example line of the section's code block, and each
                                     `code span` of its prose, matches a format string of
                                     pam_sts/, helper/ or lib/ (the C string literals)
    doc-logs.py ROOT SYSLOG_FILE     and each example line matches a line in SYSLOG_FILE
                                     (captured from real logins) from the same program and
                                     PAM phase, through the same format string

Values are not compared, only the words around them and the field names in order: a
`key=VALUE` field matches whatever its value and however it is quoted (the audit lines'
escaping may quote or not), a %s of a format stands for one word, "..." in the guide for
an elided part of one (the last %s of a format: any phrase). Prints one line per check, `FAIL: ...` for each failure; exits 1
when any failed.
"""
import glob
import re
import sys

FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
CONV = re.compile(r"%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t)?[sdiuoxXcfgpm]|%%")
PREFIX = re.compile(r"^(?:pam_sts\([^:()]*:(\w+)\)|(sts-helper)\[\d+\]): ")


def skeleton(text):
    """The text with every field's value removed: key=VALUE -> key=."""
    return FIELD.sub(lambda m: m.group(1) + "=", text)


def c_strings(path):
    """The string literals of a C file, adjacent ones joined, escapes undone."""
    src = open(path, encoding="utf-8").read()
    src = re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)
    out, cur, last_end = [], None, -1
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', src):
        s = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
        if cur is not None and src[last_end : m.start()].strip() == "":
            cur += s
        else:
            if cur is not None:
                out.append(cur)
            cur = s
        last_end = m.end()
    if cur is not None:
        out.append(cur)
    return out


def kv_formats(path):
    """The key=value lines a C file builds with lib/base/log_field.h, as formats:
    sts_log_line_start(&l, "WHAT:") then sts_log_kv(&l, "key", ...) calls
    give "WHAT: key=%s key=%s ..." (the values are escaped, one word each)."""
    src = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r'sts_log_line_start\(\s*&(\w+),\s*"([^"]*)"\s*\)', src):
        var, what = m.group(1), m.group(2)
        keys = re.findall(r'sts_log_kv\(\s*&' + var + r',\s*"(\w+)"', src[m.end() : m.end() + 4000])
        if keys:
            out.append(what + "".join(" %s=%%s" % k for k in keys))
    return out


def format_regex(fmt):
    """A format string, values removed, as a regex over skeletons."""
    parts, pos = [], 0
    fmt = skeleton(fmt)
    for m in CONV.finditer(fmt):
        parts.append(re.escape(fmt[pos : m.start()]))
        # The last conversion of a message may be a phrase ("presented %s", an error).
        last = m.end() == len(fmt)
        parts.append("%" if m.group(0) == "%%" else "(?P<tail>.*)" if last else r"\S+")
        pos = m.end()
    parts.append(re.escape(fmt[pos:]))
    return re.compile("".join(parts))


def writes(formats, text, depth=0):
    """Some format writes |text|; a last %s holding more than a word is itself written
    by a format or is a literal of the code (e.g. "presented %s" with "an already used
    code"), so that a generic "user %s: %s" does not pass for any line."""
    for _, r in formats:
        m = r.fullmatch(text)
        if not m:
            continue
        tail = m.groupdict().get("tail")
        if tail is None or re.fullmatch(r"\S*", tail) or (depth < 2 and writes(formats, tail, depth + 1)):
            return True
    return False


def section6(root):
    text = open(root + "/docs/bastion.md", encoding="utf-8").read()
    m = re.search(r"^## 6\..*?(?=^## 7\.)", text, flags=re.M | re.S)
    if not m:
        return [], []
    sec = m.group(0)
    block = re.search(r"^```\n(.*?)^```", sec, flags=re.M | re.S)
    lines = [l for l in (block.group(1).splitlines() if block else []) if l.strip()]
    prose = sec[block.end() :] if block else sec
    # What lies between <!-- format --> and <!-- /format --> describes the
    # lines' syntax (escapes, placeholders): its spans are not log text.
    prose = re.sub(r"<!-- format -->.*?<!-- /format -->", " ", prose, flags=re.S)
    spans = [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", prose)]
    return lines, spans


def main():
    root = sys.argv[1]
    sources = []
    for pattern in ("pam_sts/*.c", "helper/*/*.c", "lib/*/*.c"):
        for path in sorted(glob.glob(root + "/" + pattern)):
            if "/stsctl" in path:
                continue  # stsctl writes to the terminal, not to the log
            # Formats with words of their own: "%s: %s" would pass for anything.
            sources += [s for s in c_strings(path) if len(re.findall(r"[A-Za-z]", CONV.sub("", s))) >= 4]
            sources += kv_formats(path)
    formats = [(f, format_regex(f)) for f in set(sources)]
    lines, spans = section6(root)
    failed = 0

    def check(ok, what):
        nonlocal failed
        print(("ok: " if ok else "FAIL: ") + what)
        failed += 0 if ok else 1

    check(len(lines) >= 4, "docs/bastion.md section 6 has its example lines (%d)" % len(lines))
    examples = []
    for line in lines:
        p = PREFIX.match(line)
        check(p is not None, "the example names its program and phase: " + line)
        if not p:
            continue
        msg = skeleton(line[p.end() :])
        hits = [r for f, r in formats if r.fullmatch(msg)]
        check(writes(formats, msg), "a format string writes: " + line)
        examples.append((line, p.group(1) or p.group(2), hits))
    for span in spans:
        sk = skeleton(span)
        # A fragment of a line (its fields) or a whole message.
        ok = writes(formats, sk) or any(sk.endswith("=") and sk in skeleton(f) for f, _ in formats)
        check(ok, "a format string writes: " + span)
    if len(sys.argv) > 2:
        captured = []
        for raw in open(sys.argv[2], encoding="utf-8", errors="replace"):
            i = raw.find("pam_sts(")
            j = raw.find("sts-helper[")
            k = min(x for x in (i, j, len(raw)) if x >= 0)
            p = PREFIX.match(raw[k:].rstrip("\n"))
            if p:
                captured.append((p.group(1) or p.group(2), skeleton(raw[k + p.end() :].rstrip("\n"))))
        for line, who, hits in examples:
            ok = any(w == who and any(r.fullmatch(m) for r in hits) for w, m in captured)
            check(ok, "a real login logged (%s): %s" % (who, line))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
