#!/usr/bin/env python3
"""The man pages against the programs: electord(8) lists exactly the options `electord --help`
lists, and electorctl(1) exactly electorctl's commands, cluster commands and each one's options
(read from `electorctl [COMMAND...] --help`); each built page renders without a warning from
`man --warnings` (what lintian runs).

Usage: check_man_pages.py BIN_DIR SOURCE_DIR MAN_BUILD_DIR
"""
import os
import re
import subprocess
import sys

# Every CLI11 command has --help; the pages say it once, in OPTIONS.
IMPLICIT = {"--help"}


def help_listing(argv):
    """(options, subcommands) that `argv --help` lists."""
    out = subprocess.run(argv + ["--help"], capture_output=True, text=True, check=True).stdout
    options, subcommands, section = set(), [], None
    for line in out.splitlines():
        if line in ("Options:", "Subcommands:", "Positionals:"):
            section = line
        elif line and not line.startswith(" "):
            section = None
        elif section == "Options:" and line.startswith("  -"):
            head = line[2:].split("  ")[0].split(" ")[0]
            options |= {n for n in head.split(",") if n.startswith("--")}
        elif section == "Subcommands:" and re.match(r"^  [a-z]", line):
            subcommands.append(line.split()[0])
    return options, subcommands


def page_sections(path):
    """{section title: options its definition list names}: '# OPTIONS' for the top level, '## X Y'
    for command X Y. A term is a line starting with **--option**."""
    sections, current = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                current = line[3:].strip()
            elif line.startswith("# "):
                current = "OPTIONS" if line.strip() == "# OPTIONS" else None
            elif current is not None and line.startswith("**-"):
                sections.setdefault(current, set()).update(
                    re.findall(r"\*\*(--[a-z0-9-]+)\*\*", line))
                continue
            else:
                continue
            if current is not None:
                sections.setdefault(current, set())
    return sections


def compare(what, in_help, in_page, problems):
    for o in sorted(in_help - in_page):
        problems.append(f"{what}: {o} is in --help but not in the man page")
    for o in sorted(in_page - in_help):
        problems.append(f"{what}: {o} is in the man page but not in --help")


def check_electord(bin_dir, source_dir, problems):
    options, _ = help_listing([os.path.join(bin_dir, "electord")])
    page = page_sections(os.path.join(source_dir, "docs/man/electord.8.md"))
    compare("electord", options, page.get("OPTIONS", set()), problems)
    extra = sorted(t for t in page if t != "OPTIONS" and page[t])
    for t in extra:
        problems.append(f"electord.8.md: options under '{t}', outside OPTIONS")


def check_electorctl(bin_dir, source_dir, problems):
    prog = os.path.join(bin_dir, "electorctl")
    page = page_sections(os.path.join(source_dir, "docs/man/electorctl.1.md"))
    options, _ = help_listing([prog])
    compare("electorctl", options, page.get("OPTIONS", set()), problems)
    # Every command that has no subcommands of its own has a section '## PATH' with its options.
    commands = set()
    pending = [[]]
    while pending:
        path = pending.pop()
        opts, subs = help_listing([prog] + path)
        if path and not subs:
            commands.add(" ".join(path))
            name = " ".join(path)
            if name not in page:
                problems.append(f"electorctl {name}: a command missing from the man page")
            else:
                compare(f"electorctl {name}", opts - IMPLICIT, page[name], problems)
        elif path and opts - IMPLICIT:
            problems.append(f"electorctl {' '.join(path)}: options the check does not expect")
        pending += [path + [s] for s in subs]
    for title in sorted(set(page) - commands - {"OPTIONS"}):
        problems.append(f"electorctl.1.md: section '{title}' names no electorctl command")


def check_rendering(man_dir, problems):
    for page in ("electord.8.gz", "electorctl.1.gz"):
        path = os.path.join(man_dir, page)
        if not os.path.exists(path):
            problems.append(f"{path} was not built (is pandoc installed? scripts/install-deps.sh)")
            continue
        # As lintian runs it (its groff-message check): any output on stderr is a warning.
        env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")
        r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(f"{page}: man --warnings: exit {r.returncode}: {r.stderr.strip()}")
        text = subprocess.run(["man", "-E", "UTF-8", "-l", path], capture_output=True, text=True,
                              env=env).stdout
        if "NAME" not in text or "SYNOPSIS" not in text:
            problems.append(f"{page}: rendered without a NAME or SYNOPSIS section")


def main():
    bin_dir, source_dir, man_dir = sys.argv[1:4]
    problems = []
    check_electord(bin_dir, source_dir, problems)
    check_electorctl(bin_dir, source_dir, problems)
    check_rendering(man_dir, problems)
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print("man pages: electord(8) and electorctl(1) match --help and render cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
