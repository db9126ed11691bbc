#!/usr/bin/env python3
"""Checks that every C++ file of memloc includes the standard headers it uses itself.

Compilers differ in which standard headers pull in which others (GCC 13 stopped <string> from
bringing <cstdint>, for one), so a file that leans on a transitive include builds with one
toolchain and fails with the next. This check names each file that uses a standard facility
from the table below without including its header directly (comments and string literals are
ignored). Usage: check-includes.py [--fix] [ROOT]  (exit status 1 when something is missing;
--fix adds the missing includes to each file's block of standard includes)
"""
import pathlib
import re
import sys

# facility (regex on code) -> the header that declares it
REQUIRED = [
    (r"\bstd::u?int(8|16|32|64)_t\b|\bstd::u?intptr_t\b", "cstdint"),
    (r"\bstd::string\b(?!_view)", "string"),
    (r"\bstd::string_view\b", "string_view"),
    (r"\bstd::vector\b", "vector"),
    (r"\bstd::map\b", "map"),
    (r"\bstd::set\b", "set"),
    (r"\bstd::unordered_map\b", "unordered_map"),
    (r"\bstd::unordered_set\b", "unordered_set"),
    (r"\bstd::optional\b", "optional"),
    (r"\bstd::function\b", "functional"),
    (r"\bstd::(unique_ptr|shared_ptr|make_unique|make_shared|weak_ptr)\b", "memory"),
    (r"\bstd::array\b", "array"),
    (r"\bstd::atomic\b", "atomic"),
    (r"\bstd::(mutex|lock_guard|unique_lock|scoped_lock)\b", "mutex"),
    (r"\bstd::thread\b", "thread"),
    (r"\bstd::chrono::", "chrono"),
    (r"\bstd::(ifstream|ofstream|fstream)\b", "fstream"),
    (r"\bstd::(ostringstream|istringstream|stringstream)\b", "sstream"),
    (r"\bstd::(sort|stable_sort|min_element|max_element|find_if|any_of|all_of|none_of|fill|reverse|unique|nth_element|partial_sort|clamp)\b", "algorithm"),
    (r"\bstd::(accumulate|iota)\b", "numeric"),
    (r"\bstd::numeric_limits\b", "limits"),
    (r"\bstd::(runtime_error|invalid_argument|logic_error|out_of_range)\b", "stdexcept"),
    (r"\bstd::(sqrt|exp|log|isfinite|isnan|fabs|pow|floor|ceil|lround|llround|round)\b", "cmath"),
    (r"\bstd::(memcpy|memset|strcmp|strlen|memcmp|strncmp)\b", "cstring"),
    (r"\bstd::(getenv|strtol|strtoll|strtod|abort|exit)\b", "cstdlib"),
    (r"\bstd::(printf|fprintf|snprintf|fflush|fopen|fclose|fputs)\b", "cstdio"),
    (r"\bstd::deque\b", "deque"),
    (r"\bstd::tuple\b", "tuple"),
    (r"\bstd::filesystem::", "filesystem"),
]
# Headers that provide another's declarations by the standard's own guarantee.
IMPLIES = {
    "string": {"utility"}, "vector": {"utility"}, "map": {"utility"}, "set": {"utility"},
    "unordered_map": {"utility"}, "array": {"utility"}, "tuple": {"utility"}, "memory": {"utility"},
    "algorithm": {"utility"}, "optional": {"utility"},
}
DIRS = ["core", "app", "ui", "tests", "fuzz"]


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'R"(\w*)\(.*?\)\1"', '""', text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def add_includes(path, headers):
    lines = path.read_text().split("\n")
    std = [i for i, l in enumerate(lines) if re.match(r"#include <[a-z_]+>\s*$", l)]
    new = [f"#include <{h}>" for h in sorted(headers)]
    if std:
        block_end = std[-1]
        while block_end + 1 < len(lines) and re.match(r"#include <[a-z_]+>\s*$", lines[block_end + 1]):
            block_end += 1
        start = block_end
        while start - 1 >= 0 and re.match(r"#include <[a-z_]+>\s*$", lines[start - 1]):
            start -= 1
        block = sorted(set(lines[start:block_end + 1]) | set(new))
        lines[start:block_end + 1] = block
    else:
        incs = [i for i, l in enumerate(lines) if l.startswith("#include")]
        at = incs[-1] + 1 if incs else next(i for i, l in enumerate(lines) if l.startswith("#pragma once")) + 1
        lines[at:at] = [""] + new
    path.write_text("\n".join(lines))


def main():
    args = sys.argv[1:]
    fix = "--fix" in args
    args = [a for a in args if a != "--fix"]
    root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent)
    problems = []
    missing_by_file = {}
    checked = 0
    for d in DIRS:
        for path in sorted((root / d).rglob("*")):
            if path.suffix not in (".h", ".cpp", ".hpp") or "third_party" in path.parts:
                continue
            checked += 1
            raw = path.read_text(errors="replace")
            included = set(re.findall(r"#\s*include\s*<([\w/.]+)>", raw))
            # A .cpp may rely on what its own header (same folder, same name) includes.
            own = path.with_suffix(".h")
            if path.suffix == ".cpp" and own.exists():
                included |= set(re.findall(r"#\s*include\s*<([\w/.]+)>", own.read_text(errors="replace")))
            for h in list(included):
                included |= IMPLIES.get(h, set())
            code = strip(raw)
            for pattern, header in REQUIRED:
                if header not in included and re.search(pattern, code):
                    line = code[: re.search(pattern, code).start()].count("\n") + 1
                    problems.append(f"{path.relative_to(root)}:{line}: uses {re.search(pattern, code).group(0)} without #include <{header}>")
                    missing_by_file.setdefault(path, set()).add(header)
    for p in problems:
        print(p)
    if fix:
        for path, headers in missing_by_file.items():
            add_includes(path, headers)
        print(f"check-includes: added includes to {len(missing_by_file)} files")
    print(f"check-includes: {checked} files, {len(problems)} missing standard includes")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
