#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make docs-check: Documentation/*.rst stays true to the code.

  1. Every name written in double backquotes exists: in the tree (its
     tracked files other than the docs themselves) or in <linux/kvm.h>.
  2. Every ioctl the module dispatches, and every capability that
     minikvm_check_extension() answers non-zero, is in ioctl.rst; every
     capability a page calls absent ("``KVM_CAP_X`` is 0", or a row of
     ioctl.rst's capability table with the answer 0) answers 0.
  3. Every exit reason of vmx_exit_handlers[] (vmx/exit.c) is named.
  4. Each page builds with docutils without a warning.

What counts as a name (everything else in double backquotes is prose, a
command line, a log line or a runtime path, and is not checked):
  foo()                  a function: "foo(" must occur in the tree
  struct foo             a struct: "struct foo" must occur
  FOO, foo, a->b.c[0]    identifiers: each must occur as a word;
                         a trailing "_" or "*" makes it a prefix
  -EINVAL                an errno: EINVAL must occur
  dir/file.c, x.sh       a path (has "/" and does not start with it, or
                         ends in a source extension): must exist; "*" and
                         "<...>" are wildcards; a bare file name must be
                         some file's name; build/ is made, not checked
  minikvm:event          a minikvm tracepoint: TRACE_EVENT(event in core/
Links (`title <page.rst>`_) and figures must point at an existing file.
Usage: check-docs.py TOP [KVM_H]
"""
import glob
import os
import re
import subprocess
import sys

# Names that are neither in the tree nor in <linux/kvm.h>, with the reason.
ALLOWED = {
    "Documentation/virt/kvm/api.rst",   # the kernel tree's KVM API page
    "kvm_is_valid_sregs",               # KVM's function, quoted as the model
    "readl", "writel",                  # what a guest driver calls for MMIO
    "interrupts.rst",                   # written on the interrupts branch
}

EXTS = (".c", ".h", ".S", ".rst", ".sh", ".py", ".dot", ".svg", ".list",
        ".conf", ".awk", ".rules", ".config")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\*?$")

errors = []


def err(msg):
    errors.append(msg)


def tree_files(top):
    out = subprocess.run(["git", "-C", top, "ls-files", "-co", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.split() if os.path.isfile(os.path.join(top, f))]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def path_exists(top, files, dirs, p):
    p = p.rstrip("/")
    if p in ALLOWED or os.path.basename(p) in ALLOWED or p.startswith("build/"):
        return True
    if p in dirs:
        return True
    if "/" not in p:            # a bare file name: some file of the tree
        return any(os.path.basename(f) == p for f in files)
    pat = re.sub(r"<[^>]*>", "*", p)
    if "*" in pat:
        return bool(glob.glob(os.path.join(top, pat)))
    # A program is named by its source: userspace/mkvm is userspace/mkvm.c.
    return p in files or p in dirs or p + ".c" in files or os.path.isdir(os.path.join(top, p))


def check_name(tok, ctx):
    top, files, dirs, words, calls, text = ctx
    if tok.startswith("struct ") and IDENT.match(tok[7:]):
        if not re.search(r"\bstruct\s+" + tok[7:] + r"\b", text):
            return "no struct " + tok[7:]
        return None
    if re.search(r"\s", tok) or re.match(r"^[0-9]", tok):
        return None
    if tok.startswith("minikvm:"):
        ev = tok[8:]
        if ev != "*" and "TRACE_EVENT(" + ev + "," not in text:
            return "no tracepoint " + ev
        return None
    if ":" in tok or tok.startswith(("/", "$", "<", "[", "-", ".")) and \
            not re.match(r"^-(KVM_)?E[A-Z0-9]+$", tok):
        return None
    if "/" in tok or tok.endswith(EXTS):
        return None if path_exists(top, files, dirs, tok) else "no such file"
    if re.match(r"^-(KVM_)?E[A-Z0-9]+$", tok):
        tok = tok[1:]
    if tok.endswith("()"):
        name = tok[:-2]
        if name in ALLOWED or name in calls:
            return None
        return "no function " + name
    parts = re.split(r"->|\.", re.sub(r"\[[^]]*\]", "", tok))
    if not all(IDENT.match(p) for p in parts):
        return None         # not name-shaped: a word of prose or a command
    for p in parts:
        if p in ALLOWED:
            continue
        if p.endswith(("*", "_")):
            if not any(w.startswith(p.rstrip("*")) for w in words):
                return "nothing named " + p
        elif p not in words:
            return "nothing named " + p
    return None


def backquoted(rst):
    # ``...`` on one line; a literal block (after "::") holds no names.
    return re.findall(r"``([^`]+?)``", rst)


def dispatched_ioctls(top, files, ioctl_names):
    found = set()
    for f in files:
        if re.match(r"^(core|vmx|mmu|irq)/.*\.c$", f):
            for name in re.findall(r"case\s+([A-Z0-9_]+)\s*:", read(os.path.join(top, f))):
                if name in ioctl_names:
                    found.add(name)
    return found


def capability_answers(top):
    """KVM_CAP_* -> True (non-zero) / False, from minikvm_check_extension()."""
    src = read(os.path.join(top, "core/main.c"))
    m = re.search(r"long minikvm_check_extension\(long cap\)\n\{(.*?)\n\}", src, re.S)
    if not m:
        err("core/main.c: cannot find minikvm_check_extension()")
        return {}
    answers, pending = {}, []
    for line in m.group(1).splitlines():
        c = re.match(r"\s*case\s+(KVM_CAP_[A-Z0-9_]+)\s*:", line)
        if c:
            pending.append(c.group(1))
            continue
        r = re.match(r"\s*return\s+(.*);", line)
        if r and pending:
            for cap in pending:
                answers[cap] = r.group(1).strip() != "0"
            pending = []
    return answers


def docutils_warnings(path):
    from docutils.core import publish_string
    from io import StringIO

    warnings = StringIO()
    try:
        publish_string(read(path), source_path=path, writer_name="null",
                       settings_overrides={"report_level": 2, "halt_level": 5,
                                           "warning_stream": warnings})
    except Exception as e:      # noqa: BLE001 - any failure is a finding
        return str(e)
    return warnings.getvalue().strip()


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    kvm_h = sys.argv[2] if len(sys.argv) > 2 else "/usr/include/linux/kvm.h"
    files = tree_files(top)
    dirs = {os.path.dirname(f) for f in files}
    corpus = [f for f in files if not f.endswith((".rst", ".md", ".svg"))]
    text = "\n".join(read(os.path.join(top, f)) for f in corpus) + "\n" + read(kvm_h)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    calls = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", text))
    ctx = (top, set(files), dirs, words, calls, text)

    docs = sorted(f for f in files if re.match(r"^Documentation/[^/]*\.rst$", f))
    alltext = {f: read(os.path.join(top, f)) for f in docs}

    # 1. names
    for f, rst in alltext.items():
        for tok in sorted(set(backquoted(rst))):
            why = check_name(tok, ctx)
            if why:
                err(f"{f}: ``{tok}``: {why}")

    # Links to other pages (`title <page.rst>`_) and figures.
    for f, rst in alltext.items():
        for target in re.findall(r"<([\w.-]+\.(?:rst|svg))>`_|figure::\s*(\S+)", rst):
            t = target[0] or target[1]
            if t not in ALLOWED and "Documentation/" + t not in ctx[1]:
                err(f"{f}: link to missing {t}")

    # 2. ioctls and capabilities
    uapi = read(kvm_h) + read(os.path.join(top, "uapi/minikvm.h"))
    ioctl_names = set(re.findall(r"#define\s+([A-Z0-9_]+)\s+_IO[RW]*\(", uapi))
    ioctl_rst = alltext.get("Documentation/ioctl.rst", "")
    ref = set(backquoted(ioctl_rst))
    for name in sorted(dispatched_ioctls(top, files, ioctl_names) - ref):
        err(f"Documentation/ioctl.rst: dispatched ioctl {name} is not documented")
    answers = capability_answers(top)
    for cap in sorted(c for c, on in answers.items() if on and c not in ref):
        err(f"Documentation/ioctl.rst: {cap} answers non-zero but is not documented")
    absent = set()
    for f, rst in alltext.items():
        absent |= {(f, c) for c in re.findall(r"``(KVM_CAP_[A-Z0-9_]+)``\s+is\s+0\b", rst)}
        # A row of a capability table: ``KVM_CAP_X``  0  why
        absent |= {(f, c) for c in re.findall(r"^``(KVM_CAP_[A-Z0-9_]+)``\s+0\s", rst, re.M)}
    for f, cap in sorted(absent):
        if answers.get(cap):
            err(f"{f}: {cap} is called absent but minikvm_check_extension() answers it")
    for cap in sorted(re.findall(r"^``(KVM_CAP_[A-Z0-9_]+)``\s+[1-9A-Z]", ioctl_rst, re.M)):
        if not answers.get(cap):
            err(f"Documentation/ioctl.rst: {cap} is listed as reported but answers 0")

    # 3. exit reasons
    named = set()
    for rst in alltext.values():
        named |= set(backquoted(rst))
    table = read(os.path.join(top, "vmx/exit.c"))
    for reason in sorted(set(re.findall(r"\[(EXIT_REASON_[A-Z0-9_]+)\]\s*=", table))):
        if reason not in named:
            err(f"vmx/exit.c: {reason} has a handler but no page names it")

    # 4. docutils
    for f in docs:
        w = docutils_warnings(os.path.join(top, f))
        if w:
            err(f"{f}: docutils: {w}")

    for e in errors:
        print(e)
    print(f"docs-check: {len(docs)} pages, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
