#!/usr/bin/env python3
"""Sorts the ThreadSanitizer reports left after tools/tsan.supp by who made the racing accesses.

usage: tools/tsan-triage.py LOG_DIR [SOURCE_ROOT]   (LOG_DIR: tools/sanitize.sh thread's tsan-logs)

A report's two accesses (the current one and the "Previous" one) each start with a stack. The
access is memloc's when the first frame below the sanitizer runtime and the C++ standard library
templates is memloc code: a frame in a memloc binary whose file lies under SOURCE_ROOT or is not
known. It is third-party when that frame is in a shared library (libQt6Core, libtorch, ...) or in
a third-party header compiled into memloc (Qt's slot-object code in qobjectdefs_impl.h). A report
counts against memloc when either access is memloc's; a report between two third-party accesses is
a race TSan believes it saw inside a library it cannot see the locks of (README "Reliability").
Exit status: 1 when any report counts against memloc, else 0.
"""
import os
import re
import sys

ACCESS = re.compile(r"^  (Previous )?(atomic )?(Write|Read)", re.IGNORECASE)
FRAME = re.compile(r"^    #\d+ (.*) \((\S+?)\+0x[0-9a-f]+\)$")


def first_own_frame(frames):
    """The frame that decides an access: below the TSan runtime and libstdc++ templates."""
    for text, module in frames:
        if "libtsan" in module:
            continue
        location = text.rsplit(" ", 1)[-1]
        if location.startswith("/usr/include/c++/"):
            continue
        return text, module
    return None


def is_memloc(frame, source_root):
    if frame is None:
        return False
    text, module = frame
    if ".so" in os.path.basename(module):
        return False
    location = text.rsplit(" ", 1)[-1]
    if location.startswith("/usr/include/") or location.startswith("/usr/lib/"):
        return False
    return location.startswith(source_root) or location.startswith("<null>") or not location.startswith("/")


def reports(path):
    with open(path, errors="replace") as f:
        text = f.read()
    for chunk in text.split("WARNING: ThreadSanitizer:")[1:]:
        accesses, current = [], None
        for line in chunk.splitlines():
            if ACCESS.match(line):
                current = []
                accesses.append(current)
            elif current is not None and FRAME.match(line):
                current.append(FRAME.match(line).groups())
            elif current is not None and not line.startswith("    "):
                current = None
        yield chunk.splitlines()[0].strip(), accesses


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    log_dir = sys.argv[1]
    source_root = os.path.realpath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), ".."))
    ours_total = theirs_total = 0
    for name in sorted(os.listdir(log_dir)):
        ours, theirs = [], 0
        for kind, accesses in reports(os.path.join(log_dir, name)):
            decisive = [first_own_frame(a) for a in accesses]
            if any(is_memloc(f, source_root) for f in decisive):
                ours.append((kind, [f[0] if f else "?" for f in decisive]))
            else:
                theirs += 1
        if ours or theirs:
            print(f"{name}: {len(ours)} against memloc code, {theirs} between third-party accesses")
        for kind, frames in ours:
            print(f"  {kind}: " + " <-> ".join(frames))
        ours_total += len(ours)
        theirs_total += theirs
    print(f"ThreadSanitizer triage: {ours_total} report(s) against memloc code, "
          f"{theirs_total} between accesses inside uninstrumented libraries")
    return 1 if ours_total else 0


if __name__ == "__main__":
    sys.exit(main())
