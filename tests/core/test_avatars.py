"""Generated avatars: deterministic, valid SVG data URIs that escape whatever name they are given."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from core.platform import avatars

PREFIX = "data:image/svg+xml;base64,"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = [
    "<script>alert(1)</script>",
    '" onload="alert(1)',
    "O'Brien & <Sons>",
    "😀 Emoji Person",
    "",
    "   ",
    "\u202eevil",
    "Zoë Ångström",
    "李小龙",
]


def _svg(uri: str) -> ET.Element:
    assert uri.startswith(PREFIX)
    return ET.fromstring(base64.b64decode(uri[len(PREFIX) :]).decode("utf-8"))


def test_the_same_user_always_gets_the_same_avatar():
    assert avatars.avatar_data_uri("Maya Chen", key=12) == avatars.avatar_data_uri("Maya Chen", key=12)


def test_namesakes_with_different_ids_can_get_different_colours():
    colours = {avatars.colour(str(user_id)) for user_id in range(40)}
    assert len(colours) > 5


def test_an_avatar_shows_the_initials_of_the_first_and_last_name():
    root = _svg(avatars.avatar_data_uri("Maya Lin Chen", key=1))
    assert root.find(f"{SVG}text").text == "MC"
    assert root.get("aria-label") == "Maya Lin Chen"


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_or_empty_name_still_gives_a_valid_svg_with_no_markup_of_its_own(name):
    root = _svg(avatars.avatar_data_uri(name, key=name))
    assert root.tag == f"{SVG}svg"
    assert [child.tag for child in root] == [f"{SVG}circle", f"{SVG}text"]  # no injected element
    assert set(root.attrib) == {"width", "height", "viewBox", "role", "aria-label"}  # no injected attribute
    assert root.get("aria-label") == name
    assert root.find(f"{SVG}text").text


def test_a_name_without_letters_shows_a_question_mark():
    assert avatars.initials("") == "?"
    assert avatars.initials("😀 !!") == "?"


def test_the_svg_text_escapes_markup_in_the_name():
    svg = avatars.avatar_svg('<b>"x"</b> <i>y</i>')
    assert "<b>" not in svg and "<i>" not in svg
