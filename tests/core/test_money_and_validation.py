"""Money parsing and the input checks, then bad input through the services: an explained error, nothing changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core import money, validate
from core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from core.marketplace import accounts, ad_requests, campaigns, search
from core.platform.timeutil import today
from tests import factories as f

# ---- money -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, cents",
    [
        ("12.50", 1250),
        ("1,500", 150_000),
        (" 7 ", 700),
        (3, 300),
        (Decimal("0.005"), 1),
        ("0.004", 0),
        ("19.999", 2000),
        (2.675, 268),
        ("0", 0),
        ("1,500.00", 150_000),
        ("1500.5", 150_050),
        ("$1,500", 150_000),
        ("$ 1,234,567.89", 123_456_789),
        ("1500.", 150_000),
        (".5", 50),
        (10**11, 10**13),
    ],
)
def test_amounts_typed_by_users_become_exact_cents(raw, cents):
    assert money.to_cents(raw) == cents


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "Amount is required."),
        (None, "Amount is required."),
        ("  ", "Amount is required."),
        ("ten", "must be a number"),
        ("12.5.1", "must be a number"),
        ("nan", "must be a number"),
        ("inf", "must be a number"),
        ("-1", "cannot be negative"),
        ("100000000001", "too large"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(raw, message):
    with pytest.raises(InvalidInput, match=message):
        money.to_cents(raw)


@pytest.mark.parametrize(
    "raw", ["1,50", "1.500,00", "1,2,3", "1,5000", "12,34.5", "1 500", "1.5.0", "1,500,00", ",500"]
)
def test_amounts_with_commas_in_odd_places_are_refused_with_an_example_not_guessed(raw):
    with pytest.raises(InvalidInput, match=r"like 1500, 1500\.50, 1,500\.00"):
        money.to_cents(raw)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("1e308", "without an exponent"),
        ("1E3", "without an exponent"),
        (1e308, "too large"),
        ("9" * 30, "too large"),
        pytest.param("9" * 5000, "too large", id="5000 digits"),
        (10**30, "too large"),
        (Decimal("1e400"), "too large"),
        (Decimal("NaN"), "must be a number"),
        (Decimal("-Infinity"), "must be a number"),
        (float("nan"), "must be a number"),
        (float("-inf"), "must be a number"),
        ("-0", "cannot be negative"),
        (-0.0, "cannot be negative"),
        ("$-5", "cannot be negative"),
        ("١٢", "must be a number"),
        (True, "must be a number"),
    ],
)
def test_huge_or_non_finite_amounts_are_refused_as_input_errors(raw, message):
    with pytest.raises(InvalidInput, match=message):
        money.to_cents(raw)


def test_the_largest_amount_is_documented_and_fits_a_bigint():
    assert money.to_cents(money.MAX_CENTS // 100) == money.MAX_CENTS < 2**63 - 1
    with pytest.raises(InvalidInput, match=r"Budget is too large: the most we accept is \$100,000,000,000\.00"):
        money.check_cents(money.MAX_CENTS + 1, field="Budget")


def test_zero_can_be_refused_where_a_payment_is_needed():
    with pytest.raises(InvalidInput, match="Payment must be more than zero"):
        money.to_cents("0", field="Payment", allow_zero=False)
    assert money.to_cents("0.01", allow_zero=False) == 1


@pytest.mark.parametrize("value", [1.5, "100", True, None, Decimal(1)])
def test_cents_must_be_a_whole_int(value):
    with pytest.raises(InvalidInput, match="whole number of cents"):
        money.check_cents(value)


@pytest.mark.parametrize(
    "cents, text",
    [
        (0, "$0.00"),
        (5, "$0.05"),
        (123_456_789, "$1,234,567.89"),
        (-250, "-$2.50"),
        (None, "—"),
    ],
)
def test_cents_are_formatted_for_people(cents, text):
    assert money.format_cents(cents) == text


def test_formatting_and_parsing_round_trip():
    for cents in (0, 1, 99, 100, 101, 123_456, 10**12):
        assert money.to_cents(money.format_cents(cents).lstrip("$")) == cents


# ---- validation helpers ------------------------------------------------------------------------------------


def test_text_is_trimmed_and_length_checked():
    assert validate.text("  hi  ", "Name", max_len=5) == "hi"
    assert validate.text(None, "Bio", max_len=5, required=False) == ""
    with pytest.raises(InvalidInput, match="Name is required"):
        validate.text("   ", "Name", max_len=5)
    with pytest.raises(InvalidInput, match="Name must be at most 5 characters"):
        validate.text("abcdef", "Name", max_len=5)
    with pytest.raises(InvalidInput, match="at least 3"):
        validate.text("ab", "Name", max_len=5, min_len=3)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800", "\ufffe", "\U0010ffff"])
def test_text_with_a_control_character_or_non_character_is_refused_before_it_reaches_the_database(char):
    for multiline in (False, True):
        with pytest.raises(InvalidInput, match=r"Bio contains a character that cannot be stored \(U\+"):
            validate.text(f"ab{char}cd", "Bio", max_len=50, multiline=multiline)


def test_only_multi_line_fields_accept_newlines_and_tabs_and_line_ends_are_made_one_kind():
    assert validate.text("a\r\nb\rc\n\td", "Bio", max_len=50, multiline=True) == "a\nb\nc\n\td"
    with pytest.raises(InvalidInput, match=r"Name contains a character that cannot be stored \(a line break\)"):
        validate.text("a\nb", "Name", max_len=50)
    with pytest.raises(InvalidInput, match=r"\(a tab\)"):
        validate.text("a\tb", "Name", max_len=50)
    assert validate.text("Zoë 👩‍👩‍👧 مرحبا", "Name", max_len=50) == "Zoë 👩‍👩‍👧 مرحبا"


@pytest.mark.parametrize(
    "bad", ["[x](http://evil.example)@evil.example", "<b>@x.io", "a,b@x.io", 'a"b@x.io', "a@[1.2.3.4]"]
)
def test_emails_with_characters_outside_a_plain_address_are_refused(bad):
    with pytest.raises(InvalidInput, match="valid email address"):
        validate.email(bad)


@pytest.mark.parametrize("good", ["o'brien+tag@mail.example.com", "zoë@exämple.de", "a.b-c_d@x.io"])
def test_ordinary_emails_with_plus_apostrophe_or_accents_are_accepted(good):
    assert validate.email(good) == good


@pytest.mark.parametrize("bad", ["a\x00@b.co", "https://x.io/\x00"])
def test_emails_and_links_with_a_nul_byte_are_refused(bad):
    with pytest.raises(InvalidInput):
        validate.email(bad) if "@" in bad else validate.url(bad, "Link")


@pytest.mark.parametrize(
    "raw, number",
    [(42, 42), ("42", 42), (" 1,500 ", 1500), (3.0, 3), (Decimal(7), 7), ("+5", 5), (2**63 - 1, 2**63 - 1)],
)
def test_whole_numbers_are_read_from_ints_plain_strings_and_integral_floats(raw, number):
    assert validate.integer(raw, field="Followers") == number


@pytest.mark.parametrize(
    "raw, message",
    [
        (float("inf"), "must be a whole number"),
        (float("nan"), "must be a whole number"),
        ("inf", "must be a whole number"),
        ("1e3", "must be a whole number"),
        (1e300, "is too large"),
        (10**30, "is too large"),
        pytest.param("9" * 5000, "is too large", id="5000 digits"),
        (2**63, "is too large"),
        (3.5, "must be a whole number"),
        ("1,50", "must be a whole number"),
        (True, "must be a whole number"),
        (None, "must be a whole number"),
        ("-3", "cannot be less than 0"),
    ],
)
def test_whole_numbers_refuse_infinity_fractions_exponents_and_values_beyond_a_bigint(raw, message):
    with pytest.raises(InvalidInput, match=f"Followers {message}"):
        validate.integer(raw, field="Followers")


def test_a_huge_negative_number_written_out_is_not_mistaken_for_the_smallest_bigint():
    with pytest.raises(InvalidInput, match="cannot be less than"):
        validate.integer("-" + "9" * 40, field="Offset", minimum=-(2**63))


def test_a_whole_number_limit_is_stated_in_the_message():
    with pytest.raises(InvalidInput, match="Page size is too large: at most 500"):
        validate.integer(501, field="Page size", minimum=1, maximum=500)
    with pytest.raises(InvalidInput, match="Page size cannot be less than 1"):
        validate.integer(0, field="Page size", minimum=1, maximum=500)


@pytest.mark.parametrize("good", ["abc", "a.b-c_d", "x" * 40, "  MixedCase9 "])
def test_good_usernames_are_normalised(good):
    assert validate.username(good) == good.strip().lower()


@pytest.mark.parametrize("bad", ["ab", "x" * 41, "-start", "has space", "émile", "", None, "semi;colon"])
def test_bad_usernames_are_refused(bad):
    with pytest.raises(InvalidInput, match="Username must be 3–40 characters"):
        validate.username(bad)


@pytest.mark.parametrize("bad", ["plain", "a@b", "@b.co", "a b@c.de", "a@b.c@d", "x" * 250 + "@b.co", ""])
def test_bad_emails_are_refused(bad):
    with pytest.raises(InvalidInput, match="valid email address"):
        validate.email(bad)


def test_emails_are_normalised():
    assert validate.email("  Name@Example.COM ") == "name@example.com"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("short1", "at least 8"),
        ("lettersonly", "one letter and one digit"),
        ("12345678", "one letter and one digit"),
        ("a1" * 37, "at most 72 bytes"),
        ("", "at least 8"),
        (None, "at least 8"),
    ],
)
def test_weak_passwords_are_refused(bad, message):
    with pytest.raises(InvalidInput, match=message):
        validate.password(bad)


def test_urls_numbers_percentages_and_dates():
    assert validate.url("  https://x.io/a ", "Link") == "https://x.io/a" and validate.url("", "Link") is None
    with pytest.raises(InvalidInput, match="Link is required"):
        validate.url("", "Link", required=True)
    for bad in ("ftp://x.io", "javascript:alert(1)", "https://a b"):
        with pytest.raises(InvalidInput, match="must be a web address"):
            validate.url(bad, "Link")
    assert validate.whole_number("42", "N") == 42 and validate.whole_number(3.0, "N") == 3
    for bad, message in (
        (3.5, "whole number"),
        ("x", "whole number"),
        (True, "whole number"),
        (-1, "less than 0"),
        (10**13, "too large"),
    ):
        with pytest.raises(InvalidInput, match=message):
            validate.whole_number(bad, "N")
    assert validate.percent("4.567", "Rate") == 4.57
    for bad in ("x", -0.1, 100.1, "nan"):
        with pytest.raises(InvalidInput, match="Rate must be"):
            validate.percent(bad, "Rate")
    assert validate.date("2026-01-31", "D") == dt.date(2026, 1, 31)
    assert validate.date(dt.datetime(2026, 1, 31, 10), "D") == dt.date(2026, 1, 31)
    with pytest.raises(InvalidInput, match="D must be a date"):
        validate.date("31/01/2026", "D")
    assert validate.date_range("2026-01-01", "2026-01-01") == (dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="End date cannot be before the start date"):
        validate.date_range("2026-01-02", "2026-01-01")
    assert validate.choice(" Active ", "Status", ("active",)) == "active"
    with pytest.raises(InvalidInput, match="Status must be one of: active"):
        validate.choice("paused", "Status", ("active",))


# ---- bad input through the services: a DomainError with a readable message, and nothing changes ----------


def _register_influencer(**overrides):
    fields = {
        "username": "fresh_one",
        "email": "fresh@example.com",
        "password": "Good-pass-1",
        "display_name": "Fresh",
        "category": "Fitness",
        "platform": "instagram",
        "followers": 10,
        "engagement_rate": 1.0,
    }
    fields.update(overrides)
    return lambda s, w: accounts.register_influencer(s, **fields)


def _register_sponsor(**overrides):
    fields = {"username": "fresh_brand", "email": "brand@example.com", "password": "Good-pass-1", "name": "Brand"}
    fields.update(overrides)
    return lambda s, w: accounts.register_sponsor(s, **fields)


def _create_campaign(**overrides):
    fields = {
        "name": "Launch",
        "category": "Food",
        "start_date": today(),
        "end_date": today() + dt.timedelta(days=3),
        "budget_cents": 1_000,
    }
    fields.update(overrides)
    return lambda s, w: campaigns.create_campaign(s, actor=w["sponsor"], **fields)


BAD_INPUT = {
    "negative budget": (_create_campaign(budget_cents=-1), InvalidInput, "Budget cannot be negative"),
    "budget in float currency": (_create_campaign(budget_cents=10.5), InvalidInput, "whole number of cents"),
    "end before start": (
        _create_campaign(end_date=today() - dt.timedelta(days=1)),
        InvalidInput,
        "End date cannot be before the start date",
    ),
    "empty campaign name": (_create_campaign(name="   "), InvalidInput, "Campaign name is required"),
    "unknown campaign status": (_create_campaign(status="paused"), InvalidInput, "Status must be one of"),
    "bad status change value": (
        lambda s, w: campaigns.set_status(s, actor=w["sponsor"], campaign_id=w["campaign"], status="archived"),
        InvalidInput,
        "Status must be one of",
    ),
    "budget below committed": (
        lambda s, w: campaigns.update_campaign(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            name="X",
            category="Fitness",
            start_date=today(),
            end_date=today(),
            budget_cents=5_000,
        ),
        InvalidInput,
        "already committed",
    ),
    "payment above remaining budget": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=w["other"].id,
            payment_cents=90_001,
            requirements="Post",
        ),
        InvalidInput,
        "more than this campaign has left",
    ),
    "zero payment": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=w["other"].id,
            payment_cents=0,
            requirements="Post",
        ),
        InvalidInput,
        "Payment must be more than zero",
    ),
    "empty requirements": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=w["other"].id,
            payment_cents=100,
            requirements="",
        ),
        InvalidInput,
        "Requirements is required",
    ),
    "acting out of turn": (
        lambda s, w: ad_requests.accept(
            s, actor=w["sponsor"], ad_request_id=w["offer"], expected_version=ad_requests.current_version(s, w["offer"])
        ),
        Conflict,
        "influencer's turn",
    ),
    "countering with the same amount": (
        lambda s, w: ad_requests.counter_offer(
            s,
            actor=w["influencer"],
            ad_request_id=w["offer"],
            expected_version=ad_requests.current_version(s, w["offer"]),
            payment_cents=10_000,
            message="Same",
        ),
        InvalidInput,
        "needs a different amount",
    ),
    "countering without a message": (
        lambda s, w: ad_requests.counter_offer(
            s,
            actor=w["influencer"],
            ad_request_id=w["offer"],
            expected_version=ad_requests.current_version(s, w["offer"]),
            payment_cents=12_000,
            message=" ",
        ),
        InvalidInput,
        "Message is required",
    ),
    "accepting a closed request": (
        lambda s, w: ad_requests.accept(
            s,
            actor=w["other"],
            ad_request_id=w["accepted"],
            expected_version=ad_requests.current_version(s, w["accepted"]),
        ),
        Conflict,
        "already accepted",
    ),
    "unknown ad request": (
        lambda s, w: ad_requests.accept(
            s, actor=w["influencer"], ad_request_id=987_654, expected_version=ad_requests.current_version(s, 987_654)
        ),
        NotFound,
        "does not exist",
    ),
    "unknown campaign": (
        lambda s, w: campaigns.set_visibility(s, actor=w["sponsor"], campaign_id=987_654, is_public=True),
        NotFound,
        "does not exist",
    ),
    "unknown campaign for a request": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=987_654,
            influencer_id=w["other"].id,
            payment_cents=100,
            requirements="Post",
        ),
        NotFound,
        "does not exist",
    ),
    "unknown influencer": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=987_654,
            payment_cents=100,
            requirements="Post",
        ),
        NotFound,
        "does not exist",
    ),
    "unknown user to flag": (
        lambda s, w: accounts.flag_user(s, actor=w["admin"], user_id=987_654, reason="x"),
        NotFound,
        "does not exist",
    ),
    "empty flag reason": (
        lambda s, w: accounts.flag_user(s, actor=w["admin"], user_id=w["other"].id, reason=""),
        InvalidInput,
        "Reason is required",
    ),
    "empty display name": (_register_influencer(display_name=""), InvalidInput, "Display name is required"),
    "bad email": (_register_influencer(email="fresh-at-example"), InvalidInput, "valid email address"),
    "weak password": (_register_influencer(password="password"), InvalidInput, "one letter and one digit"),
    "bad username": (_register_influencer(username="a b"), InvalidInput, "Username must be"),
    "duplicate username": (
        lambda s, w: accounts.register_influencer(
            s,
            username=w["influencer"].username.upper(),
            email="new@example.com",
            password="Good-pass-1",
            display_name="Copy",
            category="Fitness",
            platform="instagram",
            followers=1,
        ),
        Conflict,
        "username is taken",
    ),
    "duplicate email": (
        lambda s, w: accounts.register_sponsor(
            s,
            username="brand_new",
            email=f"  {w['influencer'].username.upper()}@EXAMPLE.com",
            password="Good-pass-1",
            name="Copy",
        ),
        Conflict,
        "email already exists",
    ),
    "unknown platform": (_register_influencer(platform="myspace"), InvalidInput, "Platform must be one of"),
    "negative followers": (_register_influencer(followers=-5), InvalidInput, "Followers cannot be less than 0"),
    "engagement above 100": (_register_influencer(engagement_rate=140), InvalidInput, "between 0 and 100"),
    "bad profile url": (_register_influencer(profile_url="instagram.com/me"), InvalidInput, "web address"),
    "bad sponsor kind": (_register_sponsor(kind="charity"), InvalidInput, "Sponsor type must be one of"),
    "negative sponsor budget": (_register_sponsor(budget_cents=-100), InvalidInput, "Budget cannot be negative"),
    "empty sponsor name": (_register_sponsor(name=""), InvalidInput, "Company or name is required"),
    "wrong current password": (
        lambda s, w: accounts.change_password(
            s, actor=w["influencer"], current_password="Not-it-123", new_password="Brand-new-77"
        ),
        InvalidInput,
        "current password is not correct",
    ),
    "weak new password": (
        lambda s, w: accounts.change_password(
            s, actor=w["influencer"], current_password=f.PASSWORD, new_password="short"
        ),
        InvalidInput,
        "at least 8",
    ),
    "bad profile update": (
        lambda s, w: accounts.update_influencer_profile(
            s,
            actor=w["influencer"],
            display_name="",
            category="Food",
            platform="tiktok",
            followers=1,
            engagement_rate=1,
        ),
        InvalidInput,
        "Display name is required",
    ),
    "empty bulk selection": (
        lambda s, w: ad_requests.bulk_reject(
            s, actor=w["influencer"], expected_versions={i: ad_requests.current_version(s, i) for i in []}
        ),
        InvalidInput,
        "at least one",
    ),
    "NUL byte in a campaign name": (_create_campaign(name="Launch\x00"), InvalidInput, "Campaign name contains a"),
    "NUL byte in a description": (_create_campaign(description="a\n\x00b"), InvalidInput, "Description contains a"),
    "a 30-digit budget": (_create_campaign(budget_cents=10**30), InvalidInput, "Budget is too large"),
    "infinite followers": (_register_influencer(followers=float("inf")), InvalidInput, "Followers must be a whole"),
    "30-digit followers": (_register_influencer(followers="9" * 30), InvalidInput, "Followers is too large"),
    "NUL byte in a bio": (_register_influencer(bio="hi\x00"), InvalidInput, "Bio contains a"),
    "lone surrogate in a sponsor name": (_register_sponsor(name="Brand\ud800"), InvalidInput, "name contains a"),
    "NUL byte in a flag reason": (
        lambda s, w: accounts.flag_user(s, actor=w["admin"], user_id=w["other"].id, reason="spam\x00"),
        InvalidInput,
        "Reason contains a",
    ),
    "NUL byte in requirements": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=w["other"].id,
            payment_cents=100,
            requirements="Post\x00",
        ),
        InvalidInput,
        "Requirements contains a",
    ),
    "NUL byte in a counter-offer message": (
        lambda s, w: ad_requests.counter_offer(
            s,
            actor=w["influencer"],
            ad_request_id=w["offer"],
            expected_version=ad_requests.current_version(s, w["offer"]),
            payment_cents=12_000,
            message="More\x00",
        ),
        InvalidInput,
        "Message contains a",
    ),
    "NUL byte in the message sent with an offer": (
        lambda s, w: ad_requests.send_ad_request(
            s,
            actor=w["sponsor"],
            campaign_id=w["campaign"],
            influencer_id=w["other"].id,
            payment_cents=100,
            requirements="Post",
            message="Hi\x00",
        ),
        InvalidInput,
        "Message contains a",
    ),
    "NUL byte in the note of a cancelled campaign": (
        lambda s, w: campaigns.set_status(
            s, actor=w["sponsor"], campaign_id=w["campaign"], status="cancelled", note="Sorry\x00"
        ),
        InvalidInput,
        "Note contains a",
    ),
    "editing someone else's offer": (
        lambda s, w: ad_requests.edit_ad_request(
            s,
            actor=w["influencer"],
            ad_request_id=w["offer"],
            expected_version=ad_requests.current_version(s, w["offer"]),
            requirements="Mine",
            payment_cents=1,
        ),
        PermissionDenied,
        "Only the side that sent",
    ),
}


@pytest.fixture
def world(database):
    admin, sponsor = f.admin(database), f.sponsor(database)
    influencer, other = f.influencer(database), f.influencer(database)
    campaign_id = f.campaign(database, sponsor, budget_cents=100_000)
    offer = f.request(database, sponsor, campaign_id, influencer, payment_cents=10_000)
    accepted = f.request(database, sponsor, f.campaign(database, sponsor), other, payment_cents=10_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s, actor=other, ad_request_id=accepted, expected_version=ad_requests.current_version(s, accepted)
        ),
    )
    taken = f.request(database, sponsor, campaign_id, f.influencer(database), payment_cents=10_000)
    f.write(
        database,
        lambda s: ad_requests.accept(
            s,
            actor=f.actor(database, _influencer_of(database, taken)),
            ad_request_id=taken,
            expected_version=ad_requests.current_version(s, taken),
        ),
    )
    return {
        "admin": admin,
        "sponsor": sponsor,
        "influencer": influencer,
        "other": other,
        "campaign": campaign_id,
        "offer": offer,
        "accepted": accepted,
    }


def _influencer_of(db, request_id):
    from core.models import AdRequest

    return f.read(db, lambda s: s.get(AdRequest, request_id).influencer_id)


def test_every_kind_of_bad_input_is_explained_and_changes_nothing(database, world):
    before = f.snapshot(database)
    outcomes, wanted = {}, {}
    for case, (call, error, message) in BAD_INPUT.items():
        try:
            f.write(database, lambda s: call(s, world))
            outcomes[case] = "accepted without complaint"
        except DomainError as raised:
            outcomes[case] = (type(raised), message if message in raised.message else raised.message)
        wanted[case] = (error, message)
        if f.snapshot(database) != before:
            outcomes[case] = "changed the database"
            before = f.snapshot(database)
    assert outcomes == wanted


def test_multi_line_fields_keep_their_line_breaks_through_a_service(database):
    sponsor = f.sponsor(database)
    campaign_id = f.write(
        database,
        lambda s: campaigns.create_campaign(
            s,
            actor=sponsor,
            name="Spring",
            category="Food",
            description="Line one\r\n\tLine two",
            goals="Reach\nSales",
            start_date=today(),
            end_date=today(),
            budget_cents=1_000,
        ),
    )
    stored = f.read(database, lambda s: campaigns.get_campaign(s, actor=sponsor, campaign_id=campaign_id))
    assert (stored["description"], stored["goals"]) == ("Line one\n\tLine two", "Reach\nSales")


@pytest.mark.parametrize(
    "search",
    [
        pytest.param(lambda s, who: accounts.list_users(s, actor=who["admin"], text="ad\x00min"), id="users"),
        pytest.param(
            lambda s, who: campaigns.list_all_campaigns(s, actor=who["admin"], text="la\x00unch"), id="campaigns"
        ),
        pytest.param(
            lambda s, who: search.search_influencers(s, actor=who["admin"], limit=float("inf")), id="page size inf"
        ),
        pytest.param(
            lambda s, who: search.search_campaigns(s, actor=who["influencer"], limit="lots"), id="page size text"
        ),
    ],
)
def test_a_search_with_a_nul_byte_or_an_impossible_page_size_is_an_input_error_not_a_crash(database, search):
    who = {"admin": f.admin(database), "influencer": f.influencer(database)}
    with pytest.raises(InvalidInput):
        f.read(database, lambda s: search(s, who))


@pytest.mark.parametrize("number", [2**63, 10**30, -(2**70)])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda s, w, n: campaigns.get_campaign(s, actor=w["sponsor"], campaign_id=n), id="campaign id"),
        pytest.param(
            lambda s, w, n: ad_requests.accept(
                s, actor=w["influencer"], ad_request_id=n, expected_version=ad_requests.current_version(s, n)
            ),
            id="request id",
        ),
        pytest.param(lambda s, w, n: accounts.flag_user(s, actor=w["admin"], user_id=n, reason="x"), id="user id"),
        pytest.param(lambda s, w, n: campaigns.list_all_campaigns(s, actor=w["admin"], after_id=n), id="page cursor"),
    ],
)
def test_an_id_beyond_a_bigint_is_an_input_error_on_every_backend_not_a_driver_crash(database, call, number):
    who = {"admin": f.admin(database), "sponsor": f.sponsor(database), "influencer": f.influencer(database)}
    with pytest.raises(InvalidInput, match="too large"):
        f.write(database, lambda s: call(s, who, number))


def test_text_with_a_nul_byte_never_reaches_the_database_whatever_path_it_took(database):
    from sqlalchemy import select

    from core.models import User

    with pytest.raises(InvalidInput, match="cannot contain"):
        f.read(database, lambda s: s.scalars(select(User).where(User.username == "admin\x00")).all())
