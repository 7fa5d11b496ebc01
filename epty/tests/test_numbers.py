"""One reading of whole numbers from user input: ASCII digits only, bounded length."""
import pytest

from epty.numbers import whole_number


@pytest.mark.parametrize("text, number", [("7500000", 7_500_000), (" 42 ", 42), (0, 0), (12, 12)])
def test_ascii_digits_and_ints_are_numbers(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["²", "7²", "٣", "１２", "1e6", "1.5", "", " ", "+5", "-5", "0x10", True, None, 1.0,
                                  [1], "9" * 19, "9" * 5000, 10**18, -1])
def test_anything_else_is_not_a_number(text):
    assert whole_number(text) is None


def test_separators_and_a_sign_only_where_asked():
    assert whole_number("7 500 000") is None and whole_number("7 500 000", separators=True) == 7_500_000
    assert whole_number("7_500_000", separators=True) == 7_500_000
    assert whole_number("-3") is None and whole_number("-3", signed=True) == -3 and whole_number(-3, signed=True) == -3
    assert whole_number("--3", signed=True) is None and whole_number("-", signed=True) is None


def test_a_5000_digit_string_is_refused_without_converting_it():
    assert whole_number("9" * 5000, separators=True) is None
    assert whole_number(" " * 5000 + "1") is None
