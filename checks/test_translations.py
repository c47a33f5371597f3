"""The translations in i18n/ against the template, without Odoo.

For every .po file of i18n/: each msgid of the .pot is translated (not
missing, not empty, not fuzzy), no msgid is left that the .pot no longer has
(active or #~ obsolete), and each msgstr keeps the msgid's placeholders: the
%-formats (%s, %d, %(name)s, %%), {name} formats, HTML/QWeb tags with their
attributes, HTML entities, and the leading and trailing whitespace. Odoo
substitutes the placeholders at run time: a translation whose %-formats do not
fit the arguments is logged as a "Bad translation" error and replaced by the
English text, one that drops or adds a %% or a tag shows it raw or broken.

The files are read with polib when it is importable (Odoo's requirements
include it); otherwise with parse_po() below, which reads the subset of the
PO format that gettext and Odoo write: msgctxt, msgid_plural and msgstr[N],
multi-line strings, C escapes, flags and #~ obsolete entries."""

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

try:
    import polib
except ImportError:  # pragma: no cover - depends on the machine
    polib = None

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
POT_FILES = sorted(I18N.glob("*.pot"))
POT_FILE = POT_FILES[0] if len(POT_FILES) == 1 else None
PO_FILES = sorted(I18N.glob("*.po"))

PLACEHOLDER = re.compile(
    r"%%"  # a literal percent sign in a %-formatted string
    r"|%\([^()\s]+\)[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    # %s, %d, %5.2f ... but not "50 % of", "(%)" or "% against": no space flag
    r"|%[#0+-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]"
    r"|\{[^{}\s]*\}"  # str.format and JS fields: {}, {0}, {name}
    r"|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>"  # a tag with its attributes, as written
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9A-Fa-f]+);"  # an entity: &gt; &amp; &#160;
)


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    msgid_plural: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    def label(self):
        text = self.msgid if len(self.msgid) <= 70 else self.msgid[:67] + "..."
        return f"{self.msgctxt}|{text!r}" if self.msgctxt is not None else repr(text)


# --------------------------------------------------------------- PO reading

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(token, where):
    """The value of one quoted PO string, its C escapes decoded."""
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise ValueError(f"{where}: expected a quoted string, got {token!r}")
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == '"':
            raise ValueError(f"{where}: unescaped quote in {token!r}")
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError(f"{where}: dangling backslash in {token!r}")
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group()
            out.append(chr(int(digits, 8)))
            i += 1 + len(digits)
        elif nxt == "x" and re.match(r"[0-9A-Fa-f]{1,2}", body[i + 2 :]):
            digits = re.match(r"[0-9A-Fa-f]{1,2}", body[i + 2 :]).group()
            out.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        else:
            raise ValueError(f"{where}: unknown escape \\{nxt} in {token!r}")
    return "".join(out)


def parse_po(text, name="<po>"):
    """The entries of a PO or POT file, the header (msgid "") included."""
    entries = []
    fields_ = {}
    flags = []
    obsolete = False
    last = None  # the field the next continuation line extends

    def flush():
        nonlocal fields_, flags, obsolete, last
        if fields_:
            if "msgid" not in fields_:
                raise ValueError(f"{name}: an entry without msgid: {fields_}")
            plural = {int(k[7:-1]): v for k, v in fields_.items() if k.startswith("msgstr[")}
            entries.append(
                Entry(
                    msgid=fields_["msgid"],
                    msgstr=fields_.get("msgstr", ""),
                    msgctxt=fields_.get("msgctxt"),
                    msgid_plural=fields_.get("msgid_plural", ""),
                    msgstr_plural=plural,
                    flags=flags,
                    obsolete=obsolete,
                )
            )
        fields_, flags, obsolete, last = {}, [], False, None

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = raw.strip()
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # "#~|": the previous msgid of an obsolete entry
                continue
        elif line.startswith("#"):
            if fields_ and "msgid" in fields_ and any(k.startswith("msgstr") for k in fields_):
                flush()  # comments open the next entry
            if line.startswith("#,"):
                flags.extend(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if not line:
            flush()
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword = match.group(1)
            # msgctxt or msgid after a complete entry starts the next one
            if keyword in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in fields_):
                flush()
            if keyword in fields_:
                raise ValueError(f"{where}: {keyword} twice in one entry")
            fields_[keyword] = _unquote(match.group(3), where)
            obsolete = obsolete or is_obsolete
            last = keyword
        elif line.startswith('"'):
            if last is None:
                raise ValueError(f"{where}: a string outside of any field")
            fields_[last] += _unquote(line, where)
        else:
            raise ValueError(f"{where}: cannot read {raw!r}")
    flush()
    return entries


def _from_polib(path):
    po = polib.pofile(str(path))
    return [
        Entry(
            msgid=entry.msgid,
            msgstr=entry.msgstr,
            msgctxt=entry.msgctxt,
            msgid_plural=entry.msgid_plural or "",
            msgstr_plural={int(k): v for k, v in entry.msgstr_plural.items()},
            flags=list(entry.flags),
            obsolete=entry.obsolete,
        )
        for entry in po  # the active entries and the #~ obsolete ones; the header is po.metadata
    ]


def read_entries(path):
    """The entries of a file but its header."""
    if polib is not None:
        return _from_polib(path)
    return [e for e in parse_po(path.read_text(encoding="utf-8"), path.name) if e.key != (None, "")]


def read_header(path):
    text = path.read_text(encoding="utf-8")
    header = next((e for e in parse_po(text, path.name) if e.key == (None, "")), None)
    assert header is not None, f"{path.name} has no header entry"
    metadata = {}
    for line in header.msgstr.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            metadata[key.strip()] = value.strip()
    return metadata


# --------------------------------------------------------------- the checks


def placeholders(text):
    return Counter(PLACEHOLDER.findall(text))


def _edges(text):
    return re.match(r"\s*", text).group(), text[len(text.rstrip()) :]


def _compare(source, translation, where):
    problems = []
    expected, found = placeholders(source), placeholders(translation)
    if expected != found:
        lost = sorted((expected - found).elements())
        extra = sorted((found - expected).elements())
        problems.append(f"{where}: placeholders differ: missing {lost}, unexpected {extra}")
    if _edges(source) != _edges(translation):
        problems.append(f"{where}: leading/trailing whitespace differs from the msgid: {_edges(source)!r}")
    return problems


def find_problems(template, translated, nplurals=None):
    """What is wrong with the entries of a .po (translated) against its .pot
    (template), as readable lines; empty when the file is complete."""
    problems = []
    wanted = {entry.key: entry for entry in template if not entry.obsolete and entry.key != (None, "")}
    seen = {}
    for entry in translated:
        if entry.key == (None, ""):
            continue
        if entry.key not in wanted:
            state = "obsolete (#~) entry" if entry.obsolete else "msgid"
            problems.append(f"{entry.label()}: {state} not in the .pot (remove it, e.g. msgmerge + msgattrib)")
            continue
        if entry.obsolete:
            continue  # the active entry with the same msgid is checked, or reported missing
        if entry.key in seen:
            problems.append(f"{entry.label()}: duplicate entry")
        seen[entry.key] = entry
    for key, source in wanted.items():
        entry = seen.get(key)
        if entry is None:
            problems.append(f"{source.label()}: missing from the file")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{source.label()}: marked fuzzy, Odoo would not trust it")
        if source.msgid_plural:
            forms = entry.msgstr_plural
            if nplurals is not None and sorted(forms) != list(range(nplurals)):
                problems.append(f"{source.label()}: plural forms {sorted(forms)}, expected 0..{nplurals - 1}")
            for index, text in sorted(forms.items()):
                if not text:
                    problems.append(f"{source.label()}: msgstr[{index}] is empty")
                else:
                    problems += _compare(source.msgid_plural, text, f"{source.label()} msgstr[{index}]")
        elif not entry.msgstr:
            problems.append(f"{source.label()}: not translated (empty msgstr)")
        else:
            problems += _compare(source.msgid, entry.msgstr, source.label())
    return problems


# --------------------------------------------------------------- the tests


def test_one_template_per_module():
    # Odoo's export writes one <module>.pot; the checks below compare with it
    assert len(POT_FILES) == 1, f"expected one .pot in i18n/, found {[p.name for p in POT_FILES]}"


def test_there_is_a_russian_translation():
    assert I18N / "ru.po" in PO_FILES


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: p.name)
def test_po_header(path):
    metadata = read_header(path)
    assert "charset=UTF-8" in metadata.get("Content-Type", ""), metadata
    assert metadata.get("Language") == path.stem, f"Language should be {path.stem}: {metadata}"
    assert re.match(r"nplurals=\d+; plural=.+;$", metadata.get("Plural-Forms", "")), metadata


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: p.name)
def test_po_is_complete_and_keeps_placeholders(path):
    match = re.match(r"nplurals=(\d+)", read_header(path).get("Plural-Forms", ""))
    problems = find_problems(read_entries(POT_FILE), read_entries(path), int(match.group(1)) if match else None)
    assert not problems, f"{path.name}: {len(problems)} problem(s):\n" + "\n".join(problems)


def test_checks_catch_broken_entries():
    # the same checks on entries broken on purpose: each kind is reported
    template = [
        Entry("%(count)s customers classified, %(changed)s updated."),
        Entry("<span>% of the usual interval</span>"),
        Entry("Revenue down %(percent)s %% against %s"),
        Entry("Active"),
        Entry("Active", msgctxt="state"),
        Entry("Missing one"),
        Entry("\nIndented text\n"),
        Entry("%d customer", msgid_plural="%d customers"),
    ]
    translated = [
        # translations as "ru:" + English: the checks look at placeholders, not at words
        Entry("%(count)s customers classified, %(changed)s updated.", "ru: %(count)s classified, %(chnged)s updated."),
        Entry("<span>% of the usual interval</span>", "<span class='x'>ru: % of the usual interval</span>"),
        Entry("Revenue down %(percent)s %% against %s", "ru: revenue down %(percent)s % against %s"),
        Entry("Active", ""),
        Entry("Active", "ru: active", msgctxt="state", flags=["fuzzy"]),
        Entry("Gone from the template", "ru: gone"),
        Entry("Gone too", "ru: gone too", obsolete=True),
        Entry("\nIndented text\n", "ru: indented text"),
        Entry("%d customer", msgid_plural="%d customers", msgstr_plural={0: "ru: %d one", 1: "ru: %d few", 2: ""}),
    ]
    problems = "\n".join(find_problems(template, translated, nplurals=3))
    assert "missing ['%(changed)s'], unexpected ['%(chnged)s']" in problems
    assert "missing ['<span>'], unexpected [\"<span class='x'>\"]" in problems
    assert "missing ['%%']" in problems
    assert "'Active': not translated" in problems
    assert "state|'Active': marked fuzzy" in problems
    assert "'Missing one': missing from the file" in problems
    assert "'Gone from the template': msgid not in the .pot" in problems
    assert "'Gone too': obsolete (#~) entry not in the .pot" in problems
    assert "'\\nIndented text\\n': leading/trailing whitespace" in problems
    assert "msgstr[2] is empty" in problems
    assert len(problems.splitlines()) == 10, problems


def test_placeholders_are_not_plain_percent_signs():
    # "50 % of", "(%)" and "% against" are text; %-formats and markup are not
    assert not placeholders("A up to (%) and 80 % of the customers, % against the window before")
    assert placeholders("%(a)s %s %d %5.2f %% {name} {} <b class='x'>&gt;</b>") == Counter(
        ["%(a)s", "%s", "%d", "%5.2f", "%%", "{name}", "{}", "<b class='x'>", "&gt;", "</b>"]
    )


SAMPLE_PO = r"""# a translator comment
msgid ""
msgstr ""
"Language: ru\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : 1);\n"

#. module: customer_segmentation
#: model:ir.ui.view,arch_db:customer_segmentation.view
#, fuzzy, python-format
msgid "Say \"hi\"\tnow"
msgstr "Sagen Sie «Grüß Gott»\tjetzt"

msgctxt "menu"
msgid ""
"Two lines\n"
"joined"
msgstr ""
"Zwei Zeilen\n"
"zusammen"
#: code:addons/customer_segmentation/models/x.py:0
msgid "%d day"
msgid_plural "%d days"
msgstr[0] "%d one"
msgstr[1] "%d few"
msgstr[2] "%d many"

#~ msgid "Old"
#~ msgstr "Alt"
"""


def test_fallback_parser_reads_the_po_format():
    entries = parse_po(SAMPLE_PO)
    assert [e.key for e in entries] == [(None, ""), (None, 'Say "hi"\tnow'), ("menu", "Two lines\njoined"),
                                        (None, "%d day"), (None, "Old")]  # fmt: skip
    header, quoted, context, plural, old = entries
    assert "Plural-Forms: nplurals=3;" in header.msgstr
    assert quoted.msgstr == "Sagen Sie «Grüß Gott»\tjetzt" and quoted.flags == ["fuzzy", "python-format"]
    assert context.msgstr == "Zwei Zeilen\nzusammen" and not context.obsolete
    assert plural.msgid_plural == "%d days"
    assert plural.msgstr_plural == {0: "%d one", 1: "%d few", 2: "%d many"}
    assert old.obsolete and old.msgstr == "Alt"
    with pytest.raises(ValueError, match="unknown escape"):
        parse_po('msgid "a\\qb"\nmsgstr ""\n')


@pytest.mark.skipif(polib is None, reason="polib is not installed: the fallback parser is the only reader")
@pytest.mark.parametrize("path", [*POT_FILES, *PO_FILES], ids=lambda p: p.name)
def test_fallback_parser_agrees_with_polib(path):
    ours = [e for e in parse_po(path.read_text(encoding="utf-8"), path.name) if e.key != (None, "")]
    assert ours == _from_polib(path)
