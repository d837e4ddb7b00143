"""Organisers' files: every problem named with its line, and nothing imported until right."""

from __future__ import annotations

from fractions import Fraction

import pytest

from facilitation.recruitment.files import parse_people, parse_shares, parse_targets
from facilitation.recruitment.households import likely_household_column
from facilitation.recruitment.problems import ProblemsRefused
from facilitation.recruitment.targets import Target

TARGETS = b"feature,value,min,max\ngender,female,4,6\ngender,male,4,6\nage,16-29,2,4\nage,30+,6,8\n"
PEOPLE = (
    "id,name,email,gender,age,address\n"
    "p1,Kari Nordmann,kari@example.org,female,16-29,Storgata 1\n"
    "p2,Ola Nordmann,ola@example.org,Male,30+,storgata  1\n"
    "p3,Åse Ødegård,ase@example.org,female,30+,Fjellveien 2\n"
)


def _refusal(parse: object, *args: object, **kwargs: object) -> ProblemsRefused:
    with pytest.raises(ProblemsRefused) as refused:
        parse(*args, **kwargs)  # type: ignore[operator]
    return refused.value


def test_a_targets_file_is_read_with_its_bounds() -> None:
    targets = parse_targets(TARGETS)
    assert targets == {
        "gender": {"female": Target(4, 6), "male": Target(4, 6)},
        "age": {"16-29": Target(2, 4), "30+": Target(6, 8)},
    }


def test_flex_columns_and_the_old_category_headers_are_accepted() -> None:
    targets = parse_targets(b"category,name,min,max,min_flex,max_flex\ngender,female,4,6,2,9\n")
    assert targets == {"gender": {"female": Target(4, 6, 2, 9)}}


def test_every_problem_in_a_targets_file_is_reported_with_its_line() -> None:
    refusal = _refusal(
        parse_targets,
        b"feature,value,min,max\n"
        b"gender,female,four,6\n"
        b"gender,male,7,6\n"
        b"gender,FEMALE,1,2\n"
        b"age,,1,2\n"
        b"age,old,-1,2\n",
    )
    assert [(p.line, p.column) for p in refusal.problems] == [
        (2, "min"),
        (3, "min"),
        (4, "value"),
        (5, "value"),
        (6, "min"),
    ]
    assert str(refusal.problems[0]) == "Line 2, column min: four is not a whole number."
    assert str(refusal.problems[1]) == "Line 3: the min (7) is more than the max (6)."
    assert "first on line 2" in str(refusal.problems[2])
    assert str(refusal) == "Nothing was imported: the file has 5 problems."


def test_a_targets_file_without_a_max_column_is_refused() -> None:
    refusal = _refusal(parse_targets, b"feature,value,min\ngender,female,4\n")
    assert [str(p) for p in refusal.problems] == ["Line 1: the column max is missing."]


def test_people_are_read_with_contact_details_kept_apart() -> None:
    parsed = parse_people(PEOPLE.encode(), parse_targets(TARGETS), household_column="address")
    assert [p.id for p in parsed.registrants] == ["p1", "p2", "p3"]
    first, second, third = parsed.registrants
    assert second.features == {"gender": "male", "age": "30+"}  # spelled as in the targets
    assert first.household == second.household != third.household
    assert "Storgata" not in str(parsed.registrants)
    assert parsed.contact_columns == ("name", "email", "address")
    assert parsed.contacts["p3"] == {
        "name": "Åse Ødegård",
        "email": "ase@example.org",
        "address": "Fjellveien 2",
    }


def test_a_byte_order_mark_and_semicolons_are_fine() -> None:
    data = "\ufeff" + PEOPLE.replace(",", ";")
    parsed = parse_people(data.encode("utf-8"), parse_targets(TARGETS))
    assert len(parsed.registrants) == 3


def test_extra_columns_for_seating_are_kept_with_the_person() -> None:
    data = PEOPLE.replace("address\n", "address,language\n").replace("\n", ",norsk\n")
    data = data.replace("address,norsk", "address,language")
    parsed = parse_people(data.encode(), parse_targets(TARGETS), extra_columns=["language"])
    assert parsed.extras["p1"] == {"language": "norsk"}
    assert "language" not in parsed.contact_columns


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            PEOPLE.replace(",age", ",alder"),
            ["Line 1: the column age is missing."],
        ),
        (
            PEOPLE.replace("female,16-29", "female,12-15"),
            [
                "Line 2, column age: 12-15 is not a value of age in the targets file "
                "(expected one of: 16-29, 30+)."
            ],
        ),
        (
            PEOPLE.replace("p3,", "p1,"),
            ["Line 4, column id: the id p1 is used twice (first on line 2)."],
        ),
        (
            PEOPLE.replace("p2,", ","),
            ["Line 3, column id: this cell is empty."],
        ),
        (
            "",
            ["Line 1: the file is empty."],
        ),
        (
            "id,name,email,gender,age,address\n",
            ["Line 2: the file has a header but no rows below it."],
        ),
    ],
    ids=["missing column", "unknown value", "duplicate id", "empty id", "empty file", "no rows"],
)
def test_a_broken_people_file_names_the_line_and_imports_nothing(
    data: str, expected: list[str]
) -> None:
    refusal = _refusal(parse_people, data.encode(), parse_targets(TARGETS))
    assert [str(p) for p in refusal.problems] == expected


def test_all_problems_of_a_people_file_are_reported_at_once() -> None:
    data = PEOPLE.replace(",age", ",alder").replace("p3,", "p1,").replace("Male", "mann")
    refusal = _refusal(parse_people, data.encode(), parse_targets(TARGETS))
    assert [(p.line, p.column) for p in refusal.problems] == [
        (1, "age"),
        (3, "gender"),
        (4, "id"),
    ]


def test_a_file_in_windows_1252_is_refused_with_the_lines_to_fix() -> None:
    refusal = _refusal(parse_people, PEOPLE.encode("cp1252"), parse_targets(TARGETS))
    assert [(p.line, p.column) for p in refusal.problems] == [(4, "4")]  # the Å
    assert "CSV UTF-8" in str(refusal.problems[0])


def test_a_file_in_utf_16_is_refused() -> None:
    refusal = _refusal(parse_people, PEOPLE.encode("utf-16"), parse_targets(TARGETS))
    assert "UTF-16" in str(refusal.problems[0])


def test_a_row_with_too_many_cells_is_refused() -> None:
    refusal = _refusal(
        parse_people,
        (PEOPLE + "p4,X,x@example.org,male,30+,Vei 3,extra\n").encode(),
        parse_targets(TARGETS),
    )
    assert str(refusal.problems[0]) == "Line 5: the row has 7 cells but the header has 6 columns."


def test_an_unclosed_quote_is_refused() -> None:
    refusal = _refusal(
        parse_people,
        (PEOPLE + 'p4,"X,x@example.org,male,30+,Vei 3\n').encode(),
        parse_targets(TARGETS),
    )
    assert str(refusal.problems[0]) == "Line 5: a quotation mark is out of place or not closed."


def test_population_shares_may_be_percentages_with_a_decimal_comma() -> None:
    shares = parse_shares(b"feature;value;share\ngender;female;50,5\ngender;male;49,5\n")
    assert shares == {"gender": {"female": Fraction(101, 200), "male": Fraction(99, 200)}}


def test_population_shares_may_be_head_counts() -> None:
    shares = parse_shares(b"feature,value,share\nage,young,300\nage,old,100\n")
    assert shares == {"age": {"young": Fraction(3, 4), "old": Fraction(1, 4)}}


def test_bad_shares_are_reported_with_their_line() -> None:
    refusal = _refusal(parse_shares, b"feature,value,share\nage,young,many\nage,old,-2\n")
    assert [(p.line, p.column) for p in refusal.problems] == [(2, "share"), (3, "share")]


@pytest.mark.parametrize(
    ("header", "found"),
    [
        (["id", "gender", "address"], "address"),
        (["id", "Navn", "E-post", "Bostedsadresse"], "Bostedsadresse"),
        (["id", "E-mail address", "Street address"], "Street address"),
        (["id", "Adresse", "Husstand"], "Husstand"),  # a household id is exact
        (["id", "Household ID", "address"], "Household ID"),
        (["id", "Hushald"], "Hushald"),
        (["id", "email_address", "IP-adresse", "web address"], None),
        (["id", "IP address", "Shipping address"], "Shipping address"),
        (["id", "gender", "age"], None),
    ],
)
def test_a_likely_household_or_address_column_is_found_by_its_name(
    header: list[str], found: str | None
) -> None:
    assert likely_household_column(header) == found


def test_a_column_used_for_something_else_is_never_taken_for_the_household() -> None:
    assert likely_household_column(["id", "address", "home address"], {"address"}) == (
        "home address"
    )


def test_the_pool_finds_its_household_column_when_asked_to() -> None:
    targets = parse_targets(TARGETS)
    found = parse_people(PEOPLE.encode(), targets, find_household=True)
    assert found.household_column == "address"
    first, second, third = found.registrants
    assert first.household == second.household != third.household
    named = parse_people(PEOPLE.encode(), targets, household_column="email", find_household=True)
    assert named.household_column == "email"  # what the organiser names wins
    off = parse_people(PEOPLE.encode(), targets)
    assert off.household_column is None
    assert {person.household for person in off.registrants} == {None}
