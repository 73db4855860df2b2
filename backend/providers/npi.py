"""NPI check digit: Luhn over the 9 leading digits prefixed with the card issuer prefix 80840."""


def npi_check_digit(first_nine: str) -> int:
    """The tenth digit of an NPI whose first nine digits are given."""
    total = 24  # the Luhn contribution of the constant prefix 80840
    for position, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if position % 2 == 0:  # doubled, counting from the rightmost of the nine
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """True for a 10-digit string whose last digit is the Luhn check digit."""
    return len(npi) == 10 and npi.isdigit() and npi_check_digit(npi[:9]) == int(npi[9])
