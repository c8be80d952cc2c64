#!/usr/bin/env python3
"""Doxygen's input filter for Retort's headers (docs/Doxyfile, FILTER_PATTERNS): prints a header with its
plain // comments read as Doxygen comments. The headers themselves keep the project's // style.

    docs/doc_comments.py FILE          the header as Doxygen should read it, on standard output
    docs/doc_comments.py --show FILE   the same, as a diff against the header

Only comment lines change, in three ways:
  - a run of // lines right above a declaration at namespace or class scope becomes /// (the declaration's
    documentation); section rulers ("// ---- events") inside such a run stay //, and so does a run that ends
    at a closing brace, an access label or a preprocessor line;
  - a // comment after a member or enumerator on the same line (`int n = 0;  // what n is`) becomes ///<;
  - the comment at the top of a header (above #pragma once) becomes ///, with \\file at its end.
Comments inside function bodies are never touched. In the comments made Doxygen's, a <placeholder> (not a
template's argument list), an @ and a backslash are escaped, which Doxygen would otherwise take as an HTML
tag or a command. The filter checks itself: undoing the comment markers must give back the header exactly, or it
prints the header unchanged (and says so on standard error).
"""
import pathlib
import re
import sys

RULER = re.compile(r"^\s*//\s*(-{2,}|={2,}|~{2,}|\*{2,})")
COMMENT_LINE = re.compile(r"^(\s*)//(?![/!])(.*)$")
LABEL = re.compile(r"^\s*(public|private|protected)\s*:")


def code_and_comment(line, state):
    """Splits a line into its code and its trailing // comment (None when none), skipping strings and
    character literals. state carries an open raw string across lines: [delimiter or None]."""
    i, n = 0, len(line)
    code = []
    while i < n:
        if state[0] is not None:
            end = line.find(")" + state[0] + '"', i)
            if end < 0:
                return "".join(code), None
            i = end + len(state[0]) + 2
            state[0] = None
            continue
        c = line[i]
        if line.startswith("//", i):
            return "".join(code), line[i:]
        if line.startswith("/*", i):
            end = line.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        m = re.match(r'R"([^(\s]*)\(', line[i:])
        if m and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            state[0] = m.group(1)
            code.append('R""')
            i += m.end()
            continue
        if c in "\"'":
            if c == "'" and i > 0 and line[i - 1].isalnum():  # a digit separator: 1'000
                i += 1
                continue
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            code.append(c + c)
            i = j + 1
            continue
        code.append(c)
        i += 1
    return "".join(code), None


def strip_template_header(text):
    """The declaration text without its leading template <...> parameter lists."""
    text = text.strip()
    while True:
        m = re.match(r"template\s*<", text)
        if not m:
            return text
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"<": 1, ">": -1}.get(text[i], 0)
            i += 1
        text = text[i:].strip()


def scope_kind(pending):
    """What a '{' opens, from the code since the last ';', '{' or '}'."""
    text = strip_template_header(" ".join(pending.split()))
    text = re.sub(r"^(\[\[[^\]]*\]\]\s*)+", "", text)
    if re.match(r"(inline\s+)?namespace\b", text) or text.startswith('extern ""'):
        return "ns"
    if re.match(r"(class|struct|union|enum)\b", text) and "(" not in text and "=" not in text:
        return "type"
    return "other"


def convert(text):
    lines = text.split("\n")
    out = list(lines)
    stack = []  # scope kinds of the open braces
    pending = ""  # code since the last ; { }
    raw = [None]
    scope_at_start = []  # the innermost scope kind where each line starts
    parts = []
    for line in lines:
        scope_at_start.append(stack[-1] if stack else "ns")
        code, comment = code_and_comment(line, raw)
        parts.append((code, comment))
        if code.lstrip().startswith("#"):  # preprocessor lines are no part of a declaration
            continue
        for ch in code:
            if ch == "{":
                stack.append(scope_kind(pending))
                pending = ""
            elif ch == "}":
                if stack:
                    stack.pop()
                pending = ""
            elif ch == ";":
                pending = ""
            else:
                pending += ch
        pending += " "

    def is_comment_line(k):
        return COMMENT_LINE.match(lines[k]) is not None and parts[k][0].strip() == ""

    # The header's own comment, above #pragma once.
    k = 0
    while k < len(lines) and is_comment_line(k):
        k += 1
    file_doc = k > 0 and k < len(lines) and lines[k].strip() == "#pragma once"
    file_end = k
    converted = set()
    if file_doc:
        converted.update(range(k))

    # Runs of comment lines right above a declaration.
    k = 0
    while k < len(lines):
        if not is_comment_line(k) or (file_doc and k in converted):
            k += 1
            continue
        start = k
        while k < len(lines) and is_comment_line(k):
            k += 1
        if scope_at_start[start] not in ("ns", "type") or k >= len(lines):
            continue
        nxt = lines[k].strip()
        if not nxt or nxt.startswith("}") or nxt.startswith("#") or LABEL.match(nxt):
            continue
        first = start
        for j in range(start, k):
            if RULER.match(lines[j]):
                first = j + 1
        converted.update(range(first, k))

    for j in sorted(converted):
        out[j] = COMMENT_LINE.sub(r"\1///\2", lines[j], count=1)

    # Trailing comments of members and enumerators.
    for j, (code, comment) in enumerate(parts):
        if comment is None or comment.startswith("///") or comment.startswith("//!") or not code.strip():
            continue
        if comment[2:].lstrip().startswith("NOLINT"):  # for clang-tidy, not for readers
            continue
        c = code.rstrip()
        scope = scope_at_start[j]
        balanced = c.count("{") == c.count("}") and c.count("(") == c.count(")")
        if scope == "type" and balanced and not c.lstrip().startswith("}") and c[-1:] in (";", ",", "}"):
            at = len(lines[j]) - len(comment)
            out[j] = lines[j][:at] + "///<" + comment[2:]

    if file_doc:  # at the end of the header's comment, so every line keeps its number
        out[file_end - 1] += " \\file"
    return "\n".join(out)


def undo(text):
    lines = [line[: -len(" \\file")] if line.endswith(" \\file") else line for line in text.split("\n")]
    lines = [re.sub(r"///<", "//", re.sub(r"^(\s*)///(?!<)", r"\1//", line)) for line in lines]
    return "\n".join(lines)


PLACEHOLDER = re.compile(r"(?<![\w>\\])<([A-Za-z_][\w ]*)>")
AT_SIGN = re.compile(r"(?<!\\)@")


def escape_doc(line, at):
    """Escapes what Doxygen would misread in the comment starting at `at` (its /// or ///<), outside
    `code spans`."""
    marker = 4 if line.startswith("///<", at) else 3
    head, text = line[: at + marker], line[at + marker :]
    pieces = text.split("`")
    for i in range(0, len(pieces), 2):  # even pieces are outside backticks
        pieces[i] = pieces[i].replace("\\", "\\\\")  # "\n" in a comment is text, not Doxygen's \n
        pieces[i] = PLACEHOLDER.sub(r"\\<\1\\>", pieces[i])
        pieces[i] = AT_SIGN.sub(r"\\@", pieces[i])
    return head + "`".join(pieces)


def doxygen_view(text):
    converted = convert(text)
    if undo(converted) != text:
        return None
    before = text.split("\n")
    lines = converted.split("\n")
    for i, (old, new) in enumerate(zip(before, lines)):
        if old != new:
            k = next((j for j in range(len(old)) if old[j] != new[j]), len(old))  # "//x" became "///x": k is at x
            file_cmd = new.endswith(" \\file") and not old.endswith(" \\file")
            lines[i] = escape_doc(new[: -len(" \\file")] if file_cmd else new, k - 2) + (" \\file" if file_cmd else "")
    return "\n".join(lines)


def main(argv):
    show = argv[:1] == ["--show"]
    if show:
        argv = argv[1:]
    if len(argv) != 1:
        sys.exit(__doc__)
    path = pathlib.Path(argv[0])
    text = path.read_text()
    view = doxygen_view(text)
    if view is None:
        print(f"{path}: the comment conversion would change more than comment markers; read as it is",
              file=sys.stderr)
        view = text
    if show:
        import difflib
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), view.splitlines(True), str(path), "doxygen"))
    else:
        sys.stdout.write(view)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
