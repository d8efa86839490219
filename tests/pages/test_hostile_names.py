"""Every page of every role, rendered with hostile names, bios, campaigns and messages: user text never becomes Markdown.

A name like ``[click](http://evil.example)`` rendered as Markdown is a phishing link in the admin's
browser, ``![x](http://evil.example/a.png)`` an image fetched from an outside host. The pages show
user text on many surfaces (markdown, captions, alerts, toasts, headings, labels); this walks every
element AppTest sees and fails when one of them carries a hostile payload verbatim, i.e. unescaped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.marketplace import accounts, ad_requests, campaigns
from core.models import User
from pages.common.markup import literal, md
from tests.pages.conftest import picker
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]

# Long enough to carry every trick; at most 120 characters (names) and 60 (categories, niches, industries).
HOSTILE = (
    "![x](http://evil.example/a.png) [click](http://evil.example) <script>alert(1)</script> **bold** $x$ :red[x] `tick`"
)
SHORT = "[c](http://evil.example)<script>**b**$x$:red[x]`t`"
MULTILINE = (
    HOSTILE + "\n# heading\n- item\n1. first\n===\n<img src=http://evil.example/b.png>\n"
    "www.evil.example mail@evil.example http://evil.example/bare &lt;b&gt; :smile:"
)
# What any of them looks like when a surface shows it unescaped.
MARKERS = (
    "](http://evil.example",
    "<script>",
    "<img",
    "**b",
    "$x$",
    ":red[x]",
    "`t",
    "\n# heading",
    "\n- item",
    "\n1. first",
    "http://evil",
    "www.evil",
    "&lt;",
)

PAGES = {
    "admin": ["admin/dashboard", "admin/approvals", "admin/users", "admin/campaigns", "admin/audit", "admin/reports"],
    "sponsor": [
        "sponsor/dashboard",
        "sponsor/campaigns",
        "sponsor/find_influencers",
        "sponsor/downloads",
        "sponsor/reports",
        "sponsor/team",
        "sponsor/pipeline",
        "sponsor/products",
        "sponsor/imports",
        "account/my_account",
    ],
    "influencer": [
        "influencer/inbox",
        "influencer/find_campaigns",
        "influencer/profile",
        "influencer/notifications",
        "account/my_account",
    ],
}

# Proto fields shown through Streamlit's Markdown renderer, by element; st.text, st.code and widget values are literal.
_MARKDOWN_FIELDS = ("body", "label", "help", "text", "caption")
_LITERAL_ELEMENTS = {"text", "code", "json", "exception", "text_input", "text_area", "dataframe", "arrow_data_frame"}


@pytest.fixture
def hostile(app_db):
    """A marketplace where every piece of user text is hostile Markdown/HTML."""
    db = app_db
    admin = f.admin(db)
    sponsor = f.sponsor(db, name=HOSTILE)
    with db.Session.begin() as s:
        accounts.update_sponsor_profile(
            s, actor=sponsor, name=HOSTILE, kind="company", industry=SHORT, budget_cents=10_000_000
        )
    pending = [f.sponsor(db, approved=False, name=HOSTILE) for _ in range(2)]
    star = f.influencer(db, name=HOSTILE, category=SHORT, niche=SHORT, bio=MULTILINE)
    pitcher = f.influencer(db, name=HOSTILE, category=SHORT, niche=SHORT, bio=MULTILINE)
    flagged = f.influencer(db, name=HOSTILE)
    campaign_id = f.campaign(db, sponsor, name=HOSTILE, category=SHORT, niche=SHORT, description=MULTILINE)
    flagged_campaign = f.campaign(db, sponsor, name=HOSTILE, category=SHORT, niche=SHORT, description=MULTILINE)
    with db.Session.begin() as s:
        offer = ad_requests.send_ad_request(
            s,
            actor=sponsor,
            campaign_id=campaign_id,
            influencer_id=star.id,
            payment_cents=50_000,
            requirements=MULTILINE,
            message=MULTILINE,
        )
    with db.Session.begin() as s:
        ad_requests.counter_offer(
            s,
            actor=star,
            ad_request_id=offer,
            expected_version=ad_requests.current_version(s, offer),
            payment_cents=60_000,
            message=MULTILINE,
        )
    with db.Session.begin() as s:
        ad_requests.ask_to_join(
            s, actor=pitcher, campaign_id=campaign_id, payment_cents=30_000, message=MULTILINE, requirements=MULTILINE
        )
    with db.Session.begin() as s:
        accounts.flag_user(s, actor=admin, user_id=flagged.id, reason=HOSTILE)
        campaigns.flag_campaign(s, actor=admin, campaign_id=flagged_campaign, reason=HOSTILE)
    return {
        "db": db,
        "admin": admin,
        "sponsor": sponsor,
        "influencer": star,
        "pending": pending,
        "campaign_id": campaign_id,
    }


def open_page(page: str, actor_id: int) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30)
    at.session_state["actor_id"] = actor_id
    return at.run()


def _strings(message, element: str):
    """(field, text) pairs of a proto message that Streamlit renders as Markdown, nested messages included."""
    for field, value in message.ListFields():
        if field.message_type is not None:
            for child in [value] if hasattr(value, "ListFields") else value:
                yield from _strings(child, element)
        elif field.name in _MARKDOWN_FIELDS or (field.name == "options" and element == "radio"):
            for text in [value] if isinstance(value, str) else value:
                if isinstance(text, str):
                    yield field.name, text


def markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element.field, text) of every string AppTest holds that Streamlit renders as Markdown."""
    found, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        element = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if proto is None or element in _LITERAL_ELEMENTS or not hasattr(proto, "ListFields"):
            continue
        found.extend((f"{element}.{field}", text) for field, text in _strings(proto, element))
    return found


_INERT = re.compile(r"\\.", re.S)  # a backslash-escaped character renders as itself


def unescaped_user_text(at: AppTest) -> list[tuple[str, str]]:
    """The Markdown surfaces that show a hostile payload unescaped (backslash-escaped characters are inert)."""
    return [
        (where, text)
        for where, text in markdown_texts(at)
        if any(marker in _INERT.sub("\0", text) for marker in MARKERS)
    ]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert unescaped_user_text(at) == []


@pytest.mark.parametrize("role, page", [(role, page) for role, pages in PAGES.items() for page in pages])
def test_no_page_renders_user_text_as_markdown_links_images_html_or_maths(hostile, role, page):
    at = open_page(page, hostile[role].id)
    assert_clean(at)
    if page in ("admin/approvals", "admin/users", "sponsor/campaigns", "influencer/inbox", "influencer/profile"):
        assert any(literal(HOSTILE) in text for _, text in markdown_texts(at))  # on the page, shown as typed


@pytest.mark.parametrize("tab", ["👥 Teammates", "✉️ Invitations", "🏢 Organization & brands"])
def test_every_tab_of_the_team_page_renders_user_text_as_typed(hostile, tab):
    at = AppTest.from_file(str(ROOT / "pages" / "sponsor" / "team.py"), default_timeout=30)
    at.session_state["actor_id"] = hostile["sponsor"].id
    at.session_state["team-tab"] = tab  # only the open tab is built, so each is opened in turn
    at.run()
    assert_clean(at)


def test_approving_and_rejecting_a_hostile_sponsor_shows_the_name_as_text_in_the_one_banner(hostile):
    at = open_page("admin/approvals", hostile["admin"].id)
    next(b for b in at.button if b.label == "Approve").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == [literal(f"Approved {HOSTILE}")]
    assert not at.toast
    at.text_input[0].input(HOSTILE)
    next(b for b in at.button if b.label == "Reject").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == [literal(f"Rejected {HOSTILE}")]


def test_markdown_built_with_md_keeps_its_own_formatting_and_escapes_the_values():
    built = md("Approved **{name}**", name="[click](http://evil.example)")
    assert built == "Approved **\\[click\\](http\u2060://evil.example)**"
    assert literal("**bold** $x$ :red[x] <b>") == r"\*\*bold\*\* \$x\$ \:red\[x\] \<b\>"
    assert literal("# Title\n- item\n12. twelve") == "\\# Title\n\\- item\n12\\. twelve"
    assert literal("see www.evil.example or a@evil.example") == "see www\u2060.evil.example or a@evil.example"
    assert literal("Reason is required. Counter-offer (optional), 1,500.00!") == (
        "Reason is required. Counter-offer (optional), 1,500.00!"
    )


def test_every_md_template_in_pages_is_a_string_literal_so_user_data_cannot_reach_it():
    offenders = []
    for path in (ROOT / "pages").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "md":
                first = node.args[0] if node.args else None
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_admin_reads_a_hostile_campaign_and_its_negotiation_as_text(hostile):
    at = open_page("admin/campaigns", hostile["admin"].id)
    picker(at, "camp_selected").select(hostile["campaign_id"]).run()
    thread = picker(at, f"camp_thread_{hostile['campaign_id']}")
    thread.select(thread.options and int(thread.options[0].split()[0].lstrip("#"))).run()
    assert_clean(at)
    assert at.chat_message  # the negotiation's history is on screen
    assert any(literal(MULTILINE) in text for _, text in markdown_texts(at))


@pytest.mark.parametrize("role", ["sponsor", "influencer"])
def test_the_router_and_its_sidebar_show_a_hostile_display_name_as_text(hostile, role):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input(key="login_username").input(hostile[role].username)
    at.text_input(key="login_password").input(f.PASSWORD)
    at.button(key="FormSubmitter:login_form-Log in").click()
    at.run()
    assert at.session_state["authentication_status"] is True
    assert_clean(at)
    assert any(literal(HOSTILE) in text for _, text in markdown_texts(at))


# Fields that hold what users typed; a page that puts one into a Markdown f-string must escape it.
USER_TEXT = {
    "name", "display_name", "username", "email", "bio", "description", "goals", "campaign", "sponsor",
    "sponsor_name", "influencer", "category", "niche", "flag_reason", "requirements", "message", "title",
    "reason", "industry", "actor", "note",
}  # fmt: skip
MARKDOWN_CALLS = {"markdown", "caption", "success", "info", "warning", "error", "toast", "subheader", "header", "title"}
ESCAPERS = {"md_escape", "literal", "md"}


def _names_user_text(expression: ast.AST) -> bool:
    for node in ast.walk(expression):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ESCAPERS:
            return False  # everything under an escaper is escaped
    return any(
        (isinstance(node, ast.Subscript) and getattr(node.slice, "value", None) in USER_TEXT)
        or (isinstance(node, ast.Attribute) and node.attr in USER_TEXT)
        for node in ast.walk(expression)
    )


def _is_escaper(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in ESCAPERS


def _unescaped_nodes(node: ast.AST):
    """node and its descendants, skipping what an escaper call (or a comprehension of escaper calls) wraps."""
    if _is_escaper(node) or (isinstance(node, (ast.GeneratorExp, ast.ListComp)) and _is_escaper(node.elt)):
        return
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _unescaped_nodes(child)


def test_no_page_puts_user_text_into_a_markdown_f_string_without_escaping_it():
    offenders = []
    for path in (ROOT / "pages").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(call, ast.Call) and getattr(call.func, "attr", None) in MARKDOWN_CALLS):
                continue
            for fstring in (n for arg in call.args for n in _unescaped_nodes(arg) if isinstance(n, ast.JoinedStr)):
                for value in fstring.values:
                    if isinstance(value, ast.FormattedValue) and _names_user_text(value.value):
                        offenders.append(f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(value.value)}")
    assert offenders == []


def test_a_rejected_sponsor_sees_the_admins_reason_as_text_at_login(hostile):
    with hostile["db"].Session.begin() as s:
        username = s.get(User, hostile["pending"][0]).username
        accounts.reject_sponsor(s, actor=hostile["admin"], user_id=hostile["pending"][0], reason=HOSTILE)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(f.PASSWORD)
    at.button(key="FormSubmitter:login_form-Log in").click()
    at.run()
    assert_clean(at)
    assert any(literal(HOSTILE) in text for _, text in markdown_texts(at))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"[]()!<>*_`$~|:&#=+-.@/\\ \n1aw", "http://", "www.", "red", "x", "evil.example"]), max_size=25
    ).map("".join)
)
def test_escaped_text_leaves_no_markdown_syntax_live_whatever_it_holds(raw):
    shown = _INERT.sub("\0", literal(raw))
    assert not set(shown) & set("[]<>*_`$~|\\")
    assert not re.search(r"(?i)(https?|ftp)://[a-z0-9]|www\.[a-z0-9]", shown)
    assert not re.search(r":[A-Za-z\[]|&[A-Za-z#]|^[ \t]*([#>+=-]|[0-9]+[.)])", shown, re.MULTILINE)
