"""Property tests of user input: money parsing, integer limits and text fields through real services on each backend."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import money, validate
from core.errors import InvalidInput
from core.marketplace import accounts, campaigns
from core.platform.timeutil import today
from tests import factories as f

# Database properties reuse one function-scoped database across examples on purpose: each example is
# its own transaction, and what it writes does not affect the next one.
DB_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
PURE_SETTINGS = settings(max_examples=400, deadline=None)

# Every code point, surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
NASTY_CHAR = st.sampled_from(["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\u2028"])
# Half the time text a person could type (so the stored path is exercised), half the time anything at all.
TYPABLE = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co")) | st.sampled_from("\n\t\r "), max_size=130)
ANY_TEXT = TYPABLE | st.text(st.one_of(ANY_CHAR, NASTY_CHAR), max_size=140)
AMOUNT_CHARS = st.sampled_from(list("0123456789,.$ -+eE_") + ["١", "٫", "\u00a0", "\x00"])


# ---- money ----------------------------------------------------------------------------------------------------


@PURE_SETTINGS
@given(st.integers(min_value=0, max_value=money.MAX_CENTS))
def test_any_amount_formatted_for_people_parses_back_to_the_same_cents(cents):
    shown = money.format_cents(cents)
    assert money.to_cents(shown) == cents
    assert money.to_cents(shown.lstrip("$").replace(",", "")) == cents


def _obvious_cents(raw: str) -> int:
    """The reading every person would agree on: drop the $, spaces and thousands commas; round half-up."""
    plain = raw.strip().removeprefix("$").strip().replace(",", "")
    return int((Decimal(plain) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


@PURE_SETTINGS
@given(st.text(AMOUNT_CHARS, max_size=20) | st.from_regex(r"\A\$?[0-9]{1,3}(,[0-9]{3}){0,4}(\.[0-9]{0,4})?\Z"))
@example("1,50")
@example("1.500,00")
@example("1,2,3")
@example("1e308")
def test_an_accepted_amount_means_the_obvious_and_anything_else_is_an_input_error(raw):
    try:
        cents = money.to_cents(raw)
    except InvalidInput as error:
        assert error.message  # refused, with a reason, never another exception
        return
    assert cents == _obvious_cents(raw)
    whole = raw.strip().removeprefix("$").strip().split(".")[0]
    groups = whole.split(",")
    # Commas only ever separate thousands: "1,50" or "1,2,3" are never read as 150 or 123.
    assert len(groups) == 1 or (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))
    assert 0 <= cents <= money.MAX_CENTS


@PURE_SETTINGS
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.text(max_size=40),
        st.booleans(),
        st.none(),
    )
)
def test_any_value_given_as_an_amount_gives_bounded_cents_or_an_input_error(value):
    try:
        cents = money.to_cents(value)
    except InvalidInput:
        return
    assert isinstance(cents, int) and 0 <= cents <= money.MAX_CENTS


# ---- integers -------------------------------------------------------------------------------------------------


@PURE_SETTINGS
@given(
    st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.text(st.sampled_from(list("0123456789,+-.e ")), max_size=40),
        st.text(max_size=10),
        st.booleans(),
        st.none(),
    ),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=0, max_value=2**63),
)
def test_a_whole_number_is_within_its_limits_or_an_input_error(value, minimum, span):
    maximum = min(minimum + span, validate.BIGINT_MAX)
    try:
        number = validate.integer(value, field="Followers", minimum=minimum, maximum=maximum)
    except InvalidInput as error:
        assert error.message.startswith("Followers ")
        return
    assert type(number) is int and minimum <= number <= maximum
    assert not isinstance(value, bool)


@PURE_SETTINGS
@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_every_bigint_written_plainly_or_with_thousands_commas_reads_back(number):
    bounds = {"minimum": -(2**63), "maximum": validate.BIGINT_MAX}
    assert validate.integer(str(number), field="N", **bounds) == number
    assert validate.integer(f"{number:,}", field="N", **bounds) == number


# ---- text through real services, on SQLite and PostgreSQL ------------------------------------------------------


def _expected(value: str, *, multiline: bool) -> str:
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


@pytest.fixture
def influencer(database):
    """One influencer for all examples of a property (one per example would multiply the run time)."""
    return f.influencer(database)


@pytest.fixture
def sponsor(database):
    return f.sponsor(database)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@DB_SETTINGS
@given(name=ANY_TEXT, bio=ANY_TEXT, niche=ANY_TEXT)
@example(name="Zoë 👩‍👩‍👧 \u202eevil", bio="line\r\n\tmore", niche="").via("must be stored")
@example(name="a\x00b", bio="", niche="").via("NUL refused")
def test_profile_text_is_refused_or_stored_and_read_back_unchanged(database, influencer, name, bio, niche):
    try:
        f.write(
            database,
            lambda s: accounts.update_influencer_profile(
                s,
                actor=influencer,
                display_name=name,
                category="Fitness",
                niche=niche,
                platform="instagram",
                followers=10,
                engagement_rate=1.0,
                bio=bio,
            ),
        )
    except InvalidInput:
        return
    stored = f.read(
        database, lambda s: accounts.get_influencer_profile(s, actor=influencer, influencer_id=influencer.id)
    )
    assert (stored["display_name"], stored["niche"] or "", stored["bio"] or "") == (
        _expected(name, multiline=False),
        _expected(niche, multiline=False),
        _expected(bio, multiline=True),
    )
    stored_text = stored["display_name"] + stored["bio"]
    assert not _CONTROL.search(stored_text) and not any(0xD800 <= ord(c) <= 0xDFFF for c in stored_text)


@DB_SETTINGS
@given(name=ANY_TEXT, description=ANY_TEXT)
@example(name="Spring — 春", description="a\rb\n\n c").via("must be stored")
def test_campaign_text_is_refused_or_stored_and_read_back_unchanged(database, sponsor, name, description):
    try:
        campaign_id = f.write(
            database,
            lambda s: campaigns.create_campaign(
                s,
                actor=sponsor,
                name=name,
                category="Food",
                description=description,
                start_date=today(),
                end_date=today() + dt.timedelta(days=1),
                budget_cents=1_000,
            ),
        )
    except InvalidInput:
        return
    stored = f.read(database, lambda s: campaigns.get_campaign(s, actor=sponsor, campaign_id=campaign_id))
    assert (stored["name"], stored["description"]) == (
        _expected(name, multiline=False),
        _expected(description, multiline=True),
    )


@DB_SETTINGS
@given(
    followers=st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(st.sampled_from(list("0123456789,.e-")), max_size=35),
    )
)
@example(followers="1,500,000").via("must be stored")
@example(followers=float("inf")).via("was an OverflowError")
def test_follower_counts_are_refused_or_stored_exactly(database, influencer, followers):
    try:
        f.write(
            database,
            lambda s: accounts.update_influencer_profile(
                s,
                actor=influencer,
                display_name="Steady",
                category="Fitness",
                platform="instagram",
                followers=followers,
                engagement_rate=1.0,
            ),
        )
    except InvalidInput:
        return
    stored = f.read(
        database, lambda s: accounts.get_influencer_profile(s, actor=influencer, influencer_id=influencer.id)
    )
    assert stored["followers"] == validate.integer(followers, field="Followers")
