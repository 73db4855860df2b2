import pytest

from backend.providers.npi import is_valid_npi, npi_check_digit


def luhn_with_prefix(npi: str) -> bool:
    """The CMS definition, written out the long way: Luhn over '80840' + the ten digits."""
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit * 2 > 9 else digit * 2
        total += digit
    return total % 10 == 0


def test_cms_example_npi_is_valid():
    assert is_valid_npi("1234567893")  # the example in the CMS NPI check-digit paper
    assert npi_check_digit("123456789") == 3


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678931", "12345678a3", ""])
def test_invalid_npis(npi):
    assert not is_valid_npi(npi)


def test_check_digit_agrees_with_the_long_form_for_many_numbers():
    for base in range(100_000_000, 100_000_000 + 5_000, 7):
        first_nine = str(base)
        npi = first_nine + str(npi_check_digit(first_nine))
        assert luhn_with_prefix(npi), npi
        wrong = first_nine + str((npi_check_digit(first_nine) + 1) % 10)
        assert not luhn_with_prefix(wrong)
