"""Static checks of the interface code: both languages have every text, and no script turns data into HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hub.actions import system_entries
from hub.actions import tasks as task_actions
from hub.domain import (
    AssignmentPolicy,
    AuthorType,
    ClientKind,
    ConversationStatus,
    DeliveryStatus,
    IdentityKind,
    Priority,
)
from hub.domain_sla import SlaTarget
from hub.domain_tasks import TaskPriority, TaskStatus

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"
OUR_TEMPLATES = ["base.html", "login.html", "inbox.html"]


def scripts() -> dict[str, str]:
    found = {
        p.relative_to(STATIC).as_posix(): p.read_text(encoding="utf-8")
        for p in STATIC.rglob("*.js")
        if "vendor" not in p.parts
    }
    assert {"i18n.js", "dom.js", "login.js", "inbox/main.js", "inbox/entry.js"} <= set(found)
    return found


def dictionaries() -> dict[str, dict[str, str]]:
    return json.loads((STATIC / "i18n.json").read_text(encoding="utf-8"))


def strip_comments(code: str) -> str:
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    return re.sub(r"(?m)^\s*//.*$", "", code)


# --- i18n ---------------------------------------------------------------------------------------------------------


def test_english_and_russian_have_the_same_keys_and_no_empty_text():
    d = dictionaries()
    assert set(d) == {"en", "ru"}
    assert set(d["en"]) == set(d["ru"]), {
        "only in en": sorted(set(d["en"]) - set(d["ru"])),
        "only in ru": sorted(set(d["ru"]) - set(d["en"])),
    }
    for language, texts in d.items():
        empty = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
        assert not empty, f"{language}: empty texts {empty}"


def test_placeholders_match_between_languages():
    d = dictionaries()
    for key, english in d["en"].items():
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", d["ru"][key])), key


def test_russian_is_actually_translated():
    d = dictionaries()
    cyrillic = [k for k, v in d["ru"].items() if re.search("[а-яё]", v, re.I)]
    assert len(cyrillic) >= 0.85 * len(d["ru"])


def used_keys(namespaces: set[str]) -> set[str]:
    """Every "namespace.name" string literal in the scripts (t("..."), tables of keys, ternaries) and every
    data-i18n* attribute of the templates."""
    keys: set[str] = set()
    for code in scripts().values():
        for key in re.findall(r"""["']([a-z]+\.[a-z_]+)["']""", strip_comments(code)):
            if key.split(".")[0] in namespaces:
                keys.add(key)
    for name in OUR_TEMPLATES:
        html = (TEMPLATES / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', html))
    return keys


def test_every_text_the_interface_uses_is_in_the_dictionary():
    d = dictionaries()
    keys = used_keys({k.split(".")[0] for k in d["en"]})
    assert len(keys) > 60, "the key scan found too little: did the code's style change?"
    missing = sorted(keys - set(d["en"]))
    assert not missing, f"keys used but not translated: {missing}"


def test_texts_built_from_domain_values_exist_for_every_value():
    d = dictionaries()
    needed = (
        [f"status.{s.value}" for s in ConversationStatus]
        + [f"kind.{k.value}" for k in ClientKind]
        + [f"identity.{i.value}" for i in IdentityKind]
        + [f"author.{a.value}" for a in AuthorType]
        + [f"delivery.{s.value}" for s in DeliveryStatus]
        + [f"conn.{s}" for s in ("connecting", "live", "offline")]
        + [f"mention.{k}" for k in ("user", "department")]
        + [f"channel.{c}" for c in ("webchat", "telegram", "email", "phone", "api")]
        + [f"task_status.{s.value}" for s in TaskStatus]
        + [f"task_priority.{p.value}" for p in TaskPriority]
        + [f"priority.{p.value}" for p in Priority]
        + [f"sla.target.{s.value}" for s in SlaTarget]
        + [f"queues.policy.{p.value}" for p in AssignmentPolicy]
        # system entries are codes + params, rendered in the reader's language
        + [f"system.{code}" for code in system_entries.TEXTS]
        + [f"system.{code}" for code in task_actions._TEXTS]
    )
    missing = [k for k in needed if k not in d["en"]]
    assert not missing, missing


# --- no HTML from data --------------------------------------------------------------------------------------------

HTML_SINKS = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser"
    r"|\beval\s*\(|new\s+Function\s*\(|setAttribute\(\s*[\"'](?:on\w+|srcdoc|style)[\"']"
)


def test_no_script_parses_data_as_html():
    offenders = []
    for name, code in scripts().items():
        for number, line in enumerate(strip_comments(code).splitlines(), 1):
            if HTML_SINKS.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "HTML sinks in static JS:\n" + "\n".join(offenders)


def test_the_only_html_shown_is_the_sanitized_email_html_in_a_sandboxed_frame():
    """Message HTML is rendered in exactly one place: emailFrame(), an <iframe sandbox=""> whose srcdoc gets
    entry.html (cleaned by nh3 on the server). No other srcdoc, and emailFrame is fed nothing else."""
    code = strip_comments(scripts()["inbox/entry.js"])
    srcdoc = [line.strip() for line in code.splitlines() if "srcdoc" in line]
    assert len(srcdoc) == 1, srcdoc
    assert re.fullmatch(r"frame\.srcdoc = `[^`]*\$\{EMAIL_CSS\}[^`]*\$\{sanitizedHtml\}[^`]*`;", srcdoc[0]), (
        srcdoc
    )
    body = code[code.index("function emailFrame(sanitizedHtml)") :]
    body = body[: body.index("\n}\n")]
    assert 'frame.setAttribute("sandbox", "");' in body
    assert body.index('setAttribute("sandbox"') < body.index("srcdoc")
    calls = re.findall(r"emailFrame\(([^)]*)\)", code)
    assert calls == ["sanitizedHtml", "entry.html"], calls
    for name, other in scripts().items():
        if name != "inbox/entry.js":
            assert "srcdoc" not in strip_comments(other).replace('"srcdoc"', ""), name
            assert "emailFrame(" not in strip_comments(other), name


def test_the_dom_helper_only_makes_text_nodes_from_strings():
    code = strip_comments(scripts()["dom.js"])
    assert "document.createTextNode(String(child))" in code
    assert re.search(r'key === "innerHTML" \|\| key === "outerHTML" \|\| key === "srcdoc"', code)
